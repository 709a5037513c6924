/*
 * rs_span.h - the record of one finished span, as the exporter sends it
 * (OTLP's Span): ids, kind, status, times, name and a few attributes, all
 * in place (no allocation), so that a span is a copy into the exporter's
 * queue. rs_span_begin (rs_trace.h) fills its ids and times; the setters
 * here add the name and the attributes.
 *
 * Needs nothing but libc. Threading: a span belongs to the thread that
 * fills it. Attribute keys are not copied (string literals); string values
 * are, cut to what the record holds.
 */
#ifndef RS_SPAN_H
#define RS_SPAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

void rs_span_set_name(rs_span *s, const char *first, const char *second);  /* second may be NULL */
void rs_span_str(rs_span *s, const char *key, const char *value);   /* NULL value: none */
void rs_span_strn(rs_span *s, const char *key, const char *value, size_t len);
void rs_span_int(rs_span *s, const char *key, int64_t value);

#endif
