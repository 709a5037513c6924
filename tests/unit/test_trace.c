/*
 * test_trace.c - unit tests for rs_trace: parsing W3C traceparent
 * headers (valid and malformed), beginning a trace with or without an
 * incoming header, formatting and its round trip, and the per-thread
 * current trace.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <pthread.h>

#include <cmocka.h>

#include "rs_trace.h"

#define TRACE_ID "4bf92f3577b34da6a3ce929d0e0e4736"
#define SPAN_ID  "00f067aa0ba902b7"
#define VALID    "00-" TRACE_ID "-" SPAN_ID "-01"

static bool is_lower_hex(const char *s, size_t n)
{
    if (strlen(s) != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

static bool all_zero(const char *s)
{
    for (; *s != '\0'; s++)
        if (*s != '0')
            return false;
    return true;
}

/* Copies VALID into buf and replaces the character at pos with c. */
static const char *valid_with(char *buf, size_t pos, char c)
{
    strcpy(buf, VALID);
    buf[pos] = c;
    return buf;
}

/* ---- rs_trace_parse ---- */

static void test_parse_valid(void **state)
{
    (void)state;
    rs_trace t;
    memset(&t, 'X', sizeof t);
    assert_int_equal(strlen(VALID), RS_TRACEPARENT_LEN);
    assert_true(rs_trace_parse(VALID, &t));
    assert_string_equal(t.trace_id, TRACE_ID);
    assert_string_equal(t.parent_id, SPAN_ID);
    assert_string_equal(t.span_id, "");
    assert_int_equal(t.flags, 1);
}

static void test_parse_flags(void **state)
{
    (void)state;
    rs_trace t;
    assert_true(rs_trace_parse("00-" TRACE_ID "-" SPAN_ID "-00", &t));
    assert_int_equal(t.flags, 0);
    assert_true(rs_trace_parse("00-" TRACE_ID "-" SPAN_ID "-ff", &t));
    assert_int_equal(t.flags, 0xff);
    assert_true(rs_trace_parse("00-" TRACE_ID "-" SPAN_ID "-0a", &t));
    assert_int_equal(t.flags, 10);
}

static void test_parse_rejects_wrong_lengths(void **state)
{
    (void)state;
    rs_trace t;
    assert_false(rs_trace_parse(NULL, &t));
    assert_false(rs_trace_parse("", &t));
    /* trace id one digit short / long */
    assert_false(rs_trace_parse("00-4bf92f3577b34da6a3ce929d0e0e473-" SPAN_ID "-01", &t));
    assert_false(rs_trace_parse("00-4bf92f3577b34da6a3ce929d0e0e47360-" SPAN_ID "-01", &t));
    /* span id one digit short / long */
    assert_false(rs_trace_parse("00-" TRACE_ID "-00f067aa0ba902b-01", &t));
    assert_false(rs_trace_parse("00-" TRACE_ID "-00f067aa0ba902b70-01", &t));
    /* one-digit flags, three-digit flags, trailing data */
    assert_false(rs_trace_parse("00-" TRACE_ID "-" SPAN_ID "-1", &t));
    assert_false(rs_trace_parse("00-" TRACE_ID "-" SPAN_ID "-010", &t));
    assert_false(rs_trace_parse(VALID "-", &t));
    assert_false(rs_trace_parse(VALID " ", &t));
    assert_false(rs_trace_parse(" " VALID, &t));
}

static void test_parse_rejects_zero_ids(void **state)
{
    (void)state;
    rs_trace t;
    assert_false(rs_trace_parse("00-00000000000000000000000000000000-" SPAN_ID "-01", &t));
    assert_false(rs_trace_parse("00-" TRACE_ID "-0000000000000000-01", &t));
    /* a single non-zero digit is enough */
    assert_true(rs_trace_parse("00-00000000000000000000000000000001-0000000000000001-01", &t));
}

