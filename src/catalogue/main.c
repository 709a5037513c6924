/*
 * main.c - the catalogue service: the shop's products, by SKU, category and
 * full-text search, from the document store (SQLite by default, MongoDB
 * when MONGO_URL is set).
 */
#include <stdio.h>

#include "handlers.h"
#include "products.h"
#include "rs_client.h"
#include "rs_config.h"
#include "rs_log.h"
#include "rs_metrics.h"
#include "rs_service.h"
#include "rs_util.h"

/* Where the handlers run depends on the store, so the table is chosen at
 * start-up (routes_for). With SQLite and no GO_SLOW delay a handler never
 * waits (a read takes microseconds): it runs on its event loop, which
 * saves two thread hand-offs a request. With MongoDB, or GO_SLOW, it
 * waits on the network or a timer: on a worker. */
static const rs_route loop_routes[] = {
    {"GET", "/health",        catalogue_get_health,     RS_PARAM_ID,   RS_RUN_INLINE},
    {"GET", "/products",      get_products,             RS_PARAM_ID,   RS_RUN_INLINE},
    {"GET", "/product/:sku",  get_product,              RS_PARAM_ID,   RS_RUN_INLINE},
    {"GET", "/products/:cat", get_products_in_category, RS_PARAM_ID,   RS_RUN_INLINE},
    {"GET", "/categories",    get_categories,           RS_PARAM_ID,   RS_RUN_INLINE},
    {"GET", "/search/:text",  search_products,          RS_PARAM_TEXT, RS_RUN_INLINE},
};

static const rs_route worker_routes[] = {
    {"GET", "/health",        catalogue_get_health,     RS_PARAM_ID,   RS_RUN_WORKER},
    {"GET", "/products",      get_products,             RS_PARAM_ID,   RS_RUN_WORKER},
    {"GET", "/product/:sku",  get_product,              RS_PARAM_ID,   RS_RUN_WORKER},
    {"GET", "/products/:cat", get_products_in_category, RS_PARAM_ID,   RS_RUN_WORKER},
    {"GET", "/categories",    get_categories,           RS_PARAM_ID,   RS_RUN_WORKER},
    {"GET", "/search/:text",  search_products,          RS_PARAM_TEXT, RS_RUN_WORKER},
};

#define NROUTES RS_ARRAY_LEN(worker_routes)
_Static_assert(RS_ARRAY_LEN(loop_routes) == NROUTES, "the two tables hold the same routes");

static const rs_route *routes_for(const products_store *store, long go_slow_ms)
{
    bool never_waits = store->ops->in_process && go_slow_ms == 0;
    rs_log(RS_INFO, "handlers run on %s", never_waits ? "the event loops" : "the workers");
    return never_waits ? loop_routes : worker_routes;
}

static bool store_is_up(void *store)
{
    products_store *s = store;
    return s->ops->is_up(s);
}

static products_store *open_store(void)
{
    char seed[1024];
    snprintf(seed, sizeof seed, "%s/products.json", rs_config_str("DATA_DIR", RS_DATA_DIR));
    const char *mongo_url = rs_config_url("MONGO_URL", "mongodb", NULL);
    if (mongo_url != NULL)
        return products_mongo_open(mongo_url, seed);
    return products_sqlite_open(rs_config_str("DOCSTORE_PATH", "catalogue.db"), seed);
}

int main(int argc, char **argv)
{
    rs_service_options(argc, argv, worker_routes, NROUTES);   /* the same routes */
    rs_service_init("catalogue");
    long go_slow_ms = rs_config_int("GO_SLOW", 0, 0, 60000);
    products_store *store = open_store();
    if (store == NULL)
        return 1;
    catalogue_handlers_init(store, go_slow_ms);
    rs_service_depend(store->ops->system, store_is_up, store);

    int rc = rs_service_run(routes_for(store, go_slow_ms), NROUTES);

    store->ops->close(store);
    rs_client_cleanup();
    rs_metrics_reset();
    return rc;
}
