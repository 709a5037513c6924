/*
 * catalogue_client.h - the cart's question to the catalogue service: what is this
 * SKU called, what does it cost, and is it in stock?
 */
#ifndef CART_CATALOGUE_CLIENT_H
#define CART_CATALOGUE_CLIENT_H

typedef enum {
    PRODUCT_FOUND,
    PRODUCT_UNKNOWN,        /* catalogue says 404 */
    PRODUCT_UNAVAILABLE     /* catalogue unreachable, slow or confused */
} product_status;

typedef struct product {
    char     *name;         /* malloc'd */
    long long price_cents;
    long long instock;
} product;

void           catalogue_init(void);     /* reads CATALOGUE_URL */
product_status catalogue_lookup(const char *sku, product *out);
void           product_free(product *p);

#endif
