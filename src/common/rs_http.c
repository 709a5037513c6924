/*
 * rs_http.c - the HTTP/1.1 server (see rs_http.h): one event loop per core
 * over a shared listening socket, requests parsed by http-parser.
 *
 * Each loop accepts from the listening socket (EPOLLEXCLUSIVE: one loop
 * wakes per connection) and gives each connection to the loop that has
 * fewest (itself when tied; another by a posted job), since the loop that
 * wakes first would otherwise take a whole burst of connections and
 * leave the others idle. A loop owns its connections from the first byte
 * to the close: it reads, parses one request at a time (the
 * parser is paused at the end of each, so pipelined requests wait their
 * turn), dispatches, and writes the reply out. Sockets are watched
 * edge-triggered, once, for reading and writing, so a request costs no
 * epoll_ctl. Handlers that may block run on the worker pool and post the
 * finished request back to its loop.
 *
 * Slow clients cannot hold the server: a request's headers must all arrive
 * within HEADER_TIMEOUT_S of its first byte (and its body within
 * IDLE_TIMEOUT_S of the headers), a client address holds at most
 * MAX_CONNECTIONS_PER_CLIENT connections, and when the server or an
 * address is full, the connection that has waited longest for a complete
 * request header is closed to make room for the new one.
 *
 * What the parser or these limits refuse is answered with a JSON error
 * (400, 408, 413, 414, 417, 431, 501) and the connection closed.
 */
#define _GNU_SOURCE   /* accept4, pthread_setname_np */
#include "rs_http.h"
#include "rs_http_conn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <http_parser.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "rs_addr_table.h"
#include "rs_log.h"
#include "rs_metrics.h"
#include "rs_spans.h"
#include "rs_time.h"
#include "rs_workers.h"

#define READ_CHUNK   (64 * 1024)
#define TARGET_MAX   (8 * 1024)      /* longer request targets: 414 */
#define HEADERS_MAX  (16 * 1024)     /* target and header fields: 431 beyond */
#define LINGER_S     2.0             /* reading what follows a refused request */
#define ACCEPTS_PER_WAKE 64

typedef struct server_loop server_loop;

/* A connection's state is its request's phase. It moves
 *
 *   WAITING -> READING_HEADERS -> READING_BODY -> HANDLING -> WRITING
 *      ^                                                         |
 *      +------------------ (keep-alive) -------------------------+
 *                                                                |
 *                                            LINGERING <- (close after)
 *
 * A refused request goes straight to WRITING (from WAITING when its first
 * bytes are already wrong), a stopping loop takes HANDLING ones there too,
 * and any state but HANDLING may go to CLOSED (a HANDLING one is closed
 * when its handler is done). enter() makes every change, with the
 * deadline of the new state. */
typedef enum {
    CONN_WAITING,         /* for the first byte of a request */
    CONN_READING_HEADERS, /* its target and header fields: header_timeout */
    CONN_READING_BODY,    /* its body: idle_timeout from the headers' end */
    CONN_HANDLING,        /* dispatched: with its handler, no deadline */
    CONN_WRITING,         /* answered: the reply is going out */
    CONN_LINGERING,       /* closed for writing, reading to the end */
    CONN_CLOSED           /* freed once the loop's events at hand are handled */
} conn_state;

struct rs_conn {
    rs_watch      watch;
    int           fd;
    server_loop  *sl;
    conn_state    state;
    http_parser   parser;
    rs_request   *req;            /* the request being read or answered */
    rs_request   *spare;          /* the last one's memory, for the next */
    rs_addr       addr;
    char          ip[48];
    bool          readable, writable;   /* as the last edges said */
    bool          peer_closed;    /* the client will send no more */
    bool          broken;         /* nothing can be written any more */
    bool          driving;        /* drive() is running for it */
    rs_buf        pending;        /* bytes read past the current request */
    size_t        pending_at;
    size_t        sent;           /* bytes of the reply written */
    double        deadline;
    int           error_status;   /* set by a parser callback that refuses */
    const char   *error_message;
    rs_conn      *prev, *next;    /* every connection of the loop */
    rs_conn      *wprev, *wnext;  /* waiting for a request, oldest first */
    bool          in_wait_list;
    rs_loop_job   free_job;
};

struct server_loop {
    rs_server   *server;
    rs_loop     *loop;
    pthread_t    thread;
    bool         started;
    rs_watch     listen_watch;
    rs_conn     *conns;
    rs_conn     *wait_head, *wait_tail;
    char        *scratch;
    rs_loop_job  quiesce_job;
    atomic_bool  quiesced;
    atomic_uint  nconns;          /* owned, or handed over and not yet admitted */
    bool         finished;        /* its thread is over: handed connections close */
};

struct rs_server {
    const rs_router *router;
    int              listen_fd;
    int              port;            /* as bound: the system's pick for 0 */
    server_loop     *loops;
    unsigned         nloops;
    rs_workers      *workers;
    unsigned         max_connections;
    unsigned         max_per_client;
    double           idle_timeout;
    double           header_timeout;
    rs_addr_table   *addrs;
    atomic_uint      in_flight;
    atomic_uint      connections;
    atomic_bool      draining;
};

