/*
 * rs_workers.h - a fixed pool of threads that run queued jobs in order.
 *
 * The HTTP server hands every matched request to this pool, so that a
 * handler blocked on a datastore or a peer holds one worker and never the
 * connections of others. Jobs are run first in, first out; stopping lets
 * the queued jobs finish before the threads are joined.
 */
#ifndef RS_WORKERS_H
#define RS_WORKERS_H

typedef struct rs_workers rs_workers;
typedef void (*rs_job_fn)(void *job);

/* n threads, each calling run(job) for the jobs submitted. NULL on failure. */
rs_workers *rs_workers_start(unsigned n, rs_job_fn run);
/* The same, with at most max_queued jobs waiting for a worker (0: no
 * limit): past it, rs_workers_submit refuses at once. */
rs_workers *rs_workers_start_bounded(unsigned n, unsigned max_queued, rs_job_fn run);
/* The same, each thread calling at_start() once before its first job (to
 * set what a thread sets for itself, as its CPU priority). */
rs_workers *rs_workers_start_with(unsigned n, unsigned max_queued, rs_job_fn run,
                                  void (*at_start)(void));
/* Queues a job (not NULL); -1 when it is NULL, the queue is full, out of
 * memory or stopping (the job is then not run). */
int         rs_workers_submit(rs_workers *w, void *job);
/* Jobs queued and not yet taken by a worker. */
unsigned    rs_workers_queued(rs_workers *w);
/* Runs what is queued, then joins the threads and frees the pool. */
void        rs_workers_stop(rs_workers *w);

#endif
