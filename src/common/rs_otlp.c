/*
 * rs_otlp.c - the OTLP/HTTP JSON span exporter (see rs_otlp.h).
 *
 * The encoding follows OTLP's JSON mapping of the protobuf messages: ids
 * in lowercase hex, kind and status code as their enum numbers, times and
 * 64-bit integers as decimal strings, attributes as key/AnyValue pairs.
 */
#include "rs_otlp.h"

#include <ctype.h>
#include <curl/curl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "rs_log.h"
#include "rs_metrics.h"
#include "rs_span_queue.h"

#define SCOPE_NAME "robot-shop/rs_common"

static struct {
    rs_span_queue     *queue;
    pthread_t          thread;
    char              *url;
    json_t            *resource;
    struct curl_slist *headers;
    long               timeout_ms, delay_ms;
    size_t             batch;
    rs_metric         *dropped, *exported;
    bool               failing;     /* the last export failed (logged once) */
} otlp;

/* ---- key=value lists ---- */

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Copies [from, to) trimmed and percent-decoded into out (room for it). */
static int decode(const char *from, const char *to, char *out)
{
    while (from < to && isspace((unsigned char)*from))
        from++;
    while (to > from && isspace((unsigned char)to[-1]))
        to--;
    size_t n = 0;
    for (const char *p = from; p < to; p++) {
        if (*p != '%') {
            out[n++] = *p;
            continue;
        }
        if (to - p < 3)
            return -1;
        int hi = hex_digit(p[1]), lo = hex_digit(p[2]);
        if (hi < 0 || lo < 0)
            return -1;
        out[n++] = (char)(hi * 16 + lo);
        p += 2;
    }
    out[n] = '\0';
    return 0;
}

int rs_otlp_pairs(const char *text, void (*each)(const char *key, const char *value, void *ctx),
                  void *ctx)
{
    if (text == NULL)
        return 0;
    size_t size = strlen(text) + 1;
    char *key = malloc(size), *value = malloc(size);
    int rc = key != NULL && value != NULL ? 0 : -1;
    const char *item = text;
    while (rc == 0 && *item != '\0') {
        const char *end = strchr(item, ',');
        if (end == NULL)
            end = item + strlen(item);
        const char *eq = memchr(item, '=', (size_t)(end - item));
        bool blank = true;
        for (const char *p = item; p < end; p++)
            blank = blank && isspace((unsigned char)*p);
        if (!blank) {
            if (eq == NULL || decode(item, eq, key) != 0 || key[0] == '\0' ||
                decode(eq + 1, end, value) != 0)
                rc = -1;
            else
                each(key, value, ctx);
        }
        item = *end == ',' ? end + 1 : end;
    }
    free(key);
    free(value);
    return rc;
}

/* ---- encoding ---- */

static json_t *key_value(const char *key, json_t *value)
{
    return json_pack("{s:s,s:o}", "key", key, "value", value);
}

static json_t *string_value(const char *s)
{
    return json_pack("{s:s}", "stringValue", s);
}

static json_t *int_value(int64_t v)
{
    char text[24];
    snprintf(text, sizeof text, "%" PRId64, v);
    return json_pack("{s:s}", "intValue", text);
}

static void add_resource_pair(const char *key, const char *value, void *ctx)
{
    if (strcmp(key, "service.name") != 0)
        json_array_append_new(ctx, key_value(key, string_value(value)));
}

json_t *rs_otlp_resource(const char *service_name, const char *resource_attributes)
{
    json_t *attrs = json_array();
    if (attrs == NULL)
        return NULL;
    if (rs_otlp_pairs(resource_attributes, add_resource_pair, attrs) != 0) {
        json_decref(attrs);
        return NULL;
    }
    json_array_append_new(attrs, key_value("service.name",
                                           string_value(service_name ? service_name : "unknown_service")));
    return attrs;
}

