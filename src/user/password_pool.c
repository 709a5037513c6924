/*
 * password_pool.c - the password threads (see password_pool.h), a bounded
 * rs_workers pool of their own.
 */
#include "password_pool.h"

#include <stdlib.h>
#include <unistd.h>

#include "rs_config.h"
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

static void run_job(void *arg)
{
    job *j = arg;
    j->work(j->req, j->ctx);
    rs_req_finish(j->req);
    free(j);
}

int password_pool_init(void)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    if (cores < 1)
        cores = 1;
    unsigned threads = (unsigned)rs_config_int("HASH_THREADS", cores, 1, 256);
    unsigned queue = (unsigned)rs_config_int("HASH_QUEUE_MAX", 64, 1, 100000);
    refused_total = rs_counter("user_password_busy_total",
        "Logins and registrations refused 503 because the password queue was full.", NULL);
    pool = rs_workers_start_bounded(threads, queue, run_job);
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
