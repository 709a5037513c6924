/*
 * peers.c - calls from payment to user, cart and the payment gateway (see
 * peers.h). Ids are [A-Za-z0-9._-] (checked by the router), so they go
 * into URLs as they are.
 */
#include "peers.h"

#include <stdio.h>
#include <stdlib.h>

#include "rs_buf.h"
#include "rs_client.h"
#include "rs_config.h"
#include "rs_json.h"
#include "rs_log.h"

static struct {
    const char *user_url;
    const char *cart_url;
    const char *gateway;        /* NULL: no gateway call */
    long        gateway_timeout_ms;
} peers;

void peers_init(void)
{
    peers.user_url = rs_config_url("USER_URL", "http", "http://user:8080");
    peers.cart_url = rs_config_url("CART_URL", "http", "http://cart:8080");
    peers.gateway = rs_config_str("PAYMENT_GATEWAY", NULL);
    if (peers.gateway != NULL && rs_parse_url_scheme(peers.gateway, "http") != 0 &&
        rs_parse_url_scheme(peers.gateway, "https") != 0) {
        fprintf(stderr, "configuration error: PAYMENT_GATEWAY=\"%s\": expected a URL of the "
                "form http[s]://host[:port]...\n", peers.gateway);
        exit(RS_EXIT_CONFIG);
    }
    peers.gateway_timeout_ms = rs_config_int("PAYMENT_GATEWAY_TIMEOUT_MS", 3000, 1, 600000);
}

/* One call; the answer's status, or -1 when no answer came. `what` names
 * it in the log (never the URL, which for a gateway may hold a secret). */
static long call(const char *peer, const char *what, const char *method, const char *url,
                 const rs_buf *body, long timeout_ms)
{
    rs_client_request rq = {
        .peer = peer, .method = method, .url = url,
        .body = body != NULL ? body->data : NULL, .body_len = body != NULL ? body->len : 0,
        .timeout_ms = timeout_ms,
    };
    rs_client_response rs = {.body = RS_BUF_INIT};
    rs_client_result r = rs_client_call(&rq, &rs);
    rs_buf_free(&rs.body);
    if (r != RS_CLIENT_OK) {
        rs_log(RS_WARN, "%s: %s %s: %s", peer, method, what,
               r == RS_CLIENT_CONNECT ? "cannot connect" :
               r == RS_CLIENT_TIMEOUT ? "timed out" : "failed");
        return -1;
    }
    return rs.status;
}

user_kind peers_check_user(const char *id)
{
    rs_buf url = RS_BUF_INIT;
    long status = -1;
    if (rs_buf_printf(&url, "%s/check/%s", peers.user_url, id) == 0)
        status = call("user", "/check", "GET", url.data, NULL, 0);
    rs_buf_free(&url);
    if (status == 200)
        return USER_REGISTERED;
    if (status == 404)
        return USER_ANONYMOUS;
    if (status > 0)
        rs_log(RS_WARN, "user: /check answered %ld", status);
    return USER_UNAVAILABLE;
}

bool peers_charge(void)
{
    if (peers.gateway == NULL)
        return true;
    long status = call("gateway", "charge", "GET", peers.gateway, NULL, peers.gateway_timeout_ms);
    if (status >= 200 && status < 300)
        return true;
    if (status > 0)
        rs_log(RS_WARN, "payment gateway answered %ld", status);
    return false;
}

bool peers_record_order(const char *id, const char *orderid, json_t *cart)
{
    rs_buf url = RS_BUF_INIT, body = RS_BUF_INIT;
    json_t *order = json_pack("{s:s,s:O}", "orderid", orderid, "cart", cart);
    long status = -1;
    if (order != NULL && rs_json_dump(order, &body) == 0 && !body.failed &&
        rs_buf_printf(&url, "%s/order/%s", peers.user_url, id) == 0)
        status = call("user", "/order", "POST", url.data, &body, 0);
    else
        rs_log(RS_ERROR, "out of memory");
    json_decref(order);
    rs_buf_free(&url);
    rs_buf_free(&body);
    if (status > 0 && status != 200)
        rs_log(RS_WARN, "user: /order answered %ld", status);
    return status == 200;
}

bool peers_delete_cart(const char *id)
{
    rs_buf url = RS_BUF_INIT;
    long status = -1;
    if (rs_buf_printf(&url, "%s/cart/%s", peers.cart_url, id) == 0)
        status = call("cart", "/cart", "DELETE", url.data, NULL, 0);
    rs_buf_free(&url);
    if (status > 0 && status != 200 && status != 404)
        rs_log(RS_WARN, "cart: DELETE answered %ld", status);
    return status == 200 || status == 404;
}
