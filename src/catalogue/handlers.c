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

/* Sends what the store answered: its JSON, a 404 or a 503. */
static void reply_from_store(rs_request *req, products_status st, rs_buf *out,
                             const char *not_found)
{
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

void get_products(rs_request *req)
{
    rs_buf out = RS_BUF_INIT;
    double started = rs_now();
    products_status st = store->ops->list(store, &out);
    rs_db_observe(store->ops->system, "list", started);
    reply_from_store(req, st, &out, "no products");
}

void get_product(rs_request *req)
{
    if (go_slow_ms > 0)
        rs_sleep_ms(go_slow_ms);
    rs_buf out = RS_BUF_INIT;
    double started = rs_now();
    products_status st = store->ops->get(store, rs_req_param(req, "sku"), &out);
    rs_db_observe(store->ops->system, "get", started);
    reply_from_store(req, st, &out, "SKU not found");
}

void get_products_in_category(rs_request *req)
{
    rs_buf out = RS_BUF_INIT;
    double started = rs_now();
    products_status st = store->ops->by_category(store, rs_req_param(req, "cat"), &out);
    rs_db_observe(store->ops->system, "by_category", started);
    reply_from_store(req, st, &out, "category not found");
}

void get_categories(rs_request *req)
{
    rs_buf out = RS_BUF_INIT;
    double started = rs_now();
    products_status st = store->ops->categories(store, &out);
    rs_db_observe(store->ops->system, "categories", started);
    reply_from_store(req, st, &out, "no categories");
}

void search_products(rs_request *req)
{
    rs_buf out = RS_BUF_INIT;
    double started = rs_now();
    products_status st = store->ops->search(store, rs_req_param(req, "text"), &out);
    rs_db_observe(store->ops->system, "search", started);
    reply_from_store(req, st, &out, "no match");
}
