/*
 * slow_down.h - a client told to come back later waits for that answer.
 *
 * An upstream's 429, or 503 with Retry-After (user's failed-login limits
 * and its full password queue answer so), is held by the gateway for
 * GATEWAY_SLOW_DOWN_MS (default 1000; 0 sends it at once) before it is
 * sent: the upstream connection is free at once, the answer is ready,
 * only the client waits. A client that retries as soon as it is answered,
 * as a flood does, is so held to one attempt a second on each connection,
 * instead of as many as the gateway can answer, and leaves the machine's
 * cores to the shoppers. A 503 without Retry-After (a store or a peer
 * out) goes at once. A held answer costs its connection and a few bytes;
 * no thread waits. Its duration, in the metrics and the access log, ends
 * when the answer was ready: the hold is not latency.
 */
#ifndef WEB_SLOW_DOWN_H
#define WEB_SLOW_DOWN_H

#include <stdbool.h>

#include "rs_http.h"

/* Reads GATEWAY_SLOW_DOWN_MS (a bad value stops the service). */
void slow_down_init(void);
/* Whether an answer of this status, with or without Retry-After, is held. */
bool slow_down_wanted(int status, bool retry_after);
/* For an RS_RUN_ASYNC request whose reply is made: hands it back after the
 * hold when hold is true (and holding is on and possible), else now. On
 * the request's loop; the request is not touched after. */
void slow_down_finish(rs_request *req, bool hold);

#endif
