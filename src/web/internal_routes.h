/*
 * internal_routes.h - the routes that services offer each other, never to
 * the outside: the gateway answers 404 for them. GATEWAY_INTERNAL_ROUTES
 * lists them, comma-separated, as <service>/<path> ("*" for any service);
 * an entry covers its path and everything below it. The default:
 *   user/order,cart/shipping,*\/health,*\/_health,*\/ready,*\/metrics
 * Services still call each other directly, and Prometheus scrapes each
 * service's own port.
 */
#ifndef WEB_INTERNAL_ROUTES_H
#define WEB_INTERNAL_ROUTES_H

#include <stdbool.h>

#include "rs_http.h"

/* Reads GATEWAY_INTERNAL_ROUTES; a bad entry exits with code 2. */
void internal_routes_init(void);
void internal_routes_free(void);

/* Whether path (after /api/<service>, raw as it came) is internal. */
bool internal_route(const char *service, const char *path);

/* The gateway's API route: 404 for an internal route, else the proxy. */
void gateway(rs_request *req);

#endif
