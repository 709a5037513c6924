/*
 * rs_trace_context.c - W3C trace context, the sampler and the current
 * trace (see rs_trace_context.h).
 *
 * Ids come from a per-thread xorshift generator seeded from getrandom(2):
 * unique enough for tracing and free of a system call per request.
 */
#include "rs_trace_context.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

static _Thread_local const rs_trace *current;
static _Thread_local uint64_t rng_state;

/* Set by rs_trace_use_sampler, before other threads exist. */
static rs_sampler sampler = {true, RS_SAMPLE_ON, 1.0};

static uint64_t next_random(void)
{
    if (rng_state == 0) {
        if (getrandom(&rng_state, sizeof rng_state, 0) != sizeof rng_state) {
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            rng_state = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^ (uintptr_t)&ts;
        }
        rng_state |= 1;
    }
    /* xorshift64* */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1DULL;
}

static void random_hex(char *out, size_t digits)
{
    static const char hex[] = "0123456789abcdef";
    uint64_t r = 0;
    for (size_t i = 0; i < digits; i++) {
        if (i % 16 == 0)
            r = next_random();
        out[i] = hex[r & 0xF];
        r >>= 4;
    }
    out[digits] = '\0';
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* Lowercase hex of exactly n digits, not all zero. */
static bool valid_id(const char *s, size_t n)
{
    bool nonzero = false;
    for (size_t i = 0; i < n; i++) {
        if (hex_value(s[i]) < 0)
            return false;
        nonzero |= s[i] != '0';
    }
    return nonzero;
}

bool rs_trace_parse(const char *h, rs_trace *out)
{
    if (h == NULL || strlen(h) != RS_TRACEPARENT_LEN)
        return false;
    if (h[0] != '0' || h[1] != '0' || h[2] != '-' || h[35] != '-' || h[52] != '-')
        return false;
    if (!valid_id(h + 3, 32) || !valid_id(h + 36, 16))
        return false;
    int f1 = hex_value(h[53]), f2 = hex_value(h[54]);
    if (f1 < 0 || f2 < 0)
        return false;
    memcpy(out->trace_id, h + 3, 32);
    out->trace_id[32] = '\0';
    memcpy(out->parent_id, h + 36, 16);
    out->parent_id[16] = '\0';
    out->span_id[0] = '\0';
    out->flags = (unsigned char)(f1 * 16 + f2);
    return true;
}

static void new_span_id(char out[17])
{
    do
        random_hex(out, 16);
    while (!valid_id(out, 16));
}

void rs_trace_begin(rs_trace *t, const char *incoming)
{
    bool sampled;
    if (rs_trace_parse(incoming, t)) {
        sampled = rs_sampler_decide(&sampler, t, t->trace_id);
    } else {
        do
            random_hex(t->trace_id, 32);
        while (!valid_id(t->trace_id, 32));
        t->parent_id[0] = '\0';
        t->flags = 0;
        sampled = rs_sampler_decide(&sampler, NULL, t->trace_id);
    }
    t->flags = (unsigned char)((t->flags & ~1u) | (sampled ? 1u : 0u));
    new_span_id(t->span_id);
}

void rs_trace_child(const rs_trace *parent, rs_trace *child)
{
    memcpy(child->trace_id, parent->trace_id, sizeof child->trace_id);
    memcpy(child->parent_id, parent->span_id, sizeof child->parent_id);
    child->flags = parent->flags;
    new_span_id(child->span_id);
}

bool rs_trace_call_span(const char *traceparent, rs_trace *child)
{
    rs_trace given;
    const rs_trace *parent = rs_trace_current();
    if (traceparent != NULL) {
        if (!rs_trace_parse(traceparent, &given))
            return false;
        /* the header names the caller's span: it is this call's parent */
        memcpy(given.span_id, given.parent_id, sizeof given.span_id);
        parent = &given;
    }
    if (parent == NULL)
        return false;
    rs_trace_child(parent, child);
    return true;
}

static char *put_id(char *out, const char *id, size_t max)
{
    size_t n = strnlen(id, max);
    memcpy(out, id, n);
    return out + n;
}

/* "00-<trace id>-<span id>-<flags>" (no printf: every call out takes it). */
void rs_trace_format(const rs_trace *t, char out[RS_TRACEPARENT_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    char *p = out;
    memcpy(p, "00-", 3);
    p = put_id(p + 3, t->trace_id, 32);
    *p++ = '-';
    p = put_id(p, t->span_id, 16);
    *p++ = '-';
    *p++ = hex[t->flags >> 4];
    *p++ = hex[t->flags & 0xF];
    *p = '\0';
}

void rs_trace_set_current(const rs_trace *t)
{
    current = t;
}

const rs_trace *rs_trace_current(void)
{
    return current;
}

/* ---- sampling ---- */

int rs_sampler_parse(const char *name, const char *arg, rs_sampler *out)
{
    static const struct { const char *name; bool parent_based; rs_sample_rule root; } known[] = {
        {"always_on", false, RS_SAMPLE_ON},
        {"always_off", false, RS_SAMPLE_OFF},
        {"traceidratio", false, RS_SAMPLE_RATIO},
        {"parentbased_always_on", true, RS_SAMPLE_ON},
        {"parentbased_always_off", true, RS_SAMPLE_OFF},
        {"parentbased_traceidratio", true, RS_SAMPLE_RATIO},
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        if (strcmp(name, known[i].name) != 0)
            continue;
        double ratio = 1.0;
        if (known[i].root == RS_SAMPLE_RATIO && arg != NULL) {
            char *end;
            ratio = strtod(arg, &end);
            if (end == arg || *end != '\0' || !(ratio >= 0.0 && ratio <= 1.0))
                return -1;
        }
        *out = (rs_sampler){known[i].parent_based, known[i].root, ratio};
        return 0;
    }
    return -1;
}

/* The trace id's last 14 hex digits (56 bits, the random part W3C trace
 * context level 2 asks for) against the ratio: the same trace gets the
 * same answer in every service. */
static bool ratio_admits(double ratio, const char *trace_id)
{
    if (ratio >= 1.0)
        return true;   /* every id, the largest too (2^56 - 1 is no double) */
    uint64_t v = 0;
    for (int i = 18; i < 32; i++)
        v = v << 4 | (uint64_t)hex_value(trace_id[i]);
    return v < (uint64_t)(ratio * 72057594037927936.0);   /* 2^56 */
}

bool rs_sampler_decide(const rs_sampler *s, const rs_trace *parent, const char *trace_id)
{
    if (s->parent_based && parent != NULL)
        return (parent->flags & 1) != 0;
    switch (s->root) {
    case RS_SAMPLE_ON:
        return true;
    case RS_SAMPLE_OFF:
        return false;
    default:
        return ratio_admits(s->ratio, trace_id);
    }
}

void rs_trace_use_sampler(const rs_sampler *s)
{
    sampler = *s;
}
