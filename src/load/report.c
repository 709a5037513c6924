/*
 * report.c - what a person reads after a run of rs-load (see report.h):
 * the k6-style summary on the terminal, the results as a JSON file, and
 * one self-contained HTML page with the settings, the same tables and
 * inline SVG charts over time.
 *
 * Every field is read with jansson's accessors, and a missing or mistyped
 * one reads as 0 or "", so a partial document (an interrupted run) still
 * renders. Step names and error texts come from outside: on the terminal
 * their control bytes print as '?', in HTML everything is escaped. Only
 * the HTML page allocates (an rs_buf); the summary writes straight to out.
 */
#include "report.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"
#include "rs_buf.h"

/* ---- reading the document ---------------------------------------------- */

/* A number that may be stored as an integer or a real; 0 when absent. */
static double num(const json_t *obj, const char *key)
{
    return json_number_value(json_object_get(obj, key));
}

/* A string field; "" when absent or not a string. */
static const char *text(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s != NULL ? s : "";
}

static int is_open_model(const json_t *results)
{
    return strcmp(text(results, "model"), "open") == 0;
}

/* ---- numbers as text ---------------------------------------------------- */

/* At most `decimals` decimals, trailing zeros dropped: 1.5, 2, 0.25. */
static void format_plain(double v, int decimals, char *out, size_t n)
{
    if (fabs(v) >= 1e15) {
        snprintf(out, n, "%.3g", v);
        return;
    }
    snprintf(out, n, "%.*f", decimals, v);
    if (strchr(out, '.') != NULL) {
        char *end = out + strlen(out) - 1;
        while (*end == '0')
            *end-- = '\0';
        if (*end == '.')
            *end = '\0';
    }
    if (strcmp(out, "-0") == 0)
        snprintf(out, n, "0");
}

static void format_count(double v, char *out, size_t n)
{
    format_plain(v, 0, out, n);
}

/* Per-second rates: 1029, 166.6, 8.33. */
static void format_rate(double v, char *out, size_t n)
{
    if (v == 0)
        snprintf(out, n, "0");
    else if (fabs(v) >= 1e15)
        snprintf(out, n, "%.3g", v);
    else if (fabs(v) >= 1000)
        snprintf(out, n, "%.0f", v);
    else if (fabs(v) >= 10)
        snprintf(out, n, "%.1f", v);
    else
        snprintf(out, n, "%.2f", v);
}

/* A fraction as a percentage: 0%, <0.01%, 0.25%, 12.5%. */
static void format_percent(double fraction, char *out, size_t n)
{
    double p = fraction * 100;
    if (p == 0)
        snprintf(out, n, "0%%");
    else if (p < 0.01)
        snprintf(out, n, "<0.01%%");
    else if (p < 10)
        snprintf(out, n, "%.2f%%", p);
    else if (p < 100)
        snprintf(out, n, "%.1f%%", p);
    else
        snprintf(out, n, "%.0f%%", p);
}

/* Three significant digits with a unit: 3.21ms, 32.1ms, 321ms. */
static void format_3sig(double v, const char *unit, char *out, size_t n)
{
    if (v < 9.995)
        snprintf(out, n, "%.2f%s", v, unit);
    else if (v < 99.95)
        snprintf(out, n, "%.1f%s", v, unit);
    else if (v < 1e15)
        snprintf(out, n, "%.0f%s", v, unit);
    else
        snprintf(out, n, "%.3g%s", v, unit);
}

/* A latency in microseconds: 412µs, 3.21ms, 1.20s. */
static void format_latency(double us, char *out, size_t n)
{
    if (!(us >= 0))
        snprintf(out, n, "-");
    else if (us < 999.5)
        snprintf(out, n, "%.0fµs", us);
    else if (us < 999500)
        format_3sig(us / 1e3, "ms", out, n);
    else
        format_3sig(us / 1e6, "s", out, n);
}

/* How long the load ran: 42.5s, 2m00s, 1h05m00s. */
static void format_duration(double s, char *out, size_t n)
{
    if (!(s >= 0)) {
        snprintf(out, n, "-");
    } else if (s < 60) {
        snprintf(out, n, "%.1fs", s);
    } else if (s >= 1e9) {
        snprintf(out, n, "%.3gs", s);
    } else {
        long long t = llround(s);
        if (t < 3600)
            snprintf(out, n, "%lldm%02llds", t / 60, t % 60);
        else
            snprintf(out, n, "%lldh%02lldm%02llds", t / 3600, t / 60 % 60,
                     t % 60);
    }
}

