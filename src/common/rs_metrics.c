/*
 * rs_metrics.c - the metrics registry and its Prometheus text exposition
 * (see rs_metrics.h).
 *
 * A metric family holds its series in a small hash table keyed by the label
 * values; each family has its own lock, so updates to different metrics do
 * not contend. A family keeps at most MAX_SERIES series: past that, new label
 * combinations are dropped (and logged once) rather than growing without end.
 */
#include "rs_metrics.h"

#include <dirent.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "rs_buf.h"
#include "rs_log.h"

#define MAX_FAMILIES 64
#define MAX_SERIES   2000
#define HASH_SLOTS   128
#define MAX_BOUNDS   32

typedef enum { KIND_COUNTER, KIND_GAUGE, KIND_HISTOGRAM } metric_kind;

typedef struct series {
    struct series *next;
    char          *values[RS_MAX_LABELS];
    double         value;          /* counter, gauge; histogram sum */
    unsigned long  count;          /* histogram: observations */
    unsigned long *buckets;        /* histogram: per-bound counts */
} series;

struct rs_metric {
    char           *name;
    char           *help;
    metric_kind     kind;
    size_t          nlabels;
    char           *labels[RS_MAX_LABELS];
    double          bounds[MAX_BOUNDS];
    size_t          nbounds;
    pthread_mutex_t lock;
    series         *slots[HASH_SLOTS];
    size_t          nseries;
    bool            overflow_logged;
};

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static rs_metric *families[MAX_FAMILIES];
static size_t nfamilies;

const double rs_duration_buckets[] = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
};
const size_t rs_duration_nbuckets = sizeof rs_duration_buckets / sizeof rs_duration_buckets[0];

/* ---- registration ---- */

static int split_labels(rs_metric *m, const char *labels)
{
    if (labels == NULL || labels[0] == '\0')
        return 0;
    const char *p = labels;
    while (*p != '\0') {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (m->nlabels == RS_MAX_LABELS || len == 0)
            return -1;
        m->labels[m->nlabels] = strndup(p, len);
        if (m->labels[m->nlabels] == NULL)
            return -1;
        m->nlabels++;
        p += len + (comma ? 1 : 0);
    }
    return 0;
}

static void free_metric(rs_metric *m)
{
    for (size_t i = 0; i < HASH_SLOTS; i++) {
        series *s = m->slots[i];
        while (s != NULL) {
            series *next = s->next;
            for (size_t l = 0; l < m->nlabels; l++)
                free(s->values[l]);
            free(s->buckets);
            free(s);
            s = next;
        }
    }
    for (size_t l = 0; l < m->nlabels; l++)
        free(m->labels[l]);
    pthread_mutex_destroy(&m->lock);
    free(m->name);
    free(m->help);
    free(m);
}

static rs_metric *find_family(const char *name)
{
    for (size_t i = 0; i < nfamilies; i++)
        if (strcmp(families[i]->name, name) == 0)
            return families[i];
    return NULL;
}

/* Registers a family, or returns the one of that name already there.
 * Running out of memory at start-up is not something a service can serve
 * through, so it aborts with a message. */
static rs_metric *declare(const char *name, const char *help, metric_kind kind,
                          const char *labels, const double *bounds, size_t nbounds)
{
    pthread_mutex_lock(&registry_lock);
    rs_metric *m = find_family(name);
    if (m != NULL) {
        pthread_mutex_unlock(&registry_lock);
        return m;
    }
    m = calloc(1, sizeof *m);
    if (m == NULL || nfamilies == MAX_FAMILIES || nbounds > MAX_BOUNDS)
        goto fail;
    pthread_mutex_init(&m->lock, NULL);
    m->kind = kind;
    m->name = strdup(name);
    m->help = strdup(help);
    if (m->name == NULL || m->help == NULL || split_labels(m, labels) != 0)
        goto fail;
    for (size_t i = 0; i < nbounds; i++)
        m->bounds[i] = bounds[i];
    m->nbounds = nbounds;
    families[nfamilies++] = m;
    pthread_mutex_unlock(&registry_lock);
    return m;
fail:
    pthread_mutex_unlock(&registry_lock);
    fprintf(stderr, "metrics: cannot register %s\n", name);
    abort();
}

rs_metric *rs_counter(const char *name, const char *help, const char *labels)
{
    return declare(name, help, KIND_COUNTER, labels, NULL, 0);
}

rs_metric *rs_gauge(const char *name, const char *help, const char *labels)
{
    return declare(name, help, KIND_GAUGE, labels, NULL, 0);
}

rs_metric *rs_histogram(const char *name, const char *help, const char *labels,
                        const double *bounds, size_t nbounds)
{
    return declare(name, help, KIND_HISTOGRAM, labels, bounds, nbounds);
}

void rs_metrics_reset(void)
{
    pthread_mutex_lock(&registry_lock);
    for (size_t i = 0; i < nfamilies; i++)
        free_metric(families[i]);
    nfamilies = 0;
    pthread_mutex_unlock(&registry_lock);
}

