/*
 * order_cart.h - what an order in a history may hold: a cart of the cart
 * service's API form, and nothing else. Checked before an order is stored,
 * so that a history can always be read back, and again when it is read
 * (orders stored before the check are shown without their cart).
 */
#ifndef USER_ORDER_CART_H
#define USER_ORDER_CART_H

#include <jansson.h>
#include <stdbool.h>

#define ORDER_CART_MAX_LINES 101    /* the cart's 100 lines and its shipping */

/* {"total":n,"tax":n,"items":[{"qty":int,"sku":s,"name":s,"price":n,
 * "subtotal":n}, ...]}, any of the keys left out but a line's sku and qty:
 * no other keys, no nesting beyond that, short strings, finite amounts. */
bool order_cart_valid(const json_t *cart);

#endif
