/*
 * test_backoff.c - unit tests for rs_backoff (src/common/rs_backoff.c):
 * the states a lost store goes through, on a clock the test sets (the _at
 * calls), so that no assertion depends on how fast the machine runs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "rs_backoff.h"

static void test_a_fresh_store_is_down_and_worth_trying(void **state)
{
    (void)state;
    rs_backoff b;
    rs_backoff_init(&b);
    assert_false(rs_backoff_up(&b));
    assert_true(rs_backoff_due_at(&b, 0.0));
    assert_true(rs_backoff_due(&b));
    rs_backoff_destroy(&b);
}

static void test_a_failure_waits_a_tenth_of_a_second(void **state)
{
    (void)state;
    rs_backoff b;
    rs_backoff_init(&b);
    rs_backoff_note_at(&b, false, 100.0);
    assert_false(rs_backoff_up(&b));
    assert_false(rs_backoff_due_at(&b, 100.0));
    assert_false(rs_backoff_due_at(&b, 100.09));
    assert_true(rs_backoff_due_at(&b, 100.1));
    rs_backoff_destroy(&b);
}

static void test_each_failure_doubles_the_wait_up_to_five_seconds(void **state)
{
    (void)state;
    rs_backoff b;
    rs_backoff_init(&b);
    const double waits[] = {0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 5.0, 5.0, 5.0};
    double now = 1000.0;
    for (size_t i = 0; i < sizeof waits / sizeof waits[0]; i++) {
        rs_backoff_note_at(&b, false, now);
        assert_false(rs_backoff_due_at(&b, now + waits[i] - 0.01));
        assert_true(rs_backoff_due_at(&b, now + waits[i] + 1e-9));
        now += waits[i];
    }
    rs_backoff_destroy(&b);
}

static void test_a_success_marks_up_and_resets_the_wait(void **state)
{
    (void)state;
    rs_backoff b;
    rs_backoff_init(&b);
    for (int i = 0; i < 5; i++)
        rs_backoff_note_at(&b, false, 10.0);
    rs_backoff_note_at(&b, true, 10.0);
    assert_true(rs_backoff_up(&b));
    assert_true(rs_backoff_due_at(&b, 0.0));   /* up: due whatever the time */
    rs_backoff_note_at(&b, false, 20.0);        /* the next outage starts over */
    assert_false(rs_backoff_up(&b));
    assert_false(rs_backoff_due_at(&b, 20.05));
    assert_true(rs_backoff_due_at(&b, 20.1));
    rs_backoff_destroy(&b);
}

static void test_the_real_clock_calls_agree(void **state)
{
    (void)state;
    rs_backoff b;
    rs_backoff_init(&b);
    rs_backoff_note(&b, true);
    assert_true(rs_backoff_up(&b));
    assert_true(rs_backoff_due(&b));
    rs_backoff_note(&b, true);                  /* up and up: nothing changes */
    assert_true(rs_backoff_up(&b));
    rs_backoff_note(&b, false);
    assert_false(rs_backoff_up(&b));
    rs_backoff_destroy(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_fresh_store_is_down_and_worth_trying),
        cmocka_unit_test(test_a_failure_waits_a_tenth_of_a_second),
        cmocka_unit_test(test_each_failure_doubles_the_wait_up_to_five_seconds),
        cmocka_unit_test(test_a_success_marks_up_and_resets_the_wait),
        cmocka_unit_test(test_the_real_clock_calls_agree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
