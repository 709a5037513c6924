/*
 * rs_client_async.c - peer calls without a waiting thread (see rs_client.h).
 *
 * One event-loop thread, started with the first call, runs libcurl's multi
 * interface over epoll: curl tells which sockets to watch (on_socket) and
 * when to wake it (on_timer); the loop tells curl what happened. Callers on
 * other threads queue their calls and wake the loop through an eventfd; the
 * multi handle keeps the connections to peers alive between calls.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "rs_client_shared.h"
#include "rs_log.h"
#include "rs_service.h"

#define MAX_EVENTS 64
#define IDLE_HANDLES 64          /* easy handles kept for the next calls */
/* Connections to one peer address at most: calls beyond wait in curl's
 * queue for a free one, so a thousand clients of the gateway do not become
 * a thousand connections (and their buffers) on each side of every hop. */
#define MAX_PER_PEER 64
#define MAX_CONNECTIONS 512      /* kept-alive connections to all peers */
#define READ_BUFFER 4096L

typedef struct call {
    struct call        *next;    /* in the queue, then among the active */
    struct call        *prev;    /* among the active */
    CURL               *easy;    /* while active */
    rs_client_request   rq;      /* url and method point into this call */
    char               *url;
    char                method[16];
    struct curl_slist  *headers;
    rs_client_response  response;
    double              started;
    rs_client_done      done;
    void               *arg;
} call;

static struct {
    pthread_once_t  once;
    atomic_bool     running;
    pthread_t       thread;
    int             epfd, wakefd;
    CURLM          *multi;
    int64_t         deadline_ms;   /* curl's timer; -1 when none */
    pthread_mutex_t lock;
    call           *queue;         /* calls waiting to be added, newest first */
    call           *active;        /* calls curl is working on (loop thread) */
    CURL           *idle[IDLE_HANDLES];
    int             nidle;
    atomic_bool     stopping;
} loop = {.once = PTHREAD_ONCE_INIT, .epfd = -1, .wakefd = -1, .deadline_ms = -1,
          .lock = PTHREAD_MUTEX_INITIALIZER};

static char registered;   /* curl_multi_assign marker: the socket is in epoll */

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int on_socket(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
    (void)easy;
    (void)userp;
    if (what == CURL_POLL_REMOVE) {
        epoll_ctl(loop.epfd, EPOLL_CTL_DEL, s, NULL);
        curl_multi_assign(loop.multi, s, NULL);
        return 0;
    }
    struct epoll_event ev = {
        .events = ((what & CURL_POLL_IN) ? EPOLLIN : 0u) | ((what & CURL_POLL_OUT) ? EPOLLOUT : 0u),
        .data.fd = s,
    };
    if (socketp != NULL && epoll_ctl(loop.epfd, EPOLL_CTL_MOD, s, &ev) == 0)
        return 0;
    if (epoll_ctl(loop.epfd, EPOLL_CTL_ADD, s, &ev) != 0 &&
        (errno != EEXIST || epoll_ctl(loop.epfd, EPOLL_CTL_MOD, s, &ev) != 0)) {
        rs_log(RS_ERROR, "client loop: cannot watch socket %d: %s", s, strerror(errno));
        return -1;
    }
    curl_multi_assign(loop.multi, s, &registered);
    return 0;
}

static int on_timer(CURLM *multi, long timeout_ms, void *userp)
{
    (void)multi;
    (void)userp;
    loop.deadline_ms = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
    return 0;
}

static void free_call(call *c)
{
    curl_slist_free_all(c->headers);
    rs_buf_free(&c->response.body);
    free(c->url);
    free(c);
}

static void release_handle(CURL *h)
{
    if (loop.nidle < IDLE_HANDLES) {
        curl_easy_reset(h);
        loop.idle[loop.nidle++] = h;
    } else {
        curl_easy_cleanup(h);
    }
}

static void add_active(call *c, CURL *h)
{
    c->easy = h;
    c->prev = NULL;
    c->next = loop.active;
    if (loop.active != NULL)
        loop.active->prev = c;
    loop.active = c;
}

static void remove_active(call *c)
{
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        loop.active = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    c->easy = NULL;
}

/* Ends a call: its answer (or failure) goes to its caller. */
static void finish(call *c, rs_client_result result)
{
    rs_client_observe(&c->rq, result, c->response.status, c->started);
    c->done(c->arg, result, &c->response);
    free_call(c);
}

