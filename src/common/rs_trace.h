/*
 * rs_trace.h - W3C trace context (traceparent).
 *
 * Each request gets a trace: the incoming traceparent's trace id is kept
 * (a new one is made when the header is absent or invalid) and a new span id
 * is made for this hop. The current thread's trace is what the logger writes
 * and what the HTTP client passes on.
 */
#ifndef RS_TRACE_H
#define RS_TRACE_H

#include <stdbool.h>

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

#endif
