/*
 * rs_otlp.c - the OTLP/HTTP JSON span exporter (see rs_otlp.h).
 *
 * The encoding follows OTLP's JSON mapping of the protobuf messages: ids
 * in lowercase hex, kind and status code as their enum numbers, times and
 * 64-bit integers as decimal strings, attributes as key/AnyValue pairs.
 * A batch is written straight into one buffer, jansson escaping the
 * strings that need it: building a jansson tree of every span cost about
 * ten times as many instructions.
 */
#include "rs_otlp.h"

#include <ctype.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "rs_buf.h"
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
    pthread_mutex_t    sync_lock;   /* for reported */
    uint64_t           reported;    /* queue drops already in the metric */
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

/* Printable ASCII but '"' and '\\': a JSON string as it is. */
static bool plain(const char *text, size_t *len)
{
    const unsigned char *p = (const unsigned char *)text;
    for (; *p != '\0'; p++)
        if (*p < 0x20 || *p > 0x7e || *p == '"' || *p == '\\')
            return false;
    *len = (size_t)(p - (const unsigned char *)text);
    return true;
}

/* A JSON string: most are plain and copied; the rest are escaped by
 * jansson, and text that is not UTF-8 (a raw path can be anything) is
 * replaced, so that the batch stays valid JSON. */
static void put_string(rs_buf *b, const char *text)
{
    size_t len;
    if (plain(text, &len)) {
        rs_buf_append(b, "\"", 1);
        rs_buf_append(b, text, len);
        rs_buf_append(b, "\"", 1);
        return;
    }
    json_t *j = json_string(text);
    if (j == NULL)
        j = json_string("(not UTF-8)");
    char *escaped = j != NULL ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
    if (escaped == NULL)
        b->failed = 1;
    else
        rs_buf_puts(b, escaped);
    free(escaped);
    json_decref(j);
}

/* A 64-bit number as OTLP's JSON writes it: a decimal string. */
static void put_number_string(rs_buf *b, uint64_t v, bool negative)
{
    char digits[24];
    size_t at = sizeof digits;
    digits[--at] = '"';
    do {
        digits[--at] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0);
    if (negative)
        digits[--at] = '-';
    digits[--at] = '"';
    rs_buf_append(b, digits + at, sizeof digits - at);
}

static void put_int(rs_buf *b, int64_t v)
{
    put_number_string(b, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, v < 0);
}

static void put_attributes(rs_buf *b, const rs_span *s)
{
    rs_buf_puts(b, "[");
    for (size_t i = 0; i < s->nattrs; i++) {
        const rs_span_attr *a = &s->attrs[i];
        rs_buf_puts(b, i > 0 ? ",{\"key\":" : "{\"key\":");
        put_string(b, a->key);
        if (a->is_int) {
            rs_buf_puts(b, ",\"value\":{\"intValue\":");
            put_int(b, a->number);
        } else {
            rs_buf_puts(b, ",\"value\":{\"stringValue\":");
            put_string(b, s->text + a->text_at);
        }
        rs_buf_puts(b, "}}");
    }
    rs_buf_puts(b, "]");
}

/* Ids are checked hex: only names and values may need escaping. */
static void put_span(rs_buf *b, const rs_span *s)
{
    rs_buf_puts(b, "{\"traceId\":\"");
    rs_buf_append(b, s->trace_id, 32);
    rs_buf_puts(b, "\",\"spanId\":\"");
    rs_buf_append(b, s->span_id, 16);
    if (s->parent_id[0] != '\0') {
        rs_buf_puts(b, "\",\"parentSpanId\":\"");
        rs_buf_append(b, s->parent_id, 16);
    }
    rs_buf_puts(b, "\",\"name\":");
    put_string(b, s->name[0] ? s->name : "span");
    char kind[16];
    snprintf(kind, sizeof kind, ",\"kind\":%d", (int)s->kind);
    rs_buf_puts(b, kind);
    rs_buf_puts(b, ",\"startTimeUnixNano\":");
    put_number_string(b, s->start_ns, false);
    rs_buf_puts(b, ",\"endTimeUnixNano\":");
    put_number_string(b, s->end_ns, false);
    rs_buf_puts(b, ",\"attributes\":");
    put_attributes(b, s);
    if (s->status != RS_STATUS_UNSET) {
        char status[32];
        snprintf(status, sizeof status, ",\"status\":{\"code\":%d}", s->status);
        rs_buf_puts(b, status);
    }
    rs_buf_puts(b, "}");
}

