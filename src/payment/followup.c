/*
 * followup.c - the history and cart steps after an order, retried until
 * done (see followup.h).
 */
#include "followup.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "peers.h"
#include "rs_cond.h"
#include "rs_log.h"
#include "rs_time.h"

#define FIRST_PAUSE_S 0.5
#define MAX_PAUSE_S   15.0
#define STEP_BUDGET_S 4.0       /* one retry of both steps, at most */
#define QUEUE_MAX     100000    /* steps waiting at most; beyond, logged */

typedef struct job {
    struct job *next;
    followup    f;
    double      due;            /* rs_now() */
    double      pause;
} job;

static struct {
    pthread_mutex_t lock;
    pthread_cond_t  wake;
    pthread_t       thread;
    bool            started;
    bool            stopping;
    job            *jobs;
    size_t          count;
} retry;

/* Tries what is left of f; true when nothing is left. */
static bool try_steps(followup *f, double deadline)
{
    if (f->record && peers_record_order(f->user, f->orderid, f->cart, deadline))
        f->record = false;
    if (f->empty_cart && peers_delete_cart(f->user, f->token, deadline))
        f->empty_cart = false;
    return !f->record && !f->empty_cart;
}

static void free_job(job *j)
{
    json_decref(j->f.cart);
    free(j);
}

static void enqueue(job *j)
{
    pthread_mutex_lock(&retry.lock);
    j->next = retry.jobs;
    retry.jobs = j;
    retry.count++;
    pthread_cond_signal(&retry.wake);
    pthread_mutex_unlock(&retry.lock);
}

static void log_left(const followup *f, const char *why)
{
    if (f->record)
        rs_log(RS_ERROR, "order %s stands but is not in the history of %s (%s)",
               f->orderid, f->user, why);
    if (f->empty_cart)
        rs_log(RS_ERROR, "order %s stands but cart %s was not emptied (%s)",
               f->orderid, f->user, why);
}

bool followup_run(const followup *f, double deadline)
{
    job *j = malloc(sizeof *j);
    if (j == NULL) {
        log_left(f, "out of memory");
        return false;
    }
    j->f = *f;
    json_incref(j->f.cart);
    if (try_steps(&j->f, deadline)) {
        free_job(j);
        return true;
    }
    pthread_mutex_lock(&retry.lock);
    bool room = retry.started && !retry.stopping && retry.count < QUEUE_MAX;
    pthread_mutex_unlock(&retry.lock);
    if (!room) {
        log_left(&j->f, "no room to try again");
        free_job(j);
        return false;
    }
    rs_log(RS_WARN, "order %s stands; its %s will be tried again", f->orderid,
           j->f.record && j->f.empty_cart ? "history and cart" : j->f.record ? "history" : "cart");
    j->pause = FIRST_PAUSE_S;
    j->due = rs_now() + j->pause;
    enqueue(j);
    return false;
}

/* Takes the first job that is due, or waits a little; NULL when none is. */
static job *take_due(void)
{
    double now = rs_now();
    job **p = &retry.jobs;
    for (; *p != NULL; p = &(*p)->next) {
        if ((*p)->due <= now) {
            job *j = *p;
            *p = j->next;
            retry.count--;
            return j;
        }
    }
    struct timespec until = rs_cond_deadline(100);
    pthread_cond_timedwait(&retry.wake, &retry.lock, &until);
    return NULL;
}

static void *retry_loop(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&retry.lock);
    while (!retry.stopping) {
        job *j = take_due();
        if (j == NULL)
            continue;
        pthread_mutex_unlock(&retry.lock);
        bool done = try_steps(&j->f, rs_now() + STEP_BUDGET_S);
        if (done) {
            rs_log(RS_INFO, "order %s: history and cart now done", j->f.orderid);
            free_job(j);
        } else {
            j->pause = j->pause * 2 < MAX_PAUSE_S ? j->pause * 2 : MAX_PAUSE_S;
            j->due = rs_now() + j->pause;
        }
        pthread_mutex_lock(&retry.lock);
        if (!done) {
            j->next = retry.jobs;
            retry.jobs = j;
            retry.count++;
        }
    }
    pthread_mutex_unlock(&retry.lock);
    return NULL;
}

int followup_start(void)
{
    pthread_mutex_init(&retry.lock, NULL);
    rs_cond_init(&retry.wake);
    if (pthread_create(&retry.thread, NULL, retry_loop, NULL) != 0)
        return -1;
    retry.started = true;
    return 0;
}

void followup_stop(void)
{
    if (!retry.started)
        return;
    pthread_mutex_lock(&retry.lock);
    retry.stopping = true;
    pthread_cond_signal(&retry.wake);
    pthread_mutex_unlock(&retry.lock);
    pthread_join(retry.thread, NULL);
    retry.started = false;
    while (retry.jobs != NULL) {
        job *j = retry.jobs;
        retry.jobs = j->next;
        log_left(&j->f, "stopped before it could be done");
        free_job(j);
    }
    retry.count = 0;
    pthread_cond_destroy(&retry.wake);
    pthread_mutex_destroy(&retry.lock);
}
