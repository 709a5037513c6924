/*
 * rs_client_loop.c - peer calls on the server's own event loop (see
 * rs_client.h, rs_client_call_async).
 *
 * Each loop keeps its own connections to each peer address, alive between
 * calls, at most MAX_PER_PEER of them; calls beyond that wait in the
 * peer's queue for the next free one, so a thousand browsers do not become
 * a thousand upstream connections (and their buffers) on each side.
 *
 * Calls are not sent from within rs_client_call_async but once the loop
 * has handled the events at hand, from the peer's queue: so the GETs and
 * HEADs that a busy loop gathers in one turn go out together, pipelined
 * (RFC 9112 section 9.3.2), at most PIPELINE_DEPTH of them in one write on
 * one idle connection, and their answers come back in one read. Under load
 * that spares system calls and loopback segments on both sides (measured
 * in bench/README.md); a quiet loop has one call per turn, sent alone. A
 * batch never joins a connection that is still answering, so a slow
 * answer holds up only the calls of its own turn. Calls with a body, and
 * other methods, always go alone.
 *
 * The answers are parsed by http-parser, which keeps each one's
 * Content-Type and end-to-end headers (rs_client.h). A kept connection
 * that the peer has closed is noticed while idle and dropped. When a
 * connection dies under its calls, the one being answered is sent again
 * once on a fresh connection if it may have met a kept connection the peer
 * had closed (it was reused and nothing of the answer came), and so is
 * each pipelined call behind it (idempotent, and not answered); the rest
 * fail. Timeouts are checked on the loop's tick; a call that times out
 * takes its connection down with it, and the calls behind it go again.
 */
#include "rs_client.h"
#include "rs_client_shared.h"

#include <errno.h>
#include <http_parser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "rs_log.h"
#include "rs_loop.h"
#include "rs_trace.h"

#define MAX_PER_PEER   64
#define MAX_PEERS      64
#define PIPELINE_DEPTH 8
#define MAX_ANSWER     (16 * 1024 * 1024)
#define READ_CHUNK     (64 * 1024)

typedef struct call call;
typedef struct upconn upconn;
typedef struct peer peer;
typedef struct client_loop client_loop;

struct peer {
    char                    host[256];
    char                    port[8];
    char                    authority[268]; /* the Host header: host:port, [v6]:port */
    struct sockaddr_storage addr;
    socklen_t               addr_len;       /* 0 until resolved */
    client_loop            *cl;
    upconn                 *idle;           /* kept-alive, most recent first */
    unsigned                nconns;         /* open, busy or idle */
    call                   *queue, *queue_tail;   /* not yet sent */
    rs_loop_job             send_job;       /* sends the queue at the end of the turn */
    bool                    send_scheduled;
};

struct upconn {
    rs_watch     watch;
    int          fd;
    peer        *peer;
    client_loop *cl;
    call        *first, *last;  /* sent on it, in order; first is being answered */
    upconn      *next_idle;
    http_parser  parser;
    bool         connecting;
    bool         reused;        /* has answered a call before */
    bool         writable, readable;
    bool         closed;
    bool         eof;           /* the peer's end of the stream was signalled */
    size_t       sent;          /* bytes of the calls' requests written */
    char         field[16];     /* the header name being read, for Content-Type */
    size_t       field_len;     /* and the kept ones */
    bool         field_done;
    bool         in_type;
    int          in_kept;       /* the kept header being read, or -1 */
    unsigned     kept_too_long; /* bit k: kept header k did not fit */
    rs_loop_job  free_job;
};

struct call {
    call               *next, *prev;     /* among the loop's calls */
    call               *next_queued;     /* in the peer's queue, or on its connection */
    rs_client_request   rq;              /* method and url point into this call */
    char                method[16];
    peer               *peer;
    upconn             *conn;            /* NULL while queued */
    rs_buf              head;            /* request line and headers */
    rs_client_response  response;
    bool                pipelined;       /* may share a write and a connection */
    bool                complete;
    bool                sent_again;
    double              started, deadline, connect_deadline;
    rs_trace            span;            /* the call's span, when traced */
    bool                traced;
    rs_client_done      done;
    void               *arg;
};