static void start_call(call *c)
{
    CURL *h = loop.nidle > 0 ? loop.idle[--loop.nidle] : curl_easy_init();
    if (h == NULL) {
        finish(c, RS_CLIENT_ERROR);
        return;
    }
    rs_client_set_options(h, &c->rq, c->headers, &c->response.body);
    /* Answers between services are small; a thousand calls in flight with
     * curl's default 16 KiB read buffer each would hold 16 MiB. */
    curl_easy_setopt(h, CURLOPT_BUFFERSIZE, READ_BUFFER);
    curl_easy_setopt(h, CURLOPT_PRIVATE, c);
    if (curl_multi_add_handle(loop.multi, h) != CURLM_OK) {
        release_handle(h);
        finish(c, RS_CLIENT_ERROR);
        return;
    }
    add_active(c, h);
}

/* Adds the calls queued by other threads, oldest first. */
static void take_queued_calls(void)
{
    uint64_t n;
    if (read(loop.wakefd, &n, sizeof n) < 0 && errno != EAGAIN)
        rs_log(RS_WARN, "client loop: eventfd: %s", strerror(errno));
    pthread_mutex_lock(&loop.lock);
    call *list = loop.queue;
    loop.queue = NULL;
    pthread_mutex_unlock(&loop.lock);
    call *oldest_first = NULL;
    while (list != NULL) {
        call *next = list->next;
        list->next = oldest_first;
        oldest_first = list;
        list = next;
    }
    while (oldest_first != NULL) {
        call *next = oldest_first->next;
        start_call(oldest_first);
        oldest_first = next;
    }
}

static call *call_of(CURL *h)
{
    char *c = NULL;
    curl_easy_getinfo(h, CURLINFO_PRIVATE, &c);
    return (call *)(void *)c;
}

static void finish_done_calls(void)
{
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(loop.multi, &left)) != NULL) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        CURL *h = msg->easy_handle;
        CURLcode rc = msg->data.result;
        call *c = call_of(h);
        rs_client_result result = rs_client_classify(rc);
        if (result == RS_CLIENT_OK) {
            const char *type = NULL;
            curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &c->response.status);
            curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &type);
            snprintf(c->response.content_type, sizeof c->response.content_type, "%s", type ? type : "");
        } else {
            rs_log(RS_WARN, "%s %s: %s", c->rq.method, c->rq.url, curl_easy_strerror(rc));
        }
        curl_multi_remove_handle(loop.multi, h);
        release_handle(h);
        remove_active(c);
        finish(c, result);
    }
}

static void *run_loop(void *unused)
{
    (void)unused;
    struct epoll_event events[MAX_EVENTS];
    int running;
    while (!atomic_load(&loop.stopping)) {
        int wait = -1;
        if (loop.deadline_ms >= 0) {
            int64_t left = loop.deadline_ms - now_ms();
            wait = left > 0 ? (int)left : 0;
        }
        int n = epoll_wait(loop.epfd, events, MAX_EVENTS, wait);
        for (int i = 0; i < n; i++) {
            if (events[i].data.fd == loop.wakefd) {
                take_queued_calls();
                continue;
            }
            int flags = ((events[i].events & EPOLLIN) ? CURL_CSELECT_IN : 0) |
                        ((events[i].events & EPOLLOUT) ? CURL_CSELECT_OUT : 0) |
                        ((events[i].events & (EPOLLERR | EPOLLHUP)) ? CURL_CSELECT_ERR : 0);
            curl_multi_socket_action(loop.multi, events[i].data.fd, flags, &running);
        }
        if (loop.deadline_ms >= 0 && now_ms() >= loop.deadline_ms) {
            loop.deadline_ms = -1;
            curl_multi_socket_action(loop.multi, CURL_SOCKET_TIMEOUT, 0, &running);
        }
        finish_done_calls();
    }
    return NULL;
}

static void close_loop_resources(void)
{
    if (loop.multi != NULL)
        curl_multi_cleanup(loop.multi);
    if (loop.epfd >= 0)
        close(loop.epfd);
    if (loop.wakefd >= 0)
        close(loop.wakefd);
    loop.multi = NULL;
    loop.epfd = loop.wakefd = -1;
}

