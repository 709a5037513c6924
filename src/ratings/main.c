/*
 * main.c - the ratings service: product ratings in MySQL/MariaDB (the
 * ones read lately kept a moment by each replica), votes checked against
 * the catalogue.
 */
#include "handlers.h"
#include "ratings_cache.h"
#include "ratings_db.h"
#include "rs_client.h"
#include "rs_log.h"
#include "rs_metrics.h"
#include "rs_mysql.h"
#include "rs_service.h"
#include "rs_util.h"

static const rs_route routes[] = {
    {"GET", "/health",                 ratings_get_health, RS_PARAM_ID, RS_RUN_INLINE},
    {"GET", "/_health",                ratings_get_health, RS_PARAM_ID, RS_RUN_INLINE},
    {"GET", "/api/fetch/:sku",         fetch_rating, RS_PARAM_ID, RS_RUN_WORKER},
    {"PUT", "/api/rate/:sku/:score",   rate_product, RS_PARAM_ID, RS_RUN_WORKER},
};

int main(int argc, char **argv)
{
    rs_service_options(argc, argv, routes, RS_ARRAY_LEN(routes));
    rs_service_init("ratings");
    ratings_handlers_init();
    ratings_cache_init();
    if (rs_mysql_init("mysql://ratings:secret@mysql:3306/ratings", ratings_prepare, NULL) != 0) {
        rs_log(RS_ERROR, "cannot start the mysql client");
        return 1;
    }
    rs_service_depend("mysql", rs_mysql_up, NULL);

    int rc = rs_service_run(routes, RS_ARRAY_LEN(routes));

    rs_mysql_shutdown();
    ratings_cache_free();
    rs_client_cleanup();
    rs_metrics_reset();
    return rc;
}
