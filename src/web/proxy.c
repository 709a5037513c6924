/*
 * proxy.c - the gateway's API routes (see proxy.h).
 *
 * The request goes on as it came: method, the rest of the path and the
 * query still percent-encoded, the body, the headers an API call depends
 * on, X-Forwarded-For with the client appended, and the trace context
 * (added by rs_client). Upstream connections are kept alive per worker
 * thread by rs_client. An address that refuses the connection is passed
 * over for a while and an idempotent request is tried once more on
 * another address. No answer in time: 504; no address reachable: 502.
 */
#include "proxy.h"

#include <stdio.h>
#include <string.h>

#include "rs_client.h"
#include "rs_metrics.h"
#include "upstreams.h"

#define MAX_HEADERS 8

static rs_metric *upstream_requests;

void proxy_init(void)
{
    upstream_requests = rs_counter("gateway_upstream_requests_total",
        "API requests passed on by the gateway, by service and outcome.", "service,outcome");
}

/* The path after "/api/<service>", as it came; "/" when there is none. */
static const char *rest_of_path(const char *raw)
{
    const char *p = strchr(raw + strlen("/api/"), '/');
    return p != NULL ? p : "/";
}

static bool is_idempotent(const char *method)
{
    return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0 ||
           strcmp(method, "PUT") == 0 || strcmp(method, "DELETE") == 0;
}

/* The header lines passed on: the ones an API call depends on, and
 * X-Forwarded-For with this client appended. */
static size_t forward_headers(rs_request *req, char lines[MAX_HEADERS][512], const char *out[])
{
    static const char *const kept[] = {"Accept", "Accept-Language", "Authorization", "Cookie",
                                       "User-Agent"};
    size_t n = 0;
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++) {
        const char *v = rs_req_header(req, kept[i]);
        if (v != NULL && snprintf(lines[n], 512, "%s: %s", kept[i], v) < 512) {
            out[n] = lines[n];
            n++;
        }
    }
    char ip[64];
    rs_req_client_ip(req, ip, sizeof ip);
    const char *earlier = rs_req_header(req, "X-Forwarded-For");
    int w = earlier != NULL ? snprintf(lines[n], 512, "X-Forwarded-For: %s, %s", earlier, ip)
                            : snprintf(lines[n], 512, "X-Forwarded-For: %s", ip);
    if (w > 0 && w < 512) {
        out[n] = lines[n];
        n++;
    }
    return n;
}

static void count(const char *service, const char *outcome)
{
    const char *labels[] = {service, outcome};
    rs_counter_add(upstream_requests, labels, 1);
}

static void reply_upstream(rs_request *req, rs_client_response *rs)
{
    size_t len;
    char *body = rs_buf_steal(&rs->body, &len);
    const char *type = rs->content_type[0] != '\0' ? rs->content_type : NULL;
    rs_reply_raw(req, (int)rs->status, type, body, len);
}

void proxy(rs_request *req)
{
    const char *service = rs_req_param(req, "service");
    upstream *u = upstream_find(service);
    if (u == NULL) {
        rs_reply_error(req, 404, "no such service");
        return;
    }
    rs_buf url = RS_BUF_INIT, query = RS_BUF_INIT;
    rs_req_query_string(req, &query);
    char lines[MAX_HEADERS][512];
    const char *headers[MAX_HEADERS];
    size_t len;
    const char *body = rs_req_body(req, &len);
    rs_client_request rq = {
        .peer = service, .method = rs_req_method(req),
        .body = len > 0 ? body : NULL, .body_len = len,
        .content_type = rs_req_header(req, "Content-Type"),
        .headers = headers, .nheaders = forward_headers(req, lines, headers),
        .no_retry = 1,
    };
    int attempts = is_idempotent(rq.method) && upstream_count(u) > 1 ? 2 : 1;
    rs_client_result result = RS_CLIENT_ERROR;
    rs_client_response rs = {.body = RS_BUF_INIT};
    int tried = -1;
    for (int a = 0; a < attempts; a++) {
        tried = upstream_pick(u, tried);
        rs_buf_reset(&url);
        rs_buf_printf(&url, "%s%s%s%s", upstream_address(u, tried), rest_of_path(rs_req_path(req)),
                      query.len > 0 ? "?" : "", query.len > 0 ? query.data : "");
        if (url.failed)
            break;
        rq.url = url.data;
        rs_buf_free(&rs.body);
        result = rs_client_call(&rq, &rs);
        if (result != RS_CLIENT_CONNECT)
            break;
        upstream_refused(u, tried);
    }
    if (result == RS_CLIENT_OK) {
        count(service, "answered");
        reply_upstream(req, &rs);
    } else if (result == RS_CLIENT_TIMEOUT) {
        count(service, "timeout");
        rs_reply_error(req, 504, "service timed out");
    } else {
        count(service, result == RS_CLIENT_CONNECT ? "unreachable" : "error");
        rs_reply_error(req, 502, "service unreachable");
    }
    rs_buf_free(&rs.body);
    rs_buf_free(&url);
    rs_buf_free(&query);
}
