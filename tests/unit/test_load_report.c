/*
 * test_load_report.c - unit tests for rs-load's report (src/load/report.c):
 * the HTML page (four charts, escaping, no scripts, empty and one-point
 * timelines, extreme values), the JSON round trip and the terminal summary.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "report.h"

#define STRANGE_STEP "GET /x?<a>&b"

static char dir[] = "/tmp/test_load_report.XXXXXX";

static int make_dir(void **state)
{
    (void)state;
    return mkdtemp(dir) != NULL ? 0 : -1;
}

static int remove_dir(void **state)
{
    (void)state;
    static const char *const names[] = {"r.html", "r.json"};
    char path[256];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    return rmdir(dir);
}

static const char *path_in_dir(const char *name)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return path;
}

static json_t *latency(double scale)
{
    /* integers and reals mixed, as the engine may write either */
    return json_pack("{s:i, s:f, s:i, s:f, s:i, s:i, s:i}",
                     "min", (json_int_t)(80 * scale), "mean", 950.5 * scale,
                     "p50", (json_int_t)(412 * scale), "p90", 2100.0 * scale,
                     "p95", (json_int_t)(3210 * scale),
                     "p99", (json_int_t)(9800 * scale),
                     "max", (json_int_t)(1200000 * scale));
}

/* One entry per second: requests ramp up, errors burst at t = 3. */
static json_t *timeline(int seconds, double magnitude)
{
    json_t *t = json_array();
    for (int i = 1; i <= seconds; i++) {
        double req = magnitude * i;
        json_array_append_new(
            t, json_pack("{s:i, s:f, s:i, s:i, s:f, s:f, s:f, s:f}", "t",
                         (json_int_t)i, "requests", req, "errors",
                         (json_int_t)(i == 3 ? 7 : 0), "active",
                         (json_int_t)(10 * i), "p50_us", 400.0 * magnitude,
                         "p95_us", 3000.0 * magnitude, "p99_us",
                         9000.0 * magnitude, "max_us", 20000.0 * magnitude));
    }
    return t;
}

static json_t *results(json_t *tl)
{
    json_t *steps = json_pack(
        "[{s:s, s:i, s:i, s:f, s:o}, {s:s, s:i, s:i, s:f, s:o}]",
        "name", "GET /api/catalogue/products", "count", (json_int_t)1000,
        "errors", (json_int_t)0, "rps", 100.0, "latency_us", latency(1),
        "name", STRANGE_STEP, "count", (json_int_t)200, "errors",
        (json_int_t)7, "rps", 20.0, "latency_us", latency(2));
    json_t *r = json_pack(
        "{s:s, s:i, s:s, s:s, s:s, s:s, s:i, s:i, s:[f,f], s:[{s:i,s:i}],"
        " s:i, s:f}",
        "tool", "rs-load", "version", (json_int_t)1,
        "started", "2026-11-25T09:40:00Z", "target", "http://127.0.0.1:8080",
        "scenario", "browse", "model", "closed", "vus", (json_int_t)50,
        "rate", (json_int_t)0, "think_s", 0.5, 2.0, "stages", "duration_s",
        (json_int_t)10, "target", (json_int_t)50, "threads", (json_int_t)2,
        "duration_s", 10.02);
    assert_non_null(steps);
    assert_non_null(r);
    json_object_set_new(r, "totals",
                        json_pack("{s:i, s:i, s:f, s:f, s:o}", "requests",
                                  (json_int_t)1200, "errors", (json_int_t)7,
                                  "error_rate", 7 / 1200.0, "rps", 119.8,
                                  "latency_us", latency(1.2)));
    json_object_set_new(r, "journeys",
                        json_pack("{s:i, s:i, s:i, s:f, s:o}", "count",
                                  (json_int_t)300, "failed", (json_int_t)3,
                                  "dropped", (json_int_t)0, "per_s", 29.9,
                                  "duration_us", latency(10)));
    json_object_set_new(r, "steps", steps);
    json_object_set_new(r, "errors",
                        json_pack("[{s:s, s:s, s:i}]", "step", STRANGE_STEP,
                                  "error", "status 503 <Service Unavailable>",
                                  "count", (json_int_t)7));
    json_object_set_new(r, "timeline", tl);
    json_object_set_new(r, "thresholds",
                        json_pack("[{s:s, s:s, s:b}, {s:s, s:f, s:b}]", "expr",
                                  "p95<200ms", "actual", "3.85ms", "ok", 1,
                                  "expr", "error_rate<0.1%", "actual", 0.58,
                                  "ok", 0));
    json_object_set_new(r, "passed", json_false());
    return r;
}

