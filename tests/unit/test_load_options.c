/*
 * test_load_options.c - unit tests for rs-load's command line
 * (src/load/options.c): durations, ranges, stages and thresholds read one
 * by one, the whole command line with its defaults, URL forms and
 * conflicting options, and the staged load over time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "options.h"

#define near(a, b) assert_true(fabs((a) - (b)) < 1e-9)

/* ---- options_parse_duration ----------------------------------------------------- */

static void check_duration(const char *s, double want)
{
    double got = -1;
    if (options_parse_duration(s, &got) != 0)
        fail_msg("options_parse_duration(\"%s\") refused", s);
    if (fabs(got - want) > 1e-9)
        fail_msg("options_parse_duration(\"%s\") = %g, want %g", s, got, want);
}

static void check_duration_refused(const char *s)
{
    double got = 12345;
    if (options_parse_duration(s, &got) != -1)
        fail_msg("options_parse_duration(\"%s\") accepted as %g", s, got);
    assert_true(got == 12345);   /* the output is left alone */
}

static void test_parse_duration(void **state)
{
    (void)state;
    check_duration("1m30s", 90);
    check_duration("500ms", 0.5);
    check_duration("250us", 0.00025);
    check_duration("250\xc2\xb5s", 0.00025);   /* 250µs */
    check_duration("2h", 7200);
    check_duration("45s", 45);
    check_duration("2m", 120);
    check_duration("1h2m3s", 3723);
    check_duration("1s500ms", 1.5);
    check_duration("1.5s", 1.5);
    check_duration("0.25", 0.25);
    check_duration("7", 7);
    check_duration("0", 0);
    check_duration(".5s", 0.5);
}

static void test_parse_duration_refuses(void **state)
{
    (void)state;
    check_duration_refused("");
    check_duration_refused("5x");
    check_duration_refused("-1s");
    check_duration_refused("1..2");
    check_duration_refused("s");
    check_duration_refused("ms");
    check_duration_refused("1m30");      /* a bare number only on its own */
    check_duration_refused("10 s");
    check_duration_refused(" 10s");
    check_duration_refused("10s ");
    check_duration_refused("1d");
    check_duration_refused("nan");
    check_duration_refused("inf");
    check_duration_refused("+5s");
    check_duration_refused("0x2s");      /* decimal digits only */
    check_duration_refused("1e3s");
    check_duration_refused("1.2.3s");
    check_duration_refused(".s");
    check_duration_refused("169h");      /* more than a week */
    check_duration_refused("9999999999999999999999999s");
}

/* ---- options_parse_range --------------------------------------------------------- */

static void test_parse_range(void **state)
{
    (void)state;
    double lo = -1, hi = -1;
    assert_int_equal(options_parse_range("1..3", &lo, &hi), 0);
    near(lo, 1);
    near(hi, 3);
    assert_int_equal(options_parse_range("0.5", &lo, &hi), 0);
    near(lo, 0.5);
    near(hi, 0.5);
    assert_int_equal(options_parse_range("500ms..2s", &lo, &hi), 0);
    near(lo, 0.5);
    near(hi, 2);
    assert_int_equal(options_parse_range("2..2", &lo, &hi), 0);
    near(lo, 2);
    near(hi, 2);
    assert_int_equal(options_parse_range("0..0", &lo, &hi), 0);
    near(hi, 0);
}

static void test_parse_range_refuses(void **state)
{
    (void)state;
    double lo, hi;
    assert_int_equal(options_parse_range("3..1", &lo, &hi), -1);   /* backwards */
    assert_int_equal(options_parse_range("..3", &lo, &hi), -1);
    assert_int_equal(options_parse_range("1..", &lo, &hi), -1);
    assert_int_equal(options_parse_range("1...3", &lo, &hi), -1);
    assert_int_equal(options_parse_range("a..b", &lo, &hi), -1);
    assert_int_equal(options_parse_range("", &lo, &hi), -1);
    assert_int_equal(options_parse_range("-1..2", &lo, &hi), -1);
    assert_int_equal(options_parse_range("1..2..3", &lo, &hi), -1);
}

/* ---- options_parse_stages -------------------------------------------------------- */

