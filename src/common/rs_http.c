/*
 * rs_http.c - the HTTP server over libmicrohttpd (see rs_http.h).
 *
 * libmicrohttpd calls answer_request several times per request: once with
 * the headers, then once per piece of body, then once more with no data.
 * The body is gathered until that last call, and only then is the route
 * matched. A request for a route is handed to the worker pool and its
 * connection suspended (on the call after the match: see hand_off); the
 * worker runs the handler, keeps the reply and
 * resumes the connection, and libmicrohttpd calls answer_request once more,
 * which queues the reply (an RS_RUN_ASYNC handler does the same through
 * rs_req_finish). So the few I/O threads never wait on a handler,
 * and a handler blocked on a datastore holds one worker, not the
 * connections of others. Queuing on a later call, never the first, is also
 * what keeps connections alive between requests. Answers the runtime gives
 * itself (400, 404, 405, 413, OPTIONS) are queued at once.
 * request_completed runs when the response has gone out (or the client has
 * gone away): it records the metrics and the access-log line.
 */
#include "rs_http.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rs_buf.h"
#include "rs_json.h"
#include "rs_log.h"
#include "rs_metrics.h"
#include "rs_service.h"
#include "rs_trace.h"
#include "rs_workers.h"

#define MAX_EXTRA_HEADERS 12
/* Per connection: request line, headers and read buffer must fit. libmicrohttpd
 * clears it for every request, so it costs time as well as memory. */
#define CONNECTION_MEMORY (16 * 1024)
/* Past this much discarded body, a 413 connection is cut rather than read. */
#define DISCARD_MAX (16 * RS_BODY_MAX)

struct rs_server {
    struct MHD_Daemon *daemon;
    const rs_router   *router;
    atomic_uint        in_flight;
    atomic_bool        draining;
    rs_workers        *workers;
    bool               inline_handlers;
};

typedef struct header_pair {
    char *name;
    char *value;
} header_pair;

typedef struct owned_string {
    struct owned_string *next;
    char                 text[];
} owned_string;

struct rs_request {
    rs_server             *server;
    struct MHD_Connection *conn;
    const char            *method;
    const char            *path;
    double                 started;
    rs_buf                 body;
    size_t                 body_seen;       /* bytes received, kept or not */
    bool                   body_too_large;
    bool                   replied;
    bool                   handoff_due;     /* to a worker, on the next call */
    int                    status;
    struct MHD_Response   *response;        /* the reply, until queued */
    const char            *route_label;     /* pattern, never the raw path */
    rs_trace               trace;
    header_pair            headers[MAX_EXTRA_HEADERS];
    size_t                 nheaders;
    owned_string          *owned;           /* decoded query values */
    rs_match               match;
};

static rs_metric *requests_total;
static rs_metric *request_duration;
static rs_metric *active_requests;

static void declare_metrics(void)
{
    requests_total = rs_counter("http_server_requests_total",
        "HTTP requests answered, by method, route pattern and status.",
        "method,route,status");
    request_duration = rs_histogram("http_server_request_duration_seconds",
        "Time from request to response sent, by method and route pattern.",
        "method,route", rs_duration_buckets, rs_duration_nbuckets);
    active_requests = rs_gauge("http_server_active_requests",
        "Requests received and not yet answered.", NULL);
}

/* ---- the request, for handlers ---- */

const char *rs_req_method(const rs_request *req) { return req->method; }
const char *rs_req_path(const rs_request *req) { return req->path; }

const char *rs_req_param(const rs_request *req, const char *name)
{
    return rs_match_param(&req->match, name);
}

const char *rs_req_header(const rs_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *rs_req_query(rs_request *req, const char *name)
{
    const char *raw = MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
    if (raw == NULL)
        return NULL;
    size_t len = strlen(raw);
    owned_string *s = malloc(sizeof *s + len + 1);
    if (s == NULL)
        return NULL;
    memcpy(s->text, raw, len + 1);
    if (rs_percent_decode(s->text, 1) != 0) {
        free(s);
        return NULL;
    }
    s->next = req->owned;
    req->owned = s;
    return s->text;
}

static enum MHD_Result append_argument(void *cls, enum MHD_ValueKind kind,
                                       const char *key, const char *value)
{
    (void)kind;
    rs_buf *out = cls;
    if (out->len > 0)
        rs_buf_puts(out, "&");
    rs_buf_puts(out, key);
    if (value != NULL) {
        rs_buf_puts(out, "=");
        rs_buf_puts(out, value);
    }
    return MHD_YES;
}

void rs_req_query_string(const rs_request *req, rs_buf *out)
{
    /* keep_escapes left keys and values encoded, as the client sent them. */
    MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, append_argument, out);
}