struct client_loop {
    rs_loop *loop;
    peer    *peers[MAX_PEERS];
    int      npeers;
    call    *calls;
    char    *scratch;
    bool     closing;
};

static _Thread_local client_loop *this_loop;

static void finish(call *c, rs_client_result result);
static void send_queue(peer *p);
static void conn_event(rs_watch *w, uint32_t events);

/* ---- connections ---- */

static void free_upconn_job(rs_loop_job *job)
{
    free((char *)job - offsetof(upconn, free_job));
}

static void remove_idle(upconn *u)
{
    for (upconn **link = &u->peer->idle; *link != NULL; link = &(*link)->next_idle) {
        if (*link == u) {
            *link = u->next_idle;
            return;
        }
    }
}

/* Closes the connection; its calls, if any, must have been taken off. */
static void close_upconn(upconn *u)
{
    if (u->closed)
        return;
    u->closed = true;
    if (u->first == NULL)
        remove_idle(u);
    rs_loop_unwatch(u->cl->loop, u->fd);
    close(u->fd);
    u->peer->nconns--;
    u->free_job.run = free_upconn_job;
    rs_loop_defer(u->cl->loop, &u->free_job);
}

static int resolve(peer *p)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(p->host, p->port, &hints, &res);
    if (rc != 0 || res == NULL) {
        rs_log(RS_WARN, "cannot resolve %s: %s", p->host, gai_strerror(rc));
        return -1;
    }
    memcpy(&p->addr, res->ai_addr, res->ai_addrlen);
    p->addr_len = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

/* A new connection to the peer, connecting; NULL with errno set. */
static upconn *open_upconn(client_loop *cl, peer *p)
{
    if (p->addr_len == 0 && resolve(p) != 0) {
        errno = EHOSTUNREACH;
        return NULL;
    }
    int fd = socket(p->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return NULL;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&p->addr, p->addr_len) != 0 && errno != EINPROGRESS) {
        int e = errno;
        close(fd);
        p->addr_len = 0;   /* resolve again next time */
        errno = e;
        return NULL;
    }
    upconn *u = calloc(1, sizeof *u);
    if (u == NULL) {
        close(fd);
        errno = ENOMEM;
        return NULL;
    }
    u->fd = fd;
    u->peer = p;
    u->cl = cl;
    u->connecting = true;
    u->watch.on_event = conn_event;
    if (rs_loop_watch(cl->loop, fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, &u->watch) != 0) {
        int e = errno;
        close(fd);
        free(u);
        errno = e;
        return NULL;
    }
    p->nconns++;
    return u;
}

/* The connection has answered all its calls: it waits for the next ones,
 * or, when the peer's queue has some already, takes them. */
static void keep_idle(upconn *u)
{
    peer *p = u->peer;
    u->reused = true;
    u->next_idle = p->idle;
    p->idle = u;
    if (p->queue != NULL)
        send_queue(p);
}

/* ---- the queue ---- */

static void enqueue(peer *p, call *c)
{
    c->next_queued = NULL;
    if (p->queue_tail != NULL)
        p->queue_tail->next_queued = c;
    else
        p->queue = c;
    p->queue_tail = c;
}

/* Puts calls back at the head of the queue, in their order (list linked
 * by next_queued). */
static void requeue_front(peer *p, call *list, call *list_tail)
{
    if (list == NULL)
        return;
    list_tail->next_queued = p->queue;
    if (p->queue == NULL)
        p->queue_tail = list_tail;
    p->queue = list;
}

static call *take_queued(peer *p)
{
    call *c = p->queue;
    if (c != NULL) {
        p->queue = c->next_queued;
        if (p->queue == NULL)
            p->queue_tail = NULL;
        c->next_queued = NULL;
    }
    return c;
}