static char *read_whole(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    assert_true(n >= 0);
    rewind(f);
    char *s = malloc((size_t)n + 1);
    assert_non_null(s);
    assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = '\0';
    fclose(f);
    return s;
}

static int count_of(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* The page for r, as a string to free. */
static char *render_html(const json_t *r)
{
    const char *path = path_in_dir("r.html");
    assert_int_equal(report_write_html(r, path), 0);
    return read_whole(path);
}

/* No NaN or infinity leaked into the drawings. */
static void assert_svgs_are_finite(const char *html)
{
    for (const char *p = strstr(html, "<svg"); p; p = strstr(p + 1, "<svg")) {
        const char *end = strstr(p, "</svg>");
        assert_non_null(end);
        size_t len = (size_t)(end - p);
        char *svg = strndup(p, len);
        assert_non_null(svg);
        assert_null(strstr(svg, "nan"));
        assert_null(strstr(svg, "inf"));
        free(svg);
    }
}

static void test_html_has_charts_and_escapes(void **state)
{
    (void)state;
    json_t *r = results(timeline(10, 100));
    char *html = render_html(r);
    assert_true(strncmp(html, "<!DOCTYPE html>", 15) == 0);
    assert_int_equal(count_of(html, "<svg"), 4);
    assert_int_equal(count_of(html, "</svg>"), 4);
    assert_non_null(strstr(html, "GET /x?&lt;a&gt;&amp;b"));
    assert_null(strstr(html, STRANGE_STEP));
    assert_non_null(strstr(html, "status 503 &lt;Service Unavailable&gt;"));
    assert_null(strstr(html, "<script"));
    assert_null(strstr(html, "<SCRIPT"));
    assert_null(strstr(html, "src="));
    assert_null(strstr(html, "href="));
    assert_null(strstr(html, "no data"));
    assert_non_null(strstr(html, "<polyline"));
    assert_non_null(strstr(html, "all requests"));
    assert_non_null(strstr(html, "✗"));
    assert_non_null(strstr(html, "✓"));
    assert_non_null(strstr(html, "<h2>Errors</h2>\n<div class=\"scroll\"><table>\n<thead><tr>"
                                 "<th>step</th><th>error</th><th class=\"n\">count</th>"
                                 "</tr></thead>\n<tbody>\n<tr><td><code>"));
    assert_non_null(strstr(html, "<h2>Thresholds</h2>\n<div class=\"scroll\"><table>\n<thead><tr>"
                                 "<th></th><th>threshold</th><th class=\"n\">actual</th>"
                                 "<th>result</th></tr></thead>\n<tbody>\n<tr>"));
    assert_non_null(strstr(html, "</html>"));
    assert_svgs_are_finite(html);
    free(html);
    json_decref(r);
}

/* The errors and thresholds sections: every row, then the table closed;
 * or one line saying there are none. */
static void test_html_sections_close_or_say_none(void **state)
{
    (void)state;
    json_t *r = results(timeline(5, 10));
    char *html = render_html(r);
    const char *closed = "</tbody>\n</table></div>\n";
    assert_int_equal(count_of(html, closed), 3);   /* journeys, errors, thresholds */
    assert_non_null(strstr(html, "<td class=\"n\">7</td></tr>\n</tbody>\n</table></div>\n"));
    assert_int_equal(count_of(html, "<td class=\"ok\">passed</td></tr>\n"), 1);
    assert_non_null(strstr(html, "<td class=\"bad\">failed</td></tr>\n</tbody>\n</table></div>\n"));
    assert_null(strstr(html, "No errors."));
    assert_null(strstr(html, "None set."));
    free(html);

    json_object_set_new(r, "errors", json_array());
    json_object_set_new(r, "thresholds", json_array());
    html = render_html(r);
    assert_non_null(strstr(html, "<h2>Errors</h2>\n<p class=\"muted\">No errors.</p>\n"));
    assert_non_null(strstr(html, "<h2>Thresholds</h2>\n<p class=\"muted\">None set.</p>\n"));
    assert_int_equal(count_of(html, closed), 1);   /* journeys only */
    free(html);
    json_decref(r);
}

static void test_json_round_trip(void **state)
{
    (void)state;
    json_t *r = results(timeline(5, 10));
    const char *path = path_in_dir("r.json");
    assert_int_equal(report_write_json(r, path), 0);
    json_error_t error;
    json_t *back = json_load_file(path, 0, &error);
    assert_non_null(back);
    assert_true(json_equal(r, back));
    /* indented, and in the document's order */
    char *s = read_whole(path);
    assert_non_null(strstr(s, "{\n  \"tool\": \"rs-load\",\n  \"version\": 1"));
    free(s);
    json_decref(back);
    json_decref(r);
}

static void test_write_to_missing_directory_fails(void **state)
{
    (void)state;
    json_t *r = results(timeline(3, 1));
    errno = 0;
    assert_int_equal(report_write_html(r, "/nonexistent/dir/r.html"), -1);
    assert_int_equal(errno, ENOENT);
    errno = 0;
    assert_int_equal(report_write_json(r, "/nonexistent/dir/r.json"), -1);
    assert_int_not_equal(errno, 0);
    json_decref(r);
}

static char *summary_of(const json_t *r)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_non_null(out);
    report_print_summary(r, out);
    assert_int_equal(fclose(out), 0);
    assert_non_null(text);
    return text;
}

