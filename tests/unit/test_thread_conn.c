/*
 * test_thread_conn.c - unit tests for rs_thread_conn (a datastore
 * connection per thread): opened once per thread and then reused, a failed
 * open leaves nothing and the next use tries again, a dropped connection
 * is closed and replaced, one from before an outage is replaced rather
 * than handed out, take hands it over unclosed, and a thread's connection
 * is closed when the thread ends.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <pthread.h>

#include <cmocka.h>

#include "rs_thread_conn.h"

/* A fake store: connections are numbered, opens can be made to fail, and
 * every close is counted and checked against what was opened. */
typedef struct fake_conn {
    int  number;
    bool closed;
} fake_conn;

static atomic_int opened, closed;
static atomic_bool refuse;

static void *open_fake(void *ctx)
{
    (void)ctx;
    if (atomic_load(&refuse))
        return NULL;
    fake_conn *c = calloc(1, sizeof *c);
    assert_non_null(c);
    c->number = atomic_fetch_add(&opened, 1) + 1;
    return c;
}

static void close_fake(void *conn)
{
    fake_conn *c = conn;
    assert_false(c->closed);
    c->closed = true;
    atomic_fetch_add(&closed, 1);
    free(c);
}

static rs_thread_conn slot;

static int setup(void **state)
{
    (void)state;
    atomic_store(&opened, 0);
    atomic_store(&closed, 0);
    atomic_store(&refuse, false);
    return rs_thread_conn_init(&slot, open_fake, close_fake, NULL);
}

static int teardown(void **state)
{
    (void)state;
    rs_thread_conn_destroy(&slot);
    assert_int_equal(atomic_load(&opened), atomic_load(&closed));
    return 0;
}

static void test_opened_once_then_reused(void **state)
{
    (void)state;
    assert_null(rs_thread_conn_peek(&slot));
    fake_conn *first = rs_thread_conn_get(&slot, 0);
    assert_non_null(first);
    assert_ptr_equal(rs_thread_conn_get(&slot, 0), first);
    assert_ptr_equal(rs_thread_conn_peek(&slot), first);
    assert_int_equal(atomic_load(&opened), 1);
    assert_int_equal(atomic_load(&closed), 0);
}

static void test_failed_open_is_tried_again(void **state)
{
    (void)state;
    atomic_store(&refuse, true);
    assert_null(rs_thread_conn_get(&slot, 0));
    assert_null(rs_thread_conn_peek(&slot));
    atomic_store(&refuse, false);
    fake_conn *c = rs_thread_conn_get(&slot, 0);
    assert_non_null(c);
    assert_int_equal(c->number, 1);
}

static void test_dropped_is_closed_and_replaced(void **state)
{
    (void)state;
    fake_conn *first = rs_thread_conn_get(&slot, 0);
    assert_non_null(first);
    rs_thread_conn_drop(&slot);
    assert_int_equal(atomic_load(&closed), 1);
    assert_null(rs_thread_conn_peek(&slot));
    fake_conn *second = rs_thread_conn_get(&slot, 0);
    assert_non_null(second);
    assert_int_equal(second->number, 2);
    rs_thread_conn_drop(&slot);
    rs_thread_conn_drop(&slot);   /* nothing left: a no-op */
    assert_int_equal(atomic_load(&closed), 2);
}

static void test_replaced_after_an_outage(void **state)
{
    (void)state;
    fake_conn *before = rs_thread_conn_get(&slot, 3);
    assert_non_null(before);
    assert_int_equal(before->number, 1);
    fake_conn *after = rs_thread_conn_get(&slot, 4);
    assert_non_null(after);
    assert_int_equal(after->number, 2);
    assert_int_equal(atomic_load(&closed), 1);   /* the old one, not tried */
    assert_ptr_equal(rs_thread_conn_get(&slot, 4), after);
    assert_int_equal(atomic_load(&opened), 2);
}

static void test_take_hands_over_unclosed(void **state)
{
    (void)state;
    fake_conn *c = rs_thread_conn_get(&slot, 0);
    assert_ptr_equal(rs_thread_conn_take(&slot), c);
    assert_null(rs_thread_conn_peek(&slot));
    assert_null(rs_thread_conn_take(&slot));
    assert_int_equal(atomic_load(&closed), 0);
    close_fake(c);
}

/* A thread's use: the number of its connection, 0 when it was not reused. */
static void *use_slot(void *out)
{
    fake_conn *c = rs_thread_conn_get(&slot, 0);
    bool reused = c != NULL && rs_thread_conn_get(&slot, 0) == c;
    *(int *)out = reused ? c->number : 0;
    return NULL;
}

static void test_one_per_thread_closed_at_exit(void **state)
{
    (void)state;
    fake_conn *mine = rs_thread_conn_get(&slot, 0);
    int theirs[2] = {0, 0};
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&t[i], NULL, use_slot, &theirs[i]), 0);
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_join(t[i], NULL), 0);
    assert_int_equal(atomic_load(&opened), 3);
    assert_int_equal(atomic_load(&closed), 2);   /* theirs, when they ended */
    assert_int_equal(mine->number, 1);
    assert_true(theirs[0] > 1 && theirs[1] > 1 && theirs[0] != theirs[1]);
    assert_ptr_equal(rs_thread_conn_peek(&slot), mine);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_opened_once_then_reused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_open_is_tried_again, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dropped_is_closed_and_replaced, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replaced_after_an_outage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_take_hands_over_unclosed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_per_thread_closed_at_exit, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
