/*
 * engine.c - the load threads (see engine.h).
 *
 * A VU is PARKED (not part of the load), THINKING (a wake-up is due in the
 * thread's timer heap) or RUNNING (a request of its journey is in flight).
 * Each request is written on the VU's own connection, opened on first use
 * and kept alive while the server agrees; the answer is fed to http-parser
 * as it arrives, and when it is complete the journey checks it and moves on
 * to its next step. A GET, PUT or DELETE that finds its kept-alive
 * connection closed by the server before any answer is sent again once, on
 * a new connection (a POST never is: it may have been acted on).
 */
#include "engine.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <http_parser.h>

#include "rs_buf.h"
#include "scenario.h"

#define TICK_US 100000          /* stage changes, timeouts, active samples */
#define MAX_EVENTS 256

typedef enum { VU_PARKED, VU_THINKING, VU_RUNNING } vu_state;
typedef enum { CONN_NONE, CONN_CONNECTING, CONN_OPEN } conn_state;

typedef struct worker worker;

typedef struct vu {
    worker     *w;
    int         slot;          /* index in w->vus */
    int         global;        /* closed model: its number among all VUs */
    vu_state    state;
    int         active;        /* closed model: within the staged VUs */
    uint32_t    wake_gen;      /* heap entries of older generations are stale */

    int         fd;
    conn_state  conn;
    uint32_t    conn_gen;      /* tells this connection's events from an older one's */
    int         reused;        /* the connection already carried an answer */

    http_parser parser;
    int         complete;
    int         got_bytes;
    int         retried;
    int         idempotent;    /* the request may be sent twice */
    int         want_body;
    int         stat_id;
    uint64_t    sent_at, deadline, journey_start;
    rs_buf      out;
    size_t      out_sent;
    rs_buf      body;
    journey     j;
    struct vu  *next_free;     /* open model: idle VUs */
} vu;

typedef struct wake {
    uint64_t at;
    vu      *v;
    uint32_t gen;
} wake;

struct worker {
    engine     *e;
    int         index;
    pthread_t   thread;
    int         epfd;
    vu        **vus;
    int         nvus, vus_cap;
    int         max_vus;       /* open model: this thread's share */
    vu         *free_list;
    wake       *heap;
    int         nheap, heap_cap;
    int64_t     active;        /* VUs in the load, or journeys in flight */
    uint64_t    next_arrival;  /* open model */
    uint64_t    next_tick;
    int         out_of_memory;
    uint64_t    stopped_at;    /* when its loop ended */
    _Atomic int done;
    stats       st;
    char        scratch[65536];
};

struct engine {
    load_options                 o;
    struct sockaddr_storage addr;
    socklen_t               addrlen;
    char                    host[300];
    int                     nsteps;
    worker                 *workers;
    int                     started;
    uint64_t                t0, end;
    _Atomic int             stop;
};

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int second_of(const worker *w, uint64_t t)
{
    return t > w->e->t0 ? (int)((t - w->e->t0) / 1000000u) : 0;
}

/* ---- the timer heap (closed model wake-ups) -------------------------- */

