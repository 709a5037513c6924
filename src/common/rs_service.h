/*
 * rs_service.h - the life of a service process.
 *
 * rs_service_init reads the common settings (PORT, BIND, THREADS,
 * IO_THREADS, MAX_CONNECTIONS, MAX_CONNECTIONS_PER_CLIENT, IDLE_TIMEOUT_S,
 * HEADER_TIMEOUT_S, SHUTDOWN_GRACE_MS), starts logging,
 * the standard metrics and tracing (the OTEL_* settings, rs_trace.h), and blocks SIGTERM and SIGINT in every thread the
 * service will start (call it first, before any thread exists). rs_service_depend declares a datastore or peer that
 * /ready checks and that db_up{system} reports. rs_service_run serves the
 * route table until SIGTERM or SIGINT, then: readiness goes false, the
 * listener closes, in-flight requests drain (at most SHUTDOWN_GRACE_MS),
 * and it returns the exit code (0 for a clean stop, 1 if it cannot listen).
 */
#ifndef RS_SERVICE_H
#define RS_SERVICE_H

#include <stdbool.h>
#include <stddef.h>
#include "rs_router.h"

void rs_service_init(const char *name);

/* Handles the command line, before anything else in main: none is the
 * usual start; "--routes" prints the route table the service would serve
 * (the built-in routes included) as a JSON array of {method, pattern,
 * params, builtin} and exits 0; anything else prints the usage and exits 2. */
void rs_service_options(int argc, char **argv, const rs_route *routes, size_t n);
const char *rs_service_name(void);

/* is_up is called by /ready and /metrics; it must answer fast. */
void rs_service_depend(const char *system, bool (*is_up)(void *ctx), void *ctx);
bool rs_service_ready(void);

int  rs_service_run(const rs_route *routes, size_t nroutes);

#endif