static rs_metric *requests_total;
static rs_metric *request_duration;
static rs_metric *active_requests;
static rs_metric *shed_total;

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
    shed_total = rs_counter("http_server_connections_shed_total",
        "Connections closed to make room, or refused, when the server or a client "
        "address was full, by reason.", "reason");
}

bool rs_server_draining(const rs_server *s)
{
    return atomic_load(&((rs_server *)s)->draining);
}

static void drive(rs_conn *c);
static void close_conn(rs_conn *c);

/* ---- the connection's state ---- */

/* Moves the connection to state `next` and sets that state's deadline. */
static void enter(rs_conn *c, conn_state next)
{
    double now = rs_loop_now(c->sl->loop);
    const rs_server *s = c->sl->server;
    switch (next) {
    case CONN_WAITING:
    case CONN_READING_BODY:
        c->deadline = now + s->idle_timeout;
        break;
    case CONN_READING_HEADERS:   /* never later than the wait allowed */
        if (now + s->header_timeout < c->deadline)
            c->deadline = now + s->header_timeout;
        break;
    case CONN_WRITING:
        c->sent = 0;
        c->deadline = now + s->idle_timeout;
        break;
    case CONN_LINGERING:
        c->deadline = now + LINGER_S;
        break;
    case CONN_HANDLING:          /* the handler's time is its own */
    case CONN_CLOSED:
        break;
    }
    c->state = next;
}

static bool reading(const rs_conn *c)
{
    return c->state == CONN_READING_HEADERS || c->state == CONN_READING_BODY;
}

/* ---- the list of connections waiting for a request ---- */

static void wait_list_add(rs_conn *c)
{
    server_loop *sl = c->sl;
    if (c->in_wait_list)
        return;
    c->wprev = sl->wait_tail;
    c->wnext = NULL;
    if (sl->wait_tail != NULL)
        sl->wait_tail->wnext = c;
    else
        sl->wait_head = c;
    sl->wait_tail = c;
    c->in_wait_list = true;
}

static void wait_list_remove(rs_conn *c)
{
    server_loop *sl = c->sl;
    if (!c->in_wait_list)
        return;
    if (c->wprev != NULL)
        c->wprev->wnext = c->wnext;
    else
        sl->wait_head = c->wnext;
    if (c->wnext != NULL)
        c->wnext->wprev = c->wprev;
    else
        sl->wait_tail = c->wprev;
    c->in_wait_list = false;
}

/* ---- requests: begin and end ---- */

static const char *method_label(const char *method)
{
    static const char *const known[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(method, known[i]) == 0)
            return known[i];
    return "OTHER";
}

/* A request with every field cleared but the header tables (2 KiB, read
 * only below nfields, each entry written before): the connection's last
 * one with its buffers' memory, or a new one. */
static rs_request *new_request(rs_conn *c)
{
    rs_request *req = c->spare;
    rs_buf target = RS_BUF_INIT, fields = RS_BUF_INIT, head = RS_BUF_INIT;
    if (req != NULL) {
        c->spare = NULL;
        target = req->target;
        fields = req->fields;
        head = req->head;
    } else if ((req = malloc(sizeof *req)) == NULL) {
        return NULL;
    }
    memset(req, 0, offsetof(rs_request, name_at));
    memset((char *)req + offsetof(rs_request, nfields), 0,
           sizeof *req - offsetof(rs_request, nfields));
    req->target = target;
    req->fields = fields;
    req->head = head;
    req->server = c->sl->server;
    req->conn = c;
    req->loop = c->sl->loop;
    req->method = "GET";
    req->path = "/";
    req->route_label = "unmatched";
    req->started = rs_loop_now(c->sl->loop);
    memcpy(req->client_ip, c->ip, sizeof req->client_ip);
    return req;
}

/* The request counts as received: in flight until its reply is out. */
static void count_in_flight(rs_request *req)
{
    if (req->counted)
        return;
    req->counted = true;
    atomic_fetch_add(&req->server->in_flight, 1);
    rs_gauge_add(active_requests, NULL, 1);
}

/* The request's SERVER span, when its trace was begun. */
static void record_span(rs_request *req, int status)
{
    if (req->trace.trace_id[0] == '\0' || !rs_tracing_on())
        return;
    rs_server_span r = {
        .method = req->method, .route = req->match.route != NULL ? req->route_label : NULL,
        .path = req->path, .query = req->query, .host = rs_req_header(req, "host"),
        .client_ip = req->client_ip, .status = status, .http10 = req->http10,
    };
    rs_spans_server(&req->trace, req->started, &r);
}

/* Metrics, access log and span for a request that was received; then
 * frees it, or keeps it for its connection's next request. */
static void end_request(rs_request *req)
{
    if (req->counted) {
        double seconds = (req->clock_stopped > 0 ? req->clock_stopped : rs_now()) - req->started;
        const char *method = method_label(req->method);
        int status = req->replied && req->conn != NULL ? req->status : 499;
        char digits[24];
        const char *counter_labels[] = {method, req->route_label,
                                        rs_label_number((unsigned long)status, digits)};
        const char *duration_labels[] = {method, req->route_label};
        rs_counter_add(requests_total, counter_labels, 1);
        rs_histogram_observe(request_duration, duration_labels, seconds);
        rs_gauge_add(active_requests, NULL, -1);
        rs_log_request(req->trace.trace_id[0] ? req->trace.trace_id : NULL, method,
                       req->route_label, status, seconds * 1000.0);
        record_span(req, status);
        atomic_fetch_sub(&req->server->in_flight, 1);
    }
    if (req->conn != NULL && req->conn->spare == NULL) {
        rs_request_recycle(req);
        req->conn->spare = req;
    } else {
        rs_request_free(req);
    }
}