static void unqueue(call *c)
{
    peer *p = c->peer;
    call *prev = NULL;
    for (call *q = p->queue; q != NULL; prev = q, q = q->next_queued) {
        if (q != c)
            continue;
        if (prev != NULL)
            prev->next_queued = q->next_queued;
        else
            p->queue = q->next_queued;
        if (p->queue_tail == q)
            p->queue_tail = prev;
        return;
    }
}

static void send_job_run(rs_loop_job *job)
{
    peer *p = (peer *)((char *)job - offsetof(peer, send_job));
    p->send_scheduled = false;
    send_queue(p);
}

/* The queue goes out once the events at hand are handled. */
static void schedule_sending(peer *p)
{
    if (p->send_scheduled || p->cl->closing)
        return;
    p->send_scheduled = true;
    p->send_job.run = send_job_run;
    rs_loop_defer(p->cl->loop, &p->send_job);
}

/* ---- the answer ---- */

static call *call_of(http_parser *hp)
{
    return ((upconn *)hp->data)->first;
}

const char *const rs_client_kept_names[RS_CLIENT_KEPT] = {
    [RS_KEPT_RETRY_AFTER] = "Retry-After",
    [RS_KEPT_LOCATION] = "Location",
    [RS_KEPT_CACHE_CONTROL] = "Cache-Control",
    [RS_KEPT_ETAG] = "ETag",
    [RS_KEPT_LAST_MODIFIED] = "Last-Modified",
    [RS_KEPT_VARY] = "Vary",
};

/* Which kept header the name just read is, or -1. */
static int kept_index(const upconn *u)
{
    for (int k = 0; k < RS_CLIENT_KEPT; k++) {
        const char *name = rs_client_kept_names[k];
        if (u->field_len == strlen(name) && strncasecmp(u->field, name, u->field_len) == 0)
            return k;
    }
    return -1;
}

static void forget_headers(upconn *u)
{
    u->field_len = 0;
    u->field_done = false;
    u->in_type = false;
    u->in_kept = -1;
    u->kept_too_long = 0;
}

static void forget_kept(rs_client_response *r)
{
    for (int k = 0; k < RS_CLIENT_KEPT; k++)
        r->kept[k][0] = '\0';
}

/* Appends a piece of kept header k's value; one that does not fit is
 * dropped whole once the headers are in. */
static void keep_value(upconn *u, int k, const char *at, size_t len, bool first_piece)
{
    char *value = u->first->response.kept[k];
    size_t have = strlen(value);
    const char *sep = first_piece && have > 0 ? ", " : "";
    size_t need = strlen(sep) + len;
    if (have + need >= sizeof u->first->response.kept[k]) {
        u->kept_too_long |= 1u << k;
        return;
    }
    memcpy(value + have, sep, strlen(sep));
    memcpy(value + have + strlen(sep), at, len);
    value[have + need] = '\0';
}

static int on_header_field(http_parser *hp, const char *at, size_t len)
{
    upconn *u = hp->data;
    if (u->field_done) {
        u->field_len = 0;
        u->field_done = false;
    }
    u->in_type = false;
    u->in_kept = -1;
    size_t room = u->field_len < sizeof u->field - 1 ? sizeof u->field - 1 - u->field_len : 0;
    size_t n = len < room ? len : room;
    memcpy(u->field + u->field_len, at, n);
    u->field_len += len;   /* longer than the buffer: none of the names kept */
    return 0;
}