static void test_parse_rejects_uppercase(void **state)
{
    (void)state;
    rs_trace t;
    assert_false(rs_trace_parse("00-4BF92F3577B34DA6A3CE929D0E0E4736-" SPAN_ID "-01", &t));
    assert_false(rs_trace_parse("00-" TRACE_ID "-00F067AA0BA902B7-01", &t));
    assert_false(rs_trace_parse("00-" TRACE_ID "-" SPAN_ID "-0A", &t));
}

static void test_parse_rejects_bad_characters(void **state)
{
    (void)state;
    rs_trace t;
    char buf[RS_TRACEPARENT_LEN + 1];
    assert_false(rs_trace_parse(valid_with(buf, 3, 'g'), &t));   /* trace id */
    assert_false(rs_trace_parse(valid_with(buf, 34, 'z'), &t));  /* trace id end */
    assert_false(rs_trace_parse(valid_with(buf, 36, '-'), &t));  /* span id */
    assert_false(rs_trace_parse(valid_with(buf, 51, ' '), &t));  /* span id end */
    assert_false(rs_trace_parse(valid_with(buf, 54, 'x'), &t));  /* flags */
}

static void test_parse_rejects_bad_separators_and_version(void **state)
{
    (void)state;
    rs_trace t;
    char buf[RS_TRACEPARENT_LEN + 1];
    assert_false(rs_trace_parse(valid_with(buf, 2, '_'), &t));
    assert_false(rs_trace_parse(valid_with(buf, 35, '_'), &t));
    assert_false(rs_trace_parse(valid_with(buf, 52, '_'), &t));
    assert_false(rs_trace_parse("01-" TRACE_ID "-" SPAN_ID "-01", &t));
    assert_false(rs_trace_parse("ff-" TRACE_ID "-" SPAN_ID "-01", &t));
}

static void test_parse_failure_leaves_output_alone(void **state)
{
    (void)state;
    rs_trace t;
    assert_true(rs_trace_parse(VALID, &t));
    assert_false(rs_trace_parse("00-00000000000000000000000000000000-" SPAN_ID "-01", &t));
    assert_string_equal(t.trace_id, TRACE_ID);
    assert_string_equal(t.parent_id, SPAN_ID);
}

/* ---- rs_trace_begin ---- */

static void test_begin_continues_incoming_trace(void **state)
{
    (void)state;
    rs_trace t;
    rs_trace_begin(&t, "00-" TRACE_ID "-" SPAN_ID "-00");
    assert_string_equal(t.trace_id, TRACE_ID);
    assert_string_equal(t.parent_id, SPAN_ID);
    assert_int_equal(t.flags, 0);
    assert_true(is_lower_hex(t.span_id, 16));
    assert_false(all_zero(t.span_id));
    assert_string_not_equal(t.span_id, SPAN_ID);
}

static void test_begin_without_header_starts_new_trace(void **state)
{
    (void)state;
    rs_trace t;
    rs_trace_begin(&t, NULL);
    assert_true(is_lower_hex(t.trace_id, 32));
    assert_false(all_zero(t.trace_id));
    assert_true(is_lower_hex(t.span_id, 16));
    assert_false(all_zero(t.span_id));
    assert_string_equal(t.parent_id, "");
    assert_int_equal(t.flags, 1);
}

