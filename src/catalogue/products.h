/*
 * products.h - the catalogue's document store: products, by SKU, category
 * and full-text search, behind one interface with two backends.
 *
 * SQLite is the default (products_sqlite.c, file at DOCSTORE_PATH);
 * MongoDB is used when MONGO_URL is set (products_mongo.c). Both seed the
 * store from the seed file when it is empty. Every answer is JSON text
 * appended to `out`: a product object, or an array. A backend that cannot
 * reach its store answers PRODUCTS_UNAVAILABLE and tries to reconnect on a
 * later call (with capped exponential backoff), so the service recovers by
 * itself. All functions are safe to call from many threads at once.
 */
#ifndef PRODUCTS_H
#define PRODUCTS_H

#include <stdbool.h>
#include <jansson.h>
#include "rs_buf.h"

typedef enum {
    PRODUCTS_OK,
    PRODUCTS_NOT_FOUND,
    PRODUCTS_UNAVAILABLE
} products_status;

typedef struct products_store products_store;

typedef struct products_ops {
    const char *system;   /* "sqlite" or "mongodb": metric and health label */
    bool in_process;      /* answers without waiting on the network */
    bool (*is_up)(products_store *s);
    products_status (*get)(products_store *s, const char *sku, rs_buf *out);
    products_status (*list)(products_store *s, rs_buf *out);
    products_status (*by_category)(products_store *s, const char *cat, rs_buf *out);
    products_status (*categories)(products_store *s, rs_buf *out);
    products_status (*search)(products_store *s, const char *text, rs_buf *out);
    void (*close)(products_store *s);
} products_ops;

struct products_store {
    const products_ops *ops;
};

/* Both return a store even when the datastore is down (it reconnects later);
 * NULL only when out of memory or the seed file is unreadable. */
products_store *products_sqlite_open(const char *path, const char *seed_file);
products_store *products_mongo_open(const char *url, const char *seed_file);

/* The seed products as a JSON array, checked: every product has a valid sku,
 * a name, a description, a numeric price >= 0, an integer instock >= 0 and
 * an array of category strings. NULL with a logged reason otherwise. */
json_t *products_load_seed(const char *seed_file);

#endif