/* "7 (0.06%)", or "0". */
static void format_errors(double errors, double count, char *out, size_t n)
{
    char e[32], pct[32];
    format_count(errors, e, sizeof e);
    if (errors == 0 || !(count > 0)) {
        snprintf(out, n, "%s", e);
        return;
    }
    format_percent(errors / count, pct, sizeof pct);
    snprintf(out, n, "%s (%s)", e, pct);
}

/* A threshold's actual value, which the engine may give as text or number. */
static void format_value(const json_t *v, char *out, size_t n)
{
    if (json_is_string(v))
        snprintf(out, n, "%s", json_string_value(v));
    else if (json_is_number(v))
        format_plain(json_number_value(v), 3, out, n);
    else if (json_is_boolean(v))
        snprintf(out, n, "%s", json_is_true(v) ? "true" : "false");
    else
        snprintf(out, n, "-");
}

/* ---- describing the run ------------------------------------------------- */

/* "closed model, 1000 VUs" or "open model, 200 journeys/s". */
static void describe_load(const json_t *results, char *out, size_t n)
{
    char v[32];
    if (is_open_model(results)) {
        format_rate(num(results, "rate"), v, sizeof v);
        snprintf(out, n, "open model, %s journeys/s", v);
    } else {
        format_count(num(results, "vus"), v, sizeof v);
        snprintf(out, n, "closed model, %s VUs", v);
    }
}

/* "1s" or "0.5–2s"; "" for the open model or when not given. */
static void describe_think(const json_t *results, char *out, size_t n)
{
    const json_t *think = json_object_get(results, "think_s");
    char lo[32], hi[32];
    out[0] = '\0';
    if (is_open_model(results))
        return;
    if (json_is_number(think)) {
        format_plain(json_number_value(think), 2, lo, sizeof lo);
        snprintf(out, n, "%ss", lo);
    } else if (json_is_array(think) && json_array_size(think) >= 1) {
        double a = json_number_value(json_array_get(think, 0));
        double b = json_array_size(think) >= 2
                       ? json_number_value(json_array_get(think, 1)) : a;
        format_plain(a, 2, lo, sizeof lo);
        format_plain(b, 2, hi, sizeof hi);
        if (a == b)
            snprintf(out, n, "%ss", lo);
        else
            snprintf(out, n, "%s–%ss", lo, hi);
    }
}

/* One stage: "30s→100 VUs" or "30s→200/s". */
static void describe_stage(const json_t *stage, int open, char *out, size_t n)
{
    char d[32], t[32];
    format_plain(num(stage, "duration_s"), 2, d, sizeof d);
    if (open) {
        format_rate(num(stage, "target"), t, sizeof t);
        snprintf(out, n, "%ss→%s/s", d, t);
    } else {
        format_count(num(stage, "target"), t, sizeof t);
        snprintf(out, n, "%ss→%s VUs", d, t);
    }
}

/* ---- the summary table, shared by the terminal and the page ------------- */

enum { SUMMARY_COLS = 9, LATENCY_COLS = 5 };

static const char *const summary_heads[SUMMARY_COLS] = {
    "step", "count", "req/s", "errors", "p50", "p90", "p95", "p99", "max"};
static const char *const latency_keys[LATENCY_COLS] = {
    "p50", "p90", "p95", "p99", "max"};

/* The cells after the name column. */
struct summary_row {
    char cell[SUMMARY_COLS - 1][72];
};

/* A step (count key "count") or the totals (count key "requests"). */
static void fill_summary_row(const json_t *row, const char *count_key,
                             struct summary_row *r)
{
    const json_t *lat = json_object_get(row, "latency_us");
    double count = num(row, count_key);
    format_count(count, r->cell[0], sizeof r->cell[0]);
    format_rate(num(row, "rps"), r->cell[1], sizeof r->cell[1]);
    format_errors(num(row, "errors"), count, r->cell[2], sizeof r->cell[2]);
    for (int i = 0; i < LATENCY_COLS; i++)
        format_latency(num(lat, latency_keys[i]), r->cell[3 + i],
                       sizeof r->cell[3 + i]);
}

/* ---- terminal output ---------------------------------------------------- */

/* Columns a UTF-8 string takes: one per code point. */
static size_t text_width(const char *s)
{
    size_t w = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p & 0xC0) != 0x80)
            w++;
    return w;
}

