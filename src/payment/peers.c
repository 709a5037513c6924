/*
 * peers.c - calls from payment to user, cart and the payment gateway (see
 * peers.h). Ids are [A-Za-z0-9._-] (checked by the router), so they go
 * into URLs as they are.
 */
#include "peers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_buf.h"
#include "rs_client.h"
#include "rs_config.h"
#include "rs_json.h"
#include "rs_log.h"
#include "rs_peer.h"
#include "rs_time.h"

#define PEER_TIMEOUT_MS 2000    /* one call to user or cart, at most */

static struct {
    rs_peer    *user;
    rs_peer    *cart;
    const char *gateway;        /* NULL: no gateway call */
    long        gateway_timeout_ms;
} peers;

void peers_init(void)
{
    peers.user = rs_peer_config("USER_URL", "http://user:8080");
    peers.cart = rs_peer_config("CART_URL", "http://cart:8080");
    peers.gateway = rs_config_str("PAYMENT_GATEWAY", NULL);
    if (peers.gateway != NULL && rs_parse_url_scheme(peers.gateway, "http") != 0 &&
        rs_parse_url_scheme(peers.gateway, "https") != 0) {
        rs_config_fail("PAYMENT_GATEWAY=\"%s\": expected a URL of the form "
                       "http[s]://host[:port]...", peers.gateway);
    }
    peers.gateway_timeout_ms = rs_config_int("PAYMENT_GATEWAY_TIMEOUT_MS", 3000, 1, 600000);
}

/* The timeout of a call: at most `cap` ms, and never past the deadline;
 * 0 when the deadline has passed. */
static long timeout_before(double deadline, long cap)
{
    double left_ms = (deadline - rs_now()) * 1000.0;
    if (left_ms < 1)
        return 0;
    return left_ms < (double)cap ? (long)left_ms : cap;
}

typedef struct call_spec {
    const char *peer;
    const char *what;           /* names it in the log (never the URL, which
                                   for a gateway may hold a secret) */
    const char *method;
    const char *url;            /* a path on `to`, or (to NULL) a whole URL */
    const rs_buf *body;
    const char *const *headers;
    size_t      nheaders;
    long        timeout_ms;
    rs_peer    *to;             /* the peer service, or NULL */
} call_spec;

/* One call; the answer's status, or -1 when no answer came. out (may be
 * NULL) receives the answer. */
static long call(const call_spec *c, rs_client_response *out)
{
    if (c->timeout_ms <= 0) {
        rs_log(RS_WARN, "%s: %s %s: no time left", c->peer, c->method, c->what);
        return -1;
    }
    rs_client_request rq = {
        .peer = c->peer, .method = c->method, .url = c->url,
        .body = c->body != NULL ? c->body->data : NULL,
        .body_len = c->body != NULL ? c->body->len : 0,
        .timeout_ms = c->timeout_ms, .headers = c->headers, .nheaders = c->nheaders,
    };
    rs_client_response rs = {.body = RS_BUF_INIT};
    rs_client_result r = c->to != NULL ? rs_peer_call(c->to, c->url, &rq, &rs) : rs_client_call(&rq, &rs);
    long status = r == RS_CLIENT_OK ? rs.status : -1;
    if (r != RS_CLIENT_OK)
        rs_log(RS_WARN, "%s: %s %s: %s", c->peer, c->method, c->what,
               r == RS_CLIENT_CONNECT ? "cannot connect" :
               r == RS_CLIENT_TIMEOUT ? "timed out" : "failed");
    if (out != NULL)
        *out = rs;
    else
        rs_buf_free(&rs.body);
    return status;
}

user_kind peers_check_user(const char *id, double deadline)
{
    rs_buf url = RS_BUF_INIT;
    long status = -1;
    if (rs_buf_printf(&url, "/check/%s", id) == 0) {
        call_spec c = {"user", "/check", "GET", url.data, NULL, NULL, 0,
                       timeout_before(deadline, PEER_TIMEOUT_MS), peers.user};
        status = call(&c, NULL);
    }
    rs_buf_free(&url);
    if (status == 200)
        return USER_REGISTERED;
    if (status == 404)
        return USER_ANONYMOUS;
    if (status > 0)
        rs_log(RS_WARN, "user: /check answered %ld", status);
    return USER_UNAVAILABLE;
}