static void test_parse_stages(void **state)
{
    (void)state;
    load_stage st[LOAD_MAX_STAGES];
    int n = -1;
    assert_int_equal(options_parse_stages("30s:100,1m:1000,30s:0", st, LOAD_MAX_STAGES, &n), 0);
    assert_int_equal(n, 3);
    near(st[0].duration_s, 30);
    near(st[0].target, 100);
    near(st[1].duration_s, 60);
    near(st[1].target, 1000);
    near(st[2].duration_s, 30);
    near(st[2].target, 0);

    assert_int_equal(options_parse_stages("500ms:2.5", st, LOAD_MAX_STAGES, &n), 0);
    assert_int_equal(n, 1);
    near(st[0].duration_s, 0.5);
    near(st[0].target, 2.5);

    /* exactly as many as allowed */
    char list[512] = "";
    for (int i = 0; i < LOAD_MAX_STAGES; i++)
        strcat(list, i ? ",1s:1" : "1s:1");
    assert_int_equal(options_parse_stages(list, st, LOAD_MAX_STAGES, &n), 0);
    assert_int_equal(n, LOAD_MAX_STAGES);
}

static void test_parse_stages_refuses(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "", ",", "30s", "30s:", ":100", "30s:abc", "30s:-5", "30x:10", "30s:10x",
        "30s:10,1m", "30s:10:20", "30s:1e", "30s:10,", ",30s:10", "30s:10,,1m:5",
        "1s:1000001", "1s:99999999999999999999", "200h:10",
    };
    load_stage st[LOAD_MAX_STAGES];
    int n;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (options_parse_stages(bad[i], st, LOAD_MAX_STAGES, &n) != -1)
            fail_msg("options_parse_stages(\"%s\") accepted", bad[i]);
    /* one more than allowed */
    assert_int_equal(options_parse_stages("1s:1,1s:2,1s:3", st, 2, &n), -1);
    /* longer than the parser reads */
    char long_list[1100];
    memset(long_list, '1', sizeof long_list - 1);
    long_list[sizeof long_list - 1] = '\0';
    assert_int_equal(options_parse_stages(long_list, st, LOAD_MAX_STAGES, &n), -1);
}

/* ---- options_parse_threshold ----------------------------------------------------- */

static void check_threshold(const char *s, const char *metric, threshold_op op, double limit)
{
    load_threshold t;
    if (options_parse_threshold(s, &t) != 0)
        fail_msg("options_parse_threshold(\"%s\") refused", s);
    assert_string_equal(t.expr, s);
    assert_string_equal(t.metric, metric);
    assert_int_equal(t.op, op);
    if (fabs(t.limit - limit) > 1e-9 * (1 + fabs(limit)))
        fail_msg("options_parse_threshold(\"%s\"): limit %g, want %g", s, t.limit, limit);
}

static void test_parse_threshold(void **state)
{
    (void)state;
    check_threshold("p95<200ms", "p95", THRESHOLD_LT, 200000);          /* µs */
    check_threshold("errors<1%", "errors", THRESHOLD_LT, 0.01);
    check_threshold("errors<=0.5%", "errors", THRESHOLD_LE, 0.005);
    check_threshold("errors<0.02", "errors", THRESHOLD_LT, 0.02);       /* a fraction */
    check_threshold("rps>=1000", "rps", THRESHOLD_GE, 1000);
    check_threshold("rps>50.5", "rps", THRESHOLD_GT, 50.5);
    check_threshold("p99<=1s", "p99", THRESHOLD_LE, 1000000);
    check_threshold("p50<250us", "p50", THRESHOLD_LT, 250);
    check_threshold("p90<1m", "p90", THRESHOLD_LT, 60e6);
    check_threshold("max<2s", "max", THRESHOLD_LT, 2e6);
    check_threshold("mean>=1ms", "mean", THRESHOLD_GE, 1000);
    check_threshold("p95>10ms", "p95", THRESHOLD_GT, 10000);
    check_threshold("p95<200", "p95", THRESHOLD_LT, 200000);            /* bare: ms, as k6 */
    check_threshold("p99<=2.5", "p99", THRESHOLD_LE, 2500);
}

static void test_parse_threshold_refuses(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "foo<1", "p95<", "errors<abc", "", "<200ms", "p95", "p95=200ms", "p95<<200ms",
        "p95<abc", "rps<", "rps<10/s", "errors<1%%", "errors<-1%", "p95<-1s", "p999<1s",
        "latency<1s", "rps>1k",
        "p95<200000000000000000000000000000000000000000000000000000000000000000000ms",
    };
    load_threshold t;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (options_parse_threshold(bad[i], &t) != -1)
            fail_msg("options_parse_threshold(\"%s\") accepted", bad[i]);
}

