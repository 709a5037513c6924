/*
 * handlers.c - the user service's routes (see handlers.h). No answer ever
 * carries a password or a hash: users go out as {"name","email"} only.
 */
#include "handlers.h"
#include "order_cart.h"

#include <stdio.h>
#include <string.h>

#include "passwords.h"
#include "rs_json.h"
#include "rs_redis.h"
#include "rs_service.h"
#include "rs_valid.h"

#define ORDERID_MAX 100
#define WRONG_LOGIN "name or password incorrect"

static users_store *store;

void user_handlers_init(users_store *s)
{
    store = s;
}

static void reply_unavailable(rs_request *req)
{
    rs_reply_error(req, 503, "database not available");
}

void get_health(rs_request *req)
{
    rs_reply_json(req, 200, json_pack("{s:s,s:b}", "app", "OK", "mongo", store->ops->is_up(store)));
}

void get_uniqueid(rs_request *req)
{
    const char *argv[] = {"INCR", "anonymous-counter"};
    double started = rs_now();
    redisReply *r = rs_redis_command(2, argv, NULL);
    rs_db_observe("redis", "incr", started);
    if (r == NULL || r->type != REDIS_REPLY_INTEGER) {
        if (r != NULL)
            freeReplyObject(r);
        rs_reply_error(req, 503, "redis not available");
        return;
    }
    char uuid[40];
    snprintf(uuid, sizeof uuid, "anonymous-%lld", r->integer);
    freeReplyObject(r);
    rs_reply_json(req, 200, json_pack("{s:s}", "uuid", uuid));
}

void check_user(rs_request *req)
{
    user_record u = {0};
    users_status st = store->ops->find(store, rs_req_param(req, "id"), &u);
    user_record_free(&u);
    if (st == USERS_OK)
        rs_reply_text(req, 200, "OK");
    else if (st == USERS_NOT_FOUND)
        rs_reply_error(req, 404, "user not found");
    else
        reply_unavailable(req);
}

void list_users(rs_request *req)
{
    rs_buf out = RS_BUF_INIT;
    users_status st = store->ops->list(store, &out);
    if (st != USERS_OK || out.failed) {
        rs_buf_free(&out);
        reply_unavailable(req);
        return;
    }
    size_t len;
    char *json = rs_buf_steal(&out, &len);
    rs_reply_raw(req, 200, "application/json", json, len);
}

void login(rs_request *req)
{
    json_t *body = rs_req_json(req);
    if (body == NULL)
        return;   /* answered 400 */
    const char *name, *password;
    if (!rs_json_string(body, "name", &name) || !rs_json_string(body, "password", &password) ||
        name[0] == '\0' || password[0] == '\0') {
        json_decref(body);
        rs_reply_error(req, 400, "name or password not supplied");
        return;
    }
    user_record u = {0};
    users_status st = rs_valid_id(name) ? store->ops->find(store, name, &u) : USERS_NOT_FOUND;
    if (st == USERS_UNAVAILABLE) {
        reply_unavailable(req);
    } else if (st == USERS_NOT_FOUND) {
        password_verify_nobody(password);   /* as slow as a wrong password */
        rs_reply_error(req, 404, WRONG_LOGIN);
    } else if (!password_verify(u.hash, password)) {
        rs_reply_error(req, 404, WRONG_LOGIN);
    } else {
        rs_reply_json(req, 200, json_pack("{s:s,s:s}", "name", name, "email", u.email));
    }
    user_record_free(&u);
    json_decref(body);
}

/* The reason a registration is refused, or NULL when it is acceptable. */
static const char *registration_problem(const json_t *body, const char **name,
                                        const char **email, const char **password)
{
    if (!rs_json_string(body, "name", name) || !rs_json_string(body, "email", email) ||
        !rs_json_string(body, "password", password) || (*name)[0] == '\0' ||
        (*email)[0] == '\0' || (*password)[0] == '\0')
        return "insufficient data";
    if (!rs_valid_id(*name))
        return "invalid name: 1 to 64 letters, digits, '.', '_' or '-'";
    if (!rs_valid_email(*email))
        return "invalid email";
    if (!password_acceptable(*password))
        return "password must be 6 to 128 characters";
    return NULL;
}

void register_user(rs_request *req)
{
    json_t *body = rs_req_json(req);
    if (body == NULL)
        return;
    const char *name = NULL, *email = NULL, *password = NULL;
    const char *problem = registration_problem(body, &name, &email, &password);
    char hash[PASSWORD_HASH_MAX];
    if (problem != NULL) {
        rs_reply_error(req, 400, problem);
    } else if (password_hash(password, hash) != 0) {
        rs_reply_error(req, 500, "cannot hash the password");
    } else {
        users_status st = store->ops->create(store, name, email, hash);
        if (st == USERS_OK)
            rs_reply_text(req, 200, "OK");
        else if (st == USERS_EXISTS)
            rs_reply_error(req, 400, "name already exists");
        else
            reply_unavailable(req);
    }
    json_decref(body);
}

void add_order(rs_request *req)
{
    json_t *body = rs_req_json(req);
    if (body == NULL)
        return;
    const char *orderid;
    json_t *cart = json_object_get(body, "cart");
    rs_buf cart_json = RS_BUF_INIT;
    if (!rs_json_string(body, "orderid", &orderid) || orderid[0] == '\0' ||
        strlen(orderid) > ORDERID_MAX || !json_is_object(cart)) {
        rs_reply_error(req, 400, "order data missing");
    } else if (!rs_valid_id(orderid) || !order_cart_valid(cart)) {
        rs_reply_error(req, 400, "order not valid: an order id and a cart as the cart service "
                       "gives it");
    } else if (rs_json_dump(cart, &cart_json) != 0 || cart_json.failed) {
        rs_reply_error(req, 500, "out of memory");
    } else {
        users_status st = store->ops->add_order(store, rs_req_param(req, "id"), orderid,
                                                cart_json.data);
        if (st == USERS_OK)
            rs_reply_text(req, 200, "OK");
        else if (st == USERS_NOT_FOUND)
            rs_reply_error(req, 404, "name not found");
        else
            reply_unavailable(req);
    }
    rs_buf_free(&cart_json);
    json_decref(body);
}

void get_history(rs_request *req)
{
    const char *name = rs_req_param(req, "id");
    rs_buf orders = RS_BUF_INIT;
    users_status st = store->ops->history(store, name, &orders);
    if (st == USERS_OK && !orders.failed) {
        json_t *history = json_loadb(orders.data, orders.len, 0, NULL);
        rs_reply_json(req, 200, json_pack("{s:s,s:o}", "name", name, "history", history));
    } else if (st == USERS_NOT_FOUND) {
        rs_reply_error(req, 404, "history not found");
    } else {
        reply_unavailable(req);
    }
    rs_buf_free(&orders);
}