void rs_req_client_ip(const rs_request *req, char *out, size_t size)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    out[0] = '\0';
    if (info == NULL || info->client_addr == NULL)
        return;
    const struct sockaddr *sa = info->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)size);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, (socklen_t)size);
}

const char *rs_req_body(const rs_request *req, size_t *len)
{
    if (len != NULL)
        *len = req->body.len;
    return req->body.data != NULL ? req->body.data : "";
}

json_t *rs_req_json(rs_request *req)
{
    json_t *v = NULL;
    if (req->body.len > 0)
        v = rs_json_parse_object(req->body.data, req->body.len);
    if (v == NULL)
        rs_reply_error(req, 400, "request body must be a JSON object");
    return v;
}

/* ---- replies ---- */

void rs_reply_header(rs_request *req, const char *name, const char *value)
{
    if (req->nheaders == MAX_EXTRA_HEADERS) {
        rs_log(RS_WARN, "too many reply headers, %s dropped", name);
        return;
    }
    header_pair *h = &req->headers[req->nheaders];
    h->name = strdup(name);
    h->value = strdup(value);
    if (h->name == NULL || h->value == NULL) {
        free(h->name);
        free(h->value);
        return;
    }
    req->nheaders++;
}

static void add_standard_headers(rs_request *req, struct MHD_Response *r, const char *content_type)
{
    if (content_type != NULL)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    MHD_add_response_header(r, "Access-Control-Allow-Origin", "*");
    MHD_add_response_header(r, "Timing-Allow-Origin", "*");
    for (size_t i = 0; i < req->nheaders; i++)
        MHD_add_response_header(r, req->headers[i].name, req->headers[i].value);
    if (atomic_load(&req->server->draining))
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
}

/* Keeps r, with the standard headers, as the reply; takes ownership of r.
 * answer_request queues it on libmicrohttpd's next call. */
static void send_response(rs_request *req, int status, const char *content_type,
                          struct MHD_Response *r)
{
    if (req->replied) {
        rs_log(RS_ERROR, "second reply to %s %s ignored", req->method, req->route_label);
        if (r != NULL)
            MHD_destroy_response(r);
        return;
    }
    req->replied = true;
    if (r == NULL) {
        static const char oom[] = "{\"error\":\"out of memory\"}";
        status = 500;
        content_type = "application/json";
        r = MHD_create_response_from_buffer(sizeof oom - 1, (void *)oom, MHD_RESPMEM_PERSISTENT);
        if (r == NULL)
            return;   /* nothing queued: MHD closes the connection */
    }
    add_standard_headers(req, r, content_type);
    req->status = status;
    req->response = r;
}

static enum MHD_Result queue_reply(rs_request *req)
{
    if (req->response == NULL)
        return MHD_NO;   /* no reply could be made: close the connection */
    enum MHD_Result rc = MHD_queue_response(req->conn, (unsigned int)req->status, req->response);
    if (rc != MHD_YES)
        rs_log(RS_ERROR, "cannot queue the response to %s %s", req->method, req->route_label);
    MHD_destroy_response(req->response);
    req->response = NULL;
    return rc;
}

void rs_reply_raw(rs_request *req, int status, const char *content_type, char *body, size_t len)
{
    struct MHD_Response *r;
    if (body == NULL || len == 0) {
        free(body);
        r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    } else {
        r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
        if (r == NULL)
            free(body);
    }
    send_response(req, status, content_type, r);
}

void rs_reply_static(rs_request *req, int status, const char *content_type,
                     const char *body, size_t len)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_PERSISTENT);
    send_response(req, status, content_type, r);
}

void rs_reply_json(rs_request *req, int status, json_t *body)
{
    rs_buf out = RS_BUF_INIT;
    if (body == NULL || rs_json_dump(body, &out) != 0 || out.failed) {
        json_decref(body);
        rs_buf_free(&out);
        send_response(req, 500, NULL, NULL);
        return;
    }
    json_decref(body);
    size_t len;
    char *data = rs_buf_steal(&out, &len);
    rs_reply_raw(req, status, "application/json", data, len);
}