/* ---- updates ---- */

static unsigned hash_values(const rs_metric *m, const char *const *values)
{
    unsigned h = 2166136261u;
    for (size_t l = 0; l < m->nlabels; l++) {
        for (const char *p = values[l]; *p != '\0'; p++)
            h = (h ^ (unsigned char)*p) * 16777619u;
        h = (h ^ 0x1f) * 16777619u;
    }
    return h % HASH_SLOTS;
}

static bool same_values(const rs_metric *m, const series *s, const char *const *values)
{
    for (size_t l = 0; l < m->nlabels; l++)
        if (strcmp(s->values[l], values[l]) != 0)
            return false;
    return true;
}

static series *new_series(rs_metric *m, const char *const *values)
{
    series *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    for (size_t l = 0; l < m->nlabels; l++) {
        s->values[l] = strdup(values[l]);
        if (s->values[l] == NULL)
            goto fail;
    }
    if (m->kind == KIND_HISTOGRAM) {
        s->buckets = calloc(m->nbounds + 1, sizeof *s->buckets);
        if (s->buckets == NULL)
            goto fail;
    }
    return s;
fail:
    for (size_t l = 0; l < m->nlabels; l++)
        free(s->values[l]);
    free(s);
    return NULL;
}

/* The series for these label values, created on first use; called with the
 * family locked. NULL when out of memory or over the series cap. */
static series *lookup(rs_metric *m, const char *const *values)
{
    static const char *const none[RS_MAX_LABELS] = {0};
    if (values == NULL)
        values = none;
    unsigned slot = hash_values(m, values);
    for (series *s = m->slots[slot]; s != NULL; s = s->next)
        if (same_values(m, s, values))
            return s;
    if (m->nseries >= MAX_SERIES) {
        if (!m->overflow_logged) {
            m->overflow_logged = true;
            rs_log(RS_WARN, "metric %s: over %d series, new ones dropped", m->name, MAX_SERIES);
        }
        return NULL;
    }
    series *s = new_series(m, values);
    if (s == NULL)
        return NULL;
    s->next = m->slots[slot];
    m->slots[slot] = s;
    m->nseries++;
    return s;
}

void rs_counter_add(rs_metric *m, const char *const *values, double v)
{
    if (!(v >= 0))
        return;   /* counters only go up */
    pthread_mutex_lock(&m->lock);
    series *s = lookup(m, values);
    if (s != NULL)
        s->value += v;
    pthread_mutex_unlock(&m->lock);
}

void rs_gauge_set(rs_metric *m, const char *const *values, double v)
{
    pthread_mutex_lock(&m->lock);
    series *s = lookup(m, values);
    if (s != NULL)
        s->value = v;
    pthread_mutex_unlock(&m->lock);
}

void rs_gauge_add(rs_metric *m, const char *const *values, double v)
{
    pthread_mutex_lock(&m->lock);
    series *s = lookup(m, values);
    if (s != NULL)
        s->value += v;
    pthread_mutex_unlock(&m->lock);
}

void rs_histogram_observe(rs_metric *m, const char *const *values, double v)
{
    pthread_mutex_lock(&m->lock);
    series *s = lookup(m, values);
    if (s != NULL) {
        size_t i = 0;
        while (i < m->nbounds && v > m->bounds[i])
            i++;
        s->buckets[i]++;
        s->count++;
        s->value += v;
    }
    pthread_mutex_unlock(&m->lock);
}

/* ---- exposition ---- */

/* The shortest decimal form that reads back as the same double. */
static void format_number(char *out, size_t size, double v)
{
    if (isnan(v)) { snprintf(out, size, "NaN"); return; }
    if (isinf(v)) { snprintf(out, size, v > 0 ? "+Inf" : "-Inf"); return; }
    if (v == trunc(v) && fabs(v) < 1e15) {    /* integers as integers: 10, not 1e+01 */
        snprintf(out, size, "%.0f", v);
        return;
    }
    for (int precision = 1; precision <= 17; precision++) {
        snprintf(out, size, "%.*g", precision, v);
        if (strtod(out, NULL) == v)
            return;
    }
}

static void put_escaped(rs_buf *b, const char *s, bool quote_too)
{
    for (; *s != '\0'; s++) {
        if (*s == '\\') rs_buf_puts(b, "\\\\");
        else if (*s == '\n') rs_buf_puts(b, "\\n");
        else if (*s == '"' && quote_too) rs_buf_puts(b, "\\\"");
        else rs_buf_append(b, s, 1);
    }
}

/* {a="x",b="y"} with an optional extra le label; nothing when empty. */
static void put_labels(rs_buf *b, const rs_metric *m, const series *s, const char *le)
{
    if (m->nlabels == 0 && le == NULL)
        return;
    rs_buf_puts(b, "{");
    for (size_t l = 0; l < m->nlabels; l++) {
        rs_buf_printf(b, "%s%s=\"", l ? "," : "", m->labels[l]);
        put_escaped(b, s->values[l], true);
        rs_buf_puts(b, "\"");
    }
    if (le != NULL)
        rs_buf_printf(b, "%sle=\"%s\"", m->nlabels ? "," : "", le);
    rs_buf_puts(b, "}");
}