char *rs_otlp_encode(const json_t *resource, const rs_span *spans, size_t n, size_t *len)
{
    char *attrs = json_dumps(resource, JSON_COMPACT);
    if (attrs == NULL)
        return NULL;
    rs_buf b = RS_BUF_INIT;
    rs_buf_printf(&b, "{\"resourceSpans\":[{\"resource\":{\"attributes\":%s},"
                  "\"scopeSpans\":[{\"scope\":{\"name\":\"%s\"},\"spans\":[", attrs, SCOPE_NAME);
    free(attrs);
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            rs_buf_puts(&b, ",");
        put_span(&b, &spans[i]);
    }
    rs_buf_puts(&b, "]}]}]}");
    if (b.failed) {
        rs_buf_free(&b);
        return NULL;
    }
    size_t size = 0;
    char *text = rs_buf_steal(&b, &size);
    if (len != NULL)
        *len = size;
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

/* Adds the queue's drops since the last call to the metric: the queue
 * counts them with an atomic, the registry hears of them here. */
static void publish_drops(void)
{
    pthread_mutex_lock(&otlp.sync_lock);
    uint64_t now = rs_span_queue_dropped(otlp.queue);
    if (now > otlp.reported)
        count_dropped("queue_full", (size_t)(now - otlp.reported));
    otlp.reported = now;
    pthread_mutex_unlock(&otlp.sync_lock);
}

static long ms_since(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long)(now.tv_sec - t->tv_sec) * 1000 + (now.tv_nsec - t->tv_nsec) / 1000000;
}

/* The exporter runs at a low priority: when the CPU is short, requests are
 * served and spans are dropped, not the other way round. */
static void *export_loop(void *unused)
{
    (void)unused;
    prctl(PR_SET_NAME, "rs-otlp", 0, 0, 0);
    setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 19);
    CURL *h = curl_easy_init();
    struct timespec closed_at = {0, 0};
    for (;;) {
        bool closed = rs_span_queue_closed(otlp.queue);
        if (closed && closed_at.tv_sec == 0)
            clock_gettime(CLOCK_MONOTONIC, &closed_at);
        if (closed && ms_since(&closed_at) > otlp.timeout_ms)
            break;   /* the last flush takes one export timeout at most */
        const rs_span *spans;
        size_t n = rs_span_queue_take(otlp.queue, otlp.batch, otlp.delay_ms, &spans);
        publish_drops();
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
    pthread_mutex_init(&otlp.sync_lock, NULL);
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
    if (otlp.queue != NULL)
        rs_span_queue_push(otlp.queue, s);
}

bool rs_otlp_admit(void)
{
    return otlp.queue != NULL && rs_span_queue_admit(otlp.queue);
}

void rs_otlp_publish_metrics(void)
{
    if (otlp.queue != NULL)
        publish_drops();
}

void rs_otlp_stop(void)
{
    if (otlp.queue == NULL)
        return;
    rs_span_queue_close(otlp.queue);
    pthread_join(otlp.thread, NULL);
    publish_drops();
    /* The queue stays until the process ends: a thread of the service's
     * own that ends a span after this (dispatch's consumer stops after
     * rs_service_run) pushes into a queue nobody reads, not into freed
     * memory. */
}

const char *rs_otlp_url(void)
{
    return otlp.url;
}
