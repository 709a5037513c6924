/*
 * cart_money.h - a cart's money and its API form.
 *
 * Carts are stored (see cart_store.h) as
 *   {"items":[{"sku":s,"name":s,"price":cents,"qty":n}, ...]}
 * with prices in whole cents, so that no sum ever drifts. cart_render turns
 * that into the API's {"total","tax","items":[{"qty","sku","name","price",
 * "subtotal"}]}: subtotals and total are exact sums of cents, the tax is
 * the VAT included in the total (20%: total - total/1.2 = total/6), rounded
 * half up to the cent, and every amount is written in currency units.
 * A stored cart also holds "token" (made when the cart is created) and
 * "version" (one more at each change): its ETag, "<token>.<version>" in
 * quotes, names one state of one cart.
 */
#ifndef CART_MONEY_H
#define CART_MONEY_H

#include <jansson.h>
#include <stddef.h>

#define CART_MAX_QTY    1000
#define CART_MAX_LINES  100
#define CART_SHIP_SKU   "SHIP"
#define CART_TOKEN_LEN  32          /* hex digits naming one life of a cart */
#define CART_ETAG_MAX   64          /* room for "\"<token>.<version>\"" */

/* A price in currency units to whole cents (rounded); -1 when it is
 * negative, not finite or absurdly large. */
int       cart_price_to_cents(double price, long long *cents);
/* The VAT included in a VAT-inclusive total, in cents, rounded half up. */
long long cart_tax_cents(long long total_cents);
/* The API form of a stored cart; NULL when it is malformed or memory runs
 * out. etag (CART_ETAG_MAX bytes) receives its ETag, or "" when the cart
 * has no token (stored before carts had one). */
json_t   *cart_render(const char *stored, size_t len, char etag[CART_ETAG_MAX]);

#endif
