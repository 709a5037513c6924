/*
 * rs_trace.h - W3C trace context (traceparent), sampling and spans.
 *
 * Each request gets a trace: the incoming traceparent's trace id is kept
 * (a new one is made when the header is absent or invalid) and a new span id
 * is made for this hop; the sampler (OTEL_TRACES_SAMPLER) sets its sampled
 * flag. The current thread's trace is what the logger writes and what the
 * clients pass on. An outgoing call is a child span (rs_trace_child): its
 * id goes out in the call's traceparent.
 *
 * A span is recorded once it is over: rs_span_begin fills an rs_span on the
 * caller's stack from the span's ids and its start (rs_now() seconds), the
 * caller adds a name and attributes, and rs_span_end hands a copy to the
 * exporter (rs_otlp.h). Only sampled spans of a process whose tracing is on
 * (rs_trace_init found an OTLP endpoint) are recorded; rs_span_begin says
 * so, and the rest of the work is skipped when it returns false.
 *
 * Threading: the current trace is per thread; rs_trace_init runs once at
 * start, before any other thread; everything else may be called from any
 * thread. Attribute keys are not copied (string literals); string values
 * are.
 */
#ifndef RS_TRACE_H
#define RS_TRACE_H

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

/* ---- spans ---- */

/* OTLP's SpanKind and Status.code values. */
typedef enum {
    RS_SPAN_INTERNAL = 1, RS_SPAN_SERVER = 2, RS_SPAN_CLIENT = 3,
    RS_SPAN_PRODUCER = 4, RS_SPAN_CONSUMER = 5
} rs_span_kind;
#define RS_STATUS_UNSET 0
#define RS_STATUS_ERROR 2

#define RS_SPAN_MAX_ATTRS 12
#define RS_SPAN_TEXT      640   /* the attributes' string values, NUL after each */

typedef struct rs_span_attr {
    const char *key;
    bool        is_int;
    int64_t     number;
    uint16_t    text_at;    /* the string value's offset in text */
} rs_span_attr;

typedef struct rs_span {
    char         trace_id[33];
    char         span_id[17];
    char         parent_id[17];    /* "" for a root */
    rs_span_kind kind;
    int          status;           /* RS_STATUS_* */
    uint64_t     start_ns, end_ns; /* Unix epoch */
    char         name[96];
    size_t       nattrs;
    rs_span_attr attrs[RS_SPAN_MAX_ATTRS];
    size_t       text_len;
    char         text[RS_SPAN_TEXT];
} rs_span;

/* Reads the OTEL_* settings; tracing is on when an OTLP endpoint is set and
 * OTEL_SDK_DISABLED is not true: the exporter thread then starts. A bad
 * value ends the process with a clear message (exit 2). */
void rs_trace_init(const char *service_name);
/* Sends what is still queued (within the export timeout), stops the exporter. */
void rs_trace_shutdown(void);
bool rs_tracing_on(void);

/* Fills s for the span ids (span_id: this span, parent_id: its parent),
 * started at `started` (rs_now() seconds) and ending now; false, and s
 * untouched, when the span is not to be recorded (or would find the
 * exporter's queue full: it is then counted as dropped). */
bool rs_span_begin(rs_span *s, const rs_trace *ids, rs_span_kind kind, double started);
void rs_span_set_name(rs_span *s, const char *first, const char *second);  /* second may be NULL */
void rs_span_str(rs_span *s, const char *key, const char *value);   /* NULL value: none */
void rs_span_strn(rs_span *s, const char *key, const char *value, size_t len);
void rs_span_int(rs_span *s, const char *key, int64_t value);
/* Hands the span to the exporter (dropped and counted when its queue is full). */
void rs_span_end(rs_span *s);

#endif
