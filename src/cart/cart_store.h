/*
 * cart_store.h - carts in Redis.
 *
 * A cart is one Redis string under "cart:<id>" holding its stored form (see
 * cart_money.h), kept 3600 s after its last change. Every change is one Lua
 * script, so each read-modify-write is atomic: concurrent adds to one cart
 * all count. On success the functions hand back the cart's new stored form
 * (malloc'd, for cart_render).
 */
#ifndef CART_STORE_H
#define CART_STORE_H

#include <stddef.h>

typedef enum {
    CART_OK,
    CART_NOT_FOUND,      /* no such cart */
    CART_NOT_IN_CART,    /* no such line */
    CART_QTY_LIMIT,      /* a line would exceed CART_MAX_QTY */
    CART_LINE_LIMIT,     /* the cart would exceed CART_MAX_LINES */
    CART_OTHER_CART,     /* the cart there is another one (another token) */
    CART_UNAVAILABLE,    /* Redis cannot be reached: nothing changed */
    CART_UNKNOWN         /* sent, not answered: the change may be made */
} cart_status;

typedef struct cart_line {
    const char *sku;
    const char *name;
    long long   price_cents;
    long        qty;
} cart_line;

/* Makes the scripts' sources, once, before any thread: 0, or -1 when
 * memory runs out. */
int         cart_store_init(void);

cart_status cart_get(const char *id, char **stored, size_t *len);
/* Deletes the cart; with a token, only the life of the cart it names (a
 * cart made since, under the same id, is CART_OTHER_CART and kept). */
cart_status cart_delete(const char *id, const char *token);
/* Adds line->qty units, creating the cart or the line when needed. */
cart_status cart_add(const char *id, const cart_line *line, char **stored, size_t *len);
/* Sets a line's quantity; 0 removes the line. */
cart_status cart_update(const char *id, const char *sku, long qty, char **stored, size_t *len);
/* Replaces the cart's one shipping line. */
cart_status cart_set_shipping(const char *id, const char *location, long long cost_cents,
                              char **stored, size_t *len);
/* Moves cart `from` to `to`, merging into an existing `to` cart. */
cart_status cart_rename(const char *from, const char *to, char **stored, size_t *len);

#endif
