/*
 * test_buf.c - unit tests for rs_buf (the growable byte buffer):
 * append, puts, printf, growth, reset, steal and free.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rs_buf.h"

static void test_init_is_empty(void **state)
{
    (void)state;
    rs_buf b = RS_BUF_INIT;
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
    assert_int_equal(b.failed, 0);
}

static void test_append_bytes(void **state)
{
    (void)state;
    rs_buf b = RS_BUF_INIT;
    assert_int_equal(rs_buf_append(&b, "abc", 3), 0);
    assert_int_equal(rs_buf_append(&b, "defgh", 2), 0);
    assert_int_equal(b.len, 5);
    assert_string_equal(b.data, "abcde");
    assert_true(b.cap > b.len);
    rs_buf_free(&b);
}

static void test_append_zero_length_gives_empty_string(void **state)
{
    (void)state;
    rs_buf b = RS_BUF_INIT;
    assert_int_equal(rs_buf_append(&b, "", 0), 0);
    assert_non_null(b.data);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.data, "");
    rs_buf_free(&b);
}

static void test_append_keeps_embedded_nul(void **state)
{
    (void)state;
    rs_buf b = RS_BUF_INIT;
    assert_int_equal(rs_buf_append(&b, "a\0b", 3), 0);
    assert_int_equal(b.len, 3);
    assert_memory_equal(b.data, "a\0b", 4);
    rs_buf_free(&b);
}

static void test_puts(void **state)
{
    (void)state;
    rs_buf b = RS_BUF_INIT;
    assert_int_equal(rs_buf_puts(&b, "hello"), 0);
    assert_int_equal(rs_buf_puts(&b, ", world"), 0);
    assert_string_equal(b.data, "hello, world");
    assert_int_equal(b.len, 12);
    rs_buf_free(&b);
}

static void test_printf_formats_and_appends(void **state)
{
    (void)state;
    rs_buf b = RS_BUF_INIT;
    assert_int_equal(rs_buf_puts(&b, "x="), 0);
    assert_int_equal(rs_buf_printf(&b, "%d,%s,%.2f", 42, "ok", 1.5), 0);
    assert_string_equal(b.data, "x=42,ok,1.50");
    assert_int_equal(b.len, strlen("x=42,ok,1.50"));
    rs_buf_free(&b);
}

static void test_printf_empty_result(void **state)
{
    (void)state;
    rs_buf b = RS_BUF_INIT;
    assert_int_equal(rs_buf_printf(&b, "%s", ""), 0);
    assert_int_equal(b.len, 0);
    assert_non_null(b.data);
    assert_string_equal(b.data, "");
    rs_buf_free(&b);
}

static void test_growth_keeps_contents(void **state)
{
    (void)state;
    rs_buf b = RS_BUF_INIT;
    char expect[10001];
    for (int i = 0; i < 10000; i++) {
        char c = (char)('a' + i % 26);
        expect[i] = c;
        assert_int_equal(rs_buf_append(&b, &c, 1), 0);
    }
    expect[10000] = '\0';
    assert_int_equal(b.len, 10000);
    assert_true(b.cap >= 10001);
    assert_string_equal(b.data, expect);
    assert_int_equal(b.failed, 0);
    rs_buf_free(&b);
}

static void test_large_printf_grows(void **state)
{
    (void)state;
    rs_buf b = RS_BUF_INIT;
    char big[5000];
    memset(big, 'z', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(rs_buf_puts(&b, "<"), 0);
    assert_int_equal(rs_buf_printf(&b, "%s>", big), 0);
    assert_int_equal(b.len, 5001);
    assert_int_equal(b.data[0], '<');
    assert_int_equal(b.data[4999], 'z');
    assert_int_equal(b.data[5000], '>');
    assert_int_equal(b.data[5001], '\0');
    rs_buf_free(&b);
}

static void test_reset_keeps_memory(void **state)
{
    (void)state;
    rs_buf b = RS_BUF_INIT;
    assert_int_equal(rs_buf_puts(&b, "some text"), 0);
    char *before = b.data;
    size_t cap = b.cap;
    rs_buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_ptr_equal(b.data, before);
    assert_int_equal(b.cap, cap);
    assert_string_equal(b.data, "");
    assert_int_equal(rs_buf_puts(&b, "new"), 0);
    assert_string_equal(b.data, "new");
    rs_buf_free(&b);
}

static void test_reset_on_empty_buffer(void **state)
{
    (void)state;
    rs_buf b = RS_BUF_INIT;
    rs_buf_reset(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
}

static void test_steal_hands_over_memory(void **state)
{
    (void)state;
    rs_buf b = RS_BUF_INIT;
    assert_int_equal(rs_buf_puts(&b, "stolen"), 0);
    size_t len = 0;
    char *p = rs_buf_steal(&b, &len);
    assert_non_null(p);
    assert_int_equal(len, 6);
    assert_string_equal(p, "stolen");
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
    /* the buffer is usable again and independent of the stolen memory */
    assert_int_equal(rs_buf_puts(&b, "again"), 0);
    assert_string_equal(b.data, "again");
    assert_string_equal(p, "stolen");
    free(p);
    rs_buf_free(&b);
}

static void test_steal_null_len(void **state)
{
    (void)state;
    rs_buf b = RS_BUF_INIT;
    assert_int_equal(rs_buf_puts(&b, "x"), 0);
    char *p = rs_buf_steal(&b, NULL);
    assert_string_equal(p, "x");
    free(p);
}

static void test_steal_empty_returns_null(void **state)
{
    (void)state;
    rs_buf b = RS_BUF_INIT;
    size_t len = 99;
    char *p = rs_buf_steal(&b, &len);
    assert_null(p);
    assert_int_equal(len, 0);
}

static void test_free_resets_fields(void **state)
{
    (void)state;
    rs_buf b = RS_BUF_INIT;
    assert_int_equal(rs_buf_puts(&b, "abc"), 0);
    rs_buf_free(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
    assert_int_equal(b.failed, 0);
    rs_buf_free(&b); /* freeing twice is harmless */
    assert_null(b.data);
}

static void test_huge_append_fails_and_keeps_contents(void **state)
{
    (void)state;
    rs_buf b = RS_BUF_INIT;
    assert_int_equal(rs_buf_puts(&b, "keep"), 0);
    assert_int_equal(rs_buf_append(&b, "x", SIZE_MAX - 2), -1);
    assert_int_equal(b.failed, 1);
    assert_int_equal(b.len, 4);
    assert_string_equal(b.data, "keep");
    rs_buf_reset(&b);
    assert_int_equal(b.failed, 0);
    rs_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_is_empty),
        cmocka_unit_test(test_append_bytes),
        cmocka_unit_test(test_append_zero_length_gives_empty_string),
        cmocka_unit_test(test_append_keeps_embedded_nul),
        cmocka_unit_test(test_puts),
        cmocka_unit_test(test_printf_formats_and_appends),
        cmocka_unit_test(test_printf_empty_result),
        cmocka_unit_test(test_growth_keeps_contents),
        cmocka_unit_test(test_large_printf_grows),
        cmocka_unit_test(test_reset_keeps_memory),
        cmocka_unit_test(test_reset_on_empty_buffer),
        cmocka_unit_test(test_steal_hands_over_memory),
        cmocka_unit_test(test_steal_null_len),
        cmocka_unit_test(test_steal_empty_returns_null),
        cmocka_unit_test(test_free_resets_fields),
        cmocka_unit_test(test_huge_append_fails_and_keeps_contents),
    };
    return cmocka_run_group_tests_name("buf", tests, NULL, NULL);
}