static int on_header_value(http_parser *hp, const char *at, size_t len)
{
    upconn *u = hp->data;
    call *c = u->first;
    bool first_piece = !u->field_done;
    if (first_piece) {
        u->field_done = true;
        u->in_type = u->field_len == 12 && strncasecmp(u->field, "content-type", 12) == 0;
        if (u->in_type)
            c->response.content_type[0] = '\0';
        u->in_kept = u->in_type ? -1 : kept_index(u);
    }
    if (u->in_kept >= 0)
        keep_value(u, u->in_kept, at, len, first_piece);
    if (u->in_type) {
        size_t have = strlen(c->response.content_type);
        size_t room = sizeof c->response.content_type - 1 - have;
        size_t n = len < room ? len : room;
        memcpy(c->response.content_type + have, at, n);
        c->response.content_type[have + n] = '\0';
    }
    return 0;
}

static int on_headers_complete(http_parser *hp)
{
    call *c = call_of(hp);
    c->response.status = hp->status_code;
    upconn *u = hp->data;
    for (int k = 0; k < RS_CLIENT_KEPT; k++)
        if (u->kept_too_long & (1u << k))
            c->response.kept[k][0] = '\0';
    forget_headers(u);
    return strcmp(c->method, "HEAD") == 0 ? 1 : 0;   /* 1: no body follows */
}

static int on_body(http_parser *hp, const char *at, size_t len)
{
    call *c = call_of(hp);
    if (c->response.body.len + len > MAX_ANSWER)
        return -1;
    return rs_buf_append(&c->response.body, at, len);
}

static int on_message_complete(http_parser *hp)
{
    call *c = call_of(hp);
    if (hp->status_code >= 100 && hp->status_code < 200) {   /* interim: the answer follows */
        rs_buf_reset(&c->response.body);
        c->response.content_type[0] = '\0';
        forget_kept(&c->response);
        return 0;
    }
    c->complete = true;
    http_parser_pause(hp, 1);
    return 0;
}

static const http_parser_settings answer_settings = {
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};

/* ---- calls on a connection ---- */

static size_t request_bytes(const call *c)
{
    return c->head.len + (c->rq.body != NULL ? c->rq.body_len : 0);
}

/* Nothing of the call's answer has come. */
static bool untouched(const call *c)
{
    return c->response.status == 0 && c->response.body.len == 0;
}

static void attach(upconn *u, call *c)
{
    c->conn = u;
    c->next_queued = NULL;
    if (u->last != NULL)
        u->last->next_queued = c;
    else
        u->first = c;
    u->last = c;
    c->connect_deadline = rs_loop_now(u->cl->loop) + (double)rs_client_connect_timeout_ms / 1000.0;
}

/* The calls that go together from the head of the queue onto an idle
 * connection: one call, or up to PIPELINE_DEPTH pipelined ones. */
static void attach_batch(peer *p, upconn *u)
{
    call *c = take_queued(p);
    attach(u, c);
    for (int n = 1; c->pipelined && n < PIPELINE_DEPTH && p->queue != NULL && p->queue->pipelined; n++)
        attach(u, take_queued(p));
}

/* The parser is made ready for the first call's answer. */
static void begin_answer(upconn *u)
{
    forget_headers(u);
    forget_kept(&u->first->response);
    http_parser_init(&u->parser, HTTP_RESPONSE);
    u->parser.data = u;
}

/* The connection is closed under its calls. head is the call whose answer
 * was awaited, when it is still among them. Each may go again once, at the
 * head of the queue (see the top of the file), or ends with result. */
static void drop_connection(upconn *u, rs_client_result result, const call *head)
{
    peer *p = u->peer;
    bool reused = u->reused;
    call *list = u->first;
    u->first = u->last = NULL;
    close_upconn(u);
    double now = rs_loop_now(p->cl->loop);
    call *again = NULL, *again_tail = NULL, *failed = NULL, *failed_tail = NULL;
    for (call *c = list, *next; c != NULL; c = next) {
        next = c->next_queued;
        c->next_queued = NULL;
        c->conn = NULL;
        bool late = now >= c->deadline;
        bool may_go_again = result != RS_CLIENT_CONNECT && !p->cl->closing && !c->sent_again &&
                            !late && untouched(c) && (c != head || reused);
        if (may_go_again) {
            c->sent_again = true;
            if (again_tail != NULL)
                again_tail->next_queued = c;
            else
                again = c;
            again_tail = c;
        } else {
            if (failed_tail != NULL)
                failed_tail->next_queued = c;
            else
                failed = c;
            failed_tail = c;
        }
    }
    requeue_front(p, again, again_tail);
    while (failed != NULL) {
        call *c = failed;
        failed = c->next_queued;
        c->next_queued = NULL;
        finish(c, result != RS_CLIENT_CONNECT && now >= c->deadline ? RS_CLIENT_TIMEOUT : result);
    }
    if (!p->cl->closing)
        send_queue(p);
}