/* Prints s with control bytes (terminal escapes among them) as '?'. */
static void print_clean(FILE *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        fputc(*p < 0x20 || *p == 0x7F ? '?' : *p, out);
}

static void print_padding(FILE *out, size_t n)
{
    while (n-- > 0)
        fputc(' ', out);
}

static void print_cell(FILE *out, const char *s, size_t width, int right)
{
    size_t w = text_width(s);
    size_t pad = w < width ? width - w : 0;
    if (right)
        print_padding(out, pad);
    print_clean(out, s);
    if (!right)
        print_padding(out, pad);
}

static void print_rule(FILE *out, size_t width)
{
    fputs("  ", out);
    while (width-- > 0)
        fputs("─", out);
    fputc('\n', out);
}

static void widen_summary_columns(size_t *width, const char *name,
                                  const struct summary_row *r)
{
    size_t w = text_width(name);
    if (w > width[0])
        width[0] = w;
    for (int i = 1; i < SUMMARY_COLS; i++) {
        w = text_width(r->cell[i - 1]);
        if (w > width[i])
            width[i] = w;
    }
}

static void print_summary_row(FILE *out, const size_t *width,
                              const char *name, const char *const *cells)
{
    fputs("  ", out);
    print_cell(out, name, width[0], 0);
    for (int i = 1; i < SUMMARY_COLS; i++) {
        fputs("  ", out);
        print_cell(out, cells[i - 1], width[i], 1);
    }
    fputc('\n', out);
}

static void print_filled_row(FILE *out, const size_t *width, const char *name,
                             const struct summary_row *r)
{
    const char *cells[SUMMARY_COLS - 1];
    for (int i = 0; i < SUMMARY_COLS - 1; i++)
        cells[i] = r->cell[i];
    print_summary_row(out, width, name, cells);
}

static void print_header(const json_t *results, FILE *out)
{
    char load[96], think[80], dur[32], threads[32];
    describe_load(results, load, sizeof load);
    describe_think(results, think, sizeof think);
    format_duration(num(results, "duration_s"), dur, sizeof dur);
    format_count(num(results, "threads"), threads, sizeof threads);

    fputs("\n  scenario ", out);
    print_clean(out, text(results, "scenario"));
    fprintf(out, " · %s", load);
    if (think[0] != '\0')
        fprintf(out, " · think %s", think);
    fprintf(out, " · %s · %s thread%s", dur, threads,
            strcmp(threads, "1") == 0 ? "" : "s");
    if (text(results, "target")[0] != '\0') {
        fputs(" · ", out);
        print_clean(out, text(results, "target"));
    }
    fputc('\n', out);

    const json_t *stages = json_object_get(results, "stages");
    if (json_array_size(stages) > 0) {
        int open = is_open_model(results);
        size_t i;
        const json_t *stage;
        fputs("  stages   ", out);
        json_array_foreach(stages, i, stage) {
            char s[96];
            describe_stage(stage, open, s, sizeof s);
            fprintf(out, "%s%s", i > 0 ? ", " : "", s);
        }
        fputc('\n', out);
    }
    fputc('\n', out);
}

static void print_summary_table(const json_t *results, FILE *out)
{
    const json_t *steps = json_object_get(results, "steps");
    const json_t *step;
    struct summary_row r;
    size_t width[SUMMARY_COLS], i, total = 0;

    for (int c = 0; c < SUMMARY_COLS; c++)
        width[c] = text_width(summary_heads[c]);
    fill_summary_row(json_object_get(results, "totals"), "requests", &r);
    widen_summary_columns(width, "all requests", &r);
    json_array_foreach(steps, i, step) {
        fill_summary_row(step, "count", &r);
        widen_summary_columns(width, text(step, "name"), &r);
    }
    for (int c = 0; c < SUMMARY_COLS; c++)
        total += width[c] + (c > 0 ? 2 : 0);

    print_summary_row(out, width, summary_heads[0], summary_heads + 1);
    print_rule(out, total);
    json_array_foreach(steps, i, step) {
        fill_summary_row(step, "count", &r);
        print_filled_row(out, width, text(step, "name"), &r);
    }
    if (json_array_size(steps) > 0)
        print_rule(out, total);
    fill_summary_row(json_object_get(results, "totals"), "requests", &r);
    print_filled_row(out, width, "all requests", &r);
    fputc('\n', out);
}

