/*
 * rs_otlp.h - the span exporter: OTLP/HTTP with the JSON encoding.
 *
 * rs_otlp_start makes the bounded span queue and one exporter thread
 * ("rs-otlp", at the lowest CPU priority, nice 19). Spans handed to rs_otlp_submit wait
 * in the queue (a full queue drops them, counted in
 * otel_spans_dropped_total{reason="queue_full"} by the exporter and by
 * rs_otlp_publish_metrics);
 * the thread sends them in batches of max_batch, or whatever is there every
 * schedule_delay_ms, as one POST of application/json to the traces URL over
 * its own libcurl handle. A batch the receiver does not take (no answer in
 * timeout_ms, or not a 2xx) is dropped and counted (reason="export_failed");
 * sent ones are counted in otel_spans_exported_total. rs_otlp_stop closes
 * the queue, sends what is left (for one export timeout at most) and joins
 * the thread; spans submitted after it are never sent, and the queue's
 * memory stays until the process ends, so a late submit is harmless.
 *
 * Threading: start and stop once, from the main thread; submit from any
 * thread, never waiting for the network. The exporter owns the queue, the
 * resource and the copy of every setting.
 */
#ifndef RS_OTLP_H
#define RS_OTLP_H

#include <jansson.h>
#include <stddef.h>

#include "rs_span.h"

typedef struct rs_otlp_config {
    const char *url;                  /* the traces endpoint, used as it is */
    const char *service_name;
    const char *resource_attributes;  /* OTEL_RESOURCE_ATTRIBUTES, or NULL */
    const char *headers;              /* OTEL_EXPORTER_OTLP_HEADERS, or NULL */
    long        timeout_ms;
    long        schedule_delay_ms;
    size_t      max_queue;
    size_t      max_batch;
} rs_otlp_config;

/* 0, or -1 with the reason logged (a malformed list, out of memory). */
int         rs_otlp_start(const rs_otlp_config *cfg);
void        rs_otlp_submit(const rs_span *s);
/* Whether a span ending now would find room; false counts it dropped. */
bool        rs_otlp_admit(void);
/* Brings otel_spans_dropped_total up to date (before /metrics renders). */
void        rs_otlp_publish_metrics(void);
void        rs_otlp_stop(void);
const char *rs_otlp_url(void);

/* "key=value,key=value" with percent-encoded values (the form of
 * OTEL_RESOURCE_ATTRIBUTES and OTEL_EXPORTER_OTLP_HEADERS): each(key,
 * value, ctx) for every pair, keys and values trimmed and decoded; -1 when
 * the text is malformed (an item without '=', an empty key, a bad escape). */
int rs_otlp_pairs(const char *text, void (*each)(const char *key, const char *value, void *ctx),
                  void *ctx);

/* The resource's attributes as OTLP KeyValues: OTEL_RESOURCE_ATTRIBUTES's
 * pairs, then service.name (which wins over a pair of that name); NULL when
 * the text is malformed. The caller owns the array. */
json_t *rs_otlp_resource(const char *service_name, const char *resource_attributes);

/* An ExportTraceServiceRequest of the n spans under one resource, in
 * OTLP's JSON encoding: malloc'd text (its length in *len), NULL when out
 * of memory. */
char *rs_otlp_encode(const json_t *resource, const rs_span *spans, size_t n, size_t *len);

#endif
