/*
 * rs_service.c - the life of a service process (see rs_service.h): common
 * settings, the built-in /health, /ready and /metrics routes, and the
 * signal-driven graceful shutdown.
 */
#include "rs_service.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "rs_client.h"
#include "rs_config.h"
#include "rs_cpus.h"
#include "rs_db.h"
#include "rs_http.h"
#include "rs_json.h"
#include "rs_log.h"
#include "rs_metrics.h"
#include "rs_otlp.h"
#include "rs_spans.h"
#include "rs_time.h"
#include "rs_trace.h"
#include "rs_util.h"

#define MAX_DEPENDENCIES 8

typedef struct dependency {
    const char *system;
    bool      (*is_up)(void *ctx);
    void       *ctx;
} dependency;

static struct {
    const char      *name;
    rs_server_config server;
    long             grace_ms;
    dependency       deps[MAX_DEPENDENCIES];
    size_t           ndeps;
    atomic_bool      stopping;
    rs_metric       *db_up;
} service;

const char *rs_service_name(void)
{
    return service.name;
}

/* Lets the process hold as many sockets as MAX_CONNECTIONS asks for. */
static unsigned fit_connection_limit(unsigned wanted)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return wanted;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    rlim_t room = rl.rlim_cur > 128 ? rl.rlim_cur - 64 : 64;
    return (rlim_t)wanted > room ? (unsigned)room : wanted;
}

static void read_settings(void)
{
    unsigned cores = rs_cpus();
    service.server.port = (int)rs_config_int("PORT", 8080, 1, 65535);
    service.server.bind = rs_config_str("BIND", "0.0.0.0");
    service.server.io_threads = (unsigned)rs_config_int("IO_THREADS", cores < 16 ? cores : 16, 1, 64);
    service.server.threads = (unsigned)rs_config_int("THREADS", 8 * cores, 1, 1024);
    service.server.max_connections =
        fit_connection_limit((unsigned)rs_config_int("MAX_CONNECTIONS", 4096, 1, 1000000));
    service.server.max_per_client = (unsigned)rs_config_int("MAX_CONNECTIONS_PER_CLIENT",
        service.server.max_connections / 2 > 0 ? service.server.max_connections / 2 : 1, 1, 1000000);
    service.server.idle_timeout_s = (unsigned)rs_config_int("IDLE_TIMEOUT_S", 30, 1, 3600);
    service.server.header_timeout_s = (unsigned)rs_config_int("HEADER_TIMEOUT_S", 10, 1, 3600);
    service.grace_ms = rs_config_int("SHUTDOWN_GRACE_MS", 10000, 0, 600000);
}

/* Blocked here, before any thread exists, so that every thread the service
 * starts inherits the mask and the signals wait for rs_service_run. */
static void block_stop_signals(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
}

void rs_service_init(const char *name)
{
    block_stop_signals();
    service.name = name;
    rs_log_init(name);
    read_settings();
    signal(SIGPIPE, SIG_IGN);
    service.db_up = rs_gauge("db_up", "1 when the datastore or peer is reachable.", "system");
    rs_db_init();
    if (rs_client_init() != 0) {
        rs_log(RS_ERROR, "cannot initialise the HTTP client");
        exit(1);
    }
    rs_trace_init(name);
}

void rs_service_depend(const char *system, bool (*is_up)(void *ctx), void *ctx)
{
    if (service.ndeps == MAX_DEPENDENCIES) {
        rs_log(RS_ERROR, "too many dependencies, %s not checked", system);
        return;
    }
    service.deps[service.ndeps++] = (dependency){system, is_up, ctx};
}

/* Asks every dependency, updates db_up, and fills checks when given. */
static bool check_dependencies(json_t *checks)
{
    bool all_up = true;
    for (size_t i = 0; i < service.ndeps; i++) {
        dependency *d = &service.deps[i];
        bool up = d->is_up(d->ctx);
        const char *labels[] = {d->system};
        rs_gauge_set(service.db_up, labels, up ? 1 : 0);
        if (checks != NULL)
            json_object_set_new(checks, d->system, json_boolean(up));
        all_up = all_up && up;
    }
    return all_up;
}

bool rs_service_ready(void)
{
    return !atomic_load(&service.stopping) && check_dependencies(NULL);
}

/* ---- built-in routes ---- */

static void get_health(rs_request *req)
{
    rs_reply_text(req, 200, "OK");
}

static void get_ready(rs_request *req)
{
    json_t *checks = json_object();
    bool up = check_dependencies(checks);
    bool stopping = atomic_load(&service.stopping);
    json_t *body = json_pack("{s:b,s:o}", "ready", up && !stopping, "checks", checks);
    if (stopping)
        json_object_set_new(body, "stopping", json_true());
    rs_reply_json(req, up && !stopping ? 200 : 503, body);
}

static void get_metrics(rs_request *req)
{
    check_dependencies(NULL);
    rs_otlp_publish_metrics();
    size_t len;
    char *text = rs_metrics_render(&len);
    if (text == NULL) {
        rs_reply_error(req, 500, "out of memory");
        return;
    }
    rs_reply_raw(req, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
}

static bool has_route(const rs_route *routes, size_t n, const char *pattern)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(routes[i].pattern, pattern) == 0)
            return true;
    return false;
}

