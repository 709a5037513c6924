/*
 * rs_loop.h - an event loop on one thread: epoll over sockets, a tick for
 * deadlines, and jobs handed in from other threads.
 *
 * Whatever is watched embeds an rs_watch and gets its events on the loop's
 * thread. Jobs posted from any thread run on the loop's thread, in order;
 * the job's memory belongs to the poster and must stay until it has run.
 * Tick hooks run about every RS_LOOP_TICK_MS, for deadlines that need no
 * exact timer (idle connections, slow requests, upstream timeouts).
 */
#ifndef RS_LOOP_H
#define RS_LOOP_H

#include <stdint.h>

#define RS_LOOP_TICK_MS 50

typedef struct rs_loop rs_loop;

typedef struct rs_watch rs_watch;
struct rs_watch {
    void (*on_event)(rs_watch *w, uint32_t events);   /* EPOLLIN, EPOLLOUT, ... */
};

typedef struct rs_loop_job rs_loop_job;
struct rs_loop_job {
    rs_loop_job *next;
    void       (*run)(rs_loop_job *job);
};

rs_loop *rs_loop_new(void);
/* Runs, on the calling thread, the jobs posted since the loop last ran. */
void     rs_loop_free(rs_loop *l);

/* 0, or -1 (errno set). The events are epoll's (EPOLLET and all). */
int  rs_loop_watch(rs_loop *l, int fd, uint32_t events, rs_watch *w);
void rs_loop_unwatch(rs_loop *l, int fd);

/* From any thread; the job runs soon on the loop's thread. */
void rs_loop_post(rs_loop *l, rs_loop_job *job);

/* On the loop's thread, once the events at hand are handled: for freeing
 * what a later event of the same batch may still name. */
void rs_loop_defer(rs_loop *l, rs_loop_job *job);

/* At most a few hooks per loop; -1 when there is no room. */
int  rs_loop_on_tick(rs_loop *l, void (*tick)(void *ctx, double now), void *ctx);

/* Called on the loop's thread as rs_loop_run ends (at most a few). */
int  rs_loop_on_exit(rs_loop *l, void (*at_exit)(void *ctx), void *ctx);

/* Runs on the calling thread until rs_loop_stop. */
void rs_loop_run(rs_loop *l);
/* From any thread, once: rs_loop_run returns after the jobs already posted. */
void rs_loop_stop(rs_loop *l);

/* The loop running on this thread, or NULL. */
rs_loop *rs_loop_current(void);
/* rs_now() as of the loop's last wake-up. */
double   rs_loop_now(const rs_loop *l);

#endif
