/*
 * rs_client.c - HTTP client for peer calls over libcurl (see rs_client.h).
 *
 * One easy handle per thread, kept in an rs_thread_conn slot and cleaned up
 * when the thread ends: curl keeps that handle's connections open between
 * calls, so a service talks to its peers over warm keep-alive connections.
 */
#include "rs_client.h"
#include "rs_client_shared.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "rs_config.h"
#include "rs_log.h"
#include "rs_metrics.h"
#include "rs_spans.h"
#include "rs_thread_conn.h"
#include "rs_time.h"
#include "rs_trace.h"

static rs_thread_conn handles;   /* each thread's easy handle */
long rs_client_connect_timeout_ms;
long rs_client_total_timeout_ms;
static rs_metric *client_duration;

static void *new_handle(void *unused)
{
    (void)unused;
    return curl_easy_init();
}

static void free_handle(void *h)
{
    curl_easy_cleanup(h);
}

int rs_client_init(void)
{
    rs_client_connect_timeout_ms = rs_config_int("CLIENT_CONNECT_TIMEOUT_MS", 1000, 1, 60000);
    rs_client_total_timeout_ms = rs_config_int("CLIENT_TIMEOUT_MS", 5000, 1, 600000);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return -1;
    if (rs_thread_conn_init(&handles, new_handle, free_handle, NULL) != 0)
        return -1;
    client_duration = rs_histogram("http_client_request_duration_seconds",
        "Calls to peer services, by peer and status.", "peer,status",
        rs_duration_buckets, rs_duration_nbuckets);
    return 0;
}

void rs_client_cleanup(void)
{
    rs_thread_conn_destroy(&handles);
    curl_global_cleanup();
}

static CURL *thread_handle(void)
{
    CURL *h = rs_thread_conn_peek(&handles);
    if (h != NULL) {
        curl_easy_reset(h);   /* options go, live connections stay */
        return h;
    }
    return rs_thread_conn_get(&handles, 0);
}

static size_t collect_body(char *data, size_t size, size_t n, void *out)
{
    return rs_buf_append(out, data, size * n) == 0 ? size * n : 0;
}

bool rs_client_idempotent(const char *method)
{
    return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0 ||
           strcmp(method, "PUT") == 0 || strcmp(method, "DELETE") == 0;
}

struct curl_slist *rs_client_headers(const rs_client_request *rq, const rs_trace *span)
{
    struct curl_slist *list = NULL, *next;
    char line[128];
    if (span != NULL) {
        char tp[RS_TRACEPARENT_LEN + 1];
        rs_trace_format(span, tp);
        snprintf(line, sizeof line, "traceparent: %s", tp);
        if ((next = curl_slist_append(list, line)) == NULL)
            goto fail;
        list = next;
    }
    if (rq->body != NULL) {
        snprintf(line, sizeof line, "Content-Type: %s",
                 rq->content_type ? rq->content_type : "application/json");
        if ((next = curl_slist_append(list, line)) == NULL)
            goto fail;
        list = next;
    }
    for (size_t i = 0; i < rq->nheaders; i++) {
        if ((next = curl_slist_append(list, rq->headers[i])) == NULL)
            goto fail;
        list = next;
    }
    if ((next = curl_slist_append(list, "Expect:")) == NULL)
        goto fail;
    return next;
fail:
    curl_slist_free_all(list);
    return NULL;
}

void rs_client_set_options(CURL *h, const rs_client_request *rq, struct curl_slist *headers,
                           rs_buf *body)
{
    curl_easy_setopt(h, CURLOPT_URL, rq->url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, rs_client_connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, rq->timeout_ms > 0 ? rq->timeout_ms : rs_client_total_timeout_ms);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, body);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    if (strcmp(rq->method, "HEAD") == 0)
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    else if (strcmp(rq->method, "GET") != 0)
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, rq->method);
    if (rq->body != NULL) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)rq->body_len);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, rq->body);
    }
}

rs_client_result rs_client_classify(CURLcode rc)
{
    switch (rc) {
    case CURLE_OK:
        return RS_CLIENT_OK;
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
        return RS_CLIENT_CONNECT;
    case CURLE_OPERATION_TIMEDOUT:
        return RS_CLIENT_TIMEOUT;
    default:
        return RS_CLIENT_ERROR;
    }
}

/* The answer's ETag header into out->etag ("" when none or too long). */
static void copy_etag(CURL *h, rs_client_response *out)
{
    struct curl_header *etag = NULL;
    out->etag[0] = '\0';
    if (curl_easy_header(h, "ETag", 0, CURLH_HEADER, -1, &etag) == CURLHE_OK &&
        strlen(etag->value) < sizeof out->etag)
        snprintf(out->etag, sizeof out->etag, "%s", etag->value);
}

static rs_client_result perform_once(CURL *h, const rs_client_request *rq,
                                     struct curl_slist *headers, rs_client_response *out)
{
    rs_buf_reset(&out->body);
    rs_client_set_options(h, rq, headers, &out->body);
    CURLcode rc = curl_easy_perform(h);
    rs_client_result result = rs_client_classify(rc);
    if (result == RS_CLIENT_OK) {
        const char *type = NULL;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out->status);
        curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &type);
        snprintf(out->content_type, sizeof out->content_type, "%s", type != NULL ? type : "");
        copy_etag(h, out);
    } else
        rs_log(RS_WARN, "%s %s: %s", rq->method, rq->url, curl_easy_strerror(rc));
    return result;
}

void rs_client_observe(const rs_client_request *rq, const rs_trace *span,
                       rs_client_result result, long status, double started)
{
    static const char *const failures[] = {"", "connect_error", "timeout", "error"};
    char digits[24];
    const char *code = failures[result];
    if (result == RS_CLIENT_OK)
        code = rs_label_number((unsigned long)status, digits);
    const char *labels[] = {rq->peer, code};
    rs_histogram_observe(client_duration, labels, rs_now() - started);
    if (span != NULL)
        rs_spans_http_client(span, started, rq->peer, rq->method, rq->url,
                             result == RS_CLIENT_OK ? NULL : code, status);
}

rs_client_result rs_client_call(const rs_client_request *rq, rs_client_response *out)
{
    out->status = 0;
    out->body = (rs_buf)RS_BUF_INIT;
    out->content_type[0] = '\0';
    out->etag[0] = '\0';
    CURL *h = thread_handle();
    rs_trace span;
    bool traced = rs_trace_call_span(rq->traceparent, &span);
    struct curl_slist *headers = h ? rs_client_headers(rq, traced ? &span : NULL) : NULL;
    if (headers == NULL)
        return RS_CLIENT_ERROR;
    double started = rs_now();
    rs_client_result result = perform_once(h, rq, headers, out);
    if (result == RS_CLIENT_CONNECT && rs_client_idempotent(rq->method) && !rq->no_retry)
        result = perform_once(h, rq, headers, out);
    curl_slist_free_all(headers);
    rs_client_observe(rq, traced ? &span : NULL, result, out->status, started);
    return result;
}