/* Adds what is left to write of one piece to iov, skipping what was. */
static int add_piece(struct iovec *iov, int n, const char *data, size_t len, size_t *skip)
{
    if (*skip >= len) {
        *skip -= len;
        return n;
    }
    iov[n] = (struct iovec){(char *)data + *skip, len - *skip};
    *skip = 0;
    return n + 1;
}

/* Writes the calls' requests, all in one system call when the socket
 * takes them. */
static void send_requests(upconn *u)
{
    while (u->writable) {
        struct iovec iov[2 * PIPELINE_DEPTH];
        int n = 0;
        size_t skip = u->sent;
        for (call *c = u->first; c != NULL; c = c->next_queued) {
            n = add_piece(iov, n, c->head.data, c->head.len, &skip);
            if (c->rq.body != NULL)
                n = add_piece(iov, n, c->rq.body, c->rq.body_len, &skip);
        }
        if (n == 0)
            return;
        struct msghdr msg = {.msg_iov = iov, .msg_iovlen = (size_t)n};
        ssize_t w = sendmsg(u->fd, &msg, MSG_NOSIGNAL);
        if (w > 0)
            u->sent += (size_t)w;
        else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            u->writable = false;
        else if (w < 0 && errno != EINTR) {
            drop_connection(u, RS_CLIENT_ERROR, u->first);
            return;
        }
    }
}

/* The first call's answer is complete: the call leaves the connection,
 * which goes on to the next call's answer, waits idle, or closes (keep
 * false: the peer will not go on). */
static void answered(upconn *u, bool keep)
{
    call *c = u->first;
    size_t bytes = request_bytes(c);
    if (u->sent < bytes)
        keep = false;   /* answered before it was all sent */
    u->sent = u->sent > bytes ? u->sent - bytes : 0;
    u->first = c->next_queued;
    if (u->first == NULL)
        u->last = NULL;
    c->next_queued = NULL;
    c->conn = NULL;
    u->reused = true;
    if (!keep || (u->first == NULL && u->eof))
        drop_connection(u, RS_CLIENT_ERROR, u->first);
    else if (u->first != NULL)
        begin_answer(u);
    else
        keep_idle(u);
    finish(c, RS_CLIENT_OK);
}

/* Feeds what was read to the answers, in order (len 0: the peer closed). */
static void parse_answers(upconn *u, const char *data, size_t len)
{
    bool at_eof = len == 0;
    do {
        call *c = u->first;
        size_t used = http_parser_execute(&u->parser, &answer_settings, data, len);
        enum http_errno e = HTTP_PARSER_ERRNO(&u->parser);
        if (e != HPE_OK && e != HPE_PAUSED) {
            rs_log(RS_WARN, "%s %s: bad answer: %s", c->method, c->rq.url, http_errno_name(e));
            drop_connection(u, RS_CLIENT_ERROR, c);
            return;
        }
        if (!c->complete)
            return;   /* all taken; the rest of the answer is to come */
        data += used;
        len -= used;
        bool peer_goes_on = !at_eof && http_should_keep_alive(&u->parser) && !u->parser.upgrade;
        bool stray = len > 0 && c->next_queued == NULL;   /* bytes no call asked for */
        answered(u, peer_goes_on && !stray);
    } while (len > 0 && !u->closed && u->first != NULL);
}