/* ---- http-parser callbacks ---- */

static rs_conn *conn_of(http_parser *p)
{
    return p->data;
}

/* A callback refuses the request: its status and message, and -1. */
static int refuse(rs_conn *c, int status, const char *message)
{
    c->error_status = status;
    c->error_message = message;
    return -1;
}

static int on_message_begin(http_parser *p)
{
    rs_conn *c = conn_of(p);
    if (c->req == NULL && (c->req = new_request(c)) == NULL)
        return refuse(c, 500, "out of memory");
    enter(c, CONN_READING_HEADERS);
    return 0;
}

static int on_url(http_parser *p, const char *at, size_t len)
{
    rs_conn *c = conn_of(p);
    if (c->req->target.len + len > TARGET_MAX)
        return refuse(c, 414, "request target too long");
    if (rs_buf_append(&c->req->target, at, len) != 0)
        return refuse(c, 500, "out of memory");
    return 0;
}

static int append_field_bytes(rs_conn *c, const char *at, size_t len)
{
    rs_request *req = c->req;
    if (req->target.len + req->fields.len + len > HEADERS_MAX)
        return refuse(c, 431, "request headers too large");
    if (rs_buf_append(&req->fields, at, len) != 0)
        return refuse(c, 500, "out of memory");
    return 0;
}

static int on_header_field(http_parser *p, const char *at, size_t len)
{
    rs_conn *c = conn_of(p);
    rs_request *req = c->req;
    if (req->in_value || req->nfields == 0) {
        if (req->nfields == RS_MAX_HEADERS)
            return refuse(c, 431, "too many request headers");
        if (req->in_value && append_field_bytes(c, "", 1) != 0)   /* ends the value */
            return -1;
        req->name_at[req->nfields++] = req->fields.len;
        req->in_value = false;
    }
    return append_field_bytes(c, at, len);
}

static int on_header_value(http_parser *p, const char *at, size_t len)
{
    rs_conn *c = conn_of(p);
    rs_request *req = c->req;
    if (!req->in_value) {
        if (append_field_bytes(c, "", 1) != 0)   /* ends the name */
            return -1;
        req->value_at[req->nfields - 1] = req->fields.len;
        req->in_value = true;
    }
    return append_field_bytes(c, at, len);
}

/* Points names and values into the field bytes, now that they are all in. */
static int resolve_fields(rs_conn *c)
{
    rs_request *req = c->req;
    if (req->nfields > 0 && !req->in_value) {   /* a name without a value */
        if (append_field_bytes(c, "", 1) != 0)
            return -1;
        req->value_at[req->nfields - 1] = req->fields.len;
    }
    if (req->nfields > 0 && append_field_bytes(c, "", 1) != 0)
        return -1;
    for (size_t i = 0; i < req->nfields; i++) {
        req->names[i] = req->fields.data + req->name_at[i];
        req->values[i] = req->fields.data + req->value_at[i];
    }
    return 0;
}

/* Origin form only ("/path?query", or "*" for OPTIONS), every byte a
 * visible ASCII character. */
static bool valid_target(const rs_request *req)
{
    const char *t = req->target.data;
    if (t == NULL || (t[0] != '/' && !(strcmp(t, "*") == 0 && strcmp(req->method, "OPTIONS") == 0)))
        return false;
    for (size_t i = 0; i < req->target.len; i++)
        if ((unsigned char)t[i] <= 0x20 || (unsigned char)t[i] >= 0x7f)
            return false;
    return true;
}

/* Splits the target into the raw path and the raw query. */
static void split_target(rs_request *req)
{
    char *t = req->target.data;
    char *fragment = strchr(t, '#');
    if (fragment != NULL)
        *fragment = '\0';
    char *q = strchr(t, '?');
    if (q != NULL) {
        *q = '\0';
        req->query = q + 1;
    }
    req->path = t;
}

static bool only_chunked(const char *te)
{
    while (*te == ' ' || *te == '\t')
        te++;
    size_t n = strlen(te);
    while (n > 0 && (te[n - 1] == ' ' || te[n - 1] == '\t'))
        n--;
    return n == 7 && strncasecmp(te, "chunked", 7) == 0;
}

/* Answers "100 Continue" at once: the client waits for it before the body. */
static void send_continue(rs_conn *c)
{
    static const char line[] = "HTTP/1.1 100 Continue\r\n\r\n";
    if (send(c->fd, line, sizeof line - 1, MSG_NOSIGNAL) != (ssize_t)(sizeof line - 1))
        c->broken = true;
}