static void print_journeys(const json_t *results, FILE *out)
{
    const json_t *j = json_object_get(results, "journeys");
    const json_t *d = json_object_get(j, "duration_us");
    char count[32], failed[32], dropped[32], rate[32];
    char p50[32], p95[32], p99[32];
    if (!json_is_object(j))
        return;
    format_count(num(j, "count"), count, sizeof count);
    format_count(num(j, "failed"), failed, sizeof failed);
    format_count(num(j, "dropped"), dropped, sizeof dropped);
    format_rate(num(j, "per_s"), rate, sizeof rate);
    format_latency(num(d, "p50"), p50, sizeof p50);
    format_latency(num(d, "p95"), p95, sizeof p95);
    format_latency(num(d, "p99"), p99, sizeof p99);
    fprintf(out, "  journeys %s, %s failed, %s dropped · %s/s · "
                 "duration p50 %s  p95 %s  p99 %s\n\n",
            count, failed, dropped, rate, p50, p95, p99);
}

static void print_errors(const json_t *results, FILE *out)
{
    const json_t *errors = json_object_get(results, "errors");
    const json_t *e;
    size_t i, wstep = strlen("step"), werr = strlen("error"),
              wcount = strlen("count");
    char count[32];
    if (json_array_size(errors) == 0)
        return;
    json_array_foreach(errors, i, e) {
        size_t w = text_width(text(e, "step"));
        if (w > wstep)
            wstep = w;
        w = text_width(text(e, "error"));
        if (w > werr)
            werr = w;
        format_count(num(e, "count"), count, sizeof count);
        if (strlen(count) > wcount)
            wcount = strlen(count);
    }
    fputs("  errors\n    ", out);
    print_cell(out, "step", wstep, 0);
    fputs("  ", out);
    print_cell(out, "error", werr, 0);
    fputs("  ", out);
    print_cell(out, "count", wcount, 1);
    fputc('\n', out);
    json_array_foreach(errors, i, e) {
        fputs("    ", out);
        print_cell(out, text(e, "step"), wstep, 0);
        fputs("  ", out);
        print_cell(out, text(e, "error"), werr, 0);
        fputs("  ", out);
        format_count(num(e, "count"), count, sizeof count);
        print_cell(out, count, wcount, 1);
        fputc('\n', out);
    }
    fputc('\n', out);
}

static void print_thresholds(const json_t *results, FILE *out)
{
    const json_t *thresholds = json_object_get(results, "thresholds");
    const json_t *t;
    size_t i, wexpr = 0, broken = 0;
    char actual[96];
    if (json_array_size(thresholds) == 0)
        return;
    json_array_foreach(thresholds, i, t) {
        size_t w = text_width(text(t, "expr"));
        if (w > wexpr)
            wexpr = w;
    }
    fputs("  thresholds\n", out);
    json_array_foreach(thresholds, i, t) {
        int ok = json_is_true(json_object_get(t, "ok"));
        broken += !ok;
        fprintf(out, "    %s ", ok ? "✓" : "✗");
        print_cell(out, text(t, "expr"), wexpr, 0);
        fputs("  ", out);
        format_value(json_object_get(t, "actual"), actual, sizeof actual);
        print_clean(out, actual);
        fputc('\n', out);
    }
    if (broken == 0)
        fputs("\n  ✓ passed: every threshold held\n\n", out);
    else
        fprintf(out, "\n  ✗ failed: %zu of %zu thresholds broken\n\n", broken,
                json_array_size(thresholds));
}

void report_print_summary(const json_t *results, FILE *out)
{
    print_header(results, out);
    print_summary_table(results, out);
    print_journeys(results, out);
    print_errors(results, out);
    print_thresholds(results, out);
    fflush(out);
}

/* ---- JSON --------------------------------------------------------------- */

int report_write_json(const json_t *results, const char *path)
{
    if (results == NULL || path == NULL) {
        errno = EINVAL;
        return -1;
    }
    errno = 0;
    if (json_dump_file(results, path, JSON_INDENT(2) | JSON_PRESERVE_ORDER)
        != 0) {
        if (errno == 0)
            errno = EIO;
        return -1;
    }
    return 0;
}

/* ---- HTML: text --------------------------------------------------------- */

/* Appends s with the five characters that mean something in HTML escaped,
 * so it is safe both as element text and inside a quoted attribute. */
static void html_escape(rs_buf *b, const char *s)
{
    const char *run = s;
    for (; *s; s++) {
        const char *rep;
        switch (*s) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        default: continue;
        }
        rs_buf_append(b, run, (size_t)(s - run));
        rs_buf_puts(b, rep);
        run = s + 1;
    }
    rs_buf_append(b, run, (size_t)(s - run));
}