static json_t *span_attributes(const rs_span *s)
{
    json_t *list = json_array();
    for (size_t i = 0; list != NULL && i < s->nattrs; i++) {
        const rs_span_attr *a = &s->attrs[i];
        json_array_append_new(list, key_value(a->key, a->is_int ? int_value(a->number)
                                                                : string_value(s->text + a->text_at)));
    }
    return list;
}

static json_t *encode_span(const rs_span *s)
{
    char start[24], end[24];
    snprintf(start, sizeof start, "%" PRIu64, s->start_ns);
    snprintf(end, sizeof end, "%" PRIu64, s->end_ns);
    json_t *span = json_pack("{s:s,s:s,s:s,s:i,s:s,s:s,s:o}",
        "traceId", s->trace_id, "spanId", s->span_id, "name", s->name[0] ? s->name : "span",
        "kind", (int)s->kind, "startTimeUnixNano", start, "endTimeUnixNano", end,
        "attributes", span_attributes(s));
    if (span == NULL)
        return NULL;
    if (s->parent_id[0] != '\0')
        json_object_set_new(span, "parentSpanId", json_string(s->parent_id));
    if (s->status != RS_STATUS_UNSET)
        json_object_set_new(span, "status", json_pack("{s:i}", "code", s->status));
    return span;
}

char *rs_otlp_encode(const json_t *resource, const rs_span *spans, size_t n, size_t *len)
{
    json_t *list = json_array();
    for (size_t i = 0; list != NULL && i < n; i++) {
        if (json_array_append_new(list, encode_span(&spans[i])) != 0) {
            json_decref(list);
            list = NULL;
        }
    }
    json_t *doc = json_pack("{s:[{s:{s:O},s:[{s:{s:s},s:o}]}]}",
        "resourceSpans", "resource", "attributes", resource,
        "scopeSpans", "scope", "name", SCOPE_NAME, "spans", list);
    if (doc == NULL)
        return NULL;
    char *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    if (text != NULL && len != NULL)
        *len = strlen(text);
    return text;
}

/* ---- sending ---- */

static size_t discard_body(char *data, size_t size, size_t n, void *unused)
{
    (void)data;
    (void)unused;
    return size * n;
}

static void count_dropped(const char *reason, size_t n)
{
    const char *labels[] = {reason};
    rs_counter_add(otlp.dropped, labels, (double)n);
}

/* One POST of the batch; true when the receiver took it. */
static bool send_batch(CURL *h, const rs_span *spans, size_t n)
{
    size_t len = 0;
    char *body = rs_otlp_encode(otlp.resource, spans, n, &len);
    if (body == NULL)
        return false;
    curl_easy_reset(h);
    curl_easy_setopt(h, CURLOPT_URL, otlp.url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, otlp.timeout_ms);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, otlp.headers);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)len);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard_body);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    CURLcode rc = curl_easy_perform(h);
    long status = 0;
    if (rc == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    free(body);
    bool ok = rc == CURLE_OK && status >= 200 && status < 300;
    if (!ok && !otlp.failing)
        rs_log(RS_WARN, "span export to %s failed: %s", otlp.url,
               rc != CURLE_OK ? curl_easy_strerror(rc) : "the receiver refused the batch");
    else if (ok && otlp.failing)
        rs_log(RS_INFO, "span export to %s works again", otlp.url);
    if (!ok && rc == CURLE_OK)
        rs_log(RS_DEBUG, "span export: HTTP %ld", status);
    otlp.failing = !ok;
    return ok;
}

