/*
 * rs_trace_context.h - W3C trace context (traceparent): the ids a request
 * carries, the sampler that decides whether its spans are recorded, and
 * the calling thread's current trace.
 *
 * Each request gets a trace: the incoming traceparent's trace id is kept
 * (a new one is made when the header is absent or invalid) and a new span id
 * is made for this hop; the sampler (OTEL_TRACES_SAMPLER, read by
 * rs_trace_init) sets its sampled flag. The current thread's trace is what
 * the logger writes and what the clients pass on. An outgoing call is a
 * child span (rs_trace_child): its id goes out in the call's traceparent.
 *
 * Needs nothing but libc: the logger reads the current trace here without
 * depending on the tracer or its exporter (rs_trace.h).
 *
 * Threading: the current trace is per thread; the sampler is set once at
 * start (rs_trace_use_sampler), before any other thread; everything else
 * may be called from any thread.
 */
#ifndef RS_TRACE_CONTEXT_H
#define RS_TRACE_CONTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RS_TRACEPARENT_LEN 55   /* "00-" 32 "-" 16 "-" 2 */

typedef struct rs_trace {
    char trace_id[33];          /* 32 lowercase hex digits */
    char span_id[17];           /* this hop's span */
    char parent_id[17];         /* caller's span, "" when none */
    unsigned char flags;        /* trace-flags, bit 0 = sampled */
} rs_trace;

/* Parses a traceparent header; false when it is not a valid version-00 one. */
bool rs_trace_parse(const char *header, rs_trace *out);
/* Continues the incoming trace, or starts a new one; always a fresh span. */
void rs_trace_begin(rs_trace *t, const char *incoming_header);
/* Writes the traceparent to send downstream (buffer of 56 bytes). */
void rs_trace_format(const rs_trace *t, char out[RS_TRACEPARENT_LEN + 1]);

void rs_trace_set_current(const rs_trace *t);   /* NULL clears */
const rs_trace *rs_trace_current(void);

/* A child span of parent (same trace and flags, a fresh span id). */
void rs_trace_child(const rs_trace *parent, rs_trace *child);
/* The span of an outgoing call: a child of the traceparent given, or of the
 * current trace when it is NULL; false when there is neither. */
bool rs_trace_call_span(const char *traceparent, rs_trace *child);

/* ---- sampling ---- */

typedef enum { RS_SAMPLE_ON, RS_SAMPLE_OFF, RS_SAMPLE_RATIO } rs_sample_rule;

typedef struct rs_sampler {
    bool           parent_based;   /* a parent's decision is followed */
    rs_sample_rule root;           /* for a trace that starts here */
    double         ratio;          /* RS_SAMPLE_RATIO: 0..1 */
} rs_sampler;

/* OTEL_TRACES_SAMPLER's names (always_on, always_off, traceidratio and
 * their parentbased_ forms) and OTEL_TRACES_SAMPLER_ARG (the ratio, 1 when
 * NULL); -1 for an unknown name or a ratio not a number in 0..1. */
int  rs_sampler_parse(const char *name, const char *arg, rs_sampler *out);
/* parent: the incoming context (NULL for a new trace); trace_id: 32 hex. */
bool rs_sampler_decide(const rs_sampler *s, const rs_trace *parent, const char *trace_id);
/* The sampler rs_trace_begin uses (parentbased_always_on until set). */
void rs_trace_use_sampler(const rs_sampler *s);

#endif
