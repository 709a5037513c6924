/*
 * handlers.h - the catalogue's routes, one handler per path of
 * docs/openapi/catalogue.yaml.
 */
#ifndef CATALOGUE_HANDLERS_H
#define CATALOGUE_HANDLERS_H

#include "products.h"
#include "rs_http.h"

/* The store every handler reads, and the GO_SLOW delay of /product/:sku. */
void catalogue_handlers_init(products_store *store, long go_slow_ms);

void catalogue_get_health(rs_request *req);            /* GET /health */
void get_products(rs_request *req);          /* GET /products */
void get_product(rs_request *req);           /* GET /product/:sku */
void get_products_in_category(rs_request *req); /* GET /products/:cat */
void get_categories(rs_request *req);        /* GET /categories */
void search_products(rs_request *req);       /* GET /search/:text */

#endif