void rs_reply_text(rs_request *req, int status, const char *text)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(
        strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
    send_response(req, status, "text/plain; charset=utf-8", r);
}

void rs_reply_error(rs_request *req, int status, const char *message)
{
    rs_reply_json(req, status, rs_json_error(message));
}

/* ---- dispatch ---- */

static const char *method_label(const char *method)
{
    static const char *const known[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(method, known[i]) == 0)
            return known[i];
    return "OTHER";
}

static void answer_preflight(rs_request *req)
{
    rs_reply_header(req, "Allow", req->match.allow);
    rs_reply_header(req, "Access-Control-Allow-Methods", req->match.allow);
    rs_reply_header(req, "Access-Control-Allow-Headers", "Content-Type, traceparent");
    rs_reply_header(req, "Access-Control-Max-Age", "600");
    rs_reply_static(req, 204, NULL, "", 0);
}

static void answer_unmatched(rs_request *req)
{
    char message[96];
    switch (req->match.status) {
    case RS_MATCH_BAD_PATH:
        req->route_label = "invalid";
        rs_reply_error(req, 400, "invalid path");
        break;
    case RS_MATCH_BAD_PARAM:
        snprintf(message, sizeof message, "invalid %s", req->match.bad_param);
        rs_reply_error(req, 400, message);
        break;
    case RS_MATCH_BAD_METHOD:
        if (strcmp(req->method, "OPTIONS") == 0) {
            answer_preflight(req);
            break;
        }
        rs_reply_header(req, "Allow", req->match.allow);
        rs_reply_error(req, 405, "method not allowed");
        break;
    default:
        rs_reply_error(req, 404, "not found");
        break;
    }
}

static void run_handler(rs_request *req)
{
    rs_trace_set_current(&req->trace);
    req->match.route->handler(req);
    if (!req->replied) {
        rs_log(RS_ERROR, "handler for %s %s gave no answer", req->method, req->route_label);
        rs_reply_error(req, 500, "internal error");
    }
    rs_trace_set_current(NULL);
}

void rs_req_finish(rs_request *req)
{
    if (!req->replied) {
        rs_log(RS_ERROR, "asynchronous handler for %s %s gave no answer", req->method, req->route_label);
        rs_reply_error(req, 500, "internal error");
    }
    MHD_resume_connection(req->conn);
}

/* Starts an RS_RUN_ASYNC handler with the connection suspended; it ends
 * with rs_req_finish, and libmicrohttpd calls answer_request again. */
static void start_async_handler(rs_request *req)
{
    MHD_suspend_connection(req->conn);
    rs_trace_set_current(&req->trace);
    req->match.route->handler(req);
    rs_trace_set_current(NULL);
}

/* A worker's job: runs the handler, then gives the connection back to
 * libmicrohttpd, which calls answer_request again to queue the reply. */
static void run_handler_job(void *job)
{
    rs_request *req = job;
    run_handler(req);
    MHD_resume_connection(req->conn);
}

/* Suspends the connection and starts the handler off the I/O thread: on a
 * worker, or an RS_RUN_ASYNC one. This runs on the call after the one that
 * matched the route, never on that one: libmicrohttpd refreshes what it
 * waits for on a connection only when a call returns unsuspended, and
 * marks a resumed connection readable. Suspended on the matching call, the
 * connection would still be "reading the request" when resumed, so a
 * client that had shut down its write side (EOF pending) was read, found
 * gone and closed, the answer unsent. One call later it is "request
 * received, waiting for the answer", which is never read. */
static enum MHD_Result hand_off(rs_request *req)
{
    req->handoff_due = false;
    if (req->match.route->run == RS_RUN_ASYNC) {
        start_async_handler(req);
        return MHD_YES;
    }
    MHD_suspend_connection(req->conn);
    if (rs_workers_submit(req->server->workers, req) != 0) {
        rs_reply_error(req, 503, "server busy");
        MHD_resume_connection(req->conn);
    }
    return MHD_YES;
}

/* Matches the route; answers at once what needs no handler or runs inline,
 * and leaves the rest to hand_off, on libmicrohttpd's next call (which
 * comes at once: a request with no answer and no suspension is polled). */
