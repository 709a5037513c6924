/*
 * cart_money.c - a cart's money and its API form (see cart_money.h).
 */
#include "cart_money.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define MAX_CENTS 100000000000LL   /* a billion in currency units */

int cart_price_to_cents(double price, long long *cents)
{
    if (!isfinite(price) || price < 0 || price * 100.0 > (double)MAX_CENTS)
        return -1;
    *cents = llround(price * 100.0);
    return 0;
}

long long cart_tax_cents(long long total_cents)
{
    return (total_cents + 3) / 6;   /* total/6, half up */
}

static json_t *money(long long cents)
{
    return json_real((double)cents / 100.0);
}

/* One stored line to its API form; adds its subtotal to *total. */
static json_t *render_line(const json_t *line, long long *total)
{
    const char *sku = json_string_value(json_object_get(line, "sku"));
    const char *name = json_string_value(json_object_get(line, "name"));
    json_t *price = json_object_get(line, "price");
    json_t *qty = json_object_get(line, "qty");
    if (sku == NULL || name == NULL || !json_is_integer(price) || !json_is_integer(qty))
        return NULL;
    long long cents = json_integer_value(price);
    long long n = json_integer_value(qty);
    if (cents < 0 || cents > MAX_CENTS || n < 1 || n > CART_MAX_QTY)
        return NULL;
    *total += cents * n;
    return json_pack("{s:I,s:s,s:s,s:o,s:o}", "qty", n, "sku", sku, "name", name,
                     "price", money(cents), "subtotal", money(cents * n));
}

/* "<token>.<version>" in quotes, or "" when the cart has no usable token. */
static void cart_etag(const json_t *cart, char etag[CART_ETAG_MAX])
{
    const char *token = json_string_value(json_object_get(cart, "token"));
    json_t *version = json_object_get(cart, "version");
    etag[0] = '\0';
    if (token != NULL && strlen(token) == CART_TOKEN_LEN && json_is_integer(version))
        snprintf(etag, CART_ETAG_MAX, "\"%s.%lld\"", token,
                 (long long)json_integer_value(version));
}

json_t *cart_render(const char *stored, size_t len, char etag[CART_ETAG_MAX])
{
    json_t *cart = json_loadb(stored, len, 0, NULL);
    cart_etag(cart, etag);
    json_t *lines = json_object_get(cart, "items");
    /* Redis's cjson writes an empty list as {}. */
    if (lines == NULL || !(json_is_array(lines) || (json_is_object(lines) && json_object_size(lines) == 0))) {
        json_decref(cart);
        return NULL;
    }
    json_t *items = json_array();
    long long total = 0;
    size_t i;
    json_t *line;
    bool ok = items != NULL;
    if (json_is_array(lines)) {
        json_array_foreach(lines, i, line) {
            json_t *item = ok ? render_line(line, &total) : NULL;
            if (item == NULL || json_array_append_new(items, item) != 0) {
                ok = false;
                break;
            }
        }
    }
    json_decref(cart);
    if (!ok) {
        json_decref(items);
        return NULL;
    }
    return json_pack("{s:o,s:o,s:o}", "total", money(total),
                     "tax", money(cart_tax_cents(total)), "items", items);
}
