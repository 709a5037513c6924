/*
 * main.c - the cart service: shopping carts in Redis, priced from the
 * catalogue, changed atomically.
 */
#include "cart_store.h"
#include "catalogue_client.h"
#include "handlers.h"
#include "rs_client.h"
#include "rs_log.h"
#include "rs_metrics.h"
#include "rs_redis.h"
#include "rs_service.h"
#include "rs_util.h"

static const rs_route routes[] = {
    {"GET",    "/health",            cart_get_health, RS_PARAM_ID, RS_RUN_INLINE},
    {"GET",    "/cart/:id",          get_cart,    RS_PARAM_ID, RS_RUN_WORKER},
    {"DELETE", "/cart/:id",          delete_cart, RS_PARAM_ID, RS_RUN_WORKER},
    {"GET",    "/rename/:from/:to",  rename_cart, RS_PARAM_ID, RS_RUN_WORKER},
    {"GET",    "/add/:id/:sku/:qty", add_to_cart, RS_PARAM_ID, RS_RUN_WORKER},
    {"GET",    "/update/:id/:sku/:qty", update_cart, RS_PARAM_ID, RS_RUN_WORKER},
    {"POST",   "/shipping/:id",      set_shipping, RS_PARAM_ID, RS_RUN_WORKER},
};

int main(int argc, char **argv)
{
    rs_service_options(argc, argv, routes, RS_ARRAY_LEN(routes));
    rs_service_init("cart");
    catalogue_init();
    if (cart_store_init() != 0) {
        rs_log(RS_ERROR, "out of memory");
        return 1;
    }
    if (rs_redis_init() != 0) {
        rs_log(RS_ERROR, "cannot start the redis monitor");
        return 1;
    }
    cart_handlers_init();
    rs_service_depend("redis", rs_redis_up, NULL);

    int rc = rs_service_run(routes, RS_ARRAY_LEN(routes));

    rs_redis_shutdown();
    rs_client_cleanup();
    rs_metrics_reset();
    return rc;
}
