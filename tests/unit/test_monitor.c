/*
 * test_monitor.c - unit tests for rs_monitor (src/common/rs_monitor.c):
 * its verdicts on a fake probe the test controls. A test never sleeps for
 * a time and then asserts: it waits until the probe has been called again
 * (the monitor's own clock decides when) and asserts the state that call
 * must have left.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <stdbool.h>
#include <time.h>

#include <cmocka.h>

#include "rs_monitor.h"
#include "rs_time.h"

#define GIVE_UP_S 30.0   /* only for a monitor that never probes again */

typedef struct fake_store {
    pthread_mutex_t lock;
    pthread_cond_t  probed;
    bool            answers;
    unsigned        calls;
    unsigned        hold_at;    /* that call waits for release (0: none) */
    bool            released;
} fake_store;

static bool probe(void *ctx)
{
    fake_store *f = ctx;
    pthread_mutex_lock(&f->lock);
    bool answers = f->answers;
    f->calls++;
    pthread_cond_broadcast(&f->probed);
    while (f->calls == f->hold_at && !f->released)
        pthread_cond_wait(&f->probed, &f->lock);
    pthread_mutex_unlock(&f->lock);
    return answers;
}

static void fake_init(fake_store *f, bool answers)
{
    pthread_mutex_init(&f->lock, NULL);
    pthread_cond_init(&f->probed, NULL);
    f->answers = answers;
    f->calls = 0;
    f->hold_at = 0;
    f->released = false;
}

static void release(fake_store *f)
{
    pthread_mutex_lock(&f->lock);
    f->released = true;
    pthread_cond_broadcast(&f->probed);
    pthread_mutex_unlock(&f->lock);
}

static void fake_destroy(fake_store *f)
{
    pthread_cond_destroy(&f->probed);
    pthread_mutex_destroy(&f->lock);
}

static unsigned calls(fake_store *f)
{
    pthread_mutex_lock(&f->lock);
    unsigned n = f->calls;
    pthread_mutex_unlock(&f->lock);
    return n;
}

static void wait_for_calls(fake_store *f, unsigned n)
{
    double give_up = rs_now() + GIVE_UP_S;
    pthread_mutex_lock(&f->lock);
    while (f->calls < n && rs_now() < give_up) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 1;
        pthread_cond_timedwait(&f->probed, &f->lock, &until);
    }
    unsigned got = f->calls;
    pthread_mutex_unlock(&f->lock);
    assert_true(got >= n);
}

/* Makes the store answer (or not) from the next probe on, and waits until
 * a probe that began after the change has been judged: the monitor
 * records a probe's verdict before it starts the next one. */
static void set_answers_and_settle(fake_store *f, bool answers)
{
    pthread_mutex_lock(&f->lock);
    f->answers = answers;
    unsigned now = f->calls;
    pthread_mutex_unlock(&f->lock);
    wait_for_calls(f, now + 2);
}

static void test_the_first_verdict_is_known_at_start(void **state)
{
    (void)state;
    fake_store up, down;
    fake_init(&up, true);
    fake_init(&down, false);
    rs_monitor *a = rs_monitor_start("up store", probe, &up);
    rs_monitor *b = rs_monitor_start("down store", probe, &down);
    assert_non_null(a);
    assert_non_null(b);
    assert_true(calls(&up) >= 1);
    assert_true(rs_monitor_up(a));
    assert_false(rs_monitor_up(b));
    assert_int_equal(rs_monitor_outages(a), 0);
    assert_int_equal(rs_monitor_outages(b), 0);   /* never up: no outage yet */
    rs_monitor_stop(a);
    rs_monitor_stop(b);
    fake_destroy(&up);
    fake_destroy(&down);
}

static void test_a_store_that_comes_back_is_seen_up(void **state)
{
    (void)state;
    fake_store f;
    fake_init(&f, false);
    rs_monitor *m = rs_monitor_start("store", probe, &f);
    assert_non_null(m);
    assert_false(rs_monitor_up(m));
    set_answers_and_settle(&f, true);
    assert_true(rs_monitor_up(m));
    assert_int_equal(rs_monitor_outages(m), 0);
    rs_monitor_stop(m);
    fake_destroy(&f);
}

static void test_each_outage_is_counted_once(void **state)
{
    (void)state;
    fake_store f;
    fake_init(&f, true);
    rs_monitor *m = rs_monitor_start("store", probe, &f);
    assert_non_null(m);
    set_answers_and_settle(&f, false);
    assert_false(rs_monitor_up(m));
    assert_int_equal(rs_monitor_outages(m), 1);
    wait_for_calls(&f, calls(&f) + 2);             /* still down: the same outage */
    assert_int_equal(rs_monitor_outages(m), 1);
    set_answers_and_settle(&f, true);
    assert_true(rs_monitor_up(m));
    set_answers_and_settle(&f, false);
    assert_false(rs_monitor_up(m));
    assert_int_equal(rs_monitor_outages(m), 2);
    rs_monitor_stop(m);
    fake_destroy(&f);
}

static void test_a_reported_failure_marks_down_at_once(void **state)
{
    (void)state;
    fake_store f;
    fake_init(&f, true);
    f.hold_at = 3;                  /* the thread's second probe waits for us */
    rs_monitor *m = rs_monitor_start("store", probe, &f);
    assert_non_null(m);
    wait_for_calls(&f, 3);          /* the verdict of the first is in, the thread is held */
    assert_true(rs_monitor_up(m));
    rs_monitor_report_failure(m);
    assert_false(rs_monitor_up(m));
    assert_int_equal(rs_monitor_outages(m), 1);
    release(&f);                    /* the held probe finds the store answering */
    wait_for_calls(&f, 4);
    assert_true(rs_monitor_up(m));
    assert_int_equal(rs_monitor_outages(m), 1);
    rs_monitor_stop(m);
    fake_destroy(&f);
}

static void test_a_stopped_monitor_probes_no_more(void **state)
{
    (void)state;
    fake_store f;
    fake_init(&f, false);                 /* down: a probe every 200 ms */
    rs_monitor *m = rs_monitor_start("store", probe, &f);
    assert_non_null(m);
    wait_for_calls(&f, 2);
    rs_monitor_stop(m);                   /* joins the thread */
    unsigned after = calls(&f);
    rs_sleep_ms(500);
    assert_int_equal(calls(&f), after);
    rs_monitor_stop(NULL);                /* nothing to stop */
    fake_destroy(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_first_verdict_is_known_at_start),
        cmocka_unit_test(test_a_store_that_comes_back_is_seen_up),
        cmocka_unit_test(test_each_outage_is_counted_once),
        cmocka_unit_test(test_a_reported_failure_marks_down_at_once),
        cmocka_unit_test(test_a_stopped_monitor_probes_no_more),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