/* The built-in routes, in the order they are added: before the service's
 * own, so that a service's catch-all cannot hide them. A service may serve
 * its own /health instead of the built-in one. */
static const rs_route builtin_routes[] = {
    {"GET", "/health",  get_health,  RS_PARAM_ID, RS_RUN_INLINE},
    {"GET", "/ready",   get_ready,   RS_PARAM_ID, RS_RUN_INLINE},
    {"GET", "/metrics", get_metrics, RS_PARAM_ID, RS_RUN_INLINE},
};

static bool builtin_wanted(const rs_route *builtin, const rs_route *routes, size_t n)
{
    return strcmp(builtin->pattern, "/health") != 0 || !has_route(routes, n, "/health");
}

static rs_router *build_router(const rs_route *routes, size_t n)
{
    rs_router *router = rs_router_new();
    if (router == NULL)
        return NULL;
    int failed = 0;
    for (size_t i = 0; i < RS_ARRAY_LEN(builtin_routes); i++)
        if (builtin_wanted(&builtin_routes[i], routes, n))
            failed |= rs_router_add(router, &builtin_routes[i]) != 0;
    for (size_t i = 0; i < n; i++) {
        if (rs_router_add(router, &routes[i]) != 0) {
            rs_log(RS_ERROR, "bad route %s %s", routes[i].method, routes[i].pattern);
            failed = 1;
        }
    }
    if (failed) {
        rs_router_free(router);
        return NULL;
    }
    return router;
}

/* ---- the route table on the command line ---- */

static int append_route(json_t *list, const rs_route *route, bool builtin)
{
    json_t *entry = json_pack("{s:s,s:s,s:s,s:b}", "method", route->method,
                              "pattern", route->pattern,
                              "params", route->params == RS_PARAM_TEXT ? "text" : "id",
                              "builtin", builtin);
    return entry != NULL ? json_array_append_new(list, entry) : -1;
}

/* The routes the service serves, as a JSON array on stdout; 0 or -1. */
static int print_routes(const rs_route *routes, size_t n)
{
    json_t *list = json_array();
    int failed = list == NULL;
    for (size_t i = 0; !failed && i < RS_ARRAY_LEN(builtin_routes); i++)
        if (builtin_wanted(&builtin_routes[i], routes, n))
            failed |= append_route(list, &builtin_routes[i], true) != 0;
    for (size_t i = 0; !failed && i < n; i++)
        failed |= append_route(list, &routes[i], false) != 0;
    char *text = failed ? NULL : json_dumps(list, JSON_INDENT(2));
    json_decref(list);
    if (text == NULL)
        return -1;
    int rc = printf("%s\n", text) < 0 || fflush(stdout) != 0 ? -1 : 0;
    free(text);
    return rc;
}

void rs_service_options(int argc, char **argv, const rs_route *routes, size_t n)
{
    if (argc <= 1)
        return;
    if (argc == 2 && strcmp(argv[1], "--routes") == 0)
        exit(print_routes(routes, n) == 0 ? 0 : 1);
    fprintf(stderr, "usage: %s [--routes]\n"
            "  --routes  print the route table as JSON and exit; settings come from the "
            "environment\n", argv[0]);
    exit(RS_EXIT_CONFIG);
}

/* ---- run and stop ---- */

static int wait_for_signal(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    int sig = 0;
    sigwait(&set, &sig);
    return sig;
}

static bool server_idle(const rs_server *server)
{
    return rs_server_in_flight(server) == 0 && rs_server_queued(server) == 0;
}

/* Serves what has arrived, then stops accepting and finishes what is in
 * flight, all within SHUTDOWN_GRACE_MS. Connections already in the listen
 * queue count as arrived: the server is only closed once it has been idle,
 * with an empty queue, for a few checks in a row. */
static void drain(rs_server *server)
{
    atomic_store(&service.stopping, true);
    rs_server_set_draining(server);
    double deadline = rs_now() + (double)service.grace_ms / 1000.0;
    int idle_checks = 0;
    while (idle_checks < 3 && rs_now() < deadline) {
        idle_checks = server_idle(server) ? idle_checks + 1 : 0;
        rs_sleep_ms(10);
    }
    rs_server_quiesce(server);
    while (rs_server_in_flight(server) > 0 && rs_now() < deadline)
        rs_sleep_ms(10);
    unsigned left = rs_server_in_flight(server);
    if (left > 0)
        rs_log(RS_WARN, "shutdown grace over with %u requests in flight", left);
}

int rs_service_run(const rs_route *routes, size_t nroutes)
{
    rs_router *router = build_router(routes, nroutes);
    if (router == NULL)
        return 1;
    rs_server *server = rs_server_start(&service.server, router);
    if (server == NULL) {
        rs_router_free(router);
        return 1;
    }
    rs_log(RS_INFO, "%s listening on %s:%d with %u I/O threads and %u workers",
           service.name, service.server.bind, service.server.port,
           service.server.io_threads, service.server.threads);
    int sig = wait_for_signal();
    rs_log(RS_INFO, "%s received, draining", sig == SIGINT ? "SIGINT" : "SIGTERM");
    drain(server);
    rs_server_stop(server);
    rs_router_free(router);
    rs_trace_shutdown();
    rs_log(RS_INFO, "%s stopped", service.name);
    return 0;
}