static void read_answers(upconn *u)
{
    while (!u->closed && u->first != NULL && u->readable) {
        ssize_t n = recv(u->fd, u->cl->scratch, READ_CHUNK, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            u->readable = false;
            return;
        }
        if (n < 0) {
            drop_connection(u, RS_CLIENT_ERROR, u->first);
            return;
        }
        if (n > 0 && (size_t)n < READ_CHUNK && !u->eof)
            u->readable = false;   /* emptied: more data makes a new edge */
        parse_answers(u, u->cl->scratch, (size_t)n);
        if (n == 0 && !u->closed && u->first != NULL) {   /* closed before the answers' end */
            drop_connection(u, RS_CLIENT_ERROR, u->first);
            return;
        }
    }
}

static void conn_event(rs_watch *w, uint32_t events)
{
    upconn *u = (upconn *)w;
    if (u->closed)
        return;
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
        u->readable = true;
    if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
        u->eof = true;
    if (events & EPOLLOUT)
        u->writable = true;
    if (u->first == NULL) {   /* idle: the peer closed it, or sent what no one asked for */
        if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
            close_upconn(u);
        return;
    }
    if (u->connecting) {
        if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
            return;
        int err = 0;
        socklen_t len = sizeof err;
        if (getsockopt(u->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
            u->peer->addr_len = 0;
            drop_connection(u, RS_CLIENT_CONNECT, u->first);
            return;
        }
        u->connecting = false;
    }
    send_requests(u);
    if (!u->closed && u->first != NULL)
        read_answers(u);
}

/* Sends what is queued: each batch on an idle connection, or a new one
 * while under the cap; beyond it, the queue waits for a connection to
 * finish its calls (keep_idle). */
static void send_queue(peer *p)
{
    while (p->queue != NULL) {
        upconn *u = p->idle;
        if (u != NULL) {
            p->idle = u->next_idle;
        } else if (p->nconns >= MAX_PER_PEER) {
            return;
        } else if ((u = open_upconn(p->cl, p)) == NULL) {
            finish(take_queued(p), RS_CLIENT_CONNECT);
            continue;
        }
        attach_batch(p, u);
        u->sent = 0;
        begin_answer(u);
        if (!u->connecting) {
            u->writable = true;
            send_requests(u);
        }
    }
}

/* ---- calls ---- */

static void unlink_call(client_loop *cl, call *c)
{
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        cl->calls = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
}

static void free_call(call *c)
{
    rs_buf_free(&c->head);
    rs_buf_free(&c->response.body);
    free((char *)c->rq.url);
    free(c);
}

static void finish(call *c, rs_client_result result)
{
    unlink_call(this_loop, c);
    if (result != RS_CLIENT_OK)
        rs_log(RS_WARN, "%s %s: %s", c->method, c->rq.url,
               result == RS_CLIENT_CONNECT ? "cannot connect" :
               result == RS_CLIENT_TIMEOUT ? "timed out" : "failed");
    rs_client_observe(&c->rq, c->traced ? &c->span : NULL, result, c->response.status, c->started);
    c->done(c->arg, result, &c->response);
    free_call(c);
}

/* Takes a call off what carries it: off the peer's queue, or off its
 * connection, which closes (an answer half read cannot be reused, nor can
 * one that will come for a call no longer there); the other calls on it
 * go again or end with others. */
static void take_off(call *c, rs_client_result others)
{
    upconn *u = c->conn;
    if (u == NULL) {
        unqueue(c);
        return;
    }
    call *prev = NULL;
    for (call *q = u->first; q != c; q = q->next_queued)
        prev = q;
    if (prev != NULL)
        prev->next_queued = c->next_queued;
    else
        u->first = c->next_queued;
    if (u->last == c)
        u->last = prev;
    c->next_queued = NULL;
    c->conn = NULL;
    drop_connection(u, others, prev != NULL ? u->first : NULL);
}

/* Every tick: calls past their connect or total deadline. */
static void check_timeouts(void *ctx, double now)
{
    client_loop *cl = ctx;
    call *next;
    for (call *c = cl->calls; c != NULL; c = next) {
        next = c->next;
        bool connect_late = c->conn != NULL && c->conn->connecting && now >= c->connect_deadline;
        if (now < c->deadline && !connect_late)
            continue;
        rs_client_result result = connect_late ? RS_CLIENT_CONNECT : RS_CLIENT_TIMEOUT;
        take_off(c, connect_late ? RS_CLIENT_CONNECT : RS_CLIENT_ERROR);
        finish(c, result);
        next = cl->calls;   /* finish may have started or ended other calls */
    }
}

/* As the loop ends (its deferred work has run): what is left fails. */
static void close_client_loop(void *ctx)
{
    client_loop *cl = ctx;
    cl->closing = true;
    while (cl->calls != NULL) {
        call *c = cl->calls;
        take_off(c, RS_CLIENT_ERROR);
        finish(c, RS_CLIENT_ERROR);
    }
    for (int i = 0; i < cl->npeers; i++) {
        while (cl->peers[i]->idle != NULL)
            close_upconn(cl->peers[i]->idle);
        free(cl->peers[i]);
    }
    free(cl->scratch);
    free(cl);
    this_loop = NULL;
}

static client_loop *current_client_loop(void)
{
    if (this_loop != NULL)
        return this_loop;
    rs_loop *loop = rs_loop_current();
    if (loop == NULL)
        return NULL;
    client_loop *cl = calloc(1, sizeof *cl);
    if (cl == NULL || (cl->scratch = malloc(READ_CHUNK)) == NULL ||
        rs_loop_on_tick(loop, check_timeouts, cl) != 0 ||
        rs_loop_on_exit(loop, close_client_loop, cl) != 0) {
        if (cl != NULL)
            free(cl->scratch);
        free(cl);
        return NULL;
    }
    cl->loop = loop;
    this_loop = cl;
    return cl;
}

/* "http://host[:port]/path": host, port and path, or -1. */
static int split_url(const char *url, char *host, size_t host_size, char port[8],
                     const char **path)
{
    if (strncmp(url, "http://", 7) != 0)
        return -1;
    const char *h = url + 7, *end;
    if (*h == '[') {
        end = strchr(h, ']');
        if (end == NULL)
            return -1;
        h++;
    } else {
        end = h + strcspn(h, ":/?");
    }
    size_t n = (size_t)(end - h);
    if (n == 0 || n >= host_size)
        return -1;
    memcpy(host, h, n);
    host[n] = '\0';
    const char *rest = *end == ']' ? end + 1 : end;
    snprintf(port, 8, "80");
    if (*rest == ':') {
        size_t digits = strspn(rest + 1, "0123456789");
        if (digits == 0 || digits > 5)
            return -1;
        memcpy(port, rest + 1, digits);
        port[digits] = '\0';
        rest += 1 + digits;
    }
    if (*rest != '/' && *rest != '?' && *rest != '\0')
        return -1;
    *path = *rest == '/' ? rest : "/";
    return 0;
}

static peer *find_peer(client_loop *cl, const char *host, const char *port)
{
    for (int i = 0; i < cl->npeers; i++)
        if (strcmp(cl->peers[i]->host, host) == 0 && strcmp(cl->peers[i]->port, port) == 0)
            return cl->peers[i];
    if (cl->npeers == MAX_PEERS)
        return NULL;
    peer *p = calloc(1, sizeof *p);
    if (p == NULL)
        return NULL;
    p->cl = cl;
    snprintf(p->host, sizeof p->host, "%s", host);
    snprintf(p->port, sizeof p->port, "%s", port);
    bool v6 = strchr(host, ':') != NULL;
    snprintf(p->authority, sizeof p->authority, "%s%s%s:%s", v6 ? "[" : "", host, v6 ? "]" : "", port);
    cl->peers[cl->npeers++] = p;
    return p;
}

static void put_header(rs_buf *h, const char *name, const char *value)
{
    rs_buf_puts(h, name);
    rs_buf_append(h, ": ", 2);
    rs_buf_puts(h, value);
    rs_buf_append(h, "\r\n", 2);
}

/* The request line and headers: traceparent (the call's span), Content-Type
 * and length, the caller's lines (no printf: every call takes this path). */
static int compose_request(call *c, const rs_client_request *rq, const char *path)
{
    rs_buf *h = &c->head;
    rs_buf_puts(h, rq->method);
    rs_buf_append(h, " ", 1);
    rs_buf_puts(h, path);
    rs_buf_puts(h, " HTTP/1.1\r\n");
    put_header(h, "Host", c->peer->authority);
    if ((c->traced = rs_trace_call_span(rq->traceparent, &c->span))) {
        char tp[RS_TRACEPARENT_LEN + 1];
        rs_trace_format(&c->span, tp);
        put_header(h, "traceparent", tp);
    }
    if (rq->body != NULL) {
        put_header(h, "Content-Type", rq->content_type ? rq->content_type : "application/json");
        rs_buf_puts(h, "Content-Length: ");
        rs_buf_put_uint(h, rq->body_len);
        rs_buf_append(h, "\r\n", 2);
    } else if (strcmp(rq->method, "POST") == 0 || strcmp(rq->method, "PUT") == 0) {
        rs_buf_puts(h, "Content-Length: 0\r\n");
    }
    for (size_t i = 0; i < rq->nheaders; i++) {
        rs_buf_puts(h, rq->headers[i]);
        rs_buf_append(h, "\r\n", 2);
    }
    rs_buf_append(h, "\r\n", 2);
    return h->failed ? -1 : 0;
}

/* A method, a target and header lines fit to go on the wire as they are. */
static bool clean_request(const rs_client_request *rq, const char *path)
{
    for (const char *p = path; *p != '\0'; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
            return false;
    for (size_t i = 0; i < rq->nheaders; i++)
        if (strpbrk(rq->headers[i], "\r\n") != NULL)
            return false;
    return strlen(rq->method) < sizeof ((call *)0)->method && strpbrk(rq->method, " \r\n") == NULL;
}

int rs_client_call_async(const rs_client_request *rq, rs_client_done done, void *arg)
{
    client_loop *cl = current_client_loop();
    char host[256], port[8];
    const char *path;
    if (cl == NULL || cl->closing || split_url(rq->url, host, sizeof host, port, &path) != 0 ||
        !clean_request(rq, path))
        return -1;
    call *c = calloc(1, sizeof *c);
    if (c == NULL)
        return -1;
    c->rq = *rq;
    c->rq.url = strdup(rq->url);
    c->peer = find_peer(cl, host, port);
    if (c->rq.url == NULL || c->peer == NULL || compose_request(c, rq, path) != 0) {
        free_call(c);
        return -1;
    }
    strcpy(c->method, rq->method);
    c->rq.method = c->method;
    c->rq.headers = NULL;
    c->rq.nheaders = 0;
    c->rq.content_type = NULL;
    c->rq.traceparent = NULL;
    c->done = done;
    c->arg = arg;
    c->started = rs_loop_now(cl->loop);
    c->deadline = c->started +
        (double)(rq->timeout_ms > 0 ? rq->timeout_ms : rs_client_total_timeout_ms) / 1000.0;
    c->next = cl->calls;
    if (cl->calls != NULL)
        cl->calls->prev = c;
    cl->calls = c;
    c->pipelined = rq->body == NULL && (strcmp(c->method, "GET") == 0 || strcmp(c->method, "HEAD") == 0);
    enqueue(c->peer, c);
    schedule_sending(c->peer);
    return 0;
}