/* Runs once; when it fails, every asynchronous call is refused (the
 * process cannot make threads or descriptors, and says so in its log). */
static void start_loop(void)
{
    loop.multi = curl_multi_init();
    loop.epfd = epoll_create1(EPOLL_CLOEXEC);
    loop.wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (loop.multi == NULL || loop.epfd < 0 || loop.wakefd < 0) {
        rs_log(RS_ERROR, "client loop: cannot start: %s", strerror(errno));
        close_loop_resources();
        return;
    }
    curl_multi_setopt(loop.multi, CURLMOPT_SOCKETFUNCTION, on_socket);
    curl_multi_setopt(loop.multi, CURLMOPT_TIMERFUNCTION, on_timer);
    curl_multi_setopt(loop.multi, CURLMOPT_MAXCONNECTS, (long)MAX_CONNECTIONS);
    curl_multi_setopt(loop.multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)MAX_PER_PEER);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = loop.wakefd};
    if (epoll_ctl(loop.epfd, EPOLL_CTL_ADD, loop.wakefd, &ev) != 0) {
        rs_log(RS_ERROR, "client loop: cannot start: %s", strerror(errno));
        close_loop_resources();
        return;
    }
    int rc = pthread_create(&loop.thread, NULL, run_loop, NULL);
    if (rc != 0) {
        rs_log(RS_ERROR, "client loop: cannot start its thread: %s", strerror(rc));
        close_loop_resources();
        return;
    }
    atomic_store(&loop.running, true);
}

static void wake_loop(void)
{
    uint64_t one = 1;
    if (write(loop.wakefd, &one, sizeof one) < 0 && errno != EAGAIN)
        rs_log(RS_ERROR, "client loop: eventfd: %s", strerror(errno));
}

int rs_client_call_async(const rs_client_request *rq, rs_client_done done, void *arg)
{
    pthread_once(&loop.once, start_loop);
    if (!atomic_load(&loop.running) || strlen(rq->method) >= sizeof ((call *)0)->method)
        return -1;
    call *c = calloc(1, sizeof *c);
    if (c == NULL)
        return -1;
    c->rq = *rq;
    c->url = strdup(rq->url);
    c->headers = rs_client_headers(rq);
    if (c->url == NULL || c->headers == NULL) {
        free_call(c);
        return -1;
    }
    strcpy(c->method, rq->method);
    c->rq.url = c->url;
    c->rq.method = c->method;
    c->rq.headers = NULL;
    c->rq.nheaders = 0;
    c->rq.content_type = NULL;
    c->rq.traceparent = NULL;
    c->response.body = (rs_buf)RS_BUF_INIT;
    c->started = rs_now();
    c->done = done;
    c->arg = arg;

    pthread_mutex_lock(&loop.lock);
    if (atomic_load(&loop.stopping)) {
        pthread_mutex_unlock(&loop.lock);
        free_call(c);
        return -1;
    }
    bool was_empty = loop.queue == NULL;
    c->next = loop.queue;
    loop.queue = c;
    if (was_empty)
        wake_loop();
    pthread_mutex_unlock(&loop.lock);
    return 0;
}

/* Calls still queued or in flight when the loop stops end as errors, so
 * every caller hears back once. */
static void fail_pending_calls(void)
{
    pthread_mutex_lock(&loop.lock);
    call *list = loop.queue;
    loop.queue = NULL;
    pthread_mutex_unlock(&loop.lock);
    while (list != NULL) {
        call *next = list->next;
        finish(list, RS_CLIENT_ERROR);
        list = next;
    }
    while (loop.active != NULL) {
        call *c = loop.active;
        CURL *h = c->easy;
        remove_active(c);
        curl_multi_remove_handle(loop.multi, h);
        curl_easy_cleanup(h);
        finish(c, RS_CLIENT_ERROR);
    }
}

void rs_client_async_stop(void)
{
    if (!atomic_load(&loop.running))
        return;
    pthread_mutex_lock(&loop.lock);
    atomic_store(&loop.stopping, true);
    wake_loop();
    pthread_mutex_unlock(&loop.lock);
    pthread_join(loop.thread, NULL);
    atomic_store(&loop.running, false);
    fail_pending_calls();
    for (int i = 0; i < loop.nidle; i++)
        curl_easy_cleanup(loop.idle[i]);
    loop.nidle = 0;
    close_loop_resources();
}