/* ---- options_parse ------------------------------------------------------- */

/* Parses a NULL-terminated argument list; argv[0] is added. */
static int parse(load_options *o, char *err, const char *first, ...)
{
    char *argv[64];
    int argc = 0;
    argv[argc++] = "rs-load";
    va_list ap;
    va_start(ap, first);
    for (const char *a = first; a && argc < 63; a = va_arg(ap, const char *))
        argv[argc++] = (char *)a;
    va_end(ap);
    argv[argc] = NULL;
    err[0] = '\0';
    return options_parse(o, argc, argv, err, 256);
}

static void expect_refused(const char *want_in_message, int rc, const char *err)
{
    assert_int_equal(rc, -1);
    if (!strstr(err, want_in_message))
        fail_msg("message \"%s\" does not mention \"%s\"", err, want_in_message);
}

static void test_options_defaults(void **state)
{
    (void)state;
    load_options o;
    char err[256];
    assert_int_equal(parse(&o, err, "http://shop.example", NULL), 0);
    assert_string_equal(o.host, "shop.example");
    assert_string_equal(o.port, "80");
    assert_string_equal(o.path, "/");
    assert_string_equal(o.scenario, "browse");
    assert_int_equal(o.model, LOAD_MODEL_CLOSED);
    assert_int_equal(o.vus, 10);
    assert_int_equal(o.max_vus, 10000);
    near(o.duration_s, 10);
    near(o.timeout_s, 10);
    near(o.think_min_s, 0);
    near(o.think_max_s, 0);
    assert_int_equal(o.nstages, 0);
    assert_int_equal(o.nthresholds, 0);
    assert_true(o.threads >= 1);
    assert_int_equal(o.mix_weights[0], 7);
    assert_int_equal(o.mix_weights[1], 2);
    assert_int_equal(o.mix_weights[2], 1);
    assert_null(o.json_path);
    assert_null(o.html_path);
    assert_int_equal(o.quiet, 0);
}

static void test_options_url_forms(void **state)
{
    (void)state;
    load_options o;
    char err[256];
    assert_int_equal(parse(&o, err, "http://127.0.0.1:8080", NULL), 0);
    assert_string_equal(o.host, "127.0.0.1");
    assert_string_equal(o.port, "8080");
    assert_string_equal(o.path, "/");

    assert_int_equal(parse(&o, err, "http://localhost:9000/api/catalogue/products?x=1", NULL), 0);
    assert_string_equal(o.host, "localhost");
    assert_string_equal(o.port, "9000");
    assert_string_equal(o.path, "/api/catalogue/products?x=1");

    assert_int_equal(parse(&o, err, "http://web/health", NULL), 0);
    assert_string_equal(o.host, "web");
    assert_string_equal(o.port, "80");
    assert_string_equal(o.path, "/health");

    assert_int_equal(parse(&o, err, "http://h:00081/", NULL), 0);
    assert_string_equal(o.port, "81");

    static const char *const bad[] = {
        "https://shop.example", "shop.example:8080", "http://", "http://:8080",
        "http://h:", "http://h:0", "http://h:65536", "http://h:99999999",
        "http://h:80x", "http://h:abc", "http://h/a b", "http://h/a\r\nX: y", "ftp://h/",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = parse(&o, err, bad[i], NULL);
        if (rc != -1)
            fail_msg("URL \"%s\" accepted", bad[i]);
        assert_non_null(strstr(err, "URL"));
    }
    expect_refused("no URL", parse(&o, err, "-d", "5s", NULL), err);
    expect_refused("one URL", parse(&o, err, "http://a", "http://b", NULL), err);
}