static void test_begin_with_invalid_header_starts_new_trace(void **state)
{
    (void)state;
    rs_trace t;
    rs_trace_begin(&t, "00-4BF92F3577B34DA6A3CE929D0E0E4736-" SPAN_ID "-01");
    assert_true(is_lower_hex(t.trace_id, 32));
    assert_string_not_equal(t.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_string_equal(t.parent_id, "");
    assert_int_equal(t.flags, 1);
    rs_trace_begin(&t, "garbage");
    assert_true(is_lower_hex(t.trace_id, 32));
    assert_string_equal(t.parent_id, "");
}

static void test_begin_makes_distinct_ids(void **state)
{
    (void)state;
    rs_trace a, b;
    rs_trace_begin(&a, NULL);
    rs_trace_begin(&b, NULL);
    assert_string_not_equal(a.trace_id, b.trace_id);
    assert_string_not_equal(a.span_id, b.span_id);
    rs_trace c, d;
    rs_trace_begin(&c, VALID);
    rs_trace_begin(&d, VALID);
    assert_string_equal(c.trace_id, d.trace_id);
    assert_string_not_equal(c.span_id, d.span_id);
}

/* ---- rs_trace_format ---- */

static void test_format_exact(void **state)
{
    (void)state;
    rs_trace t;
    memset(&t, 0, sizeof t);
    strcpy(t.trace_id, TRACE_ID);
    strcpy(t.span_id, "b7ad6b7169203331");
    strcpy(t.parent_id, SPAN_ID);
    t.flags = 1;
    char out[RS_TRACEPARENT_LEN + 1];
    rs_trace_format(&t, out);
    assert_string_equal(out, "00-" TRACE_ID "-b7ad6b7169203331-01");
    t.flags = 0xab;
    rs_trace_format(&t, out);
    assert_string_equal(out, "00-" TRACE_ID "-b7ad6b7169203331-ab");
}

static void test_format_round_trip(void **state)
{
    (void)state;
    rs_trace t;
    rs_trace_begin(&t, VALID);
    char out[RS_TRACEPARENT_LEN + 1];
    rs_trace_format(&t, out);
    assert_int_equal(strlen(out), RS_TRACEPARENT_LEN);
    rs_trace next;
    assert_true(rs_trace_parse(out, &next));
    assert_string_equal(next.trace_id, TRACE_ID);
    assert_string_equal(next.parent_id, t.span_id);   /* our span is their parent */
    assert_int_equal(next.flags, 1);
}

static void test_format_round_trip_new_trace(void **state)
{
    (void)state;
    for (int i = 0; i < 100; i++) {
        rs_trace t;
        rs_trace_begin(&t, NULL);
        char out[RS_TRACEPARENT_LEN + 1];
        rs_trace_format(&t, out);
        rs_trace next;
        if (!rs_trace_parse(out, &next))
            fail_msg("own traceparent does not parse: %s", out);
        assert_string_equal(next.trace_id, t.trace_id);
        assert_string_equal(next.parent_id, t.span_id);
        assert_int_equal(next.flags, t.flags);
    }
}

/* ---- the current trace ---- */

static void *current_in_thread(void *arg)
{
    (void)arg;
    return (void *)rs_trace_current();
}

static void test_current_is_per_thread(void **state)
{
    (void)state;
    rs_trace t;
    rs_trace_begin(&t, NULL);
    assert_null(rs_trace_current());
    rs_trace_set_current(&t);
    assert_ptr_equal(rs_trace_current(), &t);
    pthread_t thread;
    void *seen = &t;
    assert_int_equal(pthread_create(&thread, NULL, current_in_thread, NULL), 0);
    assert_int_equal(pthread_join(thread, &seen), 0);
    assert_null(seen);
    rs_trace_set_current(NULL);
    assert_null(rs_trace_current());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_valid),
        cmocka_unit_test(test_parse_flags),
        cmocka_unit_test(test_parse_rejects_wrong_lengths),
        cmocka_unit_test(test_parse_rejects_zero_ids),
        cmocka_unit_test(test_parse_rejects_uppercase),
        cmocka_unit_test(test_parse_rejects_bad_characters),
        cmocka_unit_test(test_parse_rejects_bad_separators_and_version),
        cmocka_unit_test(test_parse_failure_leaves_output_alone),
        cmocka_unit_test(test_begin_continues_incoming_trace),
        cmocka_unit_test(test_begin_without_header_starts_new_trace),
        cmocka_unit_test(test_begin_with_invalid_header_starts_new_trace),
        cmocka_unit_test(test_begin_makes_distinct_ids),
        cmocka_unit_test(test_format_exact),
        cmocka_unit_test(test_format_round_trip),
        cmocka_unit_test(test_format_round_trip_new_trace),
        cmocka_unit_test(test_current_is_per_thread),
    };
    return cmocka_run_group_tests_name("trace", tests, NULL, NULL);
}
