/*
 * proxy.c - the gateway's API routes (see proxy.h).
 *
 * The request goes on as it came: method, the rest of the path and the
 * query still percent-encoded, the body, the headers an API call depends
 * on, X-Forwarded-For with the client appended, and the trace context
 * (added by rs_client). The answer comes back with its status, type,
 * body and end-to-end headers (Retry-After, Location, caching: the list
 * in rs_client.h); hop-by-hop ones stay between the two. The call to the
 * upstream runs on the event loop that read the request, the one that
 * will write the answer: no thread waits for it and none hands it over;
 * the connection to the browser is set aside meanwhile, and the upstream
 * connections are kept alive by that loop. An address that refuses the
 * connection is passed over for a while and an idempotent request is tried once more on
 * another address. No answer in time: 504; no address reachable: 502.
 * A 429, or a 503 with Retry-After, is held a while before it goes
 * (slow_down.h).
 */
#include "proxy.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "rs_client.h"
#include "rs_metrics.h"
#include "rs_trace.h"
#include "slow_down.h"
#include "upstreams.h"

#define MAX_HEADERS     8
#define HEADER_LINE_MAX 512

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

/* Adds "name: value[, more]" and a NUL to lines, its start to at[]; a
 * line of HEADER_LINE_MAX bytes or more is left out. No printf: every API
 * request takes this path. */
static void add_line(rs_buf *lines, size_t at[], size_t *n, const char *name, const char *value,
                     const char *more)
{
    size_t nn = strlen(name), vn = strlen(value), mn = more != NULL ? strlen(more) + 2 : 0;
    if (nn + 2 + vn + mn >= HEADER_LINE_MAX)
        return;
    at[(*n)++] = lines->len;
    rs_buf_append(lines, name, nn);
    rs_buf_append(lines, ": ", 2);
    rs_buf_append(lines, value, vn);
    if (more != NULL) {
        rs_buf_append(lines, ", ", 2);
        rs_buf_append(lines, more, mn - 2);
    }
    rs_buf_append(lines, "", 1);
}

/* The header lines passed on, into lines and out[]: the ones an API call
 * depends on, and X-Forwarded-For with this client appended. -1 when out
 * of memory. */
static int forward_headers(rs_request *req, rs_buf *lines, const char *out[], size_t *nout)
{
    static const char *const kept[] = {"Accept", "Accept-Language", "Authorization", "Cookie",
                                       "User-Agent"};
    size_t at[MAX_HEADERS], n = 0;
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++) {
        const char *v = rs_req_header(req, kept[i]);
        if (v != NULL)
            add_line(lines, at, &n, kept[i], v, NULL);
    }
    char ip[64];
    rs_req_client_ip(req, ip, sizeof ip);
    const char *earlier = rs_req_header(req, "X-Forwarded-For");
    if (earlier != NULL)
        add_line(lines, at, &n, "X-Forwarded-For", earlier, ip);
    else
        add_line(lines, at, &n, "X-Forwarded-For", ip, NULL);
    if (lines->failed)
        return -1;
    for (size_t i = 0; i < n; i++)   /* now that lines has stopped moving */
        out[i] = lines->data + at[i];
    *nout = n;
    return 0;
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
    for (int k = 0; k < RS_CLIENT_KEPT; k++)
        if (rs->kept[k][0] != '\0')
            rs_reply_header(req, rs_client_kept_names[k], rs->kept[k]);
    rs_reply_raw(req, (int)rs->status, type, body, len);
}

/* One API request on its way: what each attempt needs, kept from the start. */
typedef struct passage {
    rs_request *req;
    upstream   *u;
    const char *service;
    rs_buf      tail;          /* rest of the path and query, as they came */
    rs_buf      url;
    rs_buf      lines;         /* the header lines passed on, NUL after each */
    const char *headers[MAX_HEADERS];
    size_t      nheaders;
    char        traceparent[RS_TRACEPARENT_LEN + 1];
    int         attempts, tried, attempt;
    bool        hold;          /* the answer is held (slow_down.h) */
} passage;

static void end_passage(passage *p)
{
    slow_down_finish(p->req, p->hold);
    rs_buf_free(&p->tail);
    rs_buf_free(&p->url);
    rs_buf_free(&p->lines);
    free(p);
}

static void on_answer(void *arg, rs_client_result result, rs_client_response *rs);

/* Sends the request to the next address: 0, or -1 when it could not go. */
static int send_attempt(passage *p)
{
    p->tried = upstream_pick(p->u, p->tried);
    p->attempt++;
    rs_buf_reset(&p->url);
    rs_buf_puts(&p->url, upstream_address(p->u, p->tried));
    rs_buf_append(&p->url, p->tail.data, p->tail.len);
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
        p->hold = slow_down_wanted((int)rs->status, rs->kept[RS_KEPT_RETRY_AFTER][0] != '\0');
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
    int lines_ok = forward_headers(req, &p->lines, p->headers, &p->nheaders);
    rs_trace_format(rs_trace_current(), p->traceparent);
    rs_buf_puts(&p->tail, rest_of_path(rs_req_path(req)));
    size_t path_len = p->tail.len;
    rs_buf_append(&p->tail, "?", 1);
    rs_req_query_string(req, &p->tail);
    if (p->tail.len == path_len + 1) {   /* no query, or an empty one */
        p->tail.len = path_len;
        p->tail.data[path_len] = '\0';
    }
    if (lines_ok != 0 || p->tail.failed) {
        rs_reply_error(req, 500, "out of memory");
        end_passage(p);
    } else if (send_attempt(p) != 0) {
        count(service, "error");
        rs_reply_error(req, 502, "service unreachable");
        end_passage(p);
    }
}