static enum MHD_Result dispatch(rs_request *req)
{
    if (req->body_too_large) {
        rs_reply_error(req, 413, "request body too large");
        return queue_reply(req);
    }
    rs_trace_begin(&req->trace, rs_req_header(req, "traceparent"));
    rs_router_match(req->server->router, req->method, req->path, &req->match);
    if (req->match.route != NULL)
        req->route_label = req->match.route->pattern;
    if (req->match.status != RS_MATCH_OK) {
        rs_trace_set_current(&req->trace);
        answer_unmatched(req);
        rs_trace_set_current(NULL);
        return queue_reply(req);
    }
    if (req->match.route->run != RS_RUN_ASYNC &&
        (req->server->inline_handlers || req->match.route->run == RS_RUN_INLINE)) {
        run_handler(req);
        return queue_reply(req);
    }
    req->handoff_due = true;
    return MHD_YES;
}

static rs_request *begin_request(rs_server *s, struct MHD_Connection *conn,
                                 const char *url, const char *method)
{
    rs_request *req = calloc(1, sizeof *req);
    if (req == NULL)
        return NULL;
    req->server = s;
    req->conn = conn;
    req->method = method;
    req->path = url;
    req->started = rs_now();
    req->route_label = "unmatched";
    atomic_fetch_add(&s->in_flight, 1);
    rs_gauge_add(active_requests, NULL, 1);
    return req;
}

static bool declared_body_too_large(struct MHD_Connection *conn)
{
    const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                 MHD_HTTP_HEADER_CONTENT_LENGTH);
    return cl != NULL && strtoull(cl, NULL, 10) > RS_BODY_MAX;
}

/* Keeps the body up to RS_BODY_MAX; past it, drops it and remembers. */
static enum MHD_Result take_body(rs_request *req, const char *data, size_t *size)
{
    req->body_seen += *size;
    if (!req->body_too_large && req->body_seen > RS_BODY_MAX) {
        req->body_too_large = true;
        rs_buf_free(&req->body);
    }
    if (!req->body_too_large && rs_buf_append(&req->body, data, *size) != 0)
        return MHD_NO;
    *size = 0;
    return req->body_seen > DISCARD_MAX ? MHD_NO : MHD_YES;
}

static enum MHD_Result answer_request(void *cls, struct MHD_Connection *conn,
                                      const char *url, const char *method,
                                      const char *version, const char *upload_data,
                                      size_t *upload_data_size, void **req_cls)
{
    (void)version;
    rs_request *req = *req_cls;
    if (req == NULL) {
        req = begin_request(cls, conn, url, method);
        if (req == NULL)
            return MHD_NO;
        *req_cls = req;
        if (declared_body_too_large(conn)) {
            req->body_too_large = true;
            return dispatch(req);   /* answered now: the body is never read */
        }
        return MHD_YES;
    }
    if (*upload_data_size != 0)
        return take_body(req, upload_data, upload_data_size);
    if (req->replied)
        return queue_reply(req);   /* back from a worker */
    if (req->handoff_due)
        return hand_off(req);
    return dispatch(req);
}

static void free_request(rs_request *req)
{
    if (req->response != NULL)
        MHD_destroy_response(req->response);
    rs_buf_free(&req->body);
    for (size_t i = 0; i < req->nheaders; i++) {
        free(req->headers[i].name);
        free(req->headers[i].value);
    }
    while (req->owned != NULL) {
        owned_string *next = req->owned->next;
        free(req->owned);
        req->owned = next;
    }
    free(req);
}

static void request_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                              enum MHD_RequestTerminationCode why)
{
    (void)cls; (void)conn; (void)why;
    rs_request *req = *req_cls;
    if (req == NULL)
        return;
    *req_cls = NULL;
    double seconds = rs_now() - req->started;
    const char *method = method_label(req->method);
    char status[8];
    snprintf(status, sizeof status, "%d", req->replied ? req->status : 499);
    const char *counter_labels[] = {method, req->route_label, status};
    const char *duration_labels[] = {method, req->route_label};
    rs_counter_add(requests_total, counter_labels, 1);
    rs_histogram_observe(request_duration, duration_labels, seconds);
    rs_gauge_add(active_requests, NULL, -1);
    rs_log_request(req->trace.trace_id[0] ? req->trace.trace_id : NULL, method,
                   req->route_label, req->replied ? req->status : 499, seconds * 1000.0);
    atomic_fetch_sub(&req->server->in_flight, 1);
    free_request(req);
}

