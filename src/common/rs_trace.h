/*
 * rs_trace.h - the tracer: the OTEL_* settings, and the spans it hands to
 * the exporter (rs_otlp.h).
 *
 * A span is recorded once it is over: rs_span_begin fills an rs_span on the
 * caller's stack from the span's ids (rs_trace_context.h) and its start
 * (rs_now() seconds), the caller adds a name and attributes (rs_span.h),
 * and rs_span_end hands a copy to the exporter. Only sampled spans of a
 * process whose tracing is on (rs_trace_init found an OTLP endpoint) are
 * recorded; rs_span_begin says so, and the rest of the work is skipped
 * when it returns false.
 *
 * Threading: rs_trace_init runs once at start, before any other thread;
 * everything else may be called from any thread.
 */
#ifndef RS_TRACE_H
#define RS_TRACE_H

#include <stdbool.h>

#include "rs_span.h"
#include "rs_trace_context.h"

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
/* Hands the span to the exporter (dropped and counted when its queue is full). */
void rs_span_end(rs_span *s);

#endif