static void test_summary_lists_steps_and_thresholds(void **state)
{
    (void)state;
    json_t *r = results(timeline(10, 100));
    char *text = summary_of(r);
    assert_non_null(strstr(text, "GET /api/catalogue/products"));
    assert_non_null(strstr(text, STRANGE_STEP));
    assert_non_null(strstr(text, "all requests"));
    assert_non_null(strstr(text, "browse"));
    assert_non_null(strstr(text, "50 VUs"));
    assert_non_null(strstr(text, "think 0.5–2s"));
    assert_non_null(strstr(text, "http://127.0.0.1:8080"));
    assert_non_null(strstr(text, "412µs"));
    assert_non_null(strstr(text, "3.21ms"));
    assert_non_null(strstr(text, "1.20s"));
    assert_non_null(strstr(text, "7 (3.50%)"));
    assert_non_null(strstr(text, "status 503"));
    assert_non_null(strstr(text, "✓ p95<200ms"));
    assert_non_null(strstr(text, "✗ error_rate<0.1%"));
    assert_non_null(strstr(text, "0.58"));
    assert_non_null(strstr(text, "journeys 300, 3 failed, 0 dropped"));
    free(text);
    json_decref(r);
}

static void test_summary_columns_line_up(void **state)
{
    (void)state;
    json_t *r = results(timeline(1, 1));
    char *text = summary_of(r);
    /* every table line is as wide as the header, in characters */
    const char *head = strstr(text, "  step");
    assert_non_null(head);
    size_t width = 0;
    for (const char *p = head; *p && *p != '\n'; p++)
        width += ((unsigned char)*p & 0xC0) != 0x80;
    const char *names[] = {"  GET /api/catalogue/products", ("  " STRANGE_STEP),
                           "  all requests"};
    for (size_t i = 0; i < 3; i++) {
        const char *line = strstr(text, names[i]);
        assert_non_null(line);
        size_t w = 0;
        for (const char *p = line; *p && *p != '\n'; p++)
            w += ((unsigned char)*p & 0xC0) != 0x80;
        assert_int_equal(w, width);
    }
    free(text);
    json_decref(r);
}

