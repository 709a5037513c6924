/*
 * rs_span.c - the span record's name and attributes (see rs_span.h).
 */
#include "rs_span.h"

#include <string.h>

/* Appends text at *at, within size - 1 bytes; no printf on this path. */
static void append_cut(char *out, size_t size, size_t *at, const char *text)
{
    size_t len = strlen(text);
    if (len > size - 1 - *at)
        len = size - 1 - *at;
    memcpy(out + *at, text, len);
    *at += len;
}

void rs_span_set_name(rs_span *s, const char *first, const char *second)
{
    size_t at = 0;
    append_cut(s->name, sizeof s->name, &at, first);
    if (second != NULL) {
        append_cut(s->name, sizeof s->name, &at, " ");
        append_cut(s->name, sizeof s->name, &at, second);
    }
    s->name[at] = '\0';
}

void rs_span_strn(rs_span *s, const char *key, const char *value, size_t len)
{
    if (value == NULL || s->nattrs == RS_SPAN_MAX_ATTRS)
        return;
    size_t room = sizeof s->text - s->text_len;
    if (room == 0)
        return;
    if (len >= room)
        len = room - 1;   /* a long value is cut, as OTel's length limits do */
    rs_span_attr *a = &s->attrs[s->nattrs++];
    a->key = key;
    a->is_int = false;
    a->text_at = (uint16_t)s->text_len;
    memcpy(s->text + s->text_len, value, len);
    s->text[s->text_len + len] = '\0';
    s->text_len += len + 1;
}

void rs_span_str(rs_span *s, const char *key, const char *value)
{
    if (value != NULL)
        rs_span_strn(s, key, value, strlen(value));
}

void rs_span_int(rs_span *s, const char *key, int64_t value)
{
    if (s->nattrs == RS_SPAN_MAX_ATTRS)
        return;
    rs_span_attr *a = &s->attrs[s->nattrs++];
    a->key = key;
    a->is_int = true;
    a->number = value;
}
