/*
 * password_pool.c - the password threads (see password_pool.h), a bounded
 * rs_workers pool of their own, named "password", each at the lowest CPU
 * priority unless HASH_LOW_PRIORITY=0.
 */
#define _GNU_SOURCE   /* SCHED_IDLE, pthread_setname_np */
#include "password_pool.h"

#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rs_config.h"
#include "rs_cpus.h"
#include "rs_log.h"
#include "rs_metrics.h"
#include "rs_workers.h"

typedef struct job {
    rs_request   *req;
    password_work work;
    void         *ctx;
} job;

static rs_workers *pool;
static rs_metric  *refused_total;
static bool        low_priority;

static void run_job(void *arg)
{
    job *j = arg;
    j->work(j->req, j->ctx);
    rs_req_finish(j->req);
    free(j);
}

/* On each password thread, before its first job: its name, and SCHED_IDLE,
 * under which the kernel runs it only when no other thread of normal
 * priority wants the core. */
static void start_thread(void)
{
    pthread_setname_np(pthread_self(), "password");
    if (!low_priority)
        return;
    struct sched_param none = {.sched_priority = 0};
    int rc = pthread_setschedparam(pthread_self(), SCHED_IDLE, &none);
    if (rc != 0)
        rs_log(RS_WARN, "a password thread keeps its CPU priority: %s", strerror(rc));
}

int password_pool_init(void)
{
    unsigned cores = rs_cpus();
    unsigned threads = (unsigned)rs_config_int("HASH_THREADS", cores, 1, 256);
    unsigned queue = (unsigned)rs_config_int("HASH_QUEUE_MAX", 64, 1, 100000);
    low_priority = rs_config_bool("HASH_LOW_PRIORITY", true);
    refused_total = rs_counter("user_password_busy_total",
        "Logins and registrations refused 503 because the password queue was full.", NULL);
    pool = rs_workers_start_with(threads, queue, run_job, start_thread);
    if (pool == NULL)
        rs_log(RS_ERROR, "cannot start %u password threads", threads);
    return pool != NULL ? 0 : -1;
}

int password_pool_run(rs_request *req, password_work work, void *ctx)
{
    job *j = malloc(sizeof *j);
    if (j == NULL)
        return -1;
    *j = (job){.req = req, .work = work, .ctx = ctx};
    if (rs_workers_submit(pool, j) != 0) {
        free(j);
        rs_counter_add(refused_total, NULL, 1);
        return -1;
    }
    return 0;
}

void password_pool_stop(void)
{
    rs_workers_stop(pool);
    pool = NULL;
}

void password_pool_reply_busy(rs_request *req)
{
    rs_reply_header(req, "Retry-After", "1");
    rs_reply_error(req, 503, "too many passwords being checked: try again shortly");
}