static void test_options_everything(void **state)
{
    (void)state;
    load_options o;
    char err[256];
    int rc = parse(&o, err, "-s", "checkout", "-u", "50", "--think", "1..3", "-d", "1m30s", "-t", "4",
                   "--timeout", "500ms", "--json", "out.json", "--html", "out.html", "-q",
                   "--threshold", "p95<200ms, errors<1%,rps>=10", "http://h:1", NULL);
    if (rc != 0)
        fail_msg("refused: %s", err);
    assert_string_equal(o.scenario, "checkout");
    assert_int_equal(o.vus, 50);
    near(o.think_min_s, 1);
    near(o.think_max_s, 3);
    near(o.duration_s, 90);
    assert_int_equal(o.threads, 4);
    near(o.timeout_s, 0.5);
    assert_string_equal(o.json_path, "out.json");
    assert_string_equal(o.html_path, "out.html");
    assert_int_equal(o.quiet, 1);
    assert_int_equal(o.nthresholds, 3);
    assert_string_equal(o.thresholds[0].expr, "p95<200ms");
    assert_string_equal(o.thresholds[1].expr, "errors<1%");   /* the space is dropped */
    near(o.thresholds[1].limit, 0.01);
    assert_int_equal(o.thresholds[2].op, THRESHOLD_GE);
    near(options_total_duration(&o), 90);

    /* the long names */
    rc = parse(&o, err, "--scenario", "mix", "--mix", "1,2,3", "--vus", "3", "--duration", "2s",
               "--threads", "1", "--quiet", "http://h", NULL);
    if (rc != 0)
        fail_msg("refused: %s", err);
    assert_string_equal(o.scenario, "mix");
    assert_int_equal(o.mix_weights[0], 1);
    assert_int_equal(o.mix_weights[1], 2);
    assert_int_equal(o.mix_weights[2], 3);
    assert_int_equal(o.vus, 3);
    assert_int_equal(o.threads, 1);
    assert_int_equal(o.quiet, 1);

    /* thresholds given twice add up */
    rc = parse(&o, err, "--threshold", "p99<1s", "--threshold", "max<2s", "http://h", NULL);
    assert_int_equal(rc, 0);
    assert_int_equal(o.nthresholds, 2);
    assert_string_equal(o.thresholds[1].metric, "max");
}

static void test_options_rate_switches_to_open_model(void **state)
{
    (void)state;
    load_options o;
    char err[256];
    assert_int_equal(parse(&o, err, "--rate", "200", "http://h", NULL), 0);
    assert_int_equal(o.model, LOAD_MODEL_OPEN);
    near(o.rate, 200);
    near(options_target_at(&o, 0), 200);
    near(options_target_at(&o, 5), 200);

    assert_int_equal(parse(&o, err, "-r", "12.5/s", "--max-vus", "40", "http://h", NULL), 0);
    assert_int_equal(o.model, LOAD_MODEL_OPEN);
    near(o.rate, 12.5);
    assert_int_equal(o.max_vus, 40);

    expect_refused("--rate", parse(&o, err, "--rate", "0", "http://h", NULL), err);
    expect_refused("--rate", parse(&o, err, "--rate", "-5", "http://h", NULL), err);
    expect_refused("--rate", parse(&o, err, "--rate", "10/m", "http://h", NULL), err);
    expect_refused("--rate", parse(&o, err, "--rate", "fast", "http://h", NULL), err);
    expect_refused("--rate", parse(&o, err, "--rate", "1000001", "http://h", NULL), err);
}

static void test_options_conflicts_refused(void **state)
{
    (void)state;
    load_options o;
    char err[256];
    /* in either order */
    expect_refused("--vus and --rate", parse(&o, err, "--vus", "5", "--rate", "10", "http://h", NULL), err);
    expect_refused("--vus and --rate", parse(&o, err, "--rate", "10", "-u", "5", "http://h", NULL), err);
    expect_refused("--stages", parse(&o, err, "--stages", "1s:5", "-d", "10s", "http://h", NULL), err);
    expect_refused("--stages", parse(&o, err, "--duration", "10s", "--stages", "1s:5", "http://h", NULL), err);
    expect_refused("--think", parse(&o, err, "--think", "1..2", "--rate", "10", "http://h", NULL), err);
    expect_refused("--think", parse(&o, err, "-r", "10", "--think", "0.5", "http://h", NULL), err);
    /* a zero think time is no think time: allowed with --rate */
    assert_int_equal(parse(&o, err, "-r", "10", "--think", "0", "http://h", NULL), 0);
    expect_refused("--stages sets the VUs", parse(&o, err, "-u", "5", "--stages", "1s:5", "http://h", NULL), err);
    expect_refused("no stage has a VU", parse(&o, err, "--stages", "1s:0", "http://h", NULL), err);
}

