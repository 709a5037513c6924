/*
 * rs_spans.h - the spans the runtime records, named and described with
 * OpenTelemetry's semantic conventions (the stable HTTP ones, the database
 * and messaging ones): a SERVER span per request served (the probes
 * /health, /ready and /metrics excepted), a CLIENT span per peer call and
 * per datastore operation, a PRODUCER span per RabbitMQ publish and a
 * CONSUMER span per message processed. Each is one call at
 * the point where the runtime already measures the operation for its
 * metrics; each costs nothing but a branch when the span is not recorded
 * (tracing off, or not sampled).
 *
 * Threading: rs_spans_datastore is called while a service starts, before
 * rs_service_run; the rest from any thread. Strings are copied.
 */
#ifndef RS_SPANS_H
#define RS_SPANS_H

#include <stdbool.h>

#include "rs_trace.h"

typedef struct rs_server_span {
    const char *method;         /* as received */
    const char *route;          /* the route pattern, NULL when none matched */
    const char *path, *query;   /* query: NULL when none */
    const char *host;           /* the Host header, NULL when none */
    const char *client_ip;
    int         status;
    bool        http10;
} rs_server_span;

void rs_spans_server(const rs_trace *t, double started, const rs_server_span *r);

/* failure: NULL when an answer came (status), else "timeout",
 * "connect_error" or "error". */
void rs_spans_http_client(const rs_trace *span, double started, const char *peer,
                          const char *method, const char *url, const char *failure, long status);

/* Where a datastore system lives (host NULL for a local file), and its
 * database (NULL when none): for the spans of its operations. */
void rs_spans_datastore(const char *system, const char *host, int port, const char *name);
/* One operation on a datastore, a child of the current trace. */
void rs_spans_db(const char *system, const char *operation, double started);

void rs_spans_publish(const rs_trace *span, double started, const char *exchange,
                      const char *routing_key, const char *message_id, bool confirmed);
void rs_spans_process(const rs_trace *t, double started, const char *queue,
                      const char *message_id, bool failed);

#endif