static int on_headers_complete(http_parser *p)
{
    rs_conn *c = conn_of(p);
    rs_request *req = c->req;
    req->method = http_method_str((enum http_method)p->method);
    req->is_head = p->method == HTTP_HEAD;
    req->http10 = p->http_major == 1 && p->http_minor == 0;
    req->keep_alive = http_should_keep_alive(p) != 0;
    wait_list_remove(c);
    enter(c, CONN_READING_BODY);
    count_in_flight(req);
    if (resolve_fields(c) != 0)
        return -1;
    if (!valid_target(req))
        return refuse(c, 400, "invalid request target");
    split_target(req);
    if (p->http_major != 1)
        return refuse(c, 505, "HTTP version not supported");
    const char *te = rs_req_header(req, "Transfer-Encoding");
    if (te != NULL && !only_chunked(te))
        return refuse(c, 501, "transfer coding not supported");
    if ((p->flags & F_CONTENTLENGTH) && p->content_length > RS_BODY_MAX)
        return refuse(c, 413, "request body too large");
    const char *expect = rs_req_header(req, "Expect");
    if (expect != NULL) {
        if (strcasecmp(expect, "100-continue") != 0)
            return refuse(c, 417, "expectation not supported");
        if (!req->http10)
            send_continue(c);
    }
    return 0;
}

static int on_body(http_parser *p, const char *at, size_t len)
{
    rs_conn *c = conn_of(p);
    if (c->req->body.len + len > RS_BODY_MAX)
        return refuse(c, 413, "request body too large");
    if (rs_buf_append(&c->req->body, at, len) != 0)
        return refuse(c, 500, "out of memory");
    return 0;
}

static int on_message_complete(http_parser *p)
{
    http_parser_pause(p, 1);   /* one request at a time */
    return 0;
}

static const http_parser_settings parser_settings = {
    .on_message_begin = on_message_begin,
    .on_url = on_url,
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};

/* ---- answering ---- */

/* A refused request: its JSON error, then the connection closes. */
static void answer_refused(rs_conn *c, int status, const char *message)
{
    if (c->req == NULL && (c->req = new_request(c)) == NULL) {
        close_conn(c);
        return;
    }
    rs_request *req = c->req;
    wait_list_remove(c);
    count_in_flight(req);
    if (status == 400 || status == 414 || status == 431 || status == 505)
        req->route_label = "invalid";
    req->close_after = true;
    if (req->replied)   /* a handler's reply cannot be taken back */
        return;
    rs_reply_error(req, status, message);
    enter(c, CONN_WRITING);
    if (!c->driving)
        drive(c);
}