static void put_sample(rs_buf *b, const char *name, const char *suffix,
                       const rs_metric *m, const series *s, const char *le, double v)
{
    char num[40];
    format_number(num, sizeof num, v);
    rs_buf_printf(b, "%s%s", name, suffix);
    put_labels(b, m, s, le);
    rs_buf_printf(b, " %s\n", num);
}

static void put_histogram(rs_buf *b, const rs_metric *m, const series *s)
{
    unsigned long cumulative = 0;
    char le[40];
    for (size_t i = 0; i < m->nbounds; i++) {
        cumulative += s->buckets[i];
        format_number(le, sizeof le, m->bounds[i]);
        put_sample(b, m->name, "_bucket", m, s, le, (double)cumulative);
    }
    put_sample(b, m->name, "_bucket", m, s, "+Inf", (double)s->count);
    put_sample(b, m->name, "_sum", m, s, NULL, s->value);
    put_sample(b, m->name, "_count", m, s, NULL, (double)s->count);
}

static void put_family(rs_buf *b, rs_metric *m)
{
    static const char *const kinds[] = {"counter", "gauge", "histogram"};
    rs_buf_printf(b, "# HELP %s ", m->name);
    put_escaped(b, m->help, false);
    rs_buf_printf(b, "\n# TYPE %s %s\n", m->name, kinds[m->kind]);
    pthread_mutex_lock(&m->lock);
    for (size_t i = 0; i < HASH_SLOTS; i++) {
        for (const series *s = m->slots[i]; s != NULL; s = s->next) {
            if (m->kind == KIND_HISTOGRAM)
                put_histogram(b, m, s);
            else
                put_sample(b, m->name, "", m, s, NULL, s->value);
        }
    }
    pthread_mutex_unlock(&m->lock);
}

static void put_process_metric(rs_buf *b, const char *name, const char *kind,
                               const char *help, double v)
{
    char num[40];
    format_number(num, sizeof num, v);
    rs_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n%s %s\n", name, help, name, kind, name, num);
}

static double resident_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long size = 0, resident = 0;
    if (f == NULL)
        return 0;
    if (fscanf(f, "%lu %lu", &size, &resident) != 2)
        resident = 0;
    fclose(f);
    return (double)resident * (double)sysconf(_SC_PAGESIZE);
}

static double open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (d == NULL)
        return 0;
    double n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n - 1;   /* not the one opendir holds */
}

/* Start time from /proc: boot time plus the process's start in clock ticks. */
static double start_time(void)
{
    static double cached;
    if (cached > 0)
        return cached;
    double btime = 0, ticks = 0;
    char line[256];
    FILE *f = fopen("/proc/stat", "r");
    if (f != NULL) {
        while (fgets(line, sizeof line, f) != NULL)
            if (sscanf(line, "btime %lf", &btime) == 1)
                break;
        fclose(f);
    }
    f = fopen("/proc/self/stat", "r");
    if (f != NULL) {
        char stat[1024];
        size_t n = fread(stat, 1, sizeof stat - 1, f);
        stat[n] = '\0';
        fclose(f);
        /* field 22; counting starts after the ")" that closes field 2 */
        char *p = strrchr(stat, ')');
        for (int field = 2; p != NULL && field < 21; field++)
            p = strchr(p + 1, ' ');
        if (p != NULL)
            ticks = strtod(p + 1, NULL);
    }
    cached = btime + ticks / (double)sysconf(_SC_CLK_TCK);
    return cached;
}

static void put_process_metrics(rs_buf *b)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
                 (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    put_process_metric(b, "process_cpu_seconds_total", "counter",
                       "User and system CPU time spent in seconds.", cpu);
    put_process_metric(b, "process_resident_memory_bytes", "gauge",
                       "Resident memory size in bytes.", resident_bytes());
    put_process_metric(b, "process_open_fds", "gauge",
                       "Number of open file descriptors.", open_fds());
    put_process_metric(b, "process_start_time_seconds", "gauge",
                       "Start time of the process since unix epoch in seconds.", start_time());
}

char *rs_metrics_render(size_t *len)
{
    rs_buf b = RS_BUF_INIT;
    pthread_mutex_lock(&registry_lock);
    for (size_t i = 0; i < nfamilies; i++)
        put_family(&b, families[i]);
    pthread_mutex_unlock(&registry_lock);
    put_process_metrics(&b);
    if (b.failed || b.data == NULL) {
        rs_buf_free(&b);
        return NULL;
    }
    return rs_buf_steal(&b, len);
}

const char *rs_label_number(unsigned long n, char digits[24])
{
    size_t i = 23;
    digits[i] = '\0';
    do {
        digits[--i] = (char)('0' + n % 10);
        n /= 10;
    } while (n > 0 && i > 0);
    return digits + i;
}
