/*
 * rs_workers.c - the job pool (see rs_workers.h).
 *
 * A job goes straight to an idle worker when there is one: idle workers
 * wait on their own semaphore in a stack, and the most recently idle one
 * is woken first, so that a light load keeps few threads busy and their
 * caches warm, and no wake-up is wasted on a thread that finds nothing to
 * do. When every worker is busy the job waits in a FIFO ring, which busy
 * workers drain before they go idle; a bounded pool refuses a job when
 * that ring already holds its limit. The lock is held only to move a
 * pointer, never while a job runs.
 */
#define _GNU_SOURCE   /* pthread_setname_np */
#include "rs_workers.h"

#include <pthread.h>
#include <semaphore.h>
#include <stdbool.h>
#include <stdlib.h>

typedef struct worker {
    struct rs_workers *pool;
    pthread_t          thread;
    sem_t              wake;
    void              *job;         /* handed over while idle; NULL: stop */
    struct worker     *next_idle;
} worker;

struct rs_workers {
    pthread_mutex_t lock;
    worker         *idle;           /* stack of waiting workers */
    void          **ring;           /* jobs waiting for a worker */
    unsigned        cap, head, count;
    unsigned        max_queued;     /* 0: no limit */
    bool            stopping;
    rs_job_fn       run;
    void          (*at_start)(void);
    worker         *workers;
    unsigned        nworkers;
};

/* Takes the oldest waiting job, or parks the worker; returns the next job
 * to run, or NULL when the pool stops. */
static void *next_job(worker *self)
{
    rs_workers *w = self->pool;
    pthread_mutex_lock(&w->lock);
    if (w->count > 0) {
        void *job = w->ring[w->head];
        w->head = (w->head + 1) % w->cap;
        w->count--;
        pthread_mutex_unlock(&w->lock);
        return job;
    }
    if (w->stopping) {
        pthread_mutex_unlock(&w->lock);
        return NULL;
    }
    self->job = NULL;
    self->next_idle = w->idle;
    w->idle = self;
    pthread_mutex_unlock(&w->lock);
    while (sem_wait(&self->wake) != 0)
        ;   /* interrupted: wait again */
    return self->job;
}

static void *work(void *arg)
{
    worker *self = arg;
    void *job;
    pthread_setname_np(pthread_self(), "rs-worker");   /* as top and /proc show it */
    if (self->pool->at_start != NULL)
        self->pool->at_start();
    while ((job = next_job(self)) != NULL)
        self->pool->run(job);
    return NULL;
}

rs_workers *rs_workers_start(unsigned n, rs_job_fn run)
{
    return rs_workers_start_bounded(n, 0, run);
}

rs_workers *rs_workers_start_bounded(unsigned n, unsigned max_queued, rs_job_fn run)
{
    return rs_workers_start_with(n, max_queued, run, NULL);
}

rs_workers *rs_workers_start_with(unsigned n, unsigned max_queued, rs_job_fn run,
                                  void (*at_start)(void))
{
    rs_workers *w = calloc(1, sizeof *w);
    if (w == NULL)
        return NULL;
    w->max_queued = max_queued;
    w->cap = 64;
    w->ring = malloc(w->cap * sizeof *w->ring);
    w->workers = calloc(n, sizeof *w->workers);
    w->run = run;
    w->at_start = at_start;
    if (w->ring == NULL || w->workers == NULL) {
        free(w->ring);
        free(w->workers);
        free(w);
        return NULL;
    }
    pthread_mutex_init(&w->lock, NULL);
    for (; w->nworkers < n; w->nworkers++) {
        worker *k = &w->workers[w->nworkers];
        k->pool = w;
        sem_init(&k->wake, 0, 0);
        if (pthread_create(&k->thread, NULL, work, k) != 0) {
            sem_destroy(&k->wake);
            break;
        }
    }
    if (w->nworkers < n) {
        rs_workers_stop(w);
        return NULL;
    }
    return w;
}

/* Doubles the ring, keeping the jobs in order. Called with the lock held. */
static int grow(rs_workers *w)
{
    unsigned cap = w->cap * 2;
    void **ring = malloc(cap * sizeof *ring);
    if (ring == NULL)
        return -1;
    for (unsigned i = 0; i < w->count; i++)
        ring[i] = w->ring[(w->head + i) % w->cap];
    free(w->ring);
    w->ring = ring;
    w->cap = cap;
    w->head = 0;
    return 0;
}

int rs_workers_submit(rs_workers *w, void *job)
{
    if (job == NULL)
        return -1;   /* NULL is how an idle worker is told to stop */
    pthread_mutex_lock(&w->lock);
    if (w->stopping) {
        pthread_mutex_unlock(&w->lock);
        return -1;
    }
    worker *k = w->idle;
    if (k != NULL) {
        w->idle = k->next_idle;
        k->job = job;
        pthread_mutex_unlock(&w->lock);
        sem_post(&k->wake);
        return 0;
    }
    if ((w->max_queued > 0 && w->count >= w->max_queued) ||
        (w->count == w->cap && grow(w) != 0)) {
        pthread_mutex_unlock(&w->lock);
        return -1;
    }
    w->ring[(w->head + w->count) % w->cap] = job;
    w->count++;
    pthread_mutex_unlock(&w->lock);
    return 0;
}

unsigned rs_workers_queued(rs_workers *w)
{
    pthread_mutex_lock(&w->lock);
    unsigned n = w->count;
    pthread_mutex_unlock(&w->lock);
    return n;
}

void rs_workers_stop(rs_workers *w)
{
    if (w == NULL)
        return;
    pthread_mutex_lock(&w->lock);
    w->stopping = true;
    while (w->idle != NULL) {   /* busy ones stop once the ring is empty */
        worker *k = w->idle;
        w->idle = k->next_idle;
        k->job = NULL;
        sem_post(&k->wake);
    }
    pthread_mutex_unlock(&w->lock);
    for (unsigned i = 0; i < w->nworkers; i++) {
        pthread_join(w->workers[i].thread, NULL);
        sem_destroy(&w->workers[i].wake);
    }
    pthread_mutex_destroy(&w->lock);
    free(w->ring);
    free(w->workers);
    free(w);
}