static void parser_error_answer(rs_conn *c, enum http_errno e)
{
    if (c->error_status != 0) {
        answer_refused(c, c->error_status, c->error_message);
        return;
    }
    switch (e) {
    case HPE_INVALID_CONTENT_LENGTH:
    case HPE_UNEXPECTED_CONTENT_LENGTH:
        answer_refused(c, 400, "invalid Content-Length");
        break;
    case HPE_HEADER_OVERFLOW:
        answer_refused(c, 431, "request headers too large");
        break;
    case HPE_INVALID_TRANSFER_ENCODING:
        answer_refused(c, 400, "invalid Transfer-Encoding");
        break;
    case HPE_INVALID_METHOD:
        answer_refused(c, 400, "invalid method");
        break;
    case HPE_INVALID_VERSION:
        answer_refused(c, 400, "invalid HTTP version");
        break;
    default:
        answer_refused(c, 400, "malformed request");
        break;
    }
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

/* On the connection's loop: the handler is done with the request. */
static void request_done(rs_request *req)
{
    rs_conn *c = req->conn;
    if (c->broken) {
        c->req = NULL;
        req->conn = NULL;
        end_request(req);
        close_conn(c);
        return;
    }
    enter(c, CONN_WRITING);
    if (!c->driving)
        drive(c);
}

static void request_done_job(rs_loop_job *job)
{
    request_done((rs_request *)((char *)job - offsetof(rs_request, done_job)));
}

void rs_req_finish(rs_request *req)
{
    if (!req->replied) {
        rs_log(RS_ERROR, "asynchronous handler for %s %s gave no answer", req->method, req->route_label);
        rs_reply_error(req, 500, "internal error");
    }
    if (rs_loop_current() != req->loop) {
        req->done_job.run = request_done_job;
        rs_loop_post(req->loop, &req->done_job);
    } else if (req->in_handler) {
        req->finished = true;   /* dispatch carries on when the handler returns */
    } else {
        request_done(req);
    }
}

static void run_handler_job(void *job)
{
    rs_request *req = job;
    run_handler(req);
    req->done_job.run = request_done_job;
    rs_loop_post(req->loop, &req->done_job);
}

/* A complete request: to its route's handler, or answered here. */
static void dispatch(rs_conn *c)
{
    rs_request *req = c->req;
    rs_server *s = c->sl->server;
    enter(c, CONN_HANDLING);
    rs_trace_begin(&req->trace, rs_req_header(req, "traceparent"));
    rs_router_match(s->router, req->method, req->path, &req->match);
    if (req->match.route != NULL)
        req->route_label = req->match.route->pattern;
    if (req->match.status != RS_MATCH_OK) {
        rs_trace_set_current(&req->trace);
        answer_unmatched(req);
        rs_trace_set_current(NULL);
        request_done(req);
    } else if (req->match.route->run == RS_RUN_ASYNC) {
        rs_trace_set_current(&req->trace);
        req->in_handler = true;
        req->match.route->handler(req);
        req->in_handler = false;
        rs_trace_set_current(NULL);
        if (req->finished)
            request_done(req);
    } else if (req->match.route->run == RS_RUN_INLINE) {
        run_handler(req);
        request_done(req);
    } else if (rs_workers_submit(s->workers, req) != 0) {
        rs_reply_error(req, 503, "server busy");
        request_done(req);
    }
}

/* ---- reading ---- */

/* Feeds bytes to the parser; what follows a complete request is kept. */
static void parse(rs_conn *c, const char *data, size_t len, bool from_pending)
{
    size_t used = http_parser_execute(&c->parser, &parser_settings, data, len);
    enum http_errno e = HTTP_PARSER_ERRNO(&c->parser);
    if (e == HPE_OK && used == len) {
        if (from_pending)
            c->pending_at = c->pending.len;
        return;
    }
    if (e != HPE_PAUSED) {
        parser_error_answer(c, e);
        return;
    }
    if (from_pending) {
        c->pending_at += used;
    } else if (used < len) {
        rs_buf_reset(&c->pending);
        c->pending_at = 0;
        if (rs_buf_append(&c->pending, data + used, len - used) != 0) {
            answer_refused(c, 500, "out of memory");
            return;
        }
    }
    dispatch(c);
}

static bool has_pending(const rs_conn *c)
{
    return c->pending_at < c->pending.len;
}

/* Reads and parses until a request is complete or the socket is dry. */
static void read_requests(rs_conn *c)
{
    while (c->state == CONN_WAITING || reading(c)) {
        if (has_pending(c)) {
            parse(c, c->pending.data + c->pending_at, c->pending.len - c->pending_at, true);
            continue;
        }
        rs_buf_reset(&c->pending);
        c->pending_at = 0;
        if (!c->readable)
            return;
        ssize_t n = recv(c->fd, c->sl->scratch, READ_CHUNK, 0);
        if (n > 0) {
            /* A short read emptied the socket: more data makes a new edge,
             * so no recv is spent to hear EAGAIN. Not so for the end of
             * the stream, whose edge may have come with these bytes. */
            if ((size_t)n < READ_CHUNK && !c->peer_closed)
                c->readable = false;
            parse(c, c->sl->scratch, (size_t)n, false);
        } else if (n == 0) {
            c->peer_closed = true;
            close_conn(c);   /* whatever was begun will never be complete */
            return;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            c->readable = false;
        } else if (errno != EINTR) {
            close_conn(c);
            return;
        }
    }
}

/* Reads and drops what the client still sends after a refusal. */
static void discard_input(rs_conn *c)
{
    while (c->readable) {
        ssize_t n = recv(c->fd, c->sl->scratch, READ_CHUNK, 0);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
            close_conn(c);
            return;
        }
        if (n < 0 && errno != EINTR)
            c->readable = false;
    }
}

/* ---- writing ---- */

static void reply_sent(rs_conn *c);

static void flush_reply(rs_conn *c)
{
    rs_request *req = c->req;
    size_t body_len = req->is_head ? 0 : req->reply_len;
    size_t total = req->head_len + body_len;
    while (c->sent < total && c->writable) {
        struct iovec iov[2];
        int n = 0;
        if (c->sent < req->head_len)
            iov[n++] = (struct iovec){(char *)req->head_data + c->sent, req->head_len - c->sent};
        size_t body_at = c->sent > req->head_len ? c->sent - req->head_len : 0;
        if (body_at < body_len)
            iov[n++] = (struct iovec){(char *)req->reply_body + body_at, body_len - body_at};
        struct msghdr msg = {.msg_iov = iov, .msg_iovlen = (size_t)n};
        ssize_t w = sendmsg(c->fd, &msg, MSG_NOSIGNAL);
        if (w > 0)
            c->sent += (size_t)w;
        else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            c->writable = false;
        else if (w < 0 && errno != EINTR) {
            c->broken = true;
            close_conn(c);
            return;
        }
    }
    if (c->sent == total)
        reply_sent(c);
}

/* Stops writing and reads what is left, so that the reply is not lost to
 * a reset caused by unread input. */
static void start_lingering(rs_conn *c)
{
    if (c->peer_closed || shutdown(c->fd, SHUT_WR) != 0) {
        close_conn(c);
        return;
    }
    enter(c, CONN_LINGERING);
}

/* Waits for the next request on this connection. */
static void wait_for_request(rs_conn *c)
{
    if (c->peer_closed && !has_pending(c)) {
        close_conn(c);
        return;
    }
    enter(c, CONN_WAITING);
    c->error_status = 0;
    wait_list_add(c);
    http_parser_pause(&c->parser, 0);
}

static void reply_sent(rs_conn *c)
{
    rs_request *req = c->req;
    bool close_after = req->close_after;
    c->req = NULL;
    end_request(req);
    if (close_after)
        start_lingering(c);
    else
        wait_for_request(c);
}

/* ---- connections ---- */

/* Moves the connection on as far as its socket allows: read a request,
 * answer it, read the next, ... One step at a time, so that pipelined
 * requests make a loop here, not a recursion. */
