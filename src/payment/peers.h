/*
 * peers.h - the services payment calls: user (who pays, their history),
 * cart (emptied once the order is queued) and the optional payment
 * gateway.
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

/* Reads USER_URL, CART_URL, PAYMENT_GATEWAY, PAYMENT_GATEWAY_TIMEOUT_MS. */
void peers_init(void);

user_kind peers_check_user(const char *id);
/* True when no gateway is configured or it answered 2xx. */
bool peers_charge(void);
/* POST user /order/:id {"orderid","cart"}; true on 200. */
bool peers_record_order(const char *id, const char *orderid, json_t *cart);
/* DELETE cart /cart/:id; true on 200 (404, already gone, also counts). */
bool peers_delete_cart(const char *id);

#endif