static void test_options_threads_at_most_one_per_vu(void **state)
{
    (void)state;
    load_options o;
    char err[256];
    assert_int_equal(parse(&o, err, "-t", "8", "-u", "3", "http://h", NULL), 0);
    assert_int_equal(o.threads, 3);
    assert_int_equal(parse(&o, err, "-t", "8", "--rate", "50", "--max-vus", "2", "http://h", NULL), 0);
    assert_int_equal(o.threads, 2);
    assert_int_equal(parse(&o, err, "-t", "2", "-u", "100", "http://h", NULL), 0);
    assert_int_equal(o.threads, 2);
}

static void test_options_bad_values_refused(void **state)
{
    (void)state;
    load_options o;
    char err[256];
    expect_refused("unknown option --frobnicate", parse(&o, err, "--frobnicate", "1", "http://h", NULL), err);
    expect_refused("unknown option -x", parse(&o, err, "-x", "1", "http://h", NULL), err);
    expect_refused("--vus needs a value", parse(&o, err, "http://h", "--vus", NULL), err);
    expect_refused("-d needs a value", parse(&o, err, "http://h", "-d", NULL), err);
    expect_refused("--scenario", parse(&o, err, "-s", "shop", "http://h", NULL), err);
    expect_refused("--scenario", parse(&o, err, "-s", "browsebrowsebrowse", "http://h", NULL), err);
    expect_refused("--mix", parse(&o, err, "--mix", "1,2", "http://h", NULL), err);
    expect_refused("--mix", parse(&o, err, "--mix", "0,0,0", "http://h", NULL), err);
    expect_refused("--mix", parse(&o, err, "--mix", "1,-1,1", "http://h", NULL), err);
    expect_refused("--vus", parse(&o, err, "--vus", "0", "http://h", NULL), err);
    expect_refused("--vus", parse(&o, err, "--vus", "ten", "http://h", NULL), err);
    expect_refused("--vus", parse(&o, err, "--vus", "10x", "http://h", NULL), err);
    expect_refused("--vus", parse(&o, err, "--vus", "1000001", "http://h", NULL), err);
    expect_refused("--max-vus", parse(&o, err, "--max-vus", "0", "http://h", NULL), err);
    expect_refused("--duration", parse(&o, err, "-d", "0s", "http://h", NULL), err);
    expect_refused("--duration", parse(&o, err, "-d", "soon", "http://h", NULL), err);
    expect_refused("--threads", parse(&o, err, "-t", "0", "http://h", NULL), err);
    expect_refused("--threads", parse(&o, err, "-t", "257", "http://h", NULL), err);
    expect_refused("--timeout", parse(&o, err, "--timeout", "0", "http://h", NULL), err);
    expect_refused("--think", parse(&o, err, "--think", "3..1", "http://h", NULL), err);
    expect_refused("--stages", parse(&o, err, "--stages", "10s", "http://h", NULL), err);
    expect_refused("--threshold: cannot read 'p95<fast'",
                   parse(&o, err, "--threshold", "p95<fast", "http://h", NULL), err);
    expect_refused("--threshold", parse(&o, err, "--threshold", "p99<1s,foo<1", "http://h", NULL), err);

    /* more thresholds than kept */
    char list[512] = "";
    for (int i = 0; i <= LOAD_MAX_THRESHOLDS; i++)
        strcat(list, i ? ",p99<1s" : "p99<1s");
    expect_refused("--threshold", parse(&o, err, "--threshold", list, "http://h", NULL), err);

    /* a long message is cut to the buffer, never past it */
    char small[8];
    char *argv[] = {"rs-load", "--no-such-option-at-all", "1", "http://h", NULL};
    memset(small, 'x', sizeof small);
    assert_int_equal(options_parse(&o, 4, argv, small, sizeof small), -1);
    assert_int_equal(strlen(small), sizeof small - 1);
}

static void test_options_help(void **state)
{
    (void)state;
    load_options o;
    char err[256];
    assert_int_equal(parse(&o, err, "--help", NULL), 1);
    assert_int_equal(parse(&o, err, "-d", "1s", "-h", "http://h", NULL), 1);
}

/* ---- stages over time ---------------------------------------------------- */

