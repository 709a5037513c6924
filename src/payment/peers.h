/*
 * peers.h - the services payment calls: user (who pays, their history),
 * cart (the cart charged, emptied once the order is queued) and the
 * optional payment gateway.
 *
 * Every call takes a deadline (rs_now() seconds): payment answers within
 * its budget, before the gateway in front of it gives up.
 */
#ifndef PAYMENT_PEERS_H
#define PAYMENT_PEERS_H

#include <jansson.h>
#include <stdbool.h>

typedef enum {
    USER_REGISTERED,        /* user answered 200 */
    USER_ANONYMOUS,         /* user answered 404 */
    USER_UNAVAILABLE        /* anything else */
} user_kind;

typedef enum {
    PEER_DONE,              /* found, or done */
    PEER_NOT_FOUND,         /* 404: no such cart */
    PEER_UNAVAILABLE        /* no answer, or one that makes no sense */
} peer_status;

#define PEERS_ETAG_MAX 128

/* Reads USER_URL, CART_URL, PAYMENT_GATEWAY, PAYMENT_GATEWAY_TIMEOUT_MS. */
void peers_init(void);

user_kind   peers_check_user(const char *id, double deadline);
/* The cart as the cart service holds it (*cart, a new reference) and its
 * ETag ("" when it sent none). */
peer_status peers_get_cart(const char *id, json_t **cart, char etag[PEERS_ETAG_MAX],
                           double deadline);
/* True when no gateway is configured or it answered 2xx; the order id goes
 * with the call as its Idempotency-Key. */
bool        peers_charge(const char *orderid, double deadline);
/* POST user /order/:id {"orderid","cart"}; true on 200 (user keeps an
 * order once, however often it is sent). */
bool        peers_record_order(const char *id, const char *orderid, json_t *cart,
                               double deadline);
/* DELETE cart /cart/:id?token=: true once that life of the cart is gone
 * (404, already gone, and 412, a newer cart, count as done). */
bool        peers_delete_cart(const char *id, const char *token, double deadline);

#endif
