/*
 * test_span_queue.c - unit tests for rs_span_queue: spans come out in the
 * order they went in, a full queue drops and counts (and refuses to admit
 * a span before it is built), lent spans are not
 * overwritten, a take at the ring's end is cut short, a take waits for a
 * batch or its timeout, and close ends a wait.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <pthread.h>
#include <time.h>

#include <cmocka.h>

#include "rs_span_queue.h"

static rs_span numbered(int n)
{
    rs_span s;
    memset(&s, 0, sizeof s);
    snprintf(s.name, sizeof s.name, "span %d", n);
    s.start_ns = (uint64_t)n;
    return s;
}

static double seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_in_order(void **state)
{
    (void)state;
    rs_span_queue *q = rs_span_queue_new(8, 8);
    assert_non_null(q);
    for (int i = 0; i < 5; i++) {
        rs_span s = numbered(i);
        assert_true(rs_span_queue_push(q, &s));
    }
    assert_int_equal(rs_span_queue_length(q), 5);
    const rs_span *spans;
    size_t n = rs_span_queue_take(q, 3, 0, &spans);
    assert_int_equal(n, 3);
    assert_string_equal(spans[0].name, "span 0");
    assert_string_equal(spans[2].name, "span 2");
    rs_span_queue_release(q, n);
    n = rs_span_queue_take(q, 10, 0, &spans);
    assert_int_equal(n, 2);
    assert_string_equal(spans[0].name, "span 3");
    rs_span_queue_release(q, n);
    assert_int_equal(rs_span_queue_length(q), 0);
    assert_int_equal(rs_span_queue_dropped(q), 0);
    rs_span_queue_free(q);
}

static void test_full_drops_and_counts(void **state)
{
    (void)state;
    rs_span_queue *q = rs_span_queue_new(4, 4);
    for (int i = 0; i < 7; i++) {
        rs_span s = numbered(i);
        assert_true(rs_span_queue_push(q, &s) == (i < 4));
    }
    assert_int_equal(rs_span_queue_dropped(q), 3);
    assert_int_equal(rs_span_queue_length(q), 4);
    assert_false(rs_span_queue_admit(q));   /* a span not even built is counted too */
    assert_int_equal(rs_span_queue_dropped(q), 4);
    const rs_span *spans;
    size_t n = rs_span_queue_take(q, 4, 0, &spans);
    assert_int_equal(n, 4);
    assert_string_equal(spans[3].name, "span 3");   /* the newest were dropped */
    rs_span_queue_release(q, n);
    assert_true(rs_span_queue_admit(q));
    rs_span s = numbered(9);
    assert_true(rs_span_queue_push(q, &s));
    assert_int_equal(rs_span_queue_dropped(q), 4);
    rs_span_queue_free(q);
}

static void test_lent_spans_are_kept(void **state)
{
    (void)state;
    rs_span_queue *q = rs_span_queue_new(4, 4);
    for (int i = 0; i < 3; i++) {
        rs_span s = numbered(i);
        rs_span_queue_push(q, &s);
    }
    const rs_span *spans;
    size_t n = rs_span_queue_take(q, 3, 0, &spans);
    assert_int_equal(n, 3);
    /* while the reader holds three, one more fits and then it is full */
    rs_span s = numbered(10);
    assert_true(rs_span_queue_push(q, &s));
    s = numbered(11);
    assert_false(rs_span_queue_push(q, &s));
    assert_string_equal(spans[0].name, "span 0");
    assert_string_equal(spans[2].name, "span 2");
    const rs_span *more;
    assert_int_equal(rs_span_queue_take(q, 4, 0, &more), 1);   /* only the one not lent */
    assert_string_equal(more[0].name, "span 10");
    rs_span_queue_release(q, 4);
    assert_int_equal(rs_span_queue_length(q), 0);
    rs_span_queue_free(q);
}