peer_status peers_get_cart(const char *id, json_t **cart, char etag[PEERS_ETAG_MAX],
                           double deadline)
{
    rs_buf url = RS_BUF_INIT;
    rs_client_response rs = {.body = RS_BUF_INIT};
    long status = -1;
    *cart = NULL;
    etag[0] = '\0';
    if (rs_buf_printf(&url, "/cart/%s", id) == 0) {
        call_spec c = {"cart", "/cart", "GET", url.data, NULL, NULL, 0,
                       timeout_before(deadline, PEER_TIMEOUT_MS), peers.cart};
        status = call(&c, &rs);
    }
    rs_buf_free(&url);
    peer_status st = PEER_UNAVAILABLE;
    if (status == 200) {
        *cart = rs_json_parse_object(rs.body.data, rs.body.len);
        if (*cart != NULL) {
            snprintf(etag, PEERS_ETAG_MAX, "%s", rs.etag);
            st = PEER_DONE;
        } else {
            rs_log(RS_ERROR, "cart: /cart answered a cart that is not JSON");
        }
    } else if (status == 404) {
        st = PEER_NOT_FOUND;
    } else if (status > 0) {
        rs_log(RS_WARN, "cart: /cart answered %ld", status);
    }
    rs_buf_free(&rs.body);
    return st;
}

bool peers_charge(const char *orderid, double deadline)
{
    if (peers.gateway == NULL)
        return true;
    char key[128];
    snprintf(key, sizeof key, "Idempotency-Key: %s", orderid);
    const char *headers[] = {key};
    call_spec c = {"gateway", "charge", "GET", peers.gateway, NULL, headers, 1,
                   timeout_before(deadline, peers.gateway_timeout_ms), NULL};
    long status = call(&c, NULL);
    if (status >= 200 && status < 300)
        return true;
    if (status > 0)
        rs_log(RS_WARN, "payment gateway answered %ld", status);
    return false;
}

bool peers_record_order(const char *id, const char *orderid, json_t *cart, double deadline)
{
    rs_buf url = RS_BUF_INIT, body = RS_BUF_INIT;
    json_t *order = json_pack("{s:s,s:O}", "orderid", orderid, "cart", cart);
    long status = -1;
    if (order != NULL && rs_json_dump(order, &body) == 0 && !body.failed &&
        rs_buf_printf(&url, "/order/%s", id) == 0) {
        call_spec c = {"user", "/order", "POST", url.data, &body, NULL, 0,
                       timeout_before(deadline, PEER_TIMEOUT_MS), peers.user};
        status = call(&c, NULL);
    } else {
        rs_log(RS_ERROR, "out of memory");
    }
    json_decref(order);
    rs_buf_free(&url);
    rs_buf_free(&body);
    if (status > 0 && status != 200)
        rs_log(RS_WARN, "user: /order answered %ld", status);
    return status == 200;
}

bool peers_delete_cart(const char *id, const char *token, double deadline)
{
    rs_buf url = RS_BUF_INIT;
    long status = -1;
    int made = token[0] != '\0'
             ? rs_buf_printf(&url, "/cart/%s?token=%s", id, token)
             : rs_buf_printf(&url, "/cart/%s", id);
    if (made == 0) {
        call_spec c = {"cart", "/cart", "DELETE", url.data, NULL, NULL, 0,
                       timeout_before(deadline, PEER_TIMEOUT_MS), peers.cart};
        status = call(&c, NULL);
    }
    rs_buf_free(&url);
    if (status > 0 && status != 200 && status != 404 && status != 412)
        rs_log(RS_WARN, "cart: DELETE answered %ld", status);
    return status == 200 || status == 404 || status == 412;
}
