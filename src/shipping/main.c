/*
 * main.c - the shipping service: countries and cities (MariaDB, seeded from
 * libgeonames), delivery distance and cost, and the confirmation that puts
 * the shipping line into the cart.
 */
#include <string.h>

#include "cities.h"
#include "faults.h"
#include "handlers.h"
#include "rs_client.h"
#include "rs_config.h"
#include "rs_log.h"
#include "rs_metrics.h"
#include "rs_mysql.h"
#include "rs_service.h"
#include "rs_util.h"

static const rs_route routes[] = {
    {"GET",  "/health",           shipping_get_health, RS_PARAM_ID,   RS_RUN_INLINE},
    {"GET",  "/count",            count_cities,     RS_PARAM_ID,   RS_RUN_WORKER},
    {"GET",  "/codes",            list_codes,       RS_PARAM_ID,   RS_RUN_WORKER},
    {"GET",  "/cities/:code",     list_cities,      RS_PARAM_ID,   RS_RUN_WORKER},
    {"GET",  "/match/:code/:text", match_cities,    RS_PARAM_TEXT, RS_RUN_WORKER},
    {"GET",  "/calc/:uuid",       calc_shipping,    RS_PARAM_ID,   RS_RUN_WORKER},
    {"POST", "/confirm/:id",      confirm_shipping, RS_PARAM_ID,   RS_RUN_WORKER},
};

static const rs_route fault_routes[] = {
    {"GET", "/memory", hold_memory, RS_PARAM_ID, RS_RUN_WORKER},
    {"GET", "/free",   free_memory, RS_PARAM_ID, RS_RUN_WORKER},
};

int main(int argc, char **argv)
{
    bool faults = rs_config_bool("FAULT_INJECTION", false);
    rs_route table[RS_ARRAY_LEN(routes) + RS_ARRAY_LEN(fault_routes)];
    size_t n = RS_ARRAY_LEN(routes);
    memcpy(table, routes, sizeof routes);
    if (faults) {
        memcpy(table + n, fault_routes, sizeof fault_routes);
        n += RS_ARRAY_LEN(fault_routes);
    }
    rs_service_options(argc, argv, table, n);

    rs_service_init("shipping");
    shipping_handlers_init();
    if (rs_mysql_init("mysql://shipping:secret@mysql:3306/cities", cities_prepare, NULL) != 0) {
        rs_log(RS_ERROR, "cannot start the mysql client");
        return 1;
    }
    rs_service_depend("mysql", rs_mysql_up, NULL);

    int rc = rs_service_run(table, n);

    faults_release();
    rs_mysql_shutdown();
    rs_client_cleanup();
    rs_metrics_reset();
    return rc;
}