static void *export_loop(void *unused)
{
    (void)unused;
    prctl(PR_SET_NAME, "rs-otlp", 0, 0, 0);
    CURL *h = curl_easy_init();
    for (;;) {
        bool closed = rs_span_queue_closed(otlp.queue);
        const rs_span *spans;
        size_t n = rs_span_queue_take(otlp.queue, otlp.batch, otlp.delay_ms, &spans);
        if (n == 0 && closed)
            break;
        if (n == 0)
            continue;
        bool sent = h != NULL && send_batch(h, spans, n);
        rs_span_queue_release(otlp.queue, n);
        if (sent) {
            rs_counter_add(otlp.exported, NULL, (double)n);
        } else {
            count_dropped("export_failed", n);
            if (closed)
                break;   /* the receiver is away: the last flush ends here */
        }
    }
    size_t left = rs_span_queue_length(otlp.queue);
    if (left > 0)
        count_dropped("export_failed", left);
    if (h != NULL)
        curl_easy_cleanup(h);
    return NULL;
}

/* ---- life ---- */

static void add_header(const char *key, const char *value, void *ctx)
{
    bool *failed = ctx;
    size_t size = strlen(key) + strlen(value) + 3;
    char *line = malloc(size);
    struct curl_slist *next = NULL;
    if (line != NULL) {
        snprintf(line, size, "%s: %s", key, value);
        next = curl_slist_append(otlp.headers, line);
        free(line);
    }
    if (next == NULL)
        *failed = true;
    else
        otlp.headers = next;
}

static void release_all(void)
{
    rs_span_queue_free(otlp.queue);
    json_decref(otlp.resource);
    curl_slist_free_all(otlp.headers);
    free(otlp.url);
    otlp.queue = NULL;
    otlp.resource = NULL;
    otlp.headers = NULL;
    otlp.url = NULL;
}

int rs_otlp_start(const rs_otlp_config *cfg)
{
    bool failed = false;
    otlp.url = strdup(cfg->url);
    otlp.timeout_ms = cfg->timeout_ms;
    otlp.delay_ms = cfg->schedule_delay_ms;
    otlp.batch = cfg->max_batch;
    otlp.resource = rs_otlp_resource(cfg->service_name, cfg->resource_attributes);
    if (otlp.resource == NULL) {
        rs_log(RS_ERROR, "OTEL_RESOURCE_ATTRIBUTES: not a list of key=value pairs");
        failed = true;
    }
    if (!failed && rs_otlp_pairs(cfg->headers, add_header, &failed) != 0) {
        rs_log(RS_ERROR, "OTEL_EXPORTER_OTLP_HEADERS: not a list of key=value pairs");
        failed = true;
    }
    struct curl_slist *next = failed ? NULL : curl_slist_append(otlp.headers, "Content-Type: application/json");
    if (next != NULL)
        otlp.headers = next;
    if (!failed && (next = curl_slist_append(otlp.headers, "Expect:")) != NULL)
        otlp.headers = next;
    else
        failed = true;
    otlp.queue = failed ? NULL : rs_span_queue_new(cfg->max_queue, cfg->max_batch);
    if (otlp.url == NULL || otlp.queue == NULL) {
        if (!failed)
            rs_log(RS_ERROR, "tracing: out of memory");
        release_all();
        return -1;
    }
    otlp.dropped = rs_counter("otel_spans_dropped_total",
        "Spans not exported: the queue was full, or the receiver did not take them.", "reason");
    otlp.exported = rs_counter("otel_spans_exported_total",
        "Spans the OTLP receiver took.", NULL);
    if (pthread_create(&otlp.thread, NULL, export_loop, NULL) != 0) {
        rs_log(RS_ERROR, "tracing: cannot start the exporter thread");
        release_all();
        return -1;
    }
    return 0;
}

void rs_otlp_submit(const rs_span *s)
{
    if (otlp.queue != NULL && !rs_span_queue_push(otlp.queue, s))
        count_dropped("queue_full", 1);
}

void rs_otlp_stop(void)
{
    if (otlp.queue == NULL)
        return;
    rs_span_queue_close(otlp.queue);
    pthread_join(otlp.thread, NULL);
    release_all();
}

const char *rs_otlp_url(void)
{
    return otlp.url;
}
