/*
 * rs_trace.c - W3C trace context (see rs_trace.h).
 *
 * Ids come from a per-thread xorshift generator seeded from getrandom(2):
 * unique enough for tracing and free of a system call per request.
 */
#include "rs_trace.h"

#include <stdint.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

static _Thread_local const rs_trace *current;
static _Thread_local uint64_t rng_state;

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

void rs_trace_begin(rs_trace *t, const char *incoming)
{
    if (!rs_trace_parse(incoming, t)) {
        do
            random_hex(t->trace_id, 32);
        while (!valid_id(t->trace_id, 32));
        t->parent_id[0] = '\0';
        t->flags = 1;
    }
    do
        random_hex(t->span_id, 16);
    while (!valid_id(t->span_id, 16));
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
