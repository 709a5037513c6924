/*
 * slow_down.c - the held answers (see slow_down.h).
 *
 * Each event loop keeps its own queue of held requests, in the order they
 * were held, which is the order they are due (the hold is the same for
 * all); the loop's tick hands back those whose time has come, and the
 * loop's end hands back the rest.
 */
#include "slow_down.h"

#include <stdbool.h>
#include <stdlib.h>

#include "rs_config.h"
#include "rs_log.h"
#include "rs_loop.h"

typedef struct held {
    struct held *next;
    rs_request  *req;
    double       due;
} held;

typedef struct hold_queue {
    held *head, *tail;
    bool  ticking;      /* its tick hook is in place */
} hold_queue;

static double hold_s;
static _Thread_local hold_queue *this_queue;

void slow_down_init(void)
{
    hold_s = (double)rs_config_int("GATEWAY_SLOW_DOWN_MS", 1000, 0, 10000) / 1000.0;
}

static void release_due(void *ctx, double now)
{
    hold_queue *q = ctx;
    while (q->head != NULL && q->head->due <= now) {
        held *h = q->head;
        q->head = h->next;
        if (q->head == NULL)
            q->tail = NULL;
        rs_req_finish(h->req);
        free(h);
    }
}

static void release_all(void *ctx)
{
    hold_queue *q = ctx;
    release_due(q, 1e300);
    free(q);
    this_queue = NULL;
}

/* This loop's queue, made on first use; NULL off a loop, out of memory,
 * or when the loop had no room for its tick. */
static hold_queue *current_queue(void)
{
    if (this_queue != NULL)
        return this_queue->ticking ? this_queue : NULL;
    rs_loop *loop = rs_loop_current();
    hold_queue *q = loop != NULL ? calloc(1, sizeof *q) : NULL;
    if (q == NULL)
        return NULL;
    if (rs_loop_on_exit(loop, release_all, q) != 0) {
        free(q);
        return NULL;
    }
    this_queue = q;   /* freed as the loop ends */
    q->ticking = rs_loop_on_tick(loop, release_due, q) == 0;
    if (!q->ticking)
        rs_log(RS_WARN, "no room for a tick: answers are not held on this loop");
    return q->ticking ? q : NULL;
}

bool slow_down_wanted(int status, bool retry_after)
{
    return status == 429 || (status == 503 && retry_after);
}

void slow_down_finish(rs_request *req, bool hold)
{
    hold_queue *q = hold && hold_s > 0 ? current_queue() : NULL;
    held *h = q != NULL ? malloc(sizeof *h) : NULL;
    if (h == NULL) {
        rs_req_finish(req);
        return;
    }
    rs_req_stop_clock(req);   /* the hold is not the shop's latency */
    *h = (held){.req = req, .due = rs_loop_now(rs_loop_current()) + hold_s};
    if (q->tail != NULL)
        q->tail->next = h;
    else
        q->head = h;
    q->tail = h;
}
