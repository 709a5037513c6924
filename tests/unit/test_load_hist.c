/*
 * test_load_hist.c - unit tests for rs-load's latency histograms
 * (src/load/hist.c: exact small values, percentiles within the documented
 * relative error, min/max ends, merge, empty and huge values) and for the
 * per-thread stats (src/load/stats.c: named errors, timelines, merge).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hist.h"
#include "stats.h"

#define HIST_LIMIT ((UINT64_C(1) << 37) - 1)

/* ---- helpers ------------------------------------------------------------ */

/* splitmix64: a reproducible sequence, the same on every machine. */
static uint64_t rng_state;

static uint64_t next_u64(void)
{
    uint64_t z = (rng_state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static double uniform01(void)   /* in (0, 1) */
{
    return ((double)(next_u64() >> 11) + 0.5) / 9007199254740992.0;
}

/* Latencies as they look: lognormal around 2 ms, from tens of µs to seconds. */
static uint64_t lognormal_us(void)
{
    double z = sqrt(-2 * log(uniform01())) * cos(2 * M_PI * uniform01());
    return (uint64_t)exp(log(2000.0) + 1.2 * z);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The p-th percentile of n sorted values: the value of rank ceil(p% of n)
 * (99.9% of 100000 is rank 99900, though 99.9 / 100 * 100000 computes as a
 * hair above it). */
static uint64_t true_percentile(const uint64_t *sorted, size_t n, double p)
{
    double r = ceil(p / 100.0 * (double)n - 1e-6);
    size_t rank = r < 1 ? 1 : (size_t)r;
    return sorted[(rank > n ? n : rank) - 1];
}

/* ---- hist ---------------------------------------------------------------- */

static void test_empty_histogram_reads_zero(void **state)
{
    (void)state;
    hist h;
    assert_int_equal(hist_init(&h, 6), 0);
    assert_int_equal(h.count, 0);
    assert_int_equal(hist_percentile(&h, 0), 0);
    assert_int_equal(hist_percentile(&h, 50), 0);
    assert_int_equal(hist_percentile(&h, 99.9), 0);
    assert_int_equal(hist_percentile(&h, 100), 0);
    assert_true(hist_mean(&h) == 0.0);
    hist_free(&h);
    hist_free(&h);   /* a second free is harmless */
}

/* Every value below 2^(bits+1) has its own bucket: with all of them
 * recorded once (and a far larger one, so the max clamp cannot help), each
 * rank reads back its value exactly. */
static void check_exact_below(int bits)
{
    const uint64_t limit = UINT64_C(2) << bits;
    hist h;
    assert_int_equal(hist_init(&h, bits), 0);
    for (uint64_t v = 0; v < limit; v++)
        hist_record(&h, v);
    hist_record(&h, 1000000);
    const size_t n = (size_t)limit + 1;
    for (uint64_t k = 1; k <= limit; k++) {
        double p = 100.0 * ((double)k - 0.5) / (double)n;   /* rank k */
        assert_int_equal(hist_percentile(&h, p), k - 1);
    }
    hist_free(&h);
}

static void test_exact_below_two_powers_bits(void **state)
{
    (void)state;
    check_exact_below(3);
    check_exact_below(6);
}

/* The same small value many times, beside a large one: still exact. */
static void test_small_values_exact_among_many(void **state)
{
    (void)state;
    hist h;
    assert_int_equal(hist_init(&h, 6), 0);
    for (int i = 0; i < 1000; i++)
        hist_record(&h, 127);
    for (int i = 0; i < 1000; i++)
        hist_record(&h, 5);
    hist_record(&h, 99999);
    assert_int_equal(hist_percentile(&h, 25), 5);
    assert_int_equal(hist_percentile(&h, 49.9), 5);
    assert_int_equal(hist_percentile(&h, 50.1), 127);
    assert_int_equal(hist_percentile(&h, 99.9), 127);
    hist_free(&h);
}

/* 100k lognormal samples: each percentile within 1/2^bits of the true one
 * (hist.h's promise), and count, sum, min, max exact. */
static void check_relative_error(int bits)
{
    enum { N = 100000 };
    static uint64_t values[N];
    static const double ps[] = {0.01, 1, 5, 10, 25, 33.3, 50, 66.6, 75, 90, 95, 99, 99.5, 99.9, 99.99};
    hist h;
    assert_int_equal(hist_init(&h, bits), 0);
    rng_state = 42 + (uint64_t)bits;
    uint64_t sum = 0;
    for (size_t i = 0; i < N; i++) {
        values[i] = lognormal_us();
        sum += values[i];
        hist_record(&h, values[i]);
    }
    qsort(values, N, sizeof values[0], cmp_u64);
    assert_int_equal(h.count, N);
    assert_int_equal(h.sum, sum);
    assert_int_equal(h.min, values[0]);
    assert_int_equal(h.max, values[N - 1]);
    assert_true(fabs(hist_mean(&h) - (double)sum / N) < 1e-6);
    /* a wide range of magnitudes, or the test proves little */
    assert_true(values[0] < 200);
    assert_true(values[N - 1] > 100000);

    const double bound = 1.0 / (double)(1 << bits);
    for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++) {
        uint64_t want = true_percentile(values, N, ps[i]);
        uint64_t got = hist_percentile(&h, ps[i]);
        double err = fabs((double)got - (double)want) / (double)want;
        if (err > bound)
            fail_msg("bits %d p%g: read %llu, true %llu (error %.4f > %.4f)", bits, ps[i],
                     (unsigned long long)got, (unsigned long long)want, err, bound);
    }
    hist_free(&h);
}

static void test_percentiles_within_relative_error(void **state)
{
    (void)state;
    check_relative_error(6);   /* the steps' precision: under 1.6% */
    check_relative_error(3);   /* the timeline's: under 12.5% */
}

/* Uniform values over several powers of two, every percentile 1..99. */
static void test_percentiles_uniform_every_integer_p(void **state)
{
    (void)state;
    enum { N = 20000 };
    static uint64_t values[N];
    hist h;
    assert_int_equal(hist_init(&h, 6), 0);
    rng_state = 7;
    for (size_t i = 0; i < N; i++) {
        values[i] = 100 + next_u64() % 5000000;
        hist_record(&h, values[i]);
    }
    qsort(values, N, sizeof values[0], cmp_u64);
    uint64_t last = 0;
    for (int p = 1; p <= 99; p++) {
        uint64_t want = true_percentile(values, N, p);
        uint64_t got = hist_percentile(&h, p);
        assert_true(fabs((double)got - (double)want) <= (double)want / 64.0);
        assert_true(got >= last);   /* percentiles never go down */
        last = got;
    }
    hist_free(&h);
}

/* A larger value reads back as the middle of its bucket (2^bits buckets a
 * power of two), so the error is at most half a bucket: within 1/2^(bits+1). */
static void test_percentile_reads_middle_of_bucket(void **state)
{
    (void)state;
    static const uint64_t values[] = {128, 129, 1000, 4097, 65535, 1000000, 123456789, UINT64_C(99999999999)};
    static const int bits[] = {3, 6};
    for (size_t b = 0; b < 2; b++) {
        for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
            uint64_t v = values[i];
            hist h;
            assert_int_equal(hist_init(&h, bits[b]), 0);
            hist_record(&h, 0);
            for (int k = 0; k < 10; k++)
                hist_record(&h, v);
            hist_record(&h, HIST_LIMIT);
            int m = 63 - __builtin_clzll(v);
            uint64_t width = m > bits[b] ? UINT64_C(1) << (m - bits[b]) : 1;
            uint64_t low = v & ~(width - 1);
            uint64_t want = width > 1 ? low + width / 2 : v;
            if (hist_percentile(&h, 50) != want)
                fail_msg("bits %d value %llu: read %llu, want %llu (bucket [%llu, %llu))", bits[b],
                         (unsigned long long)v, (unsigned long long)hist_percentile(&h, 50),
                         (unsigned long long)want, (unsigned long long)low,
                         (unsigned long long)(low + width));
            hist_free(&h);
        }
    }
}

static void test_p0_is_min_p100_is_max(void **state)
{
    (void)state;
    hist h;
    assert_int_equal(hist_init(&h, 6), 0);
    rng_state = 3;
    uint64_t min = UINT64_MAX, max = 0;
    for (int i = 0; i < 5000; i++) {
        uint64_t v = 1000 + lognormal_us();
        if (v < min)
            min = v;
        if (v > max)
            max = v;
        hist_record(&h, v);
    }
    /* min and max are exact although neither sits on a bucket's middle */
    assert_int_equal(hist_percentile(&h, 0), min);
    assert_int_equal(hist_percentile(&h, 100), max);
    assert_int_equal(hist_percentile(&h, -5), min);
    assert_int_equal(hist_percentile(&h, 250), max);
    /* nothing reads below the min or above the max */
    assert_true(hist_percentile(&h, 0.0001) >= min);
    assert_true(hist_percentile(&h, 99.9999) <= max);
    hist_free(&h);
}

static void test_one_value_reads_back_exactly(void **state)
{
    (void)state;
    hist h;
    assert_int_equal(hist_init(&h, 3), 0);
    hist_record(&h, 123457);
    assert_int_equal(hist_percentile(&h, 1), 123457);
    assert_int_equal(hist_percentile(&h, 50), 123457);
    assert_int_equal(hist_percentile(&h, 99), 123457);
    assert_true(hist_mean(&h) == 123457.0);
    hist_free(&h);
}

/* Merging two halves is the same as recording everything into one. */
static void test_merge_equals_recording_all(void **state)
{
    (void)state;
    hist a, b, all;
    assert_int_equal(hist_init(&a, 6), 0);
    assert_int_equal(hist_init(&b, 6), 0);
    assert_int_equal(hist_init(&all, 6), 0);
    rng_state = 11;
    for (int i = 0; i < 30000; i++) {
        uint64_t v = lognormal_us();
        hist_record(i % 3 == 0 ? &a : &b, v);
        hist_record(&all, v);
    }
    hist_record(&b, 1);         /* the min lives in b only */
    hist_record(&all, 1);
    hist_record(&a, 9999999);   /* the max in a only */
    hist_record(&all, 9999999);

    assert_int_equal(hist_merge(&a, &b), 0);
    assert_int_equal(a.nbuckets, all.nbuckets);
    assert_memory_equal(a.buckets, all.buckets, (size_t)all.nbuckets * sizeof *all.buckets);
    assert_int_equal(a.count, all.count);
    assert_int_equal(a.sum, all.sum);
    assert_int_equal(a.min, 1);
    assert_int_equal(a.max, 9999999);
    for (double p = 0; p <= 100; p += 2.5)
        assert_int_equal(hist_percentile(&a, p), hist_percentile(&all, p));
    hist_free(&a);
    hist_free(&b);
    hist_free(&all);
}

/* Empty on either side: the min is not taken from an empty histogram. */
static void test_merge_with_empty(void **state)
{
    (void)state;
    hist h, empty, into;
    assert_int_equal(hist_init(&h, 6), 0);
    assert_int_equal(hist_init(&empty, 6), 0);
    assert_int_equal(hist_init(&into, 6), 0);
    hist_record(&h, 500);
    hist_record(&h, 700);

    assert_int_equal(hist_merge(&h, &empty), 0);
    assert_int_equal(h.count, 2);
    assert_int_equal(h.min, 500);
    assert_int_equal(h.max, 700);

    assert_int_equal(hist_merge(&into, &h), 0);
    assert_int_equal(into.count, 2);
    assert_int_equal(into.sum, 1200);
    assert_int_equal(into.min, 500);
    assert_int_equal(into.max, 700);
    assert_int_equal(hist_percentile(&into, 0), 500);
    hist_free(&h);
    hist_free(&empty);
    hist_free(&into);
}

static void test_merge_of_different_precision_refused(void **state)
{
    (void)state;
    hist fine, coarse;
    assert_int_equal(hist_init(&fine, 6), 0);
    assert_int_equal(hist_init(&coarse, 3), 0);
    hist_record(&coarse, 1000);
    assert_int_equal(hist_merge(&fine, &coarse), -1);
    assert_int_equal(fine.count, 0);
    hist_free(&fine);
    hist_free(&coarse);
}

/* Values past 2^37 µs count as 2^37 - 1, in the last bucket, without
 * writing past the bucket array (ASan would tell). */
static void test_huge_values_clamp(void **state)
{
    (void)state;
    static const int bits[] = {3, 6};
    for (size_t b = 0; b < 2; b++) {
        hist h;
        assert_int_equal(hist_init(&h, bits[b]), 0);
        hist_record(&h, UINT64_MAX);
        hist_record(&h, UINT64_C(1) << 40);
        hist_record(&h, HIST_LIMIT + 1);
        hist_record(&h, HIST_LIMIT);
        assert_int_equal(h.count, 4);
        assert_int_equal(h.max, HIST_LIMIT);
        assert_int_equal(h.min, HIST_LIMIT);
        assert_int_equal(h.sum, 4 * HIST_LIMIT);
        assert_int_equal(h.buckets[h.nbuckets - 1], 4);
        assert_int_equal(hist_percentile(&h, 50), HIST_LIMIT);
        assert_int_equal(hist_percentile(&h, 100), HIST_LIMIT);

        hist_record(&h, 10);
        assert_int_equal(h.min, 10);
        assert_int_equal(hist_percentile(&h, 10), 10);
        /* the last bucket's middle, within the precision of the limit */
        uint64_t p90 = hist_percentile(&h, 90);
        assert_true(p90 <= HIST_LIMIT);
        assert_true((double)(HIST_LIMIT - p90) <= (double)HIST_LIMIT / (double)(1 << bits[b]));
        hist_free(&h);
    }
}

/* Just below the limit, values are still kept within the precision. */
static void test_large_values_below_limit_kept(void **state)
{
    (void)state;
    hist h;
    assert_int_equal(hist_init(&h, 6), 0);
    const uint64_t hour = UINT64_C(3600000000);
    for (int i = 0; i < 10; i++)
        hist_record(&h, hour);
    hist_record(&h, 1);
    hist_record(&h, HIST_LIMIT);
    uint64_t p50 = hist_percentile(&h, 50);
    assert_true(fabs((double)p50 - (double)hour) <= (double)hour / 64.0);
    hist_free(&h);
}

/* ---- stats --------------------------------------------------------------- */

static const stats_error_count *find_error(const stats *s, int step, const char *what)
{
    for (int i = 0; i < s->nerrors; i++)
        if (s->error_list[i].step == step && strcmp(s->error_list[i].what, what) == 0)
            return &s->error_list[i];
    return NULL;
}

static void test_stats_counts_requests_and_named_errors(void **state)
{
    (void)state;
    stats s;
    assert_int_equal(stats_init(&s, 3), 0);
    assert_int_equal(stats_request(&s, 0, 1000, 0, NULL), 0);
    assert_int_equal(stats_request(&s, 0, 3000, 0, NULL), 0);
    assert_int_equal(stats_request(&s, 1, 2000, 2, "status 503"), 0);
    assert_int_equal(stats_request(&s, 1, 2500, 2, "status 503"), 0);
    assert_int_equal(stats_request(&s, 1, 9000, 2, "timeout"), 0);
    assert_int_equal(stats_request(&s, 2, 10, 1, "status 503"), 0);

    assert_int_equal(s.requests, 6);
    assert_int_equal(s.errors, 4);
    assert_int_equal(s.step_count[0], 2);
    assert_int_equal(s.step_count[1], 3);
    assert_int_equal(s.step_count[2], 1);
    assert_int_equal(s.step_errors[0], 0);
    assert_int_equal(s.step_errors[1], 3);
    assert_int_equal(s.step_errors[2], 1);
    assert_int_equal(s.latency.count, 6);
    assert_int_equal(s.latency.max, 9000);
    assert_int_equal(s.step_latency[0].sum, 4000);
    assert_int_equal(s.live_requests, 6);
    assert_int_equal(s.live_errors, 4);

    /* one entry per (step, error): the same text at another step is apart */
    assert_int_equal(s.nerrors, 3);
    assert_int_equal(find_error(&s, 1, "status 503")->count, 2);
    assert_int_equal(find_error(&s, 1, "timeout")->count, 1);
    assert_int_equal(find_error(&s, 2, "status 503")->count, 1);
    assert_null(find_error(&s, 0, "status 503"));

    /* the timeline grew to second 2; seconds without requests are zero */
    assert_int_equal(s.nseconds, 3);
    assert_int_equal(s.timeline[0].requests, 2);
    assert_int_equal(s.timeline[0].errors, 0);
    assert_int_equal(s.timeline[1].requests, 1);
    assert_int_equal(s.timeline[1].errors, 1);
    assert_int_equal(s.timeline[2].requests, 3);
    assert_int_equal(s.timeline[2].errors, 3);
    assert_int_equal(s.timeline[2].latency.count, 3);
    assert_int_equal(s.timeline[2].latency.bits, HIST_TIMELINE_BITS);
    stats_free(&s);
}

/* Many distinct errors and a long timeline make the lists grow. */
static void test_stats_lists_grow(void **state)
{
    (void)state;
    stats s;
    assert_int_equal(stats_init(&s, 2), 0);
    char what[32];
    for (int i = 0; i < 100; i++) {
        snprintf(what, sizeof what, "status %d", 400 + i);
        assert_int_equal(stats_request(&s, i % 2, 100, i * 3, what), 0);
        assert_int_equal(stats_request(&s, i % 2, 100, i * 3, what), 0);
    }
    assert_int_equal(s.nerrors, 100);
    assert_int_equal(s.nseconds, 99 * 3 + 1);
    for (int i = 0; i < 100; i++) {
        snprintf(what, sizeof what, "status %d", 400 + i);
        const stats_error_count *e = find_error(&s, i % 2, what);
        assert_non_null(e);
        assert_int_equal(e->count, 2);
        assert_int_equal(s.timeline[i * 3].requests, 2);
    }
    stats_free(&s);
}

static void test_stats_negative_second_counts_as_first(void **state)
{
    (void)state;
    stats s;
    assert_int_equal(stats_init(&s, 1), 0);
    assert_int_equal(stats_request(&s, 0, 100, -3, NULL), 0);
    assert_int_equal(s.nseconds, 1);
    assert_int_equal(s.timeline[0].requests, 1);
    stats_free(&s);
}

static void test_stats_journeys_and_active(void **state)
{
    (void)state;
    stats s;
    assert_int_equal(stats_init(&s, 1), 0);
    stats_journey(&s, 50000, 1);
    stats_journey(&s, 70000, 0);
    stats_dropped(&s);
    assert_int_equal(s.journeys, 2);
    assert_int_equal(s.journeys_failed, 1);
    assert_int_equal(s.journeys_dropped, 1);
    assert_int_equal(s.journey_time.count, 2);
    assert_int_equal(s.journey_time.max, 70000);
    assert_int_equal(s.live_journeys, 2);
    /* a second's active is the most seen in it */
    stats_active(&s, 1, 5);
    stats_active(&s, 1, 9);
    stats_active(&s, 1, 7);
    assert_int_equal(s.nseconds, 2);
    assert_int_equal(s.timeline[0].active, 0);
    assert_int_equal(s.timeline[1].active, 9);
    stats_free(&s);
}

/* Two threads' stats merged: counts add up, histograms merge, the error
 * names are kept (shared ones added), the timelines add second by second
 * and the longer one sets the length. */
static void test_stats_merge(void **state)
{
    (void)state;
    stats a, b, into;
    assert_int_equal(stats_init(&a, 2), 0);
    assert_int_equal(stats_init(&b, 2), 0);
    assert_int_equal(stats_init(&into, 2), 0);

    stats_request(&a, 0, 1000, 0, NULL);
    stats_request(&a, 1, 2000, 1, "status 500");
    stats_request(&a, 1, 2000, 1, "connection reset");
    stats_active(&a, 0, 3);
    stats_active(&a, 1, 4);
    stats_journey(&a, 3000, 0);

    stats_request(&b, 0, 10, 0, NULL);
    stats_request(&b, 0, 20, 3, NULL);
    stats_request(&b, 1, 4000, 4, "status 500");
    stats_request(&b, 0, 5000, 4, "timeout");
    stats_active(&b, 0, 2);
    stats_active(&b, 4, 6);
    stats_journey(&b, 100, 1);
    stats_journey(&b, 200, 1);
    stats_dropped(&b);

    assert_int_equal(stats_merge(&into, &a), 0);
    assert_int_equal(stats_merge(&into, &b), 0);

    assert_int_equal(into.requests, 7);
    assert_int_equal(into.errors, 4);
    assert_int_equal(into.step_count[0], 4);
    assert_int_equal(into.step_count[1], 3);
    assert_int_equal(into.step_errors[0], 1);
    assert_int_equal(into.step_errors[1], 3);
    assert_int_equal(into.latency.count, 7);
    assert_int_equal(into.latency.min, 10);
    assert_int_equal(into.latency.max, 5000);
    assert_int_equal(into.step_latency[0].count, 4);
    assert_int_equal(into.step_latency[0].min, 10);
    assert_int_equal(into.step_latency[1].sum, 8000);
    assert_int_equal(into.journeys, 3);
    assert_int_equal(into.journeys_failed, 1);
    assert_int_equal(into.journeys_dropped, 1);
    assert_int_equal(into.journey_time.count, 3);
    assert_int_equal(into.journey_time.max, 3000);

    assert_int_equal(into.nerrors, 3);
    assert_int_equal(find_error(&into, 1, "status 500")->count, 2);
    assert_int_equal(find_error(&into, 1, "connection reset")->count, 1);
    assert_int_equal(find_error(&into, 0, "timeout")->count, 1);

    assert_int_equal(into.nseconds, 5);
    static const uint64_t requests[5] = {2, 2, 0, 1, 2};
    static const uint64_t errors[5] = {0, 2, 0, 0, 2};
    static const uint64_t active[5] = {5, 4, 0, 0, 6};   /* threads' VUs add up */
    for (int i = 0; i < 5; i++) {
        assert_int_equal(into.timeline[i].requests, requests[i]);
        assert_int_equal(into.timeline[i].errors, errors[i]);
        assert_int_equal(into.timeline[i].active, active[i]);
        assert_int_equal(into.timeline[i].latency.count, requests[i]);
    }
    assert_int_equal(into.timeline[4].latency.max, 5000);

    /* the sources are untouched */
    assert_int_equal(a.requests, 3);
    assert_int_equal(b.nerrors, 2);
    assert_int_equal(b.nseconds, 5);

    /* merging again adds again */
    assert_int_equal(stats_merge(&into, &a), 0);
    assert_int_equal(into.requests, 10);
    assert_int_equal(find_error(&into, 1, "status 500")->count, 3);
    assert_int_equal(into.nerrors, 3);

    stats_free(&a);
    stats_free(&b);
    stats_free(&into);
}

static void test_stats_merge_of_empty_changes_nothing(void **state)
{
    (void)state;
    stats s, empty;
    assert_int_equal(stats_init(&s, 2), 0);
    assert_int_equal(stats_init(&empty, 2), 0);
    stats_request(&s, 1, 700, 0, "status 404");
    assert_int_equal(stats_merge(&s, &empty), 0);
    assert_int_equal(s.requests, 1);
    assert_int_equal(s.latency.min, 700);
    assert_int_equal(s.nerrors, 1);
    assert_int_equal(s.nseconds, 1);
    assert_int_equal(stats_merge(&empty, &s), 0);
    assert_int_equal(empty.requests, 1);
    assert_int_equal(empty.latency.min, 700);
    assert_string_equal(empty.error_list[0].what, "status 404");
    stats_free(&s);
    stats_free(&empty);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_histogram_reads_zero),
        cmocka_unit_test(test_exact_below_two_powers_bits),
        cmocka_unit_test(test_small_values_exact_among_many),
        cmocka_unit_test(test_percentiles_within_relative_error),
        cmocka_unit_test(test_percentiles_uniform_every_integer_p),
        cmocka_unit_test(test_percentile_reads_middle_of_bucket),
        cmocka_unit_test(test_p0_is_min_p100_is_max),
        cmocka_unit_test(test_one_value_reads_back_exactly),
        cmocka_unit_test(test_merge_equals_recording_all),
        cmocka_unit_test(test_merge_with_empty),
        cmocka_unit_test(test_merge_of_different_precision_refused),
        cmocka_unit_test(test_huge_values_clamp),
        cmocka_unit_test(test_large_values_below_limit_kept),
        cmocka_unit_test(test_stats_counts_requests_and_named_errors),
        cmocka_unit_test(test_stats_lists_grow),
        cmocka_unit_test(test_stats_negative_second_counts_as_first),
        cmocka_unit_test(test_stats_journeys_and_active),
        cmocka_unit_test(test_stats_merge),
        cmocka_unit_test(test_stats_merge_of_empty_changes_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
