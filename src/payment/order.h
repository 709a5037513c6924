/*
 * order.h - what payment checks in a cart and how it names an order.
 */
#ifndef PAYMENT_ORDER_H
#define PAYMENT_ORDER_H

#include <jansson.h>
#include <stdbool.h>

#define ORDER_SHIP_SKU "SHIP"
#define ORDER_ID_LEN   36           /* a UUID in its text form */

typedef struct order_summary {
    double    total;                /* the cart's total */
    long long units;                /* units of products, shipping not counted */
} order_summary;

/* A cart worth paying: a total above 0, a SHIP line, and lines that are
 * objects with a string sku and a whole qty of 0 or more. Fills out when
 * it is; false when it is not. */
bool order_check_cart(const json_t *cart, order_summary *out);

/* Whether a cart posted by the client is the stored one: the same total
 * and the same lines (sku, qty, and price and subtotal where given), to
 * the cent, in any order. Names and tax are not compared. */
bool order_same_cart(const json_t *posted, const json_t *stored);

/* The order's id for one state of one cart, from the cart's ETag
 * ("\"<32 hex token>.<version>\""): paying that state again gives the same
 * id, any other state another. A UUID in form (version 8, RFC 9562: 96
 * bits of the token, 32 of the version). -1 when the ETag is not one of
 * the cart's. */
int order_id_for(const char *etag, char out[ORDER_ID_LEN + 1]);

/* A random (version 4) UUID, lowercase; 0, or -1 when the kernel gives no
 * randomness. */
int order_new_id(char out[ORDER_ID_LEN + 1]);

#endif
