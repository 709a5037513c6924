/*
 * test_metrics.c - unit tests for rs_metrics: counters, gauges and
 * histograms with labels, and their Prometheus text exposition. Every
 * rendering is checked line by line against the text format rules
 * (HELP/TYPE before samples, name and label syntax, escaping, float
 * values, cumulative histogram buckets ending in +Inf), and the values
 * are checked exactly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <pthread.h>

#include <cmocka.h>

#include "rs_metrics.h"

/* ------------------------------------------------------------------ */
/* A checker for the Prometheus text format (version 0.0.4).          */
/* ------------------------------------------------------------------ */

#define CK_MAX_FAMILIES 128
#define CK_MAX_SERIES   512
#define CK_MAX_LABELS   16
#define CK_NAME_LEN     128
#define CK_KEY_LEN      512

typedef struct {
    char name[CK_NAME_LEN];
    char type[16];
    int  helps;
    int  types;
    int  samples;
} ck_family;

typedef struct {
    char   key[CK_KEY_LEN];   /* family name and labels other than le */
    int    buckets;
    double last_le;
    double last_bucket;
    bool   has_inf;
    double inf_count;
    int    sums;
    int    counts;
} ck_histogram;

typedef struct {
    ck_family    families[CK_MAX_FAMILIES];
    size_t       nfamilies;
    ck_family   *current;
    ck_histogram histograms[CK_MAX_SERIES];
    size_t       nhistograms;
    char         seen[CK_MAX_SERIES][CK_KEY_LEN]; /* name + all labels */
    size_t       nseen;
    int          lineno;
    char         why[256];
} checker;

/* The labels of one sample line. */
typedef struct {
    char names[CK_MAX_LABELS][CK_NAME_LEN];
    size_t count;
    char key[CK_KEY_LEN];     /* name=value pairs other than le */
    char all[CK_KEY_LEN];     /* every name=value pair */
    bool has_le;
    char le[64];
} ck_labels;

