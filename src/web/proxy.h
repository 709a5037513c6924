/*
 * proxy.h - /api/<service>/<rest>: passed on to that service's /<rest>.
 */
#ifndef WEB_PROXY_H
#define WEB_PROXY_H

#include "rs_http.h"

void proxy_init(void);
void proxy(rs_request *req);   /* any method on /api/:service/ and below */

#endif
