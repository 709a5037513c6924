/*
 * test_workers.c - unit tests for rs_workers (the handler thread pool):
 * every job runs exactly once, jobs queued beyond the idle workers run in
 * order, a blocked job holds only its own worker, stopping runs what
 * is still queued, a bounded pool refuses jobs past its queue limit, and
 * each thread runs its start function once, on itself, before any job.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <time.h>

#include <cmocka.h>

#include "rs_workers.h"

static atomic_int ran;

static void count_job(void *job)
{
    (void)job;
    atomic_fetch_add(&ran, 1);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void wait_for(atomic_int *counter, int value)
{
    for (int i = 0; i < 2000 && atomic_load(counter) < value; i++)
        sleep_ms(1);
}

static void test_every_job_runs_once(void **state)
{
    (void)state;
    atomic_store(&ran, 0);
    rs_workers *w = rs_workers_start(4, count_job);
    assert_non_null(w);
    for (int i = 0; i < 10000; i++)
        assert_int_equal(rs_workers_submit(w, &ran), 0);
    rs_workers_stop(w);
    assert_int_equal(atomic_load(&ran), 10000);
}

/* One worker, held by a gate: the jobs queued behind it run in order. */
static pthread_mutex_t gate = PTHREAD_MUTEX_INITIALIZER;
static int order[100];
static atomic_int norder;

static void ordered_job(void *job)
{
    pthread_mutex_lock(&gate);
    pthread_mutex_unlock(&gate);
    order[atomic_fetch_add(&norder, 1)] = (int)(intptr_t)job - 1;
}

static void test_queued_jobs_run_in_order(void **state)
{
    (void)state;
    atomic_store(&norder, 0);
    rs_workers *w = rs_workers_start(1, ordered_job);
    assert_non_null(w);
    pthread_mutex_lock(&gate);
    for (intptr_t i = 0; i < 100; i++)   /* more than the ring's first size */
        assert_int_equal(rs_workers_submit(w, (void *)(i + 1)), 0);
    sleep_ms(20);
    assert_true(rs_workers_queued(w) >= 99);
    pthread_mutex_unlock(&gate);
    rs_workers_stop(w);
    assert_int_equal(atomic_load(&norder), 100);
    for (int i = 0; i < 100; i++)
        assert_int_equal(order[i], i);
}

/* A job that blocks holds one worker; the others keep running jobs. */
static atomic_int blocked_release;
static atomic_int quick_done;

static void maybe_block_job(void *job)
{
    if (job == &blocked_release) {
        while (!atomic_load(&blocked_release))
            sleep_ms(1);
        return;
    }
    atomic_fetch_add(&quick_done, 1);
}

static void test_a_blocked_job_holds_one_worker(void **state)
{
    (void)state;
    atomic_store(&blocked_release, 0);
    atomic_store(&quick_done, 0);
    rs_workers *w = rs_workers_start(3, maybe_block_job);
    assert_non_null(w);
    assert_int_equal(rs_workers_submit(w, &blocked_release), 0);
    assert_int_equal(rs_workers_submit(w, &blocked_release), 0);
    for (int i = 0; i < 50; i++)
        assert_int_equal(rs_workers_submit(w, &quick_done), 0);
    wait_for(&quick_done, 50);
    assert_int_equal(atomic_load(&quick_done), 50);
    atomic_store(&blocked_release, 1);
    rs_workers_stop(w);
}

static void test_a_null_job_is_refused(void **state)
{
    (void)state;
    atomic_store(&ran, 0);
    rs_workers *w = rs_workers_start(2, count_job);
    assert_non_null(w);
    assert_int_equal(rs_workers_submit(w, NULL), -1);
    assert_int_equal(rs_workers_submit(w, &ran), 0);
    rs_workers_stop(w);
    assert_int_equal(atomic_load(&ran), 1);
}

/* A bounded pool: one job running, two waiting, the fourth refused at
 * once; once the queue drains, jobs are taken again. */
static void test_a_bounded_queue_refuses_when_full(void **state)
{
    (void)state;
    atomic_store(&blocked_release, 0);
    atomic_store(&quick_done, 0);
    rs_workers *w = rs_workers_start_bounded(1, 2, maybe_block_job);
    assert_non_null(w);
    assert_int_equal(rs_workers_submit(w, &blocked_release), 0);
    for (int i = 0; i < 100 && rs_workers_queued(w) > 0; i++)
        sleep_ms(1);   /* the worker has taken it */
    assert_int_equal(rs_workers_submit(w, &quick_done), 0);
    assert_int_equal(rs_workers_submit(w, &quick_done), 0);
    assert_int_equal(rs_workers_submit(w, &quick_done), -1);
    assert_int_equal(rs_workers_queued(w), 2);
    atomic_store(&blocked_release, 1);
    wait_for(&quick_done, 2);
    assert_int_equal(rs_workers_submit(w, &quick_done), 0);
    rs_workers_stop(w);
    assert_int_equal(atomic_load(&quick_done), 3);
}

/* Many threads submitting at once, as the I/O threads do. */
static rs_workers *shared_pool;

/* The start function marks its thread; every job checks that its thread
 * was marked, and the function ran once per thread. */
static atomic_int started;
static _Thread_local int marked;
static atomic_int unmarked_jobs;

static void mark_thread(void)
{
    marked++;
    atomic_fetch_add(&started, 1);
}

static void check_marked_job(void *job)
{
    (void)job;
    if (marked != 1)
        atomic_fetch_add(&unmarked_jobs, 1);
    atomic_fetch_add(&ran, 1);
}

static void test_each_thread_runs_its_start_function_first(void **state)
{
    (void)state;
    atomic_store(&ran, 0);
    atomic_store(&started, 0);
    atomic_store(&unmarked_jobs, 0);
    rs_workers *w = rs_workers_start_with(3, 0, check_marked_job, mark_thread);
    assert_non_null(w);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(rs_workers_submit(w, &ran), 0);
    rs_workers_stop(w);
    assert_int_equal(atomic_load(&ran), 1000);
    assert_int_equal(atomic_load(&started), 3);
    assert_int_equal(atomic_load(&unmarked_jobs), 0);
}

static void *submit_many(void *arg)
{
    (void)arg;
    for (int i = 0; i < 5000; i++)
        if (rs_workers_submit(shared_pool, &ran) != 0)
            return (void *)1;
    return NULL;
}

static void test_concurrent_submitters(void **state)
{
    (void)state;
    atomic_store(&ran, 0);
    shared_pool = rs_workers_start(8, count_job);
    assert_non_null(shared_pool);
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, submit_many, NULL), 0);
    for (int i = 0; i < 4; i++) {
        void *failed;
        pthread_join(t[i], &failed);
        assert_null(failed);
    }
    rs_workers_stop(shared_pool);
    assert_int_equal(atomic_load(&ran), 20000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_job_runs_once),
        cmocka_unit_test(test_queued_jobs_run_in_order),
        cmocka_unit_test(test_a_blocked_job_holds_one_worker),
        cmocka_unit_test(test_a_null_job_is_refused),
        cmocka_unit_test(test_a_bounded_queue_refuses_when_full),
        cmocka_unit_test(test_concurrent_submitters),
        cmocka_unit_test(test_each_thread_runs_its_start_function_first),
    };
    return cmocka_run_group_tests_name("workers", tests, NULL, NULL);
}