static const char page_style[] =
    ":root{--fg:#1f2328;--muted:#656d76;--line:#d8dee4;--soft:#f6f8fa;"
    "--ok:#1a7f37;--bad:#cf222e}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;background:#fff;color:var(--fg);font:14px/1.5 system-ui,"
    "-apple-system,\"Segoe UI\",Roboto,\"Helvetica Neue\",Arial,sans-serif}\n"
    "main{max-width:1200px;margin:0 auto;padding:24px 24px 48px}\n"
    "header{display:flex;align-items:center;gap:12px;flex-wrap:wrap}\n"
    "h1{font-size:22px;margin:0}\n"
    "h2{font-size:16px;margin:32px 0 12px;padding-bottom:6px;"
    "border-bottom:1px solid var(--line)}\n"
    ".sub{color:var(--muted);margin:4px 0 0;overflow-wrap:break-word}\n"
    ".badge{font-size:13px;font-weight:600;padding:2px 10px;border-radius:12px;"
    "border:1px solid currentColor}\n"
    ".ok{color:var(--ok)}.bad{color:var(--bad)}.muted{color:var(--muted)}\n"
    "dl.settings{display:grid;grid-template-columns:max-content 1fr;"
    "gap:4px 24px;margin:0}\n"
    "dt{color:var(--muted)}dd{margin:0;overflow-wrap:break-word}\n"
    ".tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));"
    "gap:12px;margin-bottom:16px}\n"
    ".tile{border:1px solid var(--line);border-radius:6px;padding:10px 14px;"
    "background:var(--soft)}\n"
    ".tile b{display:block;font-size:20px;font-variant-numeric:tabular-nums}\n"
    ".tile span{color:var(--muted);font-size:12px}\n"
    ".scroll{overflow-x:auto}\n"
    "table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}\n"
    "th,td{padding:6px 10px;border-bottom:1px solid var(--line);text-align:left;"
    "vertical-align:top;overflow-wrap:break-word}\n"
    "th{font-weight:600;color:var(--muted);font-size:12px}\n"
    ".n{text-align:right;white-space:nowrap}\n"
    "tbody tr:hover{background:var(--soft)}\n"
    "tfoot td{font-weight:600;border-top:2px solid var(--line)}\n"
    "code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;"
    "font-size:13px}\n"
    ".steps td:first-child{white-space:nowrap}\n"
    ".charts{display:grid;grid-template-columns:repeat(auto-fit,"
    "minmax(min(480px,100%),1fr));gap:16px}\n"
    "figure{margin:0;border:1px solid var(--line);border-radius:6px;"
    "padding:12px 12px 6px}\n"
    "figcaption{display:flex;justify-content:space-between;flex-wrap:wrap;"
    "gap:4px 12px;font-weight:600;margin-bottom:6px}\n"
    ".legend{display:flex;flex-wrap:wrap;gap:12px;font-weight:400;font-size:12px;"
    "color:var(--muted)}\n"
    ".legend i{display:inline-block;width:14px;height:3px;border-radius:2px;"
    "vertical-align:middle;margin-right:6px}\n"
    "svg{display:block;width:100%;height:auto}\n"
    "svg text{font-size:12px;fill:var(--muted);font-family:system-ui,"
    "-apple-system,\"Segoe UI\",Roboto,Arial,sans-serif}\n"
    "svg .grid{stroke:#eaeef2;stroke-width:1}\n"
    "svg .axis{stroke:#8c959f;stroke-width:1}\n"
    "svg .nodata{font-size:15px}\n"
    "footer{margin-top:40px;color:var(--muted);font-size:12px}\n";

static void html_open(rs_buf *b, const json_t *results)
{
    rs_buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
                   "<meta charset=\"utf-8\">\n"
                   "<meta name=\"viewport\" content=\"width=device-width, "
                   "initial-scale=1\">\n"
                   "<meta name=\"generator\" content=\"rs-load\">\n<title>rs-load · ");
    html_escape(b, text(results, "scenario"));
    rs_buf_puts(b, " · ");
    html_escape(b, text(results, "started"));
    rs_buf_puts(b, "</title>\n<style>\n");
    rs_buf_puts(b, page_style);
    rs_buf_puts(b, "</style>\n</head>\n<body>\n<main>\n");
}