static int ck_fail(checker *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int ck_fail(checker *c, const char *fmt, ...)
{
    int n = snprintf(c->why, sizeof c->why, "line %d: ", c->lineno);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->why + n, sizeof c->why - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

static bool is_metric_name_start(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_' || ch == ':';
}

static bool is_label_name_start(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_';
}

static bool is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

/* Length of the metric name at s ([a-zA-Z_:][a-zA-Z0-9_:]*), 0 if none. */
static size_t metric_name_len(const char *s)
{
    if (!is_metric_name_start(s[0]))
        return 0;
    size_t n = 1;
    while (is_metric_name_start(s[n]) || is_digit(s[n]))
        n++;
    return n;
}

/* Length of the label name at s ([a-zA-Z_][a-zA-Z0-9_]*), 0 if none. */
static size_t label_name_len(const char *s)
{
    if (!is_label_name_start(s[0]))
        return 0;
    size_t n = 1;
    while (is_label_name_start(s[n]) || is_digit(s[n]))
        n++;
    return n;
}

/* Parses the whole of s[0..len) as a float (Go ParseFloat style). */
static bool parse_float(const char *s, size_t len, double *out)
{
    char buf[64];
    if (len == 0 || len >= sizeof buf || s[0] == ' ' || s[0] == '\t')
        return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *end = NULL;
    *out = strtod(buf, &end);
    return end == buf + len;
}

static void append(char *dst, size_t size, const char *src, size_t len)
{
    size_t used = strlen(dst);
    if (used + len + 1 > size)
        len = size - used - 1;
    memcpy(dst + used, src, len);
    dst[used + len] = '\0';
}

static ck_family *ck_find_family(checker *c, const char *name, size_t len)
{
    for (size_t i = 0; i < c->nfamilies; i++)
        if (strlen(c->families[i].name) == len && memcmp(c->families[i].name, name, len) == 0)
            return &c->families[i];
    return NULL;
}

/* "# HELP name text" or "# TYPE name kind". */
static int ck_comment(checker *c, const char *line)
{
    bool help = strncmp(line, "# HELP ", 7) == 0;
    bool type = strncmp(line, "# TYPE ", 7) == 0;
    if (!help && !type)
        return ck_fail(c, "unexpected comment: %s", line);
    const char *name = line + 7;
    size_t len = metric_name_len(name);
    if (len == 0 || len >= CK_NAME_LEN)
        return ck_fail(c, "bad metric name in: %s", line);
    const char *rest = name + len;
    if (rest[0] != ' ' && !(help && rest[0] == '\0'))
        return ck_fail(c, "no space after the name in: %s", line);
    ck_family *f = ck_find_family(c, name, len);
    if (f == NULL) {
        if (c->nfamilies == CK_MAX_FAMILIES)
            return ck_fail(c, "too many families");
        f = &c->families[c->nfamilies++];
        memcpy(f->name, name, len);
        f->name[len] = '\0';
    } else if (f != c->current) {
        return ck_fail(c, "family %s appears in two places", f->name);
    }
    if (f->samples > 0)
        return ck_fail(c, "HELP/TYPE for %s after its samples", f->name);
    c->current = f;
    if (help) {
        if (++f->helps > 1)
            return ck_fail(c, "second HELP for %s", f->name);
        /* the docstring may only escape backslash and newline */
        for (const char *p = rest; *p != '\0'; p++) {
            if (*p == '\\') {
                if (p[1] != '\\' && p[1] != 'n')
                    return ck_fail(c, "bad escape in HELP: %s", line);
                p++;
            }
        }
        return 0;
    }
    if (++f->types > 1)
        return ck_fail(c, "second TYPE for %s", f->name);
    const char *kind = rest + 1;
    if (strcmp(kind, "counter") != 0 && strcmp(kind, "gauge") != 0 &&
        strcmp(kind, "histogram") != 0 && strcmp(kind, "summary") != 0 &&
        strcmp(kind, "untyped") != 0)
        return ck_fail(c, "bad type in: %s", line);
    snprintf(f->type, sizeof f->type, "%s", kind);
    return 0;
}

/* Parses {a="x",b="y"} at *p; advances *p past it. */
static int ck_labels_parse(checker *c, const char **p, ck_labels *l)
{
    const char *s = *p;
    memset(l, 0, sizeof *l);
    if (*s != '{')
        return 0;
    s++;
    while (*s != '}') {
        size_t len = label_name_len(s);
        if (len == 0 || len >= CK_NAME_LEN)
            return ck_fail(c, "bad label name at: %s", s);
        if (l->count == CK_MAX_LABELS)
            return ck_fail(c, "too many labels");
        for (size_t i = 0; i < l->count; i++)
            if (strlen(l->names[i]) == len && memcmp(l->names[i], s, len) == 0)
                return ck_fail(c, "duplicate label at: %s", s);
        memcpy(l->names[l->count], s, len);
        l->names[l->count][len] = '\0';
        bool is_le = strcmp(l->names[l->count], "le") == 0;
        l->count++;
        const char *label = s;
        s += len;
        if (s[0] != '=' || s[1] != '"')
            return ck_fail(c, "expected =\" after label name at: %s", label);
        s += 2;
        char value[CK_KEY_LEN] = "";
        while (*s != '"') {
            char ch = *s;
            if (ch == '\0')
                return ck_fail(c, "unterminated label value at: %s", label);
            if (ch == '\\') {
                if (s[1] == '\\') ch = '\\';
                else if (s[1] == '"') ch = '"';
                else if (s[1] == 'n') ch = '\n';
                else return ck_fail(c, "bad escape in label value at: %s", label);
                s++;
            }
            append(value, sizeof value, &ch, 1);
            s++;
        }
        s++;   /* the closing quote */
        char pair[CK_KEY_LEN] = "";
        append(pair, sizeof pair, l->names[l->count - 1], strlen(l->names[l->count - 1]));
        append(pair, sizeof pair, "=", 1);
        append(pair, sizeof pair, value, strlen(value));
        append(pair, sizeof pair, "\x1f", 1);
        append(l->all, sizeof l->all, pair, strlen(pair));
        if (is_le) {
            l->has_le = true;
            append(l->le, sizeof l->le, value, strlen(value));
        } else {
            append(l->key, sizeof l->key, pair, strlen(pair));
        }
        if (*s == ',')
            s++;
        else if (*s != '}')
            return ck_fail(c, "expected , or } at: %s", s);
    }
    *p = s + 1;
    return 0;
}

static ck_histogram *ck_find_histogram(checker *c, const char *key, bool create)
{
    for (size_t i = 0; i < c->nhistograms; i++)
        if (strcmp(c->histograms[i].key, key) == 0)
            return &c->histograms[i];
    if (!create || c->nhistograms == CK_MAX_SERIES)
        return NULL;
    ck_histogram *h = &c->histograms[c->nhistograms++];
    snprintf(h->key, sizeof h->key, "%s", key);
    return h;
}

static int ck_histogram_sample(checker *c, const char *suffix, const ck_labels *l, double v)
{
    char key[CK_KEY_LEN] = "";
    append(key, sizeof key, c->current->name, strlen(c->current->name));
    append(key, sizeof key, "\x1e", 1);
    append(key, sizeof key, l->key, strlen(l->key));
    if (strcmp(suffix, "_bucket") == 0) {
        if (!l->has_le)
            return ck_fail(c, "bucket without le");
        double le;
        if (!parse_float(l->le, strlen(l->le), &le))
            return ck_fail(c, "le=\"%s\" is not a float", l->le);
        ck_histogram *h = ck_find_histogram(c, key, true);
        if (h == NULL)
            return ck_fail(c, "too many histogram series");
        if (h->has_inf)
            return ck_fail(c, "bucket after le=\"+Inf\"");
        if (h->sums > 0 || h->counts > 0)
            return ck_fail(c, "bucket after _sum/_count");
        if (h->buckets > 0 && !(le > h->last_le))
            return ck_fail(c, "le=\"%s\" not above the previous bound", l->le);
        if (h->buckets > 0 && v < h->last_bucket)
            return ck_fail(c, "bucket count %g below the previous %g", v, h->last_bucket);
        h->buckets++;
        h->last_le = le;
        h->last_bucket = v;
        if (isinf(le) && le > 0) {
            if (strcmp(l->le, "+Inf") != 0)
                return ck_fail(c, "+Inf spelt as le=\"%s\"", l->le);
            h->has_inf = true;
            h->inf_count = v;
        }
        return 0;
    }
    if (l->has_le)
        return ck_fail(c, "le label on a histogram %s line", suffix);
    ck_histogram *h = ck_find_histogram(c, key, false);
    if (h == NULL || !h->has_inf)
        return ck_fail(c, "%s before the le=\"+Inf\" bucket", suffix);
    if (strcmp(suffix, "_sum") == 0) {
        if (++h->sums > 1)
            return ck_fail(c, "second _sum");
        return 0;
    }
    if (++h->counts > 1)
        return ck_fail(c, "second _count");
    if (v != h->inf_count)
        return ck_fail(c, "_count %g differs from the +Inf bucket %g", v, h->inf_count);
    return 0;
}

static int ck_sample(checker *c, const char *line)
{
    size_t len = metric_name_len(line);
    if (len == 0)
        return ck_fail(c, "bad metric name in: %s", line);
    ck_family *f = c->current;
    if (f == NULL || f->helps != 1 || f->types != 1)
        return ck_fail(c, "sample without HELP and TYPE first: %s", line);
    size_t flen = strlen(f->name);
    const char *suffix = "";
    if (len != flen || memcmp(line, f->name, flen) != 0) {
        if (len <= flen || memcmp(line, f->name, flen) != 0 || strcmp(f->type, "histogram") != 0)
            return ck_fail(c, "sample outside its family %s: %s", f->name, line);
        suffix = line + flen;
        if (strncmp(suffix, "_bucket", len - flen) == 0 && len - flen == 7) suffix = "_bucket";
        else if (strncmp(suffix, "_sum", len - flen) == 0 && len - flen == 4) suffix = "_sum";
        else if (strncmp(suffix, "_count", len - flen) == 0 && len - flen == 6) suffix = "_count";
        else return ck_fail(c, "bad histogram suffix in: %s", line);
    } else if (strcmp(f->type, "histogram") == 0) {
        return ck_fail(c, "histogram sample without suffix: %s", line);
    }
    const char *p = line + len;
    ck_labels labels;
    if (ck_labels_parse(c, &p, &labels) != 0)
        return -1;
    if (*p != ' ')
        return ck_fail(c, "expected one space before the value: %s", line);
    p++;
    const char *end = strchr(p, ' ');
    size_t vlen = end ? (size_t)(end - p) : strlen(p);
    double v;
    if (!parse_float(p, vlen, &v))
        return ck_fail(c, "value is not a float: %s", line);
    if (end != NULL) {   /* optional timestamp: an integer */
        const char *t = end + 1;
        if (*t == '-')
            t++;
        if (*t == '\0')
            return ck_fail(c, "empty timestamp: %s", line);
        for (; *t != '\0'; t++)
            if (!is_digit(*t))
                return ck_fail(c, "bad timestamp: %s", line);
    }
    if (strcmp(f->type, "counter") == 0 && v < 0)
        return ck_fail(c, "negative counter: %s", line);
    /* each series once */
    char series[CK_KEY_LEN] = "";
    append(series, sizeof series, line, len);
    append(series, sizeof series, "\x1e", 1);
    append(series, sizeof series, labels.all, strlen(labels.all));
    for (size_t i = 0; i < c->nseen; i++)
        if (strcmp(c->seen[i], series) == 0)
            return ck_fail(c, "duplicate series: %s", line);
    if (c->nseen == CK_MAX_SERIES)
        return ck_fail(c, "too many samples");
    snprintf(c->seen[c->nseen++], CK_KEY_LEN, "%s", series);
    f->samples++;
    if (strcmp(f->type, "histogram") == 0)
        return ck_histogram_sample(c, suffix, &labels, v);
    return 0;
}

static int ck_finish(checker *c)
{
    for (size_t i = 0; i < c->nfamilies; i++) {
        const ck_family *f = &c->families[i];
        if (f->helps != 1 || f->types != 1)
            return ck_fail(c, "family %s lacks HELP or TYPE", f->name);
    }
    for (size_t i = 0; i < c->nhistograms; i++) {
        const ck_histogram *h = &c->histograms[i];
        if (!h->has_inf || h->sums != 1 || h->counts != 1)
            return ck_fail(c, "histogram series %s lacks +Inf, _sum or _count", h->key);
    }
    return 0;
}

/* 0 when text follows the format; -1 with the reason in why otherwise. */
static int check_exposition(const char *text, char *why, size_t whysize)
{
    checker *c = calloc(1, sizeof *c);
    assert_non_null(c);
    int rc = 0;
    size_t n = strlen(text);
    if (n > 0 && text[n - 1] != '\n') {
        rc = ck_fail(c, "text does not end with a newline");
    }
    const char *p = text;
    while (rc == 0 && *p != '\0') {
        c->lineno++;
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        char *line = strndup(p, len);
        assert_non_null(line);
        if (len == 0)
            rc = ck_fail(c, "empty line");
        else if (line[0] == '#')
            rc = ck_comment(c, line);
        else
            rc = ck_sample(c, line);
        free(line);
        p += len + (nl ? 1 : 0);
    }
    if (rc == 0)
        rc = ck_finish(c);
    snprintf(why, whysize, "%s", c->why);
    free(c);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Helpers for the tests.                                              */
/* ------------------------------------------------------------------ */

static int reset_metrics(void **state)
{
    (void)state;
    rs_metrics_reset();
    return 0;
}

/* Renders the registry and checks it follows the format. Caller frees. */
static char *render_checked(void)
{
    size_t len = 0;
    char *text = rs_metrics_render(&len);
    assert_non_null(text);
    assert_int_equal(strlen(text), len);
    char why[256];
    if (check_exposition(text, why, sizeof why) != 0)
        fail_msg("exposition format: %s\n%s", why, text);
    return text;
}

/* How many lines of text are exactly line. */
static int count_lines(const char *text, const char *line)
{
    int found = 0;
    size_t len = strlen(line);
    for (const char *p = text; *p != '\0';) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (n == len && memcmp(p, line, len) == 0)
            found++;
        p += n + (nl ? 1 : 0);
    }
    return found;
}

static void assert_line(const char *text, const char *line)
{
    if (count_lines(text, line) != 1)
        fail_msg("expected the line once: %s\n--- in ---\n%s", line, text);
}

/* The value of the one sample line starting with series and a space. */
static double sample_value(const char *text, const char *series)
{
    size_t len = strlen(series);
    int found = 0;
    double v = 0;
    for (const char *p = text; *p != '\0';) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (n > len && memcmp(p, series, len) == 0 && p[len] == ' ') {
            found++;
            v = strtod(p + len + 1, NULL);
        }
        p += n + (nl ? 1 : 0);
    }
    if (found != 1)
        fail_msg("series %s found %d times\n%s", series, found, text);
    return v;
}

static bool has_prefix_line(const char *text, const char *prefix)
{
    size_t len = strlen(prefix);
    if (strncmp(text, prefix, len) == 0)
        return true;
    for (const char *p = strchr(text, '\n'); p != NULL; p = strchr(p + 1, '\n'))
        if (strncmp(p + 1, prefix, len) == 0)
            return true;
    return false;
}

/* ------------------------------------------------------------------ */
/* The checker itself must catch broken text.                          */
/* ------------------------------------------------------------------ */

static void assert_rejected(const char *text)
{
    char why[256];
    if (check_exposition(text, why, sizeof why) == 0)
        fail_msg("checker accepted bad text:\n%s", text);
}

static void assert_accepted(const char *text)
{
    char why[256];
    if (check_exposition(text, why, sizeof why) != 0)
        fail_msg("checker refused good text (%s):\n%s", why, text);
}

static void test_checker_accepts_good_text(void **state)
{
    (void)state;
    assert_accepted("# HELP a_total Things.\n# TYPE a_total counter\n"
                    "a_total{x=\"1\",y=\"q\\\"\\\\\\n\"} 3\na_total{x=\"2\",y=\"\"} 0.5\n"
                    "# HELP h Hist.\n# TYPE h histogram\n"
                    "h_bucket{le=\"0.1\"} 1\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 2\n"
                    "h_sum 0.7\nh_count 2\n"
                    "# HELP g:x Gauge.\n# TYPE g:x gauge\ng:x NaN\n");
}

static void test_checker_rejects_bad_text(void **state)
{
    (void)state;
    /* sample before TYPE */
    assert_rejected("# HELP a A.\na 1\n# TYPE a counter\n");
    /* no HELP at all */
    assert_rejected("# TYPE a counter\na 1\n");
    /* HELP twice */
    assert_rejected("# HELP a A.\n# HELP a A.\n# TYPE a counter\na 1\n");
    /* TYPE twice, different kinds */
    assert_rejected("# HELP a A.\n# TYPE a counter\n# TYPE a gauge\na 1\n");
    /* bad metric name */
    assert_rejected("# HELP 1a A.\n# TYPE 1a counter\n1a 1\n");
    /* bad label name */
    assert_rejected("# HELP a A.\n# TYPE a counter\na{1x=\"v\"} 1\n");
    assert_rejected("# HELP a A.\n# TYPE a counter\na{x:y=\"v\"} 1\n");
    /* unescaped quote and bad escape in a label value */
    assert_rejected("# HELP a A.\n# TYPE a counter\na{x=\"a\"b\"} 1\n");
    assert_rejected("# HELP a A.\n# TYPE a counter\na{x=\"a\\qb\"} 1\n");
    /* value not a float */
    assert_rejected("# HELP a A.\n# TYPE a counter\na 1x\n");
    assert_rejected("# HELP a A.\n# TYPE a counter\na \n");
    /* sample of another family */
    assert_rejected("# HELP a A.\n# TYPE a counter\nb 1\n");
    /* no final newline */
    assert_rejected("# HELP a A.\n# TYPE a counter\na 1");
    /* buckets not cumulative */
    assert_rejected("# HELP h H.\n# TYPE h histogram\nh_bucket{le=\"1\"} 3\n"
                    "h_bucket{le=\"2\"} 2\nh_bucket{le=\"+Inf\"} 3\nh_sum 1\nh_count 3\n");
    /* bounds not increasing */
    assert_rejected("# HELP h H.\n# TYPE h histogram\nh_bucket{le=\"2\"} 1\n"
                    "h_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n");
    /* no +Inf bucket */
    assert_rejected("# HELP h H.\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n");
    /* +Inf differs from _count */
    assert_rejected("# HELP h H.\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 3\n");
    /* no _sum */
    assert_rejected("# HELP h H.\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_count 2\n");
    /* duplicate series */
    assert_rejected("# HELP a A.\n# TYPE a counter\na{x=\"1\"} 1\na{x=\"1\"} 2\n");
}

/* ------------------------------------------------------------------ */
/* The registry and its rendering.                                     */
/* ------------------------------------------------------------------ */

static void test_empty_registry_renders_process_metrics(void **state)
{
    (void)state;
    char *text = render_checked();
    assert_line(text, "# TYPE process_cpu_seconds_total counter");
    assert_line(text, "# TYPE process_resident_memory_bytes gauge");
    assert_line(text, "# TYPE process_open_fds gauge");
    assert_line(text, "# TYPE process_start_time_seconds gauge");
    assert_true(sample_value(text, "process_resident_memory_bytes") > 0);
    assert_true(sample_value(text, "process_open_fds") >= 3);
    assert_true(sample_value(text, "process_start_time_seconds") > 1e9);
    free(text);
}

static void test_counter_with_labels(void **state)
{
    (void)state;
    rs_metric *m = rs_counter("shop_requests_total", "Requests served.", "method,code");
    assert_non_null(m);
    const char *get_ok[] = {"GET", "200"};
    const char *post_err[] = {"POST", "500"};
    rs_counter_add(m, get_ok, 1);
    rs_counter_add(m, get_ok, 1);
    rs_counter_add(m, get_ok, 1);
    rs_counter_add(m, post_err, 2.5);
    char *text = render_checked();
    assert_line(text, "# HELP shop_requests_total Requests served.");
    assert_line(text, "# TYPE shop_requests_total counter");
    assert_line(text, "shop_requests_total{method=\"GET\",code=\"200\"} 3");
    assert_line(text, "shop_requests_total{method=\"POST\",code=\"500\"} 2.5");
    assert_true(sample_value(text, "shop_requests_total{method=\"GET\",code=\"200\"}") == 3.0);
    free(text);
}

static void test_counter_without_labels(void **state)
{
    (void)state;
    rs_metric *m = rs_counter("shop_events_total", "Events.", NULL);
    rs_counter_add(m, NULL, 1);
    rs_counter_add(m, NULL, 1);
    rs_counter_add(m, NULL, 1);
    char *text = render_checked();
    assert_line(text, "shop_events_total 3");
    free(text);
}

static void test_counter_ignores_negative_and_nan(void **state)
{
    (void)state;
    rs_metric *m = rs_counter("shop_ups_total", "Only up.", NULL);
    rs_counter_add(m, NULL, 5);
    rs_counter_add(m, NULL, -1);
    rs_counter_add(m, NULL, NAN);
    rs_counter_add(m, NULL, 0.5);
    char *text = render_checked();
    assert_line(text, "shop_ups_total 5.5");
    free(text);
}

static void test_gauge_set_and_add(void **state)
{
    (void)state;
    rs_metric *m = rs_gauge("shop_inflight", "Requests in flight.", "service");
    const char *cart[] = {"cart"};
    const char *user[] = {"user"};
    rs_gauge_set(m, cart, 5);
    rs_gauge_add(m, cart, -2);
    rs_gauge_add(m, user, -1.5);
    char *text = render_checked();
    assert_line(text, "# TYPE shop_inflight gauge");
    assert_line(text, "shop_inflight{service=\"cart\"} 3");
    assert_line(text, "shop_inflight{service=\"user\"} -1.5");
    free(text);
}

static void test_number_formatting(void **state)
{
    (void)state;
    rs_metric *m = rs_gauge("shop_value", "Values.", "k");
    const char *a[] = {"a"}, *b[] = {"b"}, *c[] = {"c"}, *d[] = {"d"};
    const char *e[] = {"e"}, *f[] = {"f"}, *g[] = {"g"}, *h[] = {"h"};
    rs_gauge_set(m, a, 12.5);
    rs_gauge_set(m, b, 0.1);
    rs_gauge_set(m, c, 1e20);
    rs_gauge_set(m, d, 10);
    rs_gauge_set(m, e, INFINITY);
    rs_gauge_set(m, f, -INFINITY);
    rs_gauge_set(m, g, NAN);
    rs_gauge_set(m, h, 0.1 + 0.2);
    char *text = render_checked();
    assert_line(text, "shop_value{k=\"a\"} 12.5");
    assert_line(text, "shop_value{k=\"b\"} 0.1");
    assert_line(text, "shop_value{k=\"c\"} 1e+20");
    assert_line(text, "shop_value{k=\"d\"} 10");
    assert_line(text, "shop_value{k=\"e\"} +Inf");
    assert_line(text, "shop_value{k=\"f\"} -Inf");
    assert_line(text, "shop_value{k=\"g\"} NaN");
    /* shortest form that reads back as the same double */
    assert_line(text, "shop_value{k=\"h\"} 0.30000000000000004");
    assert_true(sample_value(text, "shop_value{k=\"h\"}") == 0.1 + 0.2);
    free(text);
}

static void test_label_values_are_escaped(void **state)
{
    (void)state;
    rs_metric *m = rs_counter("shop_paths_total", "Paths.", "path");
    const char *tricky[] = {"a\\b\"c\nd"};
    const char *plain[] = {"caf\xC3\xA9 {x}=,"};
    rs_counter_add(m, tricky, 1);
    rs_counter_add(m, plain, 1);
    char *text = render_checked();
    assert_line(text, "shop_paths_total{path=\"a\\\\b\\\"c\\nd\"} 1");
    assert_line(text, "shop_paths_total{path=\"caf\xC3\xA9 {x}=,\"} 1");
    free(text);
}

static void test_help_is_escaped(void **state)
{
    (void)state;
    rs_metric *m = rs_gauge("shop_help", "Back\\slash, \"quote\"\nand newline.", NULL);
    rs_gauge_set(m, NULL, 1);
    char *text = render_checked();
    /* HELP escapes backslash and newline, not the quote */
    assert_line(text, "# HELP shop_help Back\\\\slash, \"quote\"\\nand newline.");
    free(text);
}

static void test_histogram_buckets(void **state)
{
    (void)state;
    const double bounds[] = {0.25, 0.5, 1};
    rs_metric *m = rs_histogram("shop_duration_seconds", "Durations.", "route",
                                bounds, 3);
    const char *cart[] = {"/cart"};
    rs_histogram_observe(m, cart, 0.125);
    rs_histogram_observe(m, cart, 0.25);   /* on the bound: counts in le=0.25 */
    rs_histogram_observe(m, cart, 0.5);
    rs_histogram_observe(m, cart, 2);
    char *text = render_checked();
    assert_line(text, "# HELP shop_duration_seconds Durations.");
    assert_line(text, "# TYPE shop_duration_seconds histogram");
    assert_line(text, "shop_duration_seconds_bucket{route=\"/cart\",le=\"0.25\"} 2");
    assert_line(text, "shop_duration_seconds_bucket{route=\"/cart\",le=\"0.5\"} 3");
    assert_line(text, "shop_duration_seconds_bucket{route=\"/cart\",le=\"1\"} 3");
    assert_line(text, "shop_duration_seconds_bucket{route=\"/cart\",le=\"+Inf\"} 4");
    assert_line(text, "shop_duration_seconds_sum{route=\"/cart\"} 2.875");
    assert_line(text, "shop_duration_seconds_count{route=\"/cart\"} 4");
    free(text);
}

static void test_histogram_two_series(void **state)
{
    (void)state;
    const double bounds[] = {1, 2};
    rs_metric *m = rs_histogram("shop_size", "Sizes.", "kind,zone", bounds, 2);
    const char *a[] = {"a", "z1"};
    const char *b[] = {"b", "z1"};
    rs_histogram_observe(m, a, 1.5);
    rs_histogram_observe(m, b, 5);
    rs_histogram_observe(m, b, 0.5);
    char *text = render_checked();
    assert_line(text, "shop_size_bucket{kind=\"a\",zone=\"z1\",le=\"1\"} 0");
    assert_line(text, "shop_size_bucket{kind=\"a\",zone=\"z1\",le=\"2\"} 1");
    assert_line(text, "shop_size_bucket{kind=\"a\",zone=\"z1\",le=\"+Inf\"} 1");
    assert_line(text, "shop_size_count{kind=\"a\",zone=\"z1\"} 1");
    assert_line(text, "shop_size_sum{kind=\"a\",zone=\"z1\"} 1.5");
    assert_line(text, "shop_size_bucket{kind=\"b\",zone=\"z1\",le=\"1\"} 1");
    assert_line(text, "shop_size_bucket{kind=\"b\",zone=\"z1\",le=\"2\"} 1");
    assert_line(text, "shop_size_bucket{kind=\"b\",zone=\"z1\",le=\"+Inf\"} 2");
    assert_line(text, "shop_size_count{kind=\"b\",zone=\"z1\"} 2");
    assert_line(text, "shop_size_sum{kind=\"b\",zone=\"z1\"} 5.5");
    free(text);
}

static void test_histogram_duration_buckets_no_labels(void **state)
{
    (void)state;
    rs_metric *m = rs_histogram("shop_latency_seconds", "Latency.", NULL,
                                rs_duration_buckets, rs_duration_nbuckets);
    rs_histogram_observe(m, NULL, 0.003);
    rs_histogram_observe(m, NULL, 0.2);
    rs_histogram_observe(m, NULL, 30);
    char *text = render_checked();
    assert_line(text, "shop_latency_seconds_bucket{le=\"0.0005\"} 0");
    assert_line(text, "shop_latency_seconds_bucket{le=\"0.0025\"} 0");
    assert_line(text, "shop_latency_seconds_bucket{le=\"0.005\"} 1");
    assert_line(text, "shop_latency_seconds_bucket{le=\"0.25\"} 2");
    assert_line(text, "shop_latency_seconds_bucket{le=\"10\"} 2");
    assert_line(text, "shop_latency_seconds_bucket{le=\"+Inf\"} 3");
    assert_line(text, "shop_latency_seconds_count 3");
    assert_true(fabs(sample_value(text, "shop_latency_seconds_sum") - 30.203) < 1e-9);
    free(text);
}

static void test_all_kinds_together(void **state)
{
    (void)state;
    const double bounds[] = {0.1, 1};
    rs_metric *c = rs_counter("app_c_total", "C.", "a");
    rs_metric *g = rs_gauge("app_g", "G.", NULL);
    rs_metric *h = rs_histogram("app_h", "H.", "a", bounds, 2);
    const char *x[] = {"x"};
    const char *y[] = {"y"};
    rs_counter_add(c, x, 1);
    rs_counter_add(c, y, 7);
    rs_gauge_set(g, NULL, 42);
    rs_histogram_observe(h, x, 0.05);
    rs_histogram_observe(h, y, 0.5);
    char *text = render_checked();
    assert_int_equal(count_lines(text, "# HELP app_c_total C."), 1);
    assert_int_equal(count_lines(text, "# HELP app_g G."), 1);
    assert_int_equal(count_lines(text, "# HELP app_h H."), 1);
    assert_line(text, "app_c_total{a=\"x\"} 1");
    assert_line(text, "app_c_total{a=\"y\"} 7");
    assert_line(text, "app_g 42");
    assert_line(text, "app_h_bucket{a=\"x\",le=\"0.1\"} 1");
    assert_line(text, "app_h_bucket{a=\"y\",le=\"0.1\"} 0");
    assert_line(text, "app_h_bucket{a=\"y\",le=\"1\"} 1");
    free(text);
}

static void test_declaring_twice_returns_same_metric(void **state)
{
    (void)state;
    rs_metric *a = rs_counter("shop_twice_total", "Twice.", NULL);
    rs_metric *b = rs_counter("shop_twice_total", "Twice.", NULL);
    assert_ptr_equal(a, b);
    rs_counter_add(a, NULL, 1);
    rs_counter_add(b, NULL, 1);
    char *text = render_checked();
    assert_int_equal(count_lines(text, "# TYPE shop_twice_total counter"), 1);
    assert_line(text, "shop_twice_total 2");
    free(text);
}

static void test_family_without_samples(void **state)
{
    (void)state;
    rs_counter("shop_unused_total", "Never used.", "a");
    char *text = render_checked();
    assert_line(text, "# HELP shop_unused_total Never used.");
    assert_line(text, "# TYPE shop_unused_total counter");
    assert_false(has_prefix_line(text, "shop_unused_total{"));
    free(text);
}

static void test_reset_drops_metrics(void **state)
{
    (void)state;
    rs_metric *m = rs_counter("shop_gone_total", "Gone.", NULL);
    rs_counter_add(m, NULL, 1);
    rs_metrics_reset();
    char *text = render_checked();
    assert_false(has_prefix_line(text, "# HELP shop_gone_total"));
    assert_false(has_prefix_line(text, "shop_gone_total"));
    free(text);
    /* a new declaration starts from zero */
    m = rs_counter("shop_gone_total", "Gone.", NULL);
    rs_counter_add(m, NULL, 4);
    text = render_checked();
    assert_line(text, "shop_gone_total 4");
    free(text);
}

typedef struct {
    rs_metric *counter;
    rs_metric *histogram;
} thread_args;

static void *hammer(void *arg)
{
    const thread_args *t = arg;
    const char *labels[] = {"same"};
    for (int i = 0; i < 10000; i++) {
        rs_counter_add(t->counter, labels, 1);
        rs_histogram_observe(t->histogram, labels, 0.5);
    }
    return NULL;
}

static void test_concurrent_updates_are_counted(void **state)
{
    (void)state;
    const double bounds[] = {1};
    thread_args t = {
        rs_counter("shop_hits_total", "Hits.", "k"),
        rs_histogram("shop_hit_size", "Sizes.", "k", bounds, 1),
    };
    pthread_t threads[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, hammer, &t), 0);
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_join(threads[i], NULL), 0);
    char *text = render_checked();
    assert_line(text, "shop_hits_total{k=\"same\"} 40000");
    assert_line(text, "shop_hit_size_bucket{k=\"same\",le=\"1\"} 40000");
    assert_line(text, "shop_hit_size_count{k=\"same\"} 40000");
    assert_line(text, "shop_hit_size_sum{k=\"same\"} 20000");
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_checker_accepts_good_text),
        cmocka_unit_test(test_checker_rejects_bad_text),
        cmocka_unit_test_setup_teardown(test_empty_registry_renders_process_metrics, reset_metrics, reset_metrics),
        cmocka_unit_test_setup_teardown(test_counter_with_labels, reset_metrics, reset_metrics),
        cmocka_unit_test_setup_teardown(test_counter_without_labels, reset_metrics, reset_metrics),
        cmocka_unit_test_setup_teardown(test_counter_ignores_negative_and_nan, reset_metrics, reset_metrics),
        cmocka_unit_test_setup_teardown(test_gauge_set_and_add, reset_metrics, reset_metrics),
        cmocka_unit_test_setup_teardown(test_number_formatting, reset_metrics, reset_metrics),
        cmocka_unit_test_setup_teardown(test_label_values_are_escaped, reset_metrics, reset_metrics),
        cmocka_unit_test_setup_teardown(test_help_is_escaped, reset_metrics, reset_metrics),
        cmocka_unit_test_setup_teardown(test_histogram_buckets, reset_metrics, reset_metrics),
        cmocka_unit_test_setup_teardown(test_histogram_two_series, reset_metrics, reset_metrics),
        cmocka_unit_test_setup_teardown(test_histogram_duration_buckets_no_labels, reset_metrics, reset_metrics),
        cmocka_unit_test_setup_teardown(test_all_kinds_together, reset_metrics, reset_metrics),
        cmocka_unit_test_setup_teardown(test_declaring_twice_returns_same_metric, reset_metrics, reset_metrics),
        cmocka_unit_test_setup_teardown(test_family_without_samples, reset_metrics, reset_metrics),
        cmocka_unit_test_setup_teardown(test_reset_drops_metrics, reset_metrics, reset_metrics),
        cmocka_unit_test_setup_teardown(test_concurrent_updates_are_counted, reset_metrics, reset_metrics),
    };
    return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}