static int heap_push(worker *w, uint64_t at, vu *v)
{
    if (w->nheap == w->heap_cap) {
        int cap = w->heap_cap ? w->heap_cap * 2 : 64;
        wake *h = realloc(w->heap, (size_t)cap * sizeof *h);
        if (!h)
            return -1;
        w->heap = h;
        w->heap_cap = cap;
    }
    int i = w->nheap++;
    wake item = {at, v, ++v->wake_gen};
    while (i > 0 && w->heap[(i - 1) / 2].at > at) {
        w->heap[i] = w->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    w->heap[i] = item;
    return 0;
}

static wake heap_pop(worker *w)
{
    wake top = w->heap[0];
    wake last = w->heap[--w->nheap];
    int i = 0;
    for (;;) {
        int c = 2 * i + 1;
        if (c >= w->nheap)
            break;
        if (c + 1 < w->nheap && w->heap[c + 1].at < w->heap[c].at)
            c++;
        if (w->heap[c].at >= last.at)
            break;
        w->heap[i] = w->heap[c];
        i = c;
    }
    if (w->nheap > 0)
        w->heap[i] = last;
    return top;
}

/* ---- connections ------------------------------------------------------ */

static void conn_close(vu *v)
{
    if (v->fd >= 0)
        close(v->fd);   /* also leaves the epoll set */
    v->fd = -1;
    v->conn = CONN_NONE;
    v->reused = 0;
}

/* Starts connecting; 0, or -1 with errno set. */
static int conn_open(vu *v)
{
    engine *e = v->w->e;
    int fd = socket(e->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (const struct sockaddr *)&e->addr, e->addrlen) < 0 && errno != EINPROGRESS) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    v->conn_gen++;
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLET,
                             .data.u64 = ((uint64_t)(uint32_t)v->slot << 32) | v->conn_gen};
    if (epoll_ctl(v->w->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    v->fd = fd;
    v->conn = CONN_CONNECTING;
    return 0;
}

/* Writes what is left of the request: 0 (done, or waiting for room), or -1. */
static int conn_flush(vu *v)
{
    while (v->out_sent < v->out.len) {
        ssize_t n = send(v->fd, v->out.data + v->out_sent, v->out.len - v->out_sent, MSG_NOSIGNAL);
        if (n > 0)
            v->out_sent += (size_t)n;
        else if (n < 0 && errno == EINTR)
            continue;
        else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        else
            return -1;
    }
    return 0;
}

/* ---- http-parser callbacks -------------------------------------------- */

static int on_body(http_parser *p, const char *at, size_t len)
{
    vu *v = p->data;
    if (v->want_body && rs_buf_append(&v->body, at, len) < 0)
        return -1;
    return 0;
}

static int on_message_complete(http_parser *p)
{
    vu *v = p->data;
    v->complete = 1;
    return 0;
}

static http_parser_settings parser_settings = {
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};

/* ---- journeys ---------------------------------------------------------- */

static void begin_step(vu *v, uint64_t due);
static void send_request(vu *v);

/* Counts the answer to the current request; an answer after the end of
 * the run is not counted, like one still in flight at the end. */
static void record(vu *v, uint64_t now, const char *what)
{
    worker *w = v->w;
    if (now >= w->e->end)
        return;
    uint64_t latency = now > v->sent_at ? now - v->sent_at : 0;
    if (stats_request(&w->st, v->stat_id, latency, second_of(w, now), what) < 0)
        w->out_of_memory = 1;
}

static void journey_done(vu *v, int ok)
{
    worker *w = v->w;
    uint64_t now = now_us();
    if (now < w->e->end)
        stats_journey(&w->st, now - v->journey_start, ok);
    const load_options *o = &w->e->o;
    if (o->model == LOAD_MODEL_OPEN) {
        v->state = VU_PARKED;
        v->next_free = w->free_list;
        w->free_list = v;
        w->active--;
        return;
    }
    if (!v->active) {
        v->state = VU_PARKED;
        conn_close(v);
        return;
    }
    double think = o->think_min_s;
    if (o->think_max_s > o->think_min_s)
        think += (o->think_max_s - o->think_min_s) * ((double)(journey_random(&v->j) % 10001) / 10000.0);
    v->state = VU_THINKING;
    if (heap_push(w, now + (uint64_t)(think * 1e6), v) < 0)
        w->out_of_memory = 1;
}

static void request_failed(vu *v, const char *what)
{
    record(v, now_us(), what);
    conn_close(v);
    journey_done(v, 0);
}

/* The connection failed. A request that found its kept-alive connection
 * closed before any answer is sent once more on a new one, when sending it
 * twice does no harm (GET, PUT, DELETE): a POST may have been taken. */
static void transport_failed(vu *v, const char *what)
{
    int resend = v->reused && !v->got_bytes && !v->retried && v->idempotent;
    conn_close(v);
    if (resend) {
        v->retried = 1;
        send_request(v);
        return;
    }
    request_failed(v, what);
}

static void send_request(vu *v)
{
    http_parser_init(&v->parser, HTTP_RESPONSE);
    v->parser.data = v;
    v->complete = 0;
    v->got_bytes = 0;
    v->out_sent = 0;
    rs_buf_reset(&v->body);
    if (v->conn == CONN_NONE && conn_open(v) < 0) {
        char what[96];
        snprintf(what, sizeof what, "connect: %s", strerror(errno));
        request_failed(v, what);
        return;
    }
    if (v->conn == CONN_OPEN && conn_flush(v) < 0)
        transport_failed(v, errno == EPIPE ? "connection closed" : strerror(errno));
    /* connecting: the request goes out when the socket is writable */
}

static int build_request(vu *v, const journey_request *r)
{
    rs_buf *b = &v->out;
    rs_buf_reset(b);
    rs_buf_printf(b, "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: rs-load\r\nAccept: */*\r\n",
                  r->method, r->path, v->w->e->host);
    if (r->body)
        rs_buf_printf(b, "Content-Type: application/json\r\nContent-Length: %zu\r\n", r->body_len);
    rs_buf_puts(b, "\r\n");
    if (r->body)
        rs_buf_append(b, r->body, r->body_len);
    return b->failed ? -1 : 0;
}

/* Sends the journey's next request, timed from due; or ends the journey. */
static void begin_step(vu *v, uint64_t due)
{
    journey_request r;
    int next = journey_next(&v->j, &r, &v->stat_id);
    if (next == 0) {
        journey_done(v, 1);
        return;
    }
    v->sent_at = due;
    if (next < 0) {
        request_failed(v, v->j.error);
        return;
    }
    if (build_request(v, &r) < 0) {
        request_failed(v, "out of memory");
        return;
    }
    v->state = VU_RUNNING;
    v->idempotent = strcmp(r.method, "POST") != 0;
    v->want_body = journey_wants_body(&v->j);
    v->retried = 0;
    v->deadline = now_us() + (uint64_t)(v->w->e->o.timeout_s * 1e6);
    send_request(v);
}

static void start_journey(vu *v, uint64_t due)
{
    journey_begin(&v->j);
    v->journey_start = due;
    begin_step(v, due);
}

/* The answer is complete: check it, then the next step. */
static void answer_complete(vu *v)
{
    uint64_t now = now_us();
    journey_response res = {v->parser.status_code, v->body.data, v->body.len};
    int keep = http_should_keep_alive(&v->parser);
    const char *what = journey_check(&v->j, &res);
    record(v, now, what);
    if (keep)
        v->reused = 1;
    else
        conn_close(v);
    if (what)
        journey_done(v, 0);
    else
        begin_step(v, now);
}

static void on_readable(vu *v)
{
    worker *w = v->w;
    for (;;) {
        ssize_t n = recv(v->fd, w->scratch, sizeof w->scratch, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (v->state != VU_RUNNING) {   /* closed by the server while idle */
            conn_close(v);
            return;
        }
        if (n < 0) {
            transport_failed(v, errno == ECONNRESET ? "connection reset" : strerror(errno));
            return;
        }
        if (n > 0)
            v->got_bytes = 1;
        http_parser_execute(&v->parser, &parser_settings, w->scratch, (size_t)n);
        if (v->complete) {
            answer_complete(v);
            return;
        }
        if (HTTP_PARSER_ERRNO(&v->parser) != HPE_OK) {
            char what[96];
            snprintf(what, sizeof what, "bad HTTP answer: %s",
                     http_errno_description(HTTP_PARSER_ERRNO(&v->parser)));
            request_failed(v, v->body.failed ? "out of memory" : what);
            return;
        }
        if (n == 0) {
            transport_failed(v, "connection closed");
            return;
        }
    }
}

static void on_event(worker *w, uint64_t data, uint32_t events)
{
    uint32_t slot = (uint32_t)(data >> 32);
    if ((int)slot >= w->nvus)
        return;
    vu *v = w->vus[slot];
    if (v->fd < 0 || (uint32_t)data != v->conn_gen)
        return;                           /* an event of a connection since closed */
    if (v->conn == CONN_CONNECTING) {
        if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
            return;
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(v->fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err) {
            char what[96];
            snprintf(what, sizeof what, "connect: %s", strerror(err));
            conn_close(v);
            request_failed(v, what);
            return;
        }
        v->conn = CONN_OPEN;
    }
    if (v->state == VU_RUNNING && v->out_sent < v->out.len && (events & EPOLLOUT)) {
        if (conn_flush(v) < 0) {
            transport_failed(v, errno == EPIPE ? "connection closed" : strerror(errno));
            return;
        }
    }
    if (events & (EPOLLIN | EPOLLERR | EPOLLHUP))
        on_readable(v);
}

/* ---- VUs ---------------------------------------------------------------- */

static vu *vu_new(worker *w, int global)
{
    if (w->nvus == w->vus_cap) {
        int cap = w->vus_cap ? w->vus_cap * 2 : 64;
        vu **l = realloc(w->vus, (size_t)cap * sizeof *l);
        if (!l)
            return NULL;
        w->vus = l;
        w->vus_cap = cap;
    }
    vu *v = calloc(1, sizeof *v);
    if (!v)
        return NULL;
    v->w = w;
    v->slot = w->nvus;
    v->global = global;
    v->fd = -1;
    journey_init(&v->j, (unsigned)(global + 1) * 2654435761u ^ (unsigned)now_us());
    w->vus[w->nvus++] = v;
    return v;
}

static void vu_free(vu *v)
{
    conn_close(v);
    rs_buf_free(&v->out);
    rs_buf_free(&v->body);
    journey_free(&v->j);
    free(v);
}

/* Closed model: brings VUs into the load, or out of it, as the stages say. */
static void follow_stages(worker *w, uint64_t now)
{
    double t = (double)(now - w->e->t0) / 1e6;
    int target = (int)(options_target_at(&w->e->o, t) + 0.5);
    for (int i = 0; i < w->nvus; i++) {
        vu *v = w->vus[i];
        int wanted = v->global < target;
        if (wanted && !v->active) {
            v->active = 1;
            w->active++;
            if (v->state == VU_PARKED) {
                v->state = VU_THINKING;
                if (heap_push(w, now, v) < 0)
                    w->out_of_memory = 1;
            }
        } else if (!wanted && v->active) {
            v->active = 0;
            w->active--;
            if (v->state == VU_THINKING) {
                v->wake_gen++;              /* its wake-up is void */
                v->state = VU_PARKED;
                conn_close(v);
            }
        }
    }
}

/* Open model: when the next journey after `from` is due. This thread's
 * share of the staged rate is summed over time, a millisecond at a time,
 * until it makes `need` journeys (1, or less for the first, so that the
 * threads take turns); never, within the run, when the rate stays at 0. */
static uint64_t next_due(const worker *w, uint64_t from, double need)
{
    const engine *e = w->e;
    for (uint64_t t = from; t < e->end; t += 1000) {
        double rate = options_target_at(&e->o, (double)(t - e->t0) / 1e6) / e->o.threads;
        if (rate * 0.001 >= need)
            return t + (uint64_t)(need / rate * 1e6);
        need -= rate * 0.001;
    }
    return UINT64_MAX;
}

/* Open model: starts every journey that is due, each on a free VU. */
static void start_arrivals(worker *w, uint64_t now)
{
    engine *e = w->e;
    while (w->next_arrival <= now) {
        uint64_t due = w->next_arrival;
        w->next_arrival = next_due(w, due, 1.0);
        vu *v = w->free_list;
        if (v)
            w->free_list = v->next_free;
        else if (w->nvus < w->max_vus)
            v = vu_new(w, w->index + w->nvus * e->o.threads);
        if (!v) {
            stats_dropped(&w->st);
            continue;
        }
        w->active++;
        start_journey(v, due);
    }
}

static void wake_thinkers(worker *w, uint64_t now)
{
    while (w->nheap > 0 && w->heap[0].at <= now) {
        wake k = heap_pop(w);
        if (k.gen != k.v->wake_gen || k.v->state != VU_THINKING)
            continue;
        start_journey(k.v, now);
    }
}

static void expire_requests(worker *w, uint64_t now)
{
    for (int i = 0; i < w->nvus; i++) {
        vu *v = w->vus[i];
        if (v->state == VU_RUNNING && now > v->deadline)
            request_failed(v, "timeout");
    }
}

static void on_tick(worker *w, uint64_t now)
{
    if (w->e->o.model == LOAD_MODEL_CLOSED)
        follow_stages(w, now);
    expire_requests(w, now);
    stats_active(&w->st, second_of(w, now), (uint64_t)(w->active > 0 ? w->active : 0));
    atomic_store_explicit(&w->st.live_active, w->active, memory_order_relaxed);
    w->next_tick = now + TICK_US;
}

/* How long epoll may sleep: until the next timer, arrival, tick or end. */
static uint64_t next_deadline(const worker *w)
{
    uint64_t next = w->next_tick;
    if (w->nheap > 0 && w->heap[0].at < next)
        next = w->heap[0].at;
    if (w->e->o.model == LOAD_MODEL_OPEN && w->next_arrival < next)
        next = w->next_arrival;
    if (w->e->end < next)
        next = w->e->end;
    return next;
}

static int wait_events(worker *w, struct epoll_event *events, uint64_t until)
{
    uint64_t now = now_us();
    uint64_t wait = until > now ? until - now : 0;
    struct timespec ts = {(time_t)(wait / 1000000u), (long)(wait % 1000000u) * 1000};
    int n = epoll_pwait2(w->epfd, events, MAX_EVENTS, &ts, NULL);
    if (n < 0 && errno == ENOSYS)
        n = epoll_wait(w->epfd, events, MAX_EVENTS, (int)((wait + 999) / 1000));
    return n;
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    engine *e = w->e;
    struct epoll_event events[MAX_EVENTS];
    if (e->o.model == LOAD_MODEL_OPEN)
        w->next_arrival = next_due(w, e->t0, (w->index + 1.0) / e->o.threads);
    w->next_tick = e->t0;
    while (!atomic_load_explicit(&e->stop, memory_order_relaxed) && !w->out_of_memory) {
        uint64_t now = now_us();
        if (now >= e->end)
            break;
        if (now >= w->next_tick)
            on_tick(w, now);
        if (e->o.model == LOAD_MODEL_OPEN)
            start_arrivals(w, now);
        else
            wake_thinkers(w, now);
        int n = wait_events(w, events, next_deadline(w));
        for (int i = 0; i < n; i++)
            on_event(w, events[i].data.u64, events[i].events);
    }
    w->stopped_at = now_us();
    for (int i = 0; i < w->nvus; i++)
        conn_close(w->vus[i]);
    atomic_store(&w->done, 1);
    return NULL;
}

/* ---- the engine ------------------------------------------------------- */

/* Whether a connection to the address is accepted (within 2 s). */
static bool accepts(const struct addrinfo *a)
{
    int fd = socket(a->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    struct timeval limit = {.tv_sec = 2};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
    bool ok = connect(fd, a->ai_addr, a->ai_addrlen) == 0;
    close(fd);
    return ok;
}

/* The host's address; when it has several ("localhost" may be ::1 and
 * 127.0.0.1, with the shop on one of them), the first that accepts a
 * connection, or the first when none does, so that the run reports the
 * connect errors. */
static int resolve(engine *e)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res;
    int rc = getaddrinfo(e->o.host, e->o.port, &hints, &res);
    if (rc != 0) {
        fprintf(stderr, "rs-load: %s: %s\n", e->o.host, gai_strerror(rc));
        return -1;
    }
    const struct addrinfo *chosen = res;
    if (res->ai_next != NULL) {
        for (const struct addrinfo *a = res; a != NULL; a = a->ai_next) {
            if (accepts(a)) {
                chosen = a;
                break;
            }
        }
    }
    memcpy(&e->addr, chosen->ai_addr, chosen->ai_addrlen);
    e->addrlen = chosen->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

static int worker_init(engine *e, worker *w, int index)
{
    w->e = e;
    w->index = index;
    w->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (w->epfd < 0 || stats_init(&w->st, e->nsteps) < 0)
        return -1;
    int threads = e->o.threads;
    if (e->o.model == LOAD_MODEL_OPEN) {
        w->max_vus = e->o.max_vus / threads + (index < e->o.max_vus % threads ? 1 : 0);
        return 0;
    }
    for (int g = index; g < e->o.vus; g += threads)
        if (!vu_new(w, g))
            return -1;
    return 0;
}

engine *engine_create(const load_options *o)
{
    engine *e = calloc(1, sizeof *e);
    if (!e) {
        fprintf(stderr, "rs-load: out of memory\n");
        return NULL;
    }
    e->o = *o;
    scenario_init(&e->o);
    scenario_step_names(&e->nsteps);
    snprintf(e->host, sizeof e->host, "%s:%s", o->host, o->port);
    if (resolve(e) < 0) {
        free(e);
        return NULL;
    }
    e->workers = calloc((size_t)o->threads, sizeof *e->workers);
    if (!e->workers) {
        free(e);
        fprintf(stderr, "rs-load: out of memory\n");
        return NULL;
    }
    for (int i = 0; i < o->threads; i++)
        e->workers[i].epfd = -1;
    for (int i = 0; i < o->threads; i++) {
        if (worker_init(e, &e->workers[i], i) < 0) {
            fprintf(stderr, "rs-load: cannot prepare thread %d: %s\n", i, strerror(errno));
            engine_free(e);
            return NULL;
        }
    }
    return e;
}

int engine_start(engine *e)
{
    e->t0 = now_us();
    e->end = e->t0 + (uint64_t)(options_total_duration(&e->o) * 1e6);
    for (int i = 0; i < e->o.threads; i++) {
        int rc = pthread_create(&e->workers[i].thread, NULL, worker_main, &e->workers[i]);
        if (rc != 0) {
            fprintf(stderr, "rs-load: cannot start a thread: %s\n", strerror(rc));
            engine_stop(e);
            return -1;
        }
        e->started++;
    }
    return 0;
}

void engine_stop(engine *e)
{
    atomic_store(&e->stop, 1);
}

void engine_live(engine *e, uint64_t *requests, uint64_t *errors, uint64_t *journeys, int64_t *active)
{
    *requests = *errors = *journeys = 0;
    *active = 0;
    for (int i = 0; i < e->o.threads; i++) {
        stats *s = &e->workers[i].st;
        *requests += atomic_load_explicit(&s->live_requests, memory_order_relaxed);
        *errors += atomic_load_explicit(&s->live_errors, memory_order_relaxed);
        *journeys += atomic_load_explicit(&s->live_journeys, memory_order_relaxed);
        *active += atomic_load_explicit(&s->live_active, memory_order_relaxed);
    }
}

double engine_elapsed(const engine *e)
{
    return (double)(now_us() - e->t0) / 1e6;
}

int engine_done(engine *e)
{
    for (int i = 0; i < e->started; i++)
        if (!atomic_load(&e->workers[i].done))
            return 0;
    return 1;
}

int engine_join(engine *e, stats *out, double *duration_s)
{
    int rc = 0;
    for (int i = 0; i < e->started; i++) {
        pthread_join(e->workers[i].thread, NULL);
        if (e->workers[i].out_of_memory)
            rc = -1;
    }
    uint64_t stopped = e->t0;
    for (int i = 0; i < e->started; i++)
        if (e->workers[i].stopped_at > stopped)
            stopped = e->workers[i].stopped_at;
    *duration_s = (double)((stopped < e->end ? stopped : e->end) - e->t0) / 1e6;
    for (int i = 0; i < e->o.threads; i++)
        if (stats_merge(out, &e->workers[i].st) < 0)
            rc = -1;
    return rc;
}

void engine_free(engine *e)
{
    if (!e)
        return;
    for (int i = 0; e->workers && i < e->o.threads; i++) {
        worker *w = &e->workers[i];
        for (int k = 0; k < w->nvus; k++)
            vu_free(w->vus[k]);
        free(w->vus);
        free(w->heap);
        if (w->epfd >= 0)
            close(w->epfd);
        stats_free(&w->st);
    }
    free(e->workers);
    free(e);
}