static void html_title(rs_buf *b, const json_t *results)
{
    const json_t *passed = json_object_get(results, "passed");
    rs_buf_puts(b, "<header><h1>rs-load report</h1>");
    if (json_array_size(json_object_get(results, "thresholds")) > 0 &&
        json_is_boolean(passed))
        rs_buf_puts(b, json_is_true(passed)
                           ? "<span class=\"badge ok\">✓ passed</span>"
                           : "<span class=\"badge bad\">✗ failed</span>");
    rs_buf_puts(b, "</header>\n<p class=\"sub\">");
    html_escape(b, text(results, "scenario"));
    rs_buf_puts(b, " against ");
    html_escape(b, text(results, "target"));
    rs_buf_puts(b, ", started ");
    html_escape(b, text(results, "started"));
    rs_buf_puts(b, "</p>\n");
}

static void html_setting(rs_buf *b, const char *name, const char *value)
{
    rs_buf_printf(b, "<dt>%s</dt><dd>", name);
    html_escape(b, value);
    rs_buf_puts(b, "</dd>\n");
}

static void html_settings(rs_buf *b, const json_t *results)
{
    char load[96], think[80], dur[32], threads[32], stage[96];
    const json_t *stages = json_object_get(results, "stages");
    const json_t *st;
    size_t i;

    describe_load(results, load, sizeof load);
    describe_think(results, think, sizeof think);
    format_duration(num(results, "duration_s"), dur, sizeof dur);
    format_count(num(results, "threads"), threads, sizeof threads);

    rs_buf_puts(b, "<h2>Run</h2>\n<dl class=\"settings\">\n");
    html_setting(b, "Scenario", text(results, "scenario"));
    html_setting(b, "Load", load);
    if (think[0] != '\0')
        html_setting(b, "Think time", think);
    if (json_array_size(stages) > 0) {
        rs_buf_puts(b, "<dt>Stages</dt><dd>");
        json_array_foreach(stages, i, st) {
            describe_stage(st, is_open_model(results), stage, sizeof stage);
            rs_buf_puts(b, i > 0 ? ", " : "");
            html_escape(b, stage);
        }
        rs_buf_puts(b, "</dd>\n");
    }
    html_setting(b, "Duration", dur);
    html_setting(b, "Threads", threads);
    html_setting(b, "Target", text(results, "target"));
    html_setting(b, "Started", text(results, "started"));
    rs_buf_puts(b, "</dl>\n");
}

static void html_tile(rs_buf *b, const char *value, const char *label,
                      const char *cls)
{
    rs_buf_printf(b, "<div class=\"tile\"><b%s%s%s>", cls ? " class=\"" : "",
                  cls ? cls : "", cls ? "\"" : "");
    html_escape(b, value);
    rs_buf_printf(b, "</b><span>%s</span></div>\n", label);
}

static void html_tiles(rs_buf *b, const json_t *results)
{
    const json_t *totals = json_object_get(results, "totals");
    const json_t *lat = json_object_get(totals, "latency_us");
    const json_t *j = json_object_get(results, "journeys");
    char v[64];

    rs_buf_puts(b, "<div class=\"tiles\">\n");
    format_count(num(totals, "requests"), v, sizeof v);
    html_tile(b, v, "requests", NULL);
    format_rate(num(totals, "rps"), v, sizeof v);
    html_tile(b, v, "requests/s", NULL);
    format_percent(num(totals, "error_rate"), v, sizeof v);
    html_tile(b, v, "error rate", num(totals, "errors") > 0 ? "bad" : NULL);
    format_latency(num(lat, "p50"), v, sizeof v);
    html_tile(b, v, "p50 latency", NULL);
    format_latency(num(lat, "p95"), v, sizeof v);
    html_tile(b, v, "p95 latency", NULL);
    format_latency(num(lat, "p99"), v, sizeof v);
    html_tile(b, v, "p99 latency", NULL);
    if (json_is_object(j)) {
        format_count(num(j, "count"), v, sizeof v);
        html_tile(b, v, "journeys", NULL);
    }
    rs_buf_puts(b, "</div>\n");
}

static void html_summary_row(rs_buf *b, const char *name,
                             const struct summary_row *r)
{
    rs_buf_puts(b, "<tr><td><code>");
    html_escape(b, name);
    rs_buf_puts(b, "</code></td>");
    for (int i = 0; i < SUMMARY_COLS - 1; i++)
        rs_buf_printf(b, "<td class=\"n\">%s</td>", r->cell[i]);
    rs_buf_puts(b, "</tr>\n");
}

