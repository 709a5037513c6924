/*
 * slow_down.h - a client told "too many requests" waits for that answer.
 *
 * An upstream's 429 (as user's failed-login limits answer) is held by the
 * gateway for GATEWAY_429_HOLD_MS (default 1000; 0 sends it at once)
 * before it is sent: the upstream connection is free at once, the answer
 * is ready, only the client waits. A client that retries as soon as it is
 * answered, as a flood does, is so held to one attempt a second on each
 * connection, instead of as many as the gateway can answer, and leaves the
 * machine's cores to the shoppers. A held answer costs its connection and
 * a few bytes; no thread waits. Its duration, in the metrics and the
 * access log, ends when the answer was ready: the hold is not latency.
 */
#ifndef WEB_SLOW_DOWN_H
#define WEB_SLOW_DOWN_H

#include "rs_http.h"

/* Reads GATEWAY_429_HOLD_MS (a bad value stops the service). */
void slow_down_init(void);
/* For an RS_RUN_ASYNC request whose reply is made: hands it back now when
 * status is not 429 (or holding is off or impossible), else after the hold.
 * On the request's loop; the request is not touched after. */
void slow_down_finish(rs_request *req, int status);

#endif