static void test_summary_cleans_control_bytes(void **state)
{
    (void)state;
    json_t *r = results(json_array());
    json_t *steps = json_object_get(r, "steps");
    json_object_set_new(json_array_get(steps, 0), "name",
                        json_string("GET /\x1b[31mred"));
    char *text = summary_of(r);
    assert_null(strchr(text, '\x1b'));
    assert_non_null(strstr(text, "GET /?[31mred"));
    free(text);
    json_decref(r);
}

static void test_empty_document_does_not_crash(void **state)
{
    (void)state;
    json_t *r = json_object();
    char *text = summary_of(r);
    assert_non_null(strstr(text, "all requests"));
    free(text);
    char *html = render_html(r);
    assert_int_equal(count_of(html, "<svg"), 4);
    assert_int_equal(count_of(html, "no data"), 4);
    free(html);
    json_decref(r);
}

static void test_empty_timeline_says_no_data(void **state)
{
    (void)state;
    json_t *r = results(json_array());
    char *html = render_html(r);
    assert_int_equal(count_of(html, "<svg"), 4);
    assert_int_equal(count_of(html, "no data"), 4);
    assert_null(strstr(html, "<polyline"));
    free(html);
    json_decref(r);
}

static void test_single_timeline_point(void **state)
{
    (void)state;
    json_t *r = results(timeline(1, 100));
    char *html = render_html(r);
    assert_int_equal(count_of(html, "<svg"), 4);
    assert_null(strstr(html, "no data"));
    /* one dot per series: 2 + 3 + 1 + 1 */
    assert_int_equal(count_of(html, "<circle"), 7);
    assert_svgs_are_finite(html);
    free(html);
    json_decref(r);
}

static void test_all_zero_timeline(void **state)
{
    (void)state;
    json_t *tl = json_array();
    for (int i = 1; i <= 5; i++)
        json_array_append_new(tl, json_pack("{s:i, s:i, s:i, s:i, s:i, s:i, "
                                            "s:i}", "t", (json_int_t)i,
                                            "requests", (json_int_t)0,
                                            "errors", (json_int_t)0, "active",
                                            (json_int_t)0, "p50_us",
                                            (json_int_t)0, "p95_us",
                                            (json_int_t)0, "p99_us",
                                            (json_int_t)0));
    json_t *r = results(tl);
    char *html = render_html(r);
    assert_int_equal(count_of(html, "<svg"), 4);
    assert_int_equal(count_of(html, "<polyline"), 7);
    assert_svgs_are_finite(html);
    free(html);
    json_decref(r);
}

static void test_huge_values(void **state)
{
    (void)state;
    json_t *r = results(timeline(4, 1e300));
    json_array_append_new(json_object_get(r, "timeline"),
                          json_pack("{s:i, s:f, s:f}", "t", (json_int_t)5,
                                    "requests", 1.7e308, "p99_us", 1.7e308));
    char *html = render_html(r);
    assert_int_equal(count_of(html, "<svg"), 4);
    assert_svgs_are_finite(html);
    free(html);
    char *text = summary_of(r);
    free(text);
    json_decref(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_html_has_charts_and_escapes),
        cmocka_unit_test(test_html_sections_close_or_say_none),
        cmocka_unit_test(test_json_round_trip),
        cmocka_unit_test(test_write_to_missing_directory_fails),
        cmocka_unit_test(test_summary_lists_steps_and_thresholds),
        cmocka_unit_test(test_summary_columns_line_up),
        cmocka_unit_test(test_summary_cleans_control_bytes),
        cmocka_unit_test(test_empty_document_does_not_crash),
        cmocka_unit_test(test_empty_timeline_says_no_data),
        cmocka_unit_test(test_single_timeline_point),
        cmocka_unit_test(test_all_zero_timeline),
        cmocka_unit_test(test_huge_values),
    };
    return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
