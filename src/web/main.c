/*
 * main.c - the web service: the storefront's files and the gateway that
 * passes /api/<service>/<rest> on to each service.
 */
#include <stdio.h>

#include "internal_routes.h"
#include "proxy.h"
#include "rs_client.h"
#include "rs_config.h"
#include "rs_log.h"
#include "rs_metrics.h"
#include "rs_service.h"
#include "slow_down.h"
#include "static_files.h"
#include "upstreams.h"
#include "rs_util.h"

static const rs_route routes[] = {
    {"GET",    "/api/:service/*", gateway,      RS_PARAM_ID, RS_RUN_ASYNC},
    {"POST",   "/api/:service/*", gateway,      RS_PARAM_ID, RS_RUN_ASYNC},
    {"PUT",    "/api/:service/*", gateway,      RS_PARAM_ID, RS_RUN_ASYNC},
    {"DELETE", "/api/:service/*", gateway,      RS_PARAM_ID, RS_RUN_ASYNC},
    {"GET",    "/*",              serve_static, RS_PARAM_ID, RS_RUN_INLINE},
};

int main(int argc, char **argv)
{
    rs_service_options(argc, argv, routes, RS_ARRAY_LEN(routes));
    rs_service_init("web");
    upstreams_init();
    proxy_init();
    slow_down_init();
    internal_routes_init();
    if (static_files_load(rs_config_str("UI_DIR", RS_UI_DIR)) != 0)
        return 1;

    int rc = rs_service_run(routes, RS_ARRAY_LEN(routes));

    rs_client_cleanup();    /* first: its last answers still use upstreams */
    static_files_free();
    upstreams_free();
    internal_routes_free();
    rs_metrics_reset();
    return rc;
}
