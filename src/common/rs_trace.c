/*
 * rs_trace.c - W3C trace context, the sampler and span records (see
 * rs_trace.h); the OTEL_* settings are read here, the export is rs_otlp.c.
 *
 * Ids come from a per-thread xorshift generator seeded from getrandom(2):
 * unique enough for tracing and free of a system call per request.
 */
#include "rs_trace.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include "rs_config.h"
#include "rs_log.h"
#include "rs_otlp.h"
#include "rs_time.h"

static _Thread_local const rs_trace *current;
static _Thread_local uint64_t rng_state;

/* Set by rs_trace_init, before other threads exist. `on` goes false again
 * at rs_trace_shutdown while a service's own threads may still end spans
 * (dispatch's consumer stops after rs_service_run returns): atomic. */
static struct {
    atomic_bool on;
    rs_sampler  sampler;
} tracer = {false, {true, RS_SAMPLE_ON, 1.0}};

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
        sampled = rs_sampler_decide(&tracer.sampler, t, t->trace_id);
    } else {
        do
            random_hex(t->trace_id, 32);
        while (!valid_id(t->trace_id, 32));
        t->parent_id[0] = '\0';
        t->flags = 0;
        sampled = rs_sampler_decide(&tracer.sampler, NULL, t->trace_id);
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
    tracer.sampler = *s;
}

/* ---- settings ---- */

static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v != NULL && v[0] != '\0' ? v : NULL;
}

static void config_error(const char *name, const char *value, const char *why)
{
    rs_config_fail("%s: \"%s\" %s", name, value, why);
}

static void read_sampler(void)
{
    const char *name = env("OTEL_TRACES_SAMPLER");
    const char *arg = env("OTEL_TRACES_SAMPLER_ARG");
    if (name == NULL)
        return;
    rs_sampler s;
    if (rs_sampler_parse(name, NULL, &s) != 0)
        config_error("OTEL_TRACES_SAMPLER", name,
                     "is not one of always_on, always_off, traceidratio, parentbased_always_on, "
                     "parentbased_always_off, parentbased_traceidratio");
    if (rs_sampler_parse(name, arg, &s) != 0)
        config_error("OTEL_TRACES_SAMPLER_ARG", arg, "is not a ratio from 0 to 1");
    tracer.sampler = s;
}

/* OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as it is, or OTEL_EXPORTER_OTLP_ENDPOINT
 * with /v1/traces; NULL when neither is set. */
static char *traces_url(void)
{
    const char *url = env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
    const char *name = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";
    char *out = NULL;
    if (url != NULL) {
        out = strdup(url);
    } else if ((url = env("OTEL_EXPORTER_OTLP_ENDPOINT")) != NULL) {
        name = "OTEL_EXPORTER_OTLP_ENDPOINT";
        size_t len = strlen(url);
        while (len > 0 && url[len - 1] == '/')
            len--;
        if ((out = malloc(len + sizeof "/v1/traces")) != NULL) {
            memcpy(out, url, len);
            memcpy(out + len, "/v1/traces", sizeof "/v1/traces");
        }
    } else {
        return NULL;
    }
    if (out == NULL) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    if (strncasecmp(out, "http://", 7) != 0 && strncasecmp(out, "https://", 8) != 0)
        config_error(name, url, "is not an http:// or https:// URL");
    return out;
}

static long env_ms(const char *specific, const char *general, long def, long min, long max)
{
    if (env(specific) != NULL)
        return rs_config_int(specific, def, min, max);
    return rs_config_int(general, def, min, max);
}

void rs_trace_init(const char *service_name)
{
    read_sampler();
    if (rs_config_bool("OTEL_SDK_DISABLED", false))
        return;
    char *url = traces_url();
    if (url == NULL)
        return;
    rs_otlp_config cfg = {
        .url = url,
        .service_name = env("OTEL_SERVICE_NAME") != NULL ? env("OTEL_SERVICE_NAME") : service_name,
        .resource_attributes = env("OTEL_RESOURCE_ATTRIBUTES"),
        .headers = env("OTEL_EXPORTER_OTLP_TRACES_HEADERS") != NULL
                       ? env("OTEL_EXPORTER_OTLP_TRACES_HEADERS") : env("OTEL_EXPORTER_OTLP_HEADERS"),
        .timeout_ms = env_ms("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT",
                             10000, 1, 600000),
        .schedule_delay_ms = rs_config_int("OTEL_BSP_SCHEDULE_DELAY", 5000, 1, 3600000),
        .max_queue = (size_t)rs_config_int("OTEL_BSP_MAX_QUEUE_SIZE", 2048, 1, 1000000),
        .max_batch = (size_t)rs_config_int("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", 512, 1, 1000000),
    };
    if (cfg.max_batch > cfg.max_queue)
        cfg.max_batch = cfg.max_queue;   /* as the specification says */
    if (rs_otlp_start(&cfg) != 0) {
        free(url);
        exit(RS_EXIT_CONFIG);
    }
    free(url);
    atomic_store(&tracer.on, true);
    rs_log(RS_INFO, "tracing on: spans go to %s", rs_otlp_url());
}

void rs_trace_shutdown(void)
{
    if (atomic_exchange(&tracer.on, false))
        rs_otlp_stop();
}

bool rs_tracing_on(void)
{
    return atomic_load_explicit(&tracer.on, memory_order_relaxed);
}

/* ---- span records ---- */

static uint64_t unix_ns_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

bool rs_span_begin(rs_span *s, const rs_trace *ids, rs_span_kind kind, double started)
{
    if (!rs_tracing_on() || ids == NULL || (ids->flags & 1) == 0 || ids->trace_id[0] == '\0')
        return false;
    if (!rs_otlp_admit())
        return false;   /* the queue is full: not built, counted as dropped */
    uint64_t end = unix_ns_now();
    double took = rs_now() - started;
    uint64_t took_ns = took > 0 ? (uint64_t)(took * 1e9) : 0;
    memcpy(s->trace_id, ids->trace_id, sizeof s->trace_id);
    memcpy(s->span_id, ids->span_id, sizeof s->span_id);
    memcpy(s->parent_id, ids->parent_id, sizeof s->parent_id);
    s->kind = kind;
    s->status = RS_STATUS_UNSET;
    s->end_ns = end;
    s->start_ns = took_ns < end ? end - took_ns : 0;
    s->name[0] = '\0';
    s->nattrs = 0;
    s->text_len = 0;
    return true;
}

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

void rs_span_end(rs_span *s)
{
    if (rs_tracing_on())
        rs_otlp_submit(s);
}
