/*
 * handlers.c - the user service's routes (see handlers.h). No answer ever
 * carries a password or a hash: users go out as {"name","email"} only.
 * Login and registration run on the I/O thread only to read the request
 * and apply the failed-login limits; their password work goes to the
 * password threads (password_pool.h), and they answer from there.
 */
#include "handlers.h"
#include "order_cart.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client_address.h"
#include "login_guard.h"
#include "password_pool.h"
#include "passwords.h"
#include "rs_db.h"
#include "rs_json.h"
#include "rs_redis.h"
#include "rs_service.h"
#include "rs_time.h"
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

void user_get_health(rs_request *req)
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
    double started = rs_now();
    users_status st = store->ops->find(store, rs_req_param(req, "id"), &u);
    rs_db_observe(store->ops->system, "find", started);
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
    double started = rs_now();
    users_status st = store->ops->list(store, &out);
    rs_db_observe(store->ops->system, "list", started);
    if (st != USERS_OK || out.failed) {
        rs_buf_free(&out);
        reply_unavailable(req);
        return;
    }
    size_t len;
    char *json = rs_buf_steal(&out, &len);
    rs_reply_raw(req, 200, "application/json", json, len);
}

/* A login or a registration on its way to the password threads: the body
 * (which holds the strings) and the client, for the failure count. */
typedef struct password_request {
    json_t     *body;
    const char *name, *email, *password;
    char        client[CLIENT_ADDRESS_MAX];
} password_request;

static void password_request_free(password_request *pr)
{
    json_decref(pr->body);
    free(pr);
}

/* Answers req now, from the I/O thread (an RS_RUN_ASYNC handler). */
static void finish_now(rs_request *req, password_request *pr)
{
    if (pr != NULL)
        password_request_free(pr);
    rs_req_finish(req);
}

/* The body and its fields, or NULL once answered 400. */
static password_request *take_password_request(rs_request *req)
{
    json_t *body = rs_req_json(req);
    if (body == NULL)
        return NULL;
    password_request *pr = calloc(1, sizeof *pr);
    if (pr == NULL) {
        json_decref(body);
        rs_reply_error(req, 500, "out of memory");
        return NULL;
    }
    pr->body = body;
    return pr;
}

static void reply_limited(rs_request *req, unsigned retry_after)
{
    char seconds[16];
    snprintf(seconds, sizeof seconds, "%u", retry_after);
    rs_reply_header(req, "Retry-After", seconds);
    rs_reply_error(req, 429, "too many failed logins: try again later");
}

/* On a password thread: the name's hash checked against the password. */
static void check_login(rs_request *req, void *ctx)
{
    password_request *pr = ctx;
    unsigned wait = login_guard_begin(pr->name, pr->client);
    if (wait > 0) {
        reply_limited(req, wait);
        password_request_free(pr);
        return;
    }
    user_record u = {0};
    users_status st = rs_valid_id(pr->name) ? store->ops->find(store, pr->name, &u)
                                            : USERS_NOT_FOUND;
    bool failed = true;
    if (st == USERS_UNAVAILABLE) {
        failed = false;   /* not the client's doing */
        reply_unavailable(req);
    } else if (st == USERS_NOT_FOUND) {
        password_verify_nobody(pr->password);   /* as slow as a wrong password */
        rs_reply_error(req, 404, WRONG_LOGIN);
    } else if (!password_verify(u.hash, pr->password)) {
        rs_reply_error(req, 404, WRONG_LOGIN);
    } else {
        failed = false;
        rs_reply_json(req, 200, json_pack("{s:s,s:s}", "name", pr->name, "email", u.email));
    }
    login_guard_settle(pr->name, pr->client, failed);
    user_record_free(&u);
    password_request_free(pr);
}

void login(rs_request *req)
{
    password_request *pr = take_password_request(req);
    if (pr == NULL) {
        finish_now(req, NULL);
        return;
    }
    if (!rs_json_string(pr->body, "name", &pr->name) ||
        !rs_json_string(pr->body, "password", &pr->password) ||
        pr->name[0] == '\0' || pr->password[0] == '\0') {
        rs_reply_error(req, 400, "name or password not supplied");
        finish_now(req, pr);
        return;
    }
    client_address(req, pr->client);
    unsigned wait = login_guard_refusal(pr->name, pr->client);
    if (wait > 0) {
        reply_limited(req, wait);
        finish_now(req, pr);
    } else if (password_pool_run(req, check_login, pr) != 0) {
        password_pool_reply_busy(req);
        finish_now(req, pr);
    }
}

/* The reason a registration is refused, or NULL when it is acceptable. */
static const char *registration_problem(password_request *pr)
{
    if (!rs_json_string(pr->body, "name", &pr->name) ||
        !rs_json_string(pr->body, "email", &pr->email) ||
        !rs_json_string(pr->body, "password", &pr->password) || pr->name[0] == '\0' ||
        pr->email[0] == '\0' || pr->password[0] == '\0')
        return "insufficient data";
    if (!rs_valid_id(pr->name))
        return "invalid name: 1 to 64 letters, digits, '.', '_' or '-'";
    if (!rs_valid_email(pr->email))
        return "invalid email";
    if (!password_acceptable(pr->password))
        return "password must be 6 to 128 characters";
    return NULL;
}

/* On a password thread: the password hashed and the account stored. */
static void create_account(rs_request *req, void *ctx)
{
    password_request *pr = ctx;
    char hash[PASSWORD_HASH_MAX];
    if (password_hash(pr->password, hash) != 0) {
        rs_reply_error(req, 500, "cannot hash the password");
    } else {
        users_status st = store->ops->create(store, pr->name, pr->email, hash);
        if (st == USERS_OK)
            rs_reply_text(req, 200, "OK");
        else if (st == USERS_EXISTS)
            rs_reply_error(req, 400, "name already exists");
        else
            reply_unavailable(req);
    }
    password_request_free(pr);
}

void register_user(rs_request *req)
{
    password_request *pr = take_password_request(req);
    if (pr == NULL) {
        finish_now(req, NULL);
        return;
    }
    const char *problem = registration_problem(pr);
    if (problem != NULL) {
        rs_reply_error(req, 400, problem);
        finish_now(req, pr);
    } else if (password_pool_run(req, create_account, pr) != 0) {
        password_pool_reply_busy(req);
        finish_now(req, pr);
    }
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
        double started = rs_now();
        users_status st = store->ops->add_order(store, rs_req_param(req, "id"), orderid,
                                                cart_json.data);
        rs_db_observe(store->ops->system, "add_order", started);
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
    double started = rs_now();
    users_status st = store->ops->history(store, name, &orders);
    rs_db_observe(store->ops->system, "history", started);
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