static void drive(rs_conn *c)
{
    c->driving = true;
    for (;;) {
        conn_state before = c->state;
        switch (c->state) {
        case CONN_WAITING:
        case CONN_READING_HEADERS:
        case CONN_READING_BODY:
            read_requests(c);
            break;
        case CONN_WRITING:
            flush_reply(c);
            break;
        case CONN_LINGERING:
            discard_input(c);
            break;
        case CONN_HANDLING:   /* reading waits for the reply */
        case CONN_CLOSED:
            break;
        }
        if (c->state == before || c->state == CONN_CLOSED)
            break;
    }
    c->driving = false;
}

static void on_conn_event(rs_watch *w, uint32_t events)
{
    rs_conn *c = (rs_conn *)w;
    if (c->state == CONN_CLOSED)
        return;
    if (events & (EPOLLERR | EPOLLHUP)) {
        c->broken = true;
        if (c->state != CONN_HANDLING)
            close_conn(c);
        return;
    }
    if (events & EPOLLRDHUP)
        c->peer_closed = true;
    if (events & (EPOLLIN | EPOLLRDHUP))
        c->readable = true;
    if (events & EPOLLOUT)
        c->writable = true;
    drive(c);
}

static void free_conn_job(rs_loop_job *job)
{
    rs_conn *c = (rs_conn *)((char *)job - offsetof(rs_conn, free_job));
    if (c->spare != NULL)
        rs_request_free(c->spare);
    rs_buf_free(&c->pending);
    free(c);
}

/* Closes the connection; one whose request is with its handler is closed
 * when the handler is done (request_done). */
static void close_conn(rs_conn *c)
{
    server_loop *sl = c->sl;
    if (c->state == CONN_CLOSED)
        return;
    if (c->state == CONN_HANDLING && c->req != NULL) {
        c->broken = true;
        return;
    }
    if (c->req != NULL) {
        c->req->conn = NULL;
        end_request(c->req);
        c->req = NULL;
    }
    wait_list_remove(c);
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        sl->conns = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    rs_loop_unwatch(sl->loop, c->fd);
    close(c->fd);
    rs_addr_table_remove(sl->server->addrs, &c->addr);
    atomic_fetch_sub(&sl->server->connections, 1);
    atomic_fetch_sub(&sl->nconns, 1);
    enter(c, CONN_CLOSED);
    c->free_job.run = free_conn_job;
    rs_loop_defer(sl->loop, &c->free_job);
}

static void count_shed(const char *reason)
{
    const char *labels[] = {reason};
    rs_counter_add(shed_total, labels, 1);
}

/* Closes the connection of this loop that has waited longest for a
 * complete request header (from addr, when given): false when none. */
static bool shed_oldest(server_loop *sl, const rs_addr *addr)
{
    for (rs_conn *c = sl->wait_head; c != NULL; c = c->wnext) {
        if (addr == NULL || memcmp(&c->addr, addr, sizeof *addr) == 0) {
            close_conn(c);
            return true;
        }
    }
    return false;
}

static void client_ip_text(const struct sockaddr_storage *ss, char *out, size_t size)
{
    out[0] = '\0';
    if (ss->ss_family == AF_INET) {
        inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, out, (socklen_t)size);
    } else if (ss->ss_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)ss)->sin6_addr;
        if (IN6_IS_ADDR_V4MAPPED(a))
            inet_ntop(AF_INET, a->s6_addr + 12, out, (socklen_t)size);
        else
            inet_ntop(AF_INET6, a, out, (socklen_t)size);
    }
}

/* Room for one more connection from addr, making it by shedding when the
 * server or the address is full: false when there is none to be had. */
static bool make_room(server_loop *sl, const rs_addr *addr, unsigned from_addr)
{
    rs_server *s = sl->server;
    if (from_addr > s->max_per_client) {
        if (!shed_oldest(sl, addr)) {
            count_shed("address full, refused");
            return false;
        }
        count_shed("address full");
    }
    if (atomic_load(&s->connections) > s->max_connections) {
        if (!shed_oldest(sl, NULL)) {
            count_shed("server full, refused");
            return false;
        }
        count_shed("server full");
    }
    return true;
}

static void admit(server_loop *sl, int fd, const struct sockaddr_storage *ss)
{
    rs_server *s = sl->server;
    rs_conn *c = calloc(1, sizeof *c);
    if (c == NULL) {
        atomic_fetch_sub(&sl->nconns, 1);
        close(fd);
        return;
    }
    c->fd = fd;
    c->sl = sl;
    rs_addr_from_sockaddr((const struct sockaddr *)ss, &c->addr);
    atomic_fetch_add(&s->connections, 1);
    unsigned from_addr = rs_addr_table_add(s->addrs, &c->addr);
    if (from_addr == 0 || !make_room(sl, &c->addr, from_addr)) {
        if (from_addr != 0)
            rs_addr_table_remove(s->addrs, &c->addr);
        atomic_fetch_sub(&s->connections, 1);
        atomic_fetch_sub(&sl->nconns, 1);
        close(fd);
        free(c);
        return;
    }
    client_ip_text(ss, c->ip, sizeof c->ip);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    http_parser_init(&c->parser, HTTP_REQUEST);
    c->parser.data = c;
    c->watch.on_event = on_conn_event;
    c->writable = true;
    c->next = sl->conns;
    if (sl->conns != NULL)
        sl->conns->prev = c;
    sl->conns = c;
    enter(c, CONN_WAITING);
    wait_list_add(c);
    if (rs_loop_watch(sl->loop, fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, &c->watch) != 0) {
        rs_log(RS_WARN, "cannot watch a connection: %s", strerror(errno));
        close_conn(c);
    }
}