static void html_summary_table(rs_buf *b, const json_t *results)
{
    const json_t *steps = json_object_get(results, "steps");
    const json_t *step;
    struct summary_row r;
    size_t i;

    rs_buf_puts(b, "<div class=\"scroll\"><table class=\"steps\">\n"
                   "<thead><tr>");
    for (int c = 0; c < SUMMARY_COLS; c++)
        rs_buf_printf(b, "<th%s>%s</th>", c > 0 ? " class=\"n\"" : "",
                      summary_heads[c]);
    rs_buf_puts(b, "</tr></thead>\n<tbody>\n");
    json_array_foreach(steps, i, step) {
        fill_summary_row(step, "count", &r);
        html_summary_row(b, text(step, "name"), &r);
    }
    rs_buf_puts(b, "</tbody>\n<tfoot>\n");
    fill_summary_row(json_object_get(results, "totals"), "requests", &r);
    rs_buf_puts(b, "<tr><td>all requests</td>");
    for (int c = 0; c < SUMMARY_COLS - 1; c++)
        rs_buf_printf(b, "<td class=\"n\">%s</td>", r.cell[c]);
    rs_buf_puts(b, "</tr>\n</tfoot>\n</table></div>\n");
}

static void html_journeys(rs_buf *b, const json_t *results)
{
    const json_t *j = json_object_get(results, "journeys");
    const json_t *d = json_object_get(j, "duration_us");
    static const char *const keys[] = {"p50", "p90", "p95", "p99", "max"};
    char v[48];
    if (!json_is_object(j))
        return;
    rs_buf_puts(b, "<h2>Journeys</h2>\n<div class=\"scroll\"><table>\n"
                   "<thead><tr><th class=\"n\">count</th><th class=\"n\">failed"
                   "</th><th class=\"n\">dropped</th><th class=\"n\">per s</th>");
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
        rs_buf_printf(b, "<th class=\"n\">duration %s</th>", keys[k]);
    rs_buf_puts(b, "</tr></thead>\n<tbody><tr>");
    format_count(num(j, "count"), v, sizeof v);
    rs_buf_printf(b, "<td class=\"n\">%s</td>", v);
    format_count(num(j, "failed"), v, sizeof v);
    rs_buf_printf(b, "<td class=\"n%s\">%s</td>",
                  num(j, "failed") > 0 ? " bad" : "", v);
    format_count(num(j, "dropped"), v, sizeof v);
    rs_buf_printf(b, "<td class=\"n%s\">%s</td>",
                  num(j, "dropped") > 0 ? " bad" : "", v);
    format_rate(num(j, "per_s"), v, sizeof v);
    rs_buf_printf(b, "<td class=\"n\">%s</td>", v);
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        format_latency(num(d, keys[k]), v, sizeof v);
        rs_buf_printf(b, "<td class=\"n\">%s</td>", v);
    }
    rs_buf_puts(b, "</tr></tbody>\n</table></div>\n");
}

/* A section of one table: its heading, then the table's head and a row
 * (written by row) for each of rows, or the line `none` when there are
 * none. */
static void html_table_section(rs_buf *b, const char *title, const json_t *rows,
                               const char *none, const char *head,
                               void (*row)(rs_buf *b, const json_t *item))
{
    const json_t *item;
    size_t i;

    rs_buf_printf(b, "<h2>%s</h2>\n", title);
    if (json_array_size(rows) == 0) {
        rs_buf_printf(b, "<p class=\"muted\">%s</p>\n", none);
        return;
    }
    rs_buf_printf(b, "<div class=\"scroll\"><table>\n<thead><tr>%s</tr></thead>\n<tbody>\n", head);
    json_array_foreach(rows, i, item)
        row(b, item);
    rs_buf_puts(b, "</tbody>\n</table></div>\n");
}

static void html_error_row(rs_buf *b, const json_t *e)
{
    char count[32];

    rs_buf_puts(b, "<tr><td><code>");
    html_escape(b, text(e, "step"));
    rs_buf_puts(b, "</code></td><td>");
    html_escape(b, text(e, "error"));
    format_count(num(e, "count"), count, sizeof count);
    rs_buf_printf(b, "</td><td class=\"n\">%s</td></tr>\n", count);
}