static void test_target_constant(void **state)
{
    (void)state;
    load_options o;
    char err[256];
    assert_int_equal(parse(&o, err, "-u", "25", "-d", "30s", "http://h", NULL), 0);
    near(options_target_at(&o, 0), 25);
    near(options_target_at(&o, 29.9), 25);
    near(options_target_at(&o, 1000), 25);
    near(options_total_duration(&o), 30);
}

static void test_target_ramps_linearly(void **state)
{
    (void)state;
    load_options o;
    char err[256];
    assert_int_equal(parse(&o, err, "--stages", "10s:100,10s:100,10s:0", "http://h", NULL), 0);
    assert_int_equal(o.nstages, 3);
    assert_int_equal(o.vus, 100);   /* full load: the highest stage */
    near(options_total_duration(&o), 30);
    near(options_target_at(&o, 0), 0);      /* ramps up from nothing */
    near(options_target_at(&o, 2.5), 25);
    near(options_target_at(&o, 5), 50);
    near(options_target_at(&o, 10), 100);
    near(options_target_at(&o, 15), 100);
    near(options_target_at(&o, 20), 100);
    near(options_target_at(&o, 25), 50);
    near(options_target_at(&o, 29), 10);
    near(options_target_at(&o, 30), 0);     /* after the end: the last target */
    near(options_target_at(&o, 99), 0);

    /* the last target stays when it is not zero */
    assert_int_equal(parse(&o, err, "--stages", "1m:10,30s:40", "http://h", NULL), 0);
    near(options_total_duration(&o), 90);
    near(options_target_at(&o, 30), 5);
    near(options_target_at(&o, 75), 25);
    near(options_target_at(&o, 90), 40);
    near(options_target_at(&o, 500), 40);
    assert_int_equal(o.vus, 40);
}

static void test_target_stages_in_open_model(void **state)
{
    (void)state;
    load_options o;
    char err[256];
    assert_int_equal(parse(&o, err, "--rate", "1", "--stages", "4s:200,4s:50", "http://h", NULL), 0);
    assert_int_equal(o.model, LOAD_MODEL_OPEN);
    near(o.rate, 200);   /* the stages set the full rate */
    near(options_target_at(&o, 1), 50);
    near(options_target_at(&o, 6), 125);
    near(options_target_at(&o, 9), 50);
    near(options_total_duration(&o), 8);
}

/* A stage of zero length jumps to its target. */
static void test_target_zero_length_stage(void **state)
{
    (void)state;
    load_options o;
    char err[256];
    assert_int_equal(parse(&o, err, "--stages", "0s:50,10s:50,0s:10,5s:10", "http://h", NULL), 0);
    near(options_target_at(&o, 0), 50);
    near(options_target_at(&o, 5), 50);
    near(options_target_at(&o, 10), 10);
    near(options_target_at(&o, 12), 10);
    near(options_total_duration(&o), 15);
}

/* VUs from fractional targets round to the nearest. */
static void test_stages_full_load_rounds(void **state)
{
    (void)state;
    load_options o;
    char err[256];
    assert_int_equal(parse(&o, err, "--stages", "1s:2.6,1s:1", "http://h", NULL), 0);
    assert_int_equal(o.vus, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_duration),
        cmocka_unit_test(test_parse_duration_refuses),
        cmocka_unit_test(test_parse_range),
        cmocka_unit_test(test_parse_range_refuses),
        cmocka_unit_test(test_parse_stages),
        cmocka_unit_test(test_parse_stages_refuses),
        cmocka_unit_test(test_parse_threshold),
        cmocka_unit_test(test_parse_threshold_refuses),
        cmocka_unit_test(test_options_defaults),
        cmocka_unit_test(test_options_url_forms),
        cmocka_unit_test(test_options_everything),
        cmocka_unit_test(test_options_rate_switches_to_open_model),
        cmocka_unit_test(test_options_conflicts_refused),
        cmocka_unit_test(test_options_threads_at_most_one_per_vu),
        cmocka_unit_test(test_options_bad_values_refused),
        cmocka_unit_test(test_options_help),
        cmocka_unit_test(test_target_constant),
        cmocka_unit_test(test_target_ramps_linearly),
        cmocka_unit_test(test_target_stages_in_open_model),
        cmocka_unit_test(test_target_zero_length_stage),
        cmocka_unit_test(test_stages_full_load_rounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
