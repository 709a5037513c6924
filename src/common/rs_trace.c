/*
 * rs_trace.c - the tracer (see rs_trace.h): the OTEL_* settings are read
 * here, spans begin and end here, the export is rs_otlp.c.
 */
#include "rs_trace.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "rs_config.h"
#include "rs_log.h"
#include "rs_otlp.h"
#include "rs_time.h"

/* Set by rs_trace_init, before other threads exist; goes false again at
 * rs_trace_shutdown while a service's own threads may still end spans
 * (dispatch's consumer stops after rs_service_run returns): atomic. */
static atomic_bool tracing_on = false;

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
    rs_trace_use_sampler(&s);
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
    atomic_store(&tracing_on, true);
    rs_log(RS_INFO, "tracing on: spans go to %s", rs_otlp_url());
}

void rs_trace_shutdown(void)
{
    if (atomic_exchange(&tracing_on, false))
        rs_otlp_stop();
}

bool rs_tracing_on(void)
{
    return atomic_load_explicit(&tracing_on, memory_order_relaxed);
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

void rs_span_end(rs_span *s)
{
    if (rs_tracing_on())
        rs_otlp_submit(s);
}