/* A connection accepted by one loop for another, which admits it. */
typedef struct handoff {
    rs_loop_job             job;
    server_loop            *sl;
    int                     fd;
    struct sockaddr_storage ss;
} handoff;

static void handoff_job(rs_loop_job *job)
{
    handoff *h = (handoff *)job;
    if (h->sl->finished) {   /* posted as the server stopped */
        atomic_fetch_sub(&h->sl->nconns, 1);
        close(h->fd);
    } else {
        admit(h->sl, h->fd, &h->ss);
    }
    free(h);
}

/* The loop with the fewest connections: this one when tied. */
static server_loop *least_busy(server_loop *sl)
{
    rs_server *s = sl->server;
    server_loop *best = sl;
    unsigned fewest = atomic_load(&sl->nconns);
    for (unsigned i = 0; i < s->nloops; i++) {
        unsigned n = atomic_load(&s->loops[i].nconns);
        if (n < fewest) {
            best = &s->loops[i];
            fewest = n;
        }
    }
    return best;
}

/* Gives a connection just accepted to the loop with the fewest. */
static void place(server_loop *sl, int fd, const struct sockaddr_storage *ss)
{
    server_loop *to = least_busy(sl);
    atomic_fetch_add(&to->nconns, 1);
    if (to == sl) {
        admit(sl, fd, ss);
        return;
    }
    handoff *h = malloc(sizeof *h);
    if (h == NULL) {   /* kept here after all */
        atomic_fetch_sub(&to->nconns, 1);
        atomic_fetch_add(&sl->nconns, 1);
        admit(sl, fd, ss);
        return;
    }
    h->job.run = handoff_job;
    h->sl = to;
    h->fd = fd;
    h->ss = *ss;
    rs_loop_post(to->loop, &h->job);
}

static void on_listen_event(rs_watch *w, uint32_t events)
{
    (void)events;
    server_loop *sl = (server_loop *)((char *)w - offsetof(server_loop, listen_watch));
    for (int i = 0; i < ACCEPTS_PER_WAKE; i++) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof ss;
        int fd = accept4(sl->server->listen_fd, (struct sockaddr *)&ss, &len,
                         SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
                errno != ECONNABORTED)
                rs_log(RS_WARN, "accept: %s", strerror(errno));
            return;
        }
        place(sl, fd, &ss);
    }
}

/* Every tick: connections past their deadline. */
static void check_deadlines(void *ctx, double now)
{
    server_loop *sl = ctx;
    rs_conn *next;
    for (rs_conn *c = sl->conns; c != NULL; c = next) {
        next = c->next;
        if (c->state == CONN_HANDLING || now < c->deadline)
            continue;
        if (reading(c)) {
            answer_refused(c, 408, "request timed out");
        } else {
            close_conn(c);
        }
    }
}

/* ---- loops ---- */

static void *run_loop(void *arg)
{
    server_loop *sl = arg;
    pthread_setname_np(pthread_self(), "rs-loop");   /* as top and /proc show it */
    rs_loop_run(sl->loop);
    return NULL;
}

static void quiesce_job(rs_loop_job *job)
{
    server_loop *sl = (server_loop *)((char *)job - offsetof(server_loop, quiesce_job));
    rs_loop_unwatch(sl->loop, sl->server->listen_fd);
    atomic_store(&sl->quiesced, true);
}

static void close_all(server_loop *sl)
{
    sl->finished = true;
    while (sl->conns != NULL) {
        rs_conn *c = sl->conns;
        if (c->state == CONN_HANDLING)
            enter(c, CONN_WRITING);   /* the loop is over: nothing runs any more */
        close_conn(c);
    }
}

/* Every loop is made before any starts: a loop may hand a connection to
 * any other. */
static int init_loop(rs_server *s, server_loop *sl)
{
    sl->server = s;
    atomic_init(&sl->quiesced, false);
    atomic_init(&sl->nconns, 0);
    sl->listen_watch.on_event = on_listen_event;
    if ((sl->scratch = malloc(READ_CHUNK)) == NULL || (sl->loop = rs_loop_new()) == NULL)
        return -1;
    if (rs_loop_on_tick(sl->loop, check_deadlines, sl) != 0 ||
        rs_loop_watch(sl->loop, s->listen_fd, EPOLLIN | EPOLLEXCLUSIVE, &sl->listen_watch) != 0)
        return -1;
    return 0;
}

static int start_loop(server_loop *sl)
{
    if (pthread_create(&sl->thread, NULL, run_loop, sl) != 0)
        return -1;
    sl->started = true;
    return 0;
}

/* Every loop stops before any is freed (one may still hand a connection
 * to another); what was handed over too late closes in rs_loop_free. */
