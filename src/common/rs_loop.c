/*
 * rs_loop.c - an event loop on one thread (see rs_loop.h).
 *
 * epoll_wait sleeps until a socket is ready, a job is posted (an eventfd
 * wakes the loop, written only when the queue was empty) or the next tick
 * is due.
 */
#include "rs_loop.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "rs_log.h"
#include "rs_time.h"

#define MAX_EVENTS 128
#define MAX_TICK_HOOKS 4

typedef struct tick_hook {
    void (*tick)(void *ctx, double now);
    void (*exit)(void *ctx);
    void  *ctx;
} tick_hook;

struct rs_loop {
    int             epfd;
    int             wakefd;
    rs_watch        wake_watch;
    pthread_mutex_t lock;
    rs_loop_job    *posted;        /* newest first */
    rs_loop_job    *deferred;      /* this thread's only */
    atomic_bool     stopping;
    rs_loop_job     stop_job;
    double          now;
    double          next_tick;
    tick_hook       hooks[MAX_TICK_HOOKS];
    int             nhooks;
    tick_hook       exits[MAX_TICK_HOOKS];
    int             nexits;
};

static _Thread_local rs_loop *current;

rs_loop *rs_loop_current(void)
{
    return current;
}

double rs_loop_now(const rs_loop *l)
{
    return l->now;
}

static void on_wake(rs_watch *w, uint32_t events);

rs_loop *rs_loop_new(void)
{
    rs_loop *l = calloc(1, sizeof *l);
    if (l == NULL)
        return NULL;
    l->epfd = epoll_create1(EPOLL_CLOEXEC);
    l->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    l->wake_watch.on_event = on_wake;
    pthread_mutex_init(&l->lock, NULL);
    atomic_init(&l->stopping, false);
    if (l->epfd < 0 || l->wakefd < 0 ||
        rs_loop_watch(l, l->wakefd, EPOLLIN, &l->wake_watch) != 0) {
        rs_log(RS_ERROR, "event loop: cannot start: %s", strerror(errno));
        rs_loop_free(l);
        return NULL;
    }
    return l;
}

static void run_deferred(rs_loop *l)
{
    while (l->deferred != NULL) {
        rs_loop_job *job = l->deferred;
        l->deferred = job->next;
        job->run(job);
    }
}

void rs_loop_defer(rs_loop *l, rs_loop_job *job)
{
    job->next = l->deferred;
    l->deferred = job;
}

static void run_posted(rs_loop *l);

void rs_loop_free(rs_loop *l)
{
    if (l == NULL)
        return;
    run_posted(l);   /* posted after the loop's last turn */
    run_deferred(l);
    if (l->epfd >= 0)
        close(l->epfd);
    if (l->wakefd >= 0)
        close(l->wakefd);
    pthread_mutex_destroy(&l->lock);
    free(l);
}

int rs_loop_watch(rs_loop *l, int fd, uint32_t events, rs_watch *w)
{
    struct epoll_event ev = {.events = events, .data.ptr = w};
    return epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev);
}

void rs_loop_unwatch(rs_loop *l, int fd)
{
    epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
}

void rs_loop_post(rs_loop *l, rs_loop_job *job)
{
    pthread_mutex_lock(&l->lock);
    bool was_empty = l->posted == NULL;
    job->next = l->posted;
    l->posted = job;
    pthread_mutex_unlock(&l->lock);
    uint64_t one = 1;
    if (was_empty && write(l->wakefd, &one, sizeof one) < 0 && errno != EAGAIN)
        rs_log(RS_ERROR, "event loop: eventfd: %s", strerror(errno));
}

int rs_loop_on_tick(rs_loop *l, void (*tick)(void *ctx, double now), void *ctx)
{
    if (l->nhooks == MAX_TICK_HOOKS)
        return -1;
    l->hooks[l->nhooks++] = (tick_hook){tick, NULL, ctx};
    return 0;
}

int rs_loop_on_exit(rs_loop *l, void (*at_exit)(void *ctx), void *ctx)
{
    if (l->nexits == MAX_TICK_HOOKS)
        return -1;
    l->exits[l->nexits].tick = NULL;
    l->exits[l->nexits].exit = at_exit;
    l->exits[l->nexits++].ctx = ctx;
    return 0;
}

/* Runs the posted jobs, oldest first. */
static void run_posted(rs_loop *l)
{
    pthread_mutex_lock(&l->lock);
    rs_loop_job *list = l->posted;
    l->posted = NULL;
    pthread_mutex_unlock(&l->lock);
    rs_loop_job *oldest_first = NULL;
    while (list != NULL) {
        rs_loop_job *next = list->next;
        list->next = oldest_first;
        oldest_first = list;
        list = next;
    }
    while (oldest_first != NULL) {
        rs_loop_job *next = oldest_first->next;
        oldest_first->run(oldest_first);
        oldest_first = next;
    }
}

static void on_wake(rs_watch *w, uint32_t events)
{
    (void)events;
    rs_loop *l = (rs_loop *)((char *)w - offsetof(rs_loop, wake_watch));
    uint64_t n;
    if (read(l->wakefd, &n, sizeof n) < 0 && errno != EAGAIN)
        rs_log(RS_WARN, "event loop: eventfd: %s", strerror(errno));
    run_posted(l);
}

static void run_ticks(rs_loop *l)
{
    if (l->now < l->next_tick)
        return;
    l->next_tick = l->now + RS_LOOP_TICK_MS / 1000.0;
    for (int i = 0; i < l->nhooks; i++)
        l->hooks[i].tick(l->hooks[i].ctx, l->now);
}

void rs_loop_run(rs_loop *l)
{
    struct epoll_event events[MAX_EVENTS];
    current = l;
    l->now = rs_now();
    l->next_tick = l->now + RS_LOOP_TICK_MS / 1000.0;
    while (!atomic_load(&l->stopping)) {
        int wait = (int)((l->next_tick - l->now) * 1000.0) + 1;
        int n = epoll_wait(l->epfd, events, MAX_EVENTS, wait > 0 ? wait : 0);
        l->now = rs_now();
        if (n < 0 && errno != EINTR) {
            rs_log(RS_ERROR, "event loop: epoll_wait: %s", strerror(errno));
            break;
        }
        for (int i = 0; i < n; i++) {
            rs_watch *w = events[i].data.ptr;
            w->on_event(w, events[i].events);
        }
        run_ticks(l);
        run_deferred(l);
    }
    run_posted(l);
    run_deferred(l);
    for (int i = 0; i < l->nexits; i++)
        l->exits[i].exit(l->exits[i].ctx);
    run_deferred(l);
    current = NULL;
}

static void stop_job(rs_loop_job *job)
{
    rs_loop *l = (rs_loop *)((char *)job - offsetof(rs_loop, stop_job));
    atomic_store(&l->stopping, true);
}

void rs_loop_stop(rs_loop *l)
{
    l->stop_job.run = stop_job;
    rs_loop_post(l, &l->stop_job);
}