/* Leaves the URL as it came, so that the router decodes each segment on its
 * own and "%2F" cannot turn into a path separator. */
static size_t keep_escapes(void *cls, struct MHD_Connection *conn, char *s)
{
    (void)cls; (void)conn;
    return strlen(s);
}

static void log_mhd_error(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n > 0 && msg[n - 1] == '\n')
        msg[--n] = '\0';
    rs_log(RS_WARN, "http: %s", msg);
}

/* Fills addr from "a.b.c.d" or an IPv6 literal; -1 when neither. */
static int make_address(const char *bind, int port, struct sockaddr_storage *addr,
                        unsigned int *flags)
{
    memset(addr, 0, sizeof *addr);
    struct sockaddr_in *v4 = (struct sockaddr_in *)addr;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)addr;
    if (inet_pton(AF_INET, bind, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
        return 0;
    }
    if (inet_pton(AF_INET6, bind, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        *flags |= MHD_USE_IPv6;
        return 0;
    }
    return -1;
}

rs_server *rs_server_start(const rs_server_config *cfg, const rs_router *router)
{
    struct sockaddr_storage addr;
    unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
                         MHD_USE_TURBO | MHD_USE_ITC | MHD_USE_ERROR_LOG |
                         MHD_ALLOW_SUSPEND_RESUME;
    if (make_address(cfg->bind, cfg->port, &addr, &flags) != 0) {
        rs_log(RS_ERROR, "BIND=%s is not an IPv4 or IPv6 address", cfg->bind);
        return NULL;
    }
    rs_server *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    if (requests_total == NULL)
        declare_metrics();
    s->router = router;
    atomic_init(&s->in_flight, 0);
    atomic_init(&s->draining, false);
    s->inline_handlers = cfg->inline_handlers;
    s->workers = rs_workers_start(cfg->threads, run_handler_job);
    if (s->workers == NULL) {
        rs_log(RS_ERROR, "cannot start %u worker threads", cfg->threads);
        free(s);
        return NULL;
    }
    s->daemon = MHD_start_daemon(flags, (uint16_t)cfg->port, NULL, NULL, answer_request, s,
        MHD_OPTION_EXTERNAL_LOGGER, log_mhd_error, NULL,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_THREAD_POOL_SIZE, cfg->io_threads,
        MHD_OPTION_CONNECTION_LIMIT, cfg->max_connections,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY,
        MHD_OPTION_CONNECTION_TIMEOUT, cfg->idle_timeout_s,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u,
        MHD_OPTION_UNESCAPE_CALLBACK, keep_escapes, NULL,
        MHD_OPTION_NOTIFY_COMPLETED, request_completed, NULL,
        MHD_OPTION_END);
    if (s->daemon == NULL) {
        rs_log(RS_ERROR, "cannot listen on %s:%d", cfg->bind, cfg->port);
        rs_workers_stop(s->workers);
        free(s);
        return NULL;
    }
    return s;
}

void rs_server_quiesce(rs_server *s)
{
    MHD_socket fd = MHD_quiesce_daemon(s->daemon);
    if (fd != MHD_INVALID_SOCKET)
        close(fd);
}

unsigned rs_server_queued(const rs_server *s)
{
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_LISTEN_FD);
    struct tcp_info ti;
    socklen_t len = sizeof ti;
    if (info == NULL || info->listen_fd == MHD_INVALID_SOCKET ||
        getsockopt(info->listen_fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0)
        return 0;
    return ti.tcpi_unacked;   /* on a listening socket: the accept queue */
}

unsigned rs_server_in_flight(const rs_server *s)
{
    return atomic_load(&((rs_server *)s)->in_flight);
}

void rs_server_set_draining(rs_server *s)
{
    atomic_store(&s->draining, true);
}

void rs_server_stop(rs_server *s)
{
    if (s == NULL)
        return;
    if (rs_server_in_flight(s) > 0) {
        /* A handler is still running: its worker cannot be joined, nor its
         * connection closed under it. The process is exiting; leave both. */
        rs_log(RS_WARN, "server left running with requests in flight");
        return;
    }
    rs_workers_stop(s->workers);
    MHD_stop_daemon(s->daemon);
    free(s);
}