static void test_wraps_around(void **state)
{
    (void)state;
    rs_span_queue *q = rs_span_queue_new(4, 4);
    const rs_span *spans;
    for (int i = 0; i < 3; i++) {
        rs_span s = numbered(i);
        rs_span_queue_push(q, &s);
    }
    rs_span_queue_release(q, rs_span_queue_take(q, 3, 0, &spans));
    for (int i = 3; i < 7; i++) {
        rs_span s = numbered(i);
        assert_true(rs_span_queue_push(q, &s));
    }
    /* 3 sits at the ring's last slot, 4..6 at its start */
    size_t n = rs_span_queue_take(q, 4, 0, &spans);
    assert_int_equal(n, 1);
    assert_string_equal(spans[0].name, "span 3");
    rs_span_queue_release(q, n);
    n = rs_span_queue_take(q, 4, 0, &spans);
    assert_int_equal(n, 3);
    assert_string_equal(spans[0].name, "span 4");
    assert_string_equal(spans[2].name, "span 6");
    rs_span_queue_release(q, n);
    rs_span_queue_free(q);
}

static void test_copies_only_what_is_used(void **state)
{
    (void)state;
    rs_span_queue *q = rs_span_queue_new(2, 2);
    rs_span s = numbered(1);
    rs_span_str(&s, "k", "value");
    rs_span_int(&s, "n", 42);
    rs_span_queue_push(q, &s);
    const rs_span *spans;
    assert_int_equal(rs_span_queue_take(q, 2, 0, &spans), 1);
    assert_int_equal(spans[0].nattrs, 2);
    assert_string_equal(spans[0].text + spans[0].attrs[0].text_at, "value");
    assert_true(spans[0].attrs[1].is_int);
    assert_int_equal(spans[0].attrs[1].number, 42);
    rs_span_queue_release(q, 1);
    rs_span_queue_free(q);
}

static void test_take_waits_for_timeout(void **state)
{
    (void)state;
    rs_span_queue *q = rs_span_queue_new(8, 4);
    rs_span s = numbered(1);
    rs_span_queue_push(q, &s);
    const rs_span *spans;
    double t0 = seconds_now();
    size_t n = rs_span_queue_take(q, 4, 100, &spans);   /* one is not a batch */
    double waited = seconds_now() - t0;
    assert_int_equal(n, 1);
    assert_true(waited >= 0.09);
    rs_span_queue_release(q, n);
    rs_span_queue_free(q);
}

static void *push_batch_later(void *arg)
{
    struct timespec pause = {0, 50 * 1000000L};
    nanosleep(&pause, NULL);
    for (int i = 0; i < 4; i++) {
        rs_span s = numbered(i);
        rs_span_queue_push(arg, &s);
    }
    return NULL;
}

static void *close_later(void *arg)
{
    struct timespec pause = {0, 50 * 1000000L};
    nanosleep(&pause, NULL);
    rs_span_queue_close(arg);
    return NULL;
}

static void test_batch_or_close_ends_the_wait(void **state)
{
    (void)state;
    rs_span_queue *q = rs_span_queue_new(8, 4);
    pthread_t th;
    const rs_span *spans;
    assert_int_equal(pthread_create(&th, NULL, push_batch_later, q), 0);
    double t0 = seconds_now();
    size_t n = rs_span_queue_take(q, 4, 10000, &spans);
    assert_true(seconds_now() - t0 < 5.0);
    pthread_join(th, NULL);
    assert_int_equal(n, 4);
    rs_span_queue_release(q, n);

    assert_false(rs_span_queue_closed(q));
    assert_int_equal(pthread_create(&th, NULL, close_later, q), 0);
    t0 = seconds_now();
    n = rs_span_queue_take(q, 4, 10000, &spans);
    assert_true(seconds_now() - t0 < 5.0);
    pthread_join(th, NULL);
    assert_int_equal(n, 0);
    assert_true(rs_span_queue_closed(q));
    rs_span_queue_free(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_in_order),
        cmocka_unit_test(test_full_drops_and_counts),
        cmocka_unit_test(test_lent_spans_are_kept),
        cmocka_unit_test(test_wraps_around),
        cmocka_unit_test(test_copies_only_what_is_used),
        cmocka_unit_test(test_take_waits_for_timeout),
        cmocka_unit_test(test_batch_or_close_ends_the_wait),
    };
    return cmocka_run_group_tests_name("span_queue", tests, NULL, NULL);
}
