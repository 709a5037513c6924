/*
 * handlers.c - the catalogue's routes (see handlers.h): each asks the
 * product store and turns its answer into the HTTP answer of docs/openapi/catalogue.yaml.
 */
#include "handlers.h"

#include <time.h>

#include "rs_db.h"
#include "rs_service.h"
#include "rs_time.h"

static products_store *store;
static long go_slow_ms;

void catalogue_handlers_init(products_store *s, long slow_ms)
{
    store = s;
    go_slow_ms = slow_ms;
}

/* Records how long the store took for operation (begun at started), then
 * sends what it answered: its JSON, a 404 or a 503. */
static void reply_from_store(rs_request *req, const char *operation, double started,
                             products_status st, rs_buf *out, const char *not_found)
{
    rs_db_observe(store->ops->system, operation, started);
    if (st == PRODUCTS_OK && !out->failed) {
        size_t len;
        char *json = rs_buf_steal(out, &len);
        rs_reply_raw(req, 200, "application/json", json, len);
        return;
    }
    rs_buf_free(out);
    if (st == PRODUCTS_NOT_FOUND)
        rs_reply_error(req, 404, not_found);
    else if (st == PRODUCTS_OK)
        rs_reply_error(req, 500, "out of memory");
    else
        rs_reply_error(req, 503, "database not available");
}

void catalogue_get_health(rs_request *req)
{
    json_t *body = json_pack("{s:s,s:b}", "app", "OK", "mongo", store->ops->is_up(store));
    rs_reply_json(req, 200, body);
}

/* A whole list from the store: operation names it for the metrics. */
static void reply_listing(rs_request *req, const char *operation,
                          products_status (*list)(products_store *s, rs_buf *out),
                          const char *not_found)
{
    rs_buf out = RS_BUF_INIT;
    double started = rs_now();
    products_status st = list(store, &out);
    reply_from_store(req, operation, started, st, &out, not_found);
}

/* What the store has for the route's parameter param. */
static void reply_lookup(rs_request *req, const char *operation,
                         products_status (*lookup)(products_store *s, const char *key,
                                                   rs_buf *out),
                         const char *param, const char *not_found)
{
    rs_buf out = RS_BUF_INIT;
    double started = rs_now();
    products_status st = lookup(store, rs_req_param(req, param), &out);
    reply_from_store(req, operation, started, st, &out, not_found);
}

void get_products(rs_request *req)
{
    reply_listing(req, "list", store->ops->list, "no products");
}

void get_product(rs_request *req)
{
    if (go_slow_ms > 0)
        rs_sleep_ms(go_slow_ms);
    reply_lookup(req, "get", store->ops->get, "sku", "SKU not found");
}

void get_products_in_category(rs_request *req)
{
    reply_lookup(req, "by_category", store->ops->by_category, "cat", "category not found");
}

void get_categories(rs_request *req)
{
    reply_listing(req, "categories", store->ops->categories, "no categories");
}

void search_products(rs_request *req)
{
    reply_lookup(req, "search", store->ops->search, "text", "no match");
}
