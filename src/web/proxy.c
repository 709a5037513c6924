/*
 * proxy.c - the gateway's API routes (see proxy.h).
 *
 * The request goes on as it came: method, the rest of the path and the
 * query still percent-encoded, the body, the headers an API call depends
 * on, X-Forwarded-For with the client appended, and the trace context
 * (added by rs_client). The call to the upstream runs on the event loop
 * that read the request, the one that will write the answer: no thread
 * waits for it and none hands it over; the connection to the browser is
 * set aside meanwhile, and the upstream connections are kept alive by
 * that loop. An address that refuses the connection is passed
 * over for a while and an idempotent request is tried once more on
 * another address. No answer in time: 504; no address reachable: 502.
 */
#include "proxy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_client.h"
#include "rs_metrics.h"
#include "rs_trace.h"
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

/* One API request on its way: what each attempt needs, kept from the start. */
typedef struct passage {
    rs_request *req;
    upstream   *u;
    const char *service;
    rs_buf      tail;          /* rest of the path and query, as they came */
    rs_buf      url;
    char        lines[MAX_HEADERS][512];
    const char *headers[MAX_HEADERS];
    size_t      nheaders;
    char        traceparent[RS_TRACEPARENT_LEN + 1];
    int         attempts, tried, attempt;
} passage;

static void end_passage(passage *p)
{
    rs_req_finish(p->req);
    rs_buf_free(&p->tail);
    rs_buf_free(&p->url);
    free(p);
}

static void on_answer(void *arg, rs_client_result result, rs_client_response *rs);

/* Sends the request to the next address: 0, or -1 when it could not go. */
static int send_attempt(passage *p)
{
    p->tried = upstream_pick(p->u, p->tried);
    p->attempt++;
    rs_buf_reset(&p->url);
    rs_buf_printf(&p->url, "%s%s", upstream_address(p->u, p->tried), p->tail.data);
    if (p->url.failed)
        return -1;
    size_t len;
    const char *body = rs_req_body(p->req, &len);
    rs_client_request rq = {
        .peer = p->service, .method = rs_req_method(p->req), .url = p->url.data,
        .body = len > 0 ? body : NULL, .body_len = len,
        .content_type = rs_req_header(p->req, "Content-Type"),
        .headers = p->headers, .nheaders = p->nheaders,
        .no_retry = 1, .traceparent = p->traceparent,
    };
    return rs_client_call_async(&rq, on_answer, p);
}

/* On the request's loop: the upstream answered, or could not. */
static void on_answer(void *arg, rs_client_result result, rs_client_response *rs)
{
    passage *p = arg;
    rs_request *req = p->req;
    if (result == RS_CLIENT_CONNECT)
        upstream_refused(p->u, p->tried);
    /* Refused, or the connection died without an answer (a replica killed
     * under the request): an idempotent request goes to another replica. */
    if ((result == RS_CLIENT_CONNECT || result == RS_CLIENT_ERROR) && p->attempt < p->attempts &&
        send_attempt(p) == 0)
        return;
    if (result == RS_CLIENT_OK) {
        count(p->service, "answered");
        reply_upstream(req, rs);
    } else if (result == RS_CLIENT_TIMEOUT) {
        count(p->service, "timeout");
        rs_reply_error(req, 504, "service timed out");
    } else {
        count(p->service, result == RS_CLIENT_CONNECT ? "unreachable" : "error");
        rs_reply_error(req, 502, "service unreachable");
    }
    end_passage(p);
}

void proxy(rs_request *req)
{
    const char *service = rs_req_param(req, "service");
    upstream *u = upstream_find(service);
    if (u == NULL) {
        rs_reply_error(req, 404, "no such service");
        rs_req_finish(req);
        return;
    }
    passage *p = calloc(1, sizeof *p);
    if (p == NULL) {
        rs_reply_error(req, 500, "out of memory");
        rs_req_finish(req);
        return;
    }
    p->req = req;
    p->u = u;
    p->service = service;
    p->tried = -1;
    p->attempts = rs_client_idempotent(rs_req_method(req)) && upstream_count(u) > 1 ? 2 : 1;
    p->nheaders = forward_headers(req, p->lines, p->headers);
    rs_trace_format(rs_trace_current(), p->traceparent);
    rs_buf query = RS_BUF_INIT;
    rs_req_query_string(req, &query);
    rs_buf_printf(&p->tail, "%s%s%s", rest_of_path(rs_req_path(req)), query.len > 0 ? "?" : "",
                  query.len > 0 ? query.data : "");
    rs_buf_free(&query);
    if (p->tail.failed) {
        rs_reply_error(req, 500, "out of memory");
        end_passage(p);
    } else if (send_attempt(p) != 0) {
        count(service, "error");
        rs_reply_error(req, 502, "service unreachable");
        end_passage(p);
    }
}