static void free_loops(rs_server *s)
{
    for (unsigned i = 0; i < s->nloops; i++)
        if (s->loops[i].started)
            rs_loop_stop(s->loops[i].loop);
    for (unsigned i = 0; i < s->nloops; i++)
        if (s->loops[i].started)
            pthread_join(s->loops[i].thread, NULL);
    for (unsigned i = 0; i < s->nloops; i++) {
        server_loop *sl = &s->loops[i];
        close_all(sl);
        rs_loop_free(sl->loop);
        free(sl->scratch);
    }
    free(s->loops);
    s->loops = NULL;
}

/* ---- the listening socket ---- */

static int make_address(const char *bind, int port, struct sockaddr_storage *addr, socklen_t *len)
{
    memset(addr, 0, sizeof *addr);
    struct sockaddr_in *v4 = (struct sockaddr_in *)addr;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)addr;
    if (inet_pton(AF_INET, bind, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
        *len = sizeof *v4;
        return 0;
    }
    if (inet_pton(AF_INET6, bind, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        *len = sizeof *v6;
        return 0;
    }
    return -1;
}

static int open_listener(const rs_server_config *cfg)
{
    struct sockaddr_storage addr;
    socklen_t len;
    if (make_address(cfg->bind, cfg->port, &addr, &len) != 0) {
        rs_log(RS_ERROR, "BIND=%s is not an IPv4 or IPv6 address", cfg->bind);
        return -1;
    }
    int fd = socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, (struct sockaddr *)&addr, len) != 0 || listen(fd, 4096) != 0) {
        rs_log(RS_ERROR, "cannot listen on %s:%d: %s", cfg->bind, cfg->port, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

/* The port the listening socket was bound to. */
static int bound_port(int fd)
{
    struct sockaddr_storage addr;
    socklen_t len = sizeof addr;
    if (getsockname(fd, (struct sockaddr *)&addr, &len) != 0) {
        rs_log(RS_ERROR, "cannot read the listening port: %s", strerror(errno));
        return -1;
    }
    if (addr.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&addr)->sin6_port);
    return ntohs(((struct sockaddr_in *)&addr)->sin_port);
}

static void free_server(rs_server *s)
{
    free_loops(s);
    if (s->workers != NULL)
        rs_workers_stop(s->workers);
    if (s->listen_fd >= 0)
        close(s->listen_fd);
    rs_addr_table_free(s->addrs);
    free(s);
}

rs_server *rs_server_start(const rs_server_config *cfg, const rs_router *router)
{
    if (requests_total == NULL)
        declare_metrics();
    rs_server *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    s->listen_fd = -1;
    s->router = router;
    s->max_connections = cfg->max_connections;
    s->max_per_client = cfg->max_per_client > 0 ? cfg->max_per_client : cfg->max_connections;
    s->idle_timeout = cfg->idle_timeout_s;
    s->header_timeout = cfg->header_timeout_s > 0 ? cfg->header_timeout_s : cfg->idle_timeout_s;
    atomic_init(&s->in_flight, 0);
    atomic_init(&s->connections, 0);
    atomic_init(&s->draining, false);
    s->nloops = cfg->io_threads > 0 ? cfg->io_threads : 1;
    if ((s->addrs = rs_addr_table_new()) == NULL ||
        (s->loops = calloc(s->nloops, sizeof *s->loops)) == NULL ||
        (s->listen_fd = open_listener(cfg)) < 0 || (s->port = bound_port(s->listen_fd)) < 0) {
        free_server(s);
        return NULL;
    }
    if ((s->workers = rs_workers_start(cfg->threads, run_handler_job)) == NULL) {
        rs_log(RS_ERROR, "cannot start %u worker threads", cfg->threads);
        free_server(s);
        return NULL;
    }
    for (unsigned i = 0; i < s->nloops; i++) {
        if (init_loop(s, &s->loops[i]) != 0) {
            rs_log(RS_ERROR, "cannot start event loop %u: %s", i, strerror(errno));
            free_server(s);
            return NULL;
        }
    }
    for (unsigned i = 0; i < s->nloops; i++) {
        if (start_loop(&s->loops[i]) != 0) {
            rs_log(RS_ERROR, "cannot start event loop %u: %s", i, strerror(errno));
            free_server(s);
            return NULL;
        }
    }
    return s;
}

void rs_server_quiesce(rs_server *s)
{
    if (s->listen_fd < 0)
        return;
    for (unsigned i = 0; i < s->nloops; i++) {
        s->loops[i].quiesce_job.run = quiesce_job;
        rs_loop_post(s->loops[i].loop, &s->loops[i].quiesce_job);
    }
    for (unsigned i = 0; i < s->nloops; i++)
        while (!atomic_load(&s->loops[i].quiesced))
            rs_sleep_ms(1);
    close(s->listen_fd);
    s->listen_fd = -1;
}

int rs_server_port(const rs_server *s)
{
    return s->port;
}

unsigned rs_server_queued(const rs_server *s)
{
    struct tcp_info ti;
    socklen_t len = sizeof ti;
    if (s->listen_fd < 0 || getsockopt(s->listen_fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0)
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
    s->workers = NULL;
    free_server(s);
}