static void html_threshold_row(rs_buf *b, const json_t *t)
{
    int ok = json_is_true(json_object_get(t, "ok"));
    char actual[96];

    rs_buf_printf(b, "<tr><td class=\"%s\">%s</td><td><code>",
                  ok ? "ok" : "bad", ok ? "✓" : "✗");
    html_escape(b, text(t, "expr"));
    format_value(json_object_get(t, "actual"), actual, sizeof actual);
    rs_buf_puts(b, "</code></td><td class=\"n\">");
    html_escape(b, actual);
    rs_buf_printf(b, "</td><td class=\"%s\">%s</td></tr>\n",
                  ok ? "ok" : "bad", ok ? "passed" : "failed");
}

static void html_errors(rs_buf *b, const json_t *results)
{
    html_table_section(b, "Errors", json_object_get(results, "errors"), "No errors.",
                       "<th>step</th><th>error</th><th class=\"n\">count</th>",
                       html_error_row);
}

static void html_thresholds(rs_buf *b, const json_t *results)
{
    html_table_section(b, "Thresholds", json_object_get(results, "thresholds"), "None set.",
                       "<th></th><th>threshold</th><th class=\"n\">actual</th><th>result</th>",
                       html_threshold_row);
}

/* ---- HTML: charts ------------------------------------------------------- */

/* Latencies plot in ms, or in s when the worst of them passes 10 s. */
static double latency_divisor(const json_t *timeline)
{
    const json_t *p;
    size_t i;
    json_array_foreach(timeline, i, p) {
        if (num(p, "p50_us") >= 1e7 || num(p, "p95_us") >= 1e7 ||
            num(p, "p99_us") >= 1e7)
            return 1e6;
    }
    return 1e3;
}

static void html_charts(rs_buf *b, const json_t *results)
{
    const json_t *timeline = json_object_get(results, "timeline");
    int open = is_open_model(results);
    double lat = latency_divisor(timeline);
    const struct chart throughput = {
        "Throughput (per second)", 1, 1, 2,
        {{"requests", "requests/s", CHART_COLOR_BLUE, 1},
         {"errors", "errors/s", CHART_COLOR_RED, 0}}};
    const struct chart latency = {
        lat == 1e6 ? "Latency (s)" : "Latency (ms)", lat, 0, 3,
        {{"p50_us", "p50", CHART_COLOR_BLUE, 0},
         {"p95_us", "p95", CHART_COLOR_AMBER, 0},
         {"p99_us", "p99", CHART_COLOR_ROSE, 0}}};
    const struct chart errors = {
        "Errors per second", 1, 1, 1, {{"errors", "errors/s", CHART_COLOR_RED, 1}}};
    const struct chart active = {
        open ? "Journeys in flight" : "Active VUs", 1, 1, 1,
        {{"active", open ? "journeys in flight" : "VUs in the load", CHART_COLOR_TEAL, 1}}};

    rs_buf_puts(b, "<h2>Over time</h2>\n<div class=\"charts\">\n");
    chart_svg(b, timeline, &throughput);
    chart_svg(b, timeline, &latency);
    chart_svg(b, timeline, &errors);
    chart_svg(b, timeline, &active);
    rs_buf_puts(b, "</div>\n");
}

static void html_page(rs_buf *b, const json_t *results)
{
    html_open(b, results);
    html_title(b, results);
    html_settings(b, results);
    rs_buf_puts(b, "<h2>Summary</h2>\n");
    html_tiles(b, results);
    html_summary_table(b, results);
    html_journeys(b, results);
    html_charts(b, results);
    html_errors(b, results);
    html_thresholds(b, results);
    rs_buf_puts(b, "<footer>Generated by rs-load. Latencies are per request; "
                   "the charts have one point per second of the run."
                   "</footer>\n</main>\n</body>\n</html>\n");
}

/* Writes len bytes to path; 0, or -1 with errno set. */
static int write_whole_file(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "w");
    int err = 0;
    if (f == NULL)
        return -1;
    errno = 0;
    if (fwrite(data, 1, len, f) != len)
        err = errno != 0 ? errno : EIO;
    errno = 0;
    if (fclose(f) != 0 && err == 0)
        err = errno != 0 ? errno : EIO;
    if (err != 0) {
        errno = err;
        return -1;
    }
    return 0;
}

int report_write_html(const json_t *results, const char *path)
{
    rs_buf b = RS_BUF_INIT;
    int rc, err;
    if (results == NULL || path == NULL) {
        errno = EINVAL;
        return -1;
    }
    html_page(&b, results);
    if (b.failed || b.data == NULL) {
        rs_buf_free(&b);
        errno = ENOMEM;
        return -1;
    }
    rc = write_whole_file(path, b.data, b.len);
    err = errno;
    rs_buf_free(&b);
    errno = err;
    return rc;
}
