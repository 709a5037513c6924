/*
 * test_trace.c - unit tests for rs_trace: parsing W3C traceparent
 * headers (valid and malformed), beginning a trace with or without an
 * incoming header, formatting and its round trip, the per-thread
 * current trace, child spans of outgoing calls, and the sampler (names,
 * ratios, parent-based decisions, and rs_trace_begin following it).
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

/* ---- child spans of calls ---- */

static void test_child_keeps_trace_and_flags(void **state)
{
    (void)state;
    rs_trace parent, child;
    assert_true(rs_trace_parse(VALID, &parent));
    strcpy(parent.span_id, "1111111111111111");
    rs_trace_child(&parent, &child);
    assert_string_equal(child.trace_id, TRACE_ID);
    assert_string_equal(child.parent_id, "1111111111111111");
    assert_true(is_lower_hex(child.span_id, 16));
    assert_string_not_equal(child.span_id, parent.span_id);
    assert_int_equal(child.flags, 1);
}

static void test_call_span_of_given_traceparent(void **state)
{
    (void)state;
    rs_trace child;
    char out[RS_TRACEPARENT_LEN + 1];
    assert_true(rs_trace_call_span(VALID, &child));
    assert_string_equal(child.trace_id, TRACE_ID);
    assert_string_equal(child.parent_id, SPAN_ID);   /* the header's span is the parent */
    rs_trace_format(&child, out);
    assert_memory_equal(out, "00-" TRACE_ID "-", 36);
    assert_string_not_equal(out + 36, SPAN_ID "-01");
    assert_false(rs_trace_call_span("garbage", &child));
}

static void test_call_span_of_current_trace(void **state)
{
    (void)state;
    rs_trace t, child;
    rs_trace_set_current(NULL);
    assert_false(rs_trace_call_span(NULL, &child));
    rs_trace_begin(&t, VALID);
    rs_trace_set_current(&t);
    assert_true(rs_trace_call_span(NULL, &child));
    assert_string_equal(child.trace_id, TRACE_ID);
    assert_string_equal(child.parent_id, t.span_id);
    rs_trace_set_current(NULL);
}

/* ---- sampler ---- */

static void test_sampler_names(void **state)
{
    (void)state;
    rs_sampler s;
    assert_int_equal(rs_sampler_parse("always_on", NULL, &s), 0);
    assert_false(s.parent_based);
    assert_int_equal(s.root, RS_SAMPLE_ON);
    assert_int_equal(rs_sampler_parse("always_off", NULL, &s), 0);
    assert_int_equal(s.root, RS_SAMPLE_OFF);
    assert_int_equal(rs_sampler_parse("parentbased_always_off", NULL, &s), 0);
    assert_true(s.parent_based);
    assert_int_equal(s.root, RS_SAMPLE_OFF);
    assert_int_equal(rs_sampler_parse("traceidratio", NULL, &s), 0);
    assert_true(s.ratio == 1.0);
    assert_int_equal(rs_sampler_parse("parentbased_traceidratio", "0.25", &s), 0);
    assert_true(s.parent_based);
    assert_int_equal(s.root, RS_SAMPLE_RATIO);
    assert_true(s.ratio == 0.25);
    assert_int_equal(rs_sampler_parse("parentbased_always_on", "ignored", &s), 0);
}

static void test_sampler_rejects(void **state)
{
    (void)state;
    rs_sampler s = {true, RS_SAMPLE_ON, 1.0};
    assert_int_equal(rs_sampler_parse("sometimes", NULL, &s), -1);
    assert_int_equal(rs_sampler_parse("ALWAYS_ON", NULL, &s), -1);
    assert_int_equal(rs_sampler_parse("traceidratio", "1.5", &s), -1);
    assert_int_equal(rs_sampler_parse("traceidratio", "-0.1", &s), -1);
    assert_int_equal(rs_sampler_parse("traceidratio", "half", &s), -1);
    assert_int_equal(rs_sampler_parse("traceidratio", "0.5x", &s), -1);
    assert_int_equal(rs_sampler_parse("traceidratio", "nan", &s), -1);
    assert_true(s.parent_based && s.root == RS_SAMPLE_ON);   /* untouched */
}

static void test_sampler_parent_based_follows_parent(void **state)
{
    (void)state;
    rs_sampler off, on;
    rs_trace sampled, unsampled;
    assert_int_equal(rs_sampler_parse("parentbased_always_off", NULL, &off), 0);
    assert_int_equal(rs_sampler_parse("parentbased_always_on", NULL, &on), 0);
    assert_true(rs_trace_parse(VALID, &sampled));
    assert_true(rs_trace_parse("00-" TRACE_ID "-" SPAN_ID "-00", &unsampled));
    assert_true(rs_sampler_decide(&off, &sampled, TRACE_ID));
    assert_false(rs_sampler_decide(&on, &unsampled, TRACE_ID));
    assert_false(rs_sampler_decide(&off, NULL, TRACE_ID));
    assert_true(rs_sampler_decide(&on, NULL, TRACE_ID));
    rs_sampler always_on;
    assert_int_equal(rs_sampler_parse("always_on", NULL, &always_on), 0);
    assert_true(rs_sampler_decide(&always_on, &unsampled, TRACE_ID));   /* not parent-based */
}

static void test_sampler_ratio(void **state)
{
    (void)state;
    rs_sampler none, all, half;
    assert_int_equal(rs_sampler_parse("traceidratio", "0", &none), 0);
    assert_int_equal(rs_sampler_parse("traceidratio", "1", &all), 0);
    assert_int_equal(rs_sampler_parse("traceidratio", "0.5", &half), 0);
    /* the last 14 hex digits decide: below half of 2^56, or not */
    const char *low = "ffffffffffffffffff00000000000001";
    const char *high = "00000000000000000080000000000000";
    assert_false(rs_sampler_decide(&none, NULL, low));
    assert_true(rs_sampler_decide(&all, NULL, high));
    assert_true(rs_sampler_decide(&all, NULL, "000000000000000000ffffffffffffff"));
    assert_true(rs_sampler_decide(&half, NULL, low));
    assert_false(rs_sampler_decide(&half, NULL, high));
    /* many new traces: about half are sampled, and the answer is stable */
    int sampled = 0;
    for (int i = 0; i < 4000; i++) {
        rs_trace t;
        rs_trace_begin(&t, NULL);
        bool yes = rs_sampler_decide(&half, NULL, t.trace_id);
        assert_true(yes == rs_sampler_decide(&half, NULL, t.trace_id));
        sampled += yes;
    }
    assert_in_range(sampled, 1700, 2300);
}

static void test_begin_follows_the_sampler(void **state)
{
    (void)state;
    rs_sampler s;
    rs_trace t;
    assert_int_equal(rs_sampler_parse("always_off", NULL, &s), 0);
    rs_trace_use_sampler(&s);
    rs_trace_begin(&t, VALID);
    assert_int_equal(t.flags, 0);
    assert_string_equal(t.trace_id, TRACE_ID);   /* the trace goes on, unsampled */
    rs_trace_begin(&t, NULL);
    assert_int_equal(t.flags, 0);
    assert_int_equal(rs_sampler_parse("parentbased_always_off", NULL, &s), 0);
    rs_trace_use_sampler(&s);
    rs_trace_begin(&t, "00-" TRACE_ID "-" SPAN_ID "-03");
    assert_int_equal(t.flags, 3);   /* the other flags are passed on */
    rs_trace_begin(&t, NULL);
    assert_int_equal(t.flags, 0);
    assert_int_equal(rs_sampler_parse("parentbased_always_on", NULL, &s), 0);
    rs_trace_use_sampler(&s);
    rs_trace_begin(&t, "00-" TRACE_ID "-" SPAN_ID "-00");
    assert_int_equal(t.flags, 0);
    rs_trace_begin(&t, NULL);
    assert_int_equal(t.flags, 1);
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
        cmocka_unit_test(test_child_keeps_trace_and_flags),
        cmocka_unit_test(test_call_span_of_given_traceparent),
        cmocka_unit_test(test_call_span_of_current_trace),
        cmocka_unit_test(test_sampler_names),
        cmocka_unit_test(test_sampler_rejects),
        cmocka_unit_test(test_sampler_parent_based_follows_parent),
        cmocka_unit_test(test_sampler_ratio),
        cmocka_unit_test(test_begin_follows_the_sampler),
    };
    return cmocka_run_group_tests_name("trace", tests, NULL, NULL);
}
