/*
 * options.c - parses rs-load's command line (see options.h).
 */
#include "options.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rs_cpus.h"

void options_usage(void)
{
    fputs(
        "usage: rs-load [options] URL\n"
        "\n"
        "Loads the shop at URL (http://host:port) with shoppers' journeys.\n"
        "\n"
        "  -s, --scenario NAME   browse, checkout, login, mix or get (default browse);\n"
        "                        get requests URL's own path, like wrk\n"
        "      --mix B,C,L       mix weights of browse, checkout, login (default 7,2,1)\n"
        "  -u, --vus N           closed model: N virtual users (default 10)\n"
        "      --think MIN..MAX  closed model: seconds between journeys (default 0)\n"
        "  -r, --rate R[/s]      open model: start R journeys a second, on schedule\n"
        "      --max-vus N       open model: journeys in flight at most (default 10000)\n"
        "  -d, --duration D      how long, e.g. 30s, 2m, 1m30s (default 10s)\n"
        "      --stages LIST     ramp, e.g. 30s:100,1m:1000,30s:0 (targets are VUs,\n"
        "                        or journeys a second with --rate)\n"
        "  -t, --threads N       threads (default: one per core)\n"
        "      --timeout D       one request's time limit (default 10s)\n"
        "      --json FILE       write the results as JSON\n"
        "      --html FILE       write a self-contained HTML report\n"
        "      --threshold LIST  e.g. 'p95<200ms,p99<500ms,errors<1%,rps>1000';\n"
        "                        a bare latency is in ms; a miss makes the exit code 99\n"
        "  -q, --quiet           no live progress line\n"
        "  -h, --help            this text\n",
        stdout);
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* A non-negative decimal number (digits and at most one point) at *s;
 * advances *s past it. */
static int parse_number(const char **s, double *out)
{
    size_t n = strspn(*s, "0123456789.");
    char digits[32];
    if (n == 0 || n >= sizeof digits)
        return -1;
    memcpy(digits, *s, n);
    digits[n] = '\0';
    char *end;
    errno = 0;
    double v = strtod(digits, &end);
    if (*end != '\0' || errno || strchr(digits, '.') != strrchr(digits, '.') || !strcmp(digits, "."))
        return -1;
    *s += n;
    *out = v;
    return 0;
}

#define MAX_DURATION_S (7 * 24 * 3600.0)   /* a week: any run, think or timeout */
#define MAX_TARGET 1000000.0                /* VUs or journeys a second */

/* 2h, 1m30s, 45s, 500ms, 250us, or a bare number of seconds; a week at most. */
int options_parse_duration(const char *s, double *seconds)
{
    double total = 0;
    int parts = 0;
    while (*s) {
        double v;
        if (parse_number(&s, &v) < 0)
            return -1;
        double unit;
        if (strncmp(s, "ms", 2) == 0) { unit = 1e-3; s += 2; }
        else if (strncmp(s, "us", 2) == 0) { unit = 1e-6; s += 2; }
        else if (strncmp(s, "\xc2\xb5s", 3) == 0) { unit = 1e-6; s += 3; }
        else if (*s == 'h') { unit = 3600; s++; }
        else if (*s == 'm') { unit = 60; s++; }
        else if (*s == 's') { unit = 1; s++; }
        else if (*s == '\0' && parts == 0) unit = 1;
        else return -1;
        total += v * unit;
        parts++;
    }
    if (parts == 0 || total > MAX_DURATION_S)
        return -1;
    *seconds = total;
    return 0;
}

/* "1..3" or a single "1". */
int options_parse_range(const char *s, double *min, double *max)
{
    const char *dots = strstr(s, "..");
    char first[64];
    if (!dots)
        return options_parse_duration(s, min) < 0 ? -1 : (*max = *min, 0);
    size_t n = (size_t)(dots - s);
    if (n == 0 || n >= sizeof first)
        return -1;
    memcpy(first, s, n);
    first[n] = '\0';
    if (options_parse_duration(first, min) < 0 || options_parse_duration(dots + 2, max) < 0)
        return -1;
    return *min <= *max ? 0 : -1;
}

/* "30s:100,1m:1000,30s:0" */
int options_parse_stages(const char *s, load_stage *stages, int max, int *n)
{
    char copy[1024];
    size_t len = strlen(s);
    if (len == 0 || len >= sizeof copy || s[0] == ',' || s[len - 1] == ',' || strstr(s, ",,"))
        return -1;
    strcpy(copy, s);
    *n = 0;
    char *save = NULL;
    for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        char *colon = strchr(item, ':');
        if (!colon || *n == max)
            return -1;
        *colon = '\0';
        const char *target = colon + 1;
        load_stage st;
        if (options_parse_duration(item, &st.duration_s) < 0 || parse_number(&target, &st.target) < 0 ||
            *target != '\0' || st.target > MAX_TARGET)
            return -1;
        stages[(*n)++] = st;
    }
    return *n > 0 ? 0 : -1;
}

static int is_latency_metric(const char *m)
{
    return strcmp(m, "p50") == 0 || strcmp(m, "p90") == 0 || strcmp(m, "p95") == 0 ||
           strcmp(m, "p99") == 0 || strcmp(m, "max") == 0 || strcmp(m, "mean") == 0;
}

/* "p95<200ms", "errors<1%", "rps>=1000" */
int options_parse_threshold(const char *s, load_threshold *t)
{
    memset(t, 0, sizeof *t);
    if (strlen(s) >= sizeof t->expr)
        return -1;
    strcpy(t->expr, s);
    size_t m = strcspn(s, "<>");
    if (m == 0 || m >= sizeof t->metric || s[m] == '\0')
        return -1;
    memcpy(t->metric, s, m);
    t->metric[m] = '\0';
    const char *p = s + m;
    int lt = *p == '<';
    p++;
    int eq = *p == '=';
    if (eq)
        p++;
    t->op = lt ? (eq ? THRESHOLD_LE : THRESHOLD_LT) : (eq ? THRESHOLD_GE : THRESHOLD_GT);

    if (is_latency_metric(t->metric)) {
        double seconds;
        if (*p != '\0' && strspn(p, "0123456789.") == strlen(p)) {
            if (options_parse_duration(p, &seconds) < 0)     /* a bare number: ms, as in k6 */
                return -1;
            seconds /= 1000;
        } else if (options_parse_duration(p, &seconds) < 0) {
            return -1;
        }
        t->limit = seconds * 1e6;
        return 0;
    }
    double v;
    if (parse_number(&p, &v) < 0)
        return -1;
    if (strcmp(t->metric, "errors") == 0) {
        if (*p == '%') {
            v /= 100;
            p++;
        }
        t->limit = v;
        return *p == '\0' ? 0 : -1;
    }
    if (strcmp(t->metric, "rps") == 0) {
        t->limit = v;
        return *p == '\0' ? 0 : -1;
    }
    return -1;
}

static int parse_thresholds(load_options *o, const char *list, char *err, size_t errlen)
{
    char copy[1024];
    if (strlen(list) >= sizeof copy)
        return fail(err, errlen, "--threshold: list too long");
    strcpy(copy, list);
    char *save = NULL;
    for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        while (*item == ' ')
            item++;
        if (o->nthresholds == LOAD_MAX_THRESHOLDS)
            return fail(err, errlen, "--threshold: at most %d", LOAD_MAX_THRESHOLDS);
        if (options_parse_threshold(item, &o->thresholds[o->nthresholds]) < 0)
            return fail(err, errlen,
                        "--threshold: cannot read '%s' (try p95<200ms, errors<1%%, rps>1000)", item);
        o->nthresholds++;
    }
    return 0;
}

static int parse_count(const char *s, int min, int max, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end || errno || v < min || v > max)
        return -1;
    *out = (int)v;
    return 0;
}

static int parse_mix(load_options *o, const char *s)
{
    int w[3];
    if (sscanf(s, "%d,%d,%d", &w[0], &w[1], &w[2]) != 3)
        return -1;
    if (w[0] < 0 || w[1] < 0 || w[2] < 0 || w[0] + w[1] + w[2] == 0 || w[0] + w[1] + w[2] > 1000000)
        return -1;
    memcpy(o->mix_weights, w, sizeof w);
    return 0;
}

/* http://host[:port][/path] */
static int parse_url(load_options *o, const char *url)
{
    const char *prefix = "http://";
    if (strncmp(url, prefix, strlen(prefix)) != 0)
        return -1;
    const char *host = url + strlen(prefix);
    size_t hostlen = strcspn(host, ":/");
    if (hostlen == 0 || hostlen >= sizeof o->host)
        return -1;
    memcpy(o->host, host, hostlen);
    o->host[hostlen] = '\0';
    const char *rest = host + hostlen;
    strcpy(o->port, "80");
    if (*rest == ':') {
        rest++;
        size_t n = strspn(rest, "0123456789");
        int port;
        char digits[8];
        if (n == 0 || n >= sizeof digits)
            return -1;
        memcpy(digits, rest, n);
        digits[n] = '\0';
        if (parse_count(digits, 1, 65535, &port) < 0)
            return -1;
        snprintf(o->port, sizeof o->port, "%d", port);
        rest += n;
    }
    if (*rest == '\0')
        rest = "/";
    if (*rest != '/' || strlen(rest) >= sizeof o->path || strpbrk(rest, " \r\n"))
        return -1;
    strcpy(o->path, rest);
    return 0;
}

static void set_defaults(load_options *o)
{
    memset(o, 0, sizeof *o);
    strcpy(o->scenario, "browse");
    o->mix_weights[0] = 7;
    o->mix_weights[1] = 2;
    o->mix_weights[2] = 1;
    o->model = LOAD_MODEL_CLOSED;
    o->vus = 10;
    o->max_vus = 10000;
    o->duration_s = 10;
    o->threads = (int)rs_cpus();
    o->timeout_s = 10;
}

/* With stages, "full load" is the highest stage target. */
static void set_full_load_from_stages(load_options *o)
{
    double most = 0;
    for (int i = 0; i < o->nstages; i++)
        if (o->stages[i].target > most)
            most = o->stages[i].target;
    if (o->model == LOAD_MODEL_OPEN)
        o->rate = most;
    else
        o->vus = (int)(most + 0.5);
}

static int known_scenario(const char *s)
{
    return strcmp(s, "browse") == 0 || strcmp(s, "checkout") == 0 || strcmp(s, "login") == 0 ||
           strcmp(s, "mix") == 0 || strcmp(s, "get") == 0;
}

/* The value of option argv[*i], which must be there. */
static const char *value_of(int argc, char **argv, int *i)
{
    if (*i + 1 >= argc)
        return NULL;
    return argv[++*i];
}

static int parse_option(load_options *o, const char *name, const char *v, char *err, size_t errlen,
                        int *vus_given, int *duration_given)
{
    if (!strcmp(name, "-s") || !strcmp(name, "--scenario")) {
        if (strlen(v) >= sizeof o->scenario || !known_scenario(v))
            return fail(err, errlen, "--scenario: %s is not one of browse, checkout, login, mix, get", v);
        strcpy(o->scenario, v);
    } else if (!strcmp(name, "--mix")) {
        if (parse_mix(o, v) < 0)
            return fail(err, errlen, "--mix: want three weights B,C,L, e.g. 7,2,1");
    } else if (!strcmp(name, "-u") || !strcmp(name, "--vus")) {
        if (parse_count(v, 1, 1000000, &o->vus) < 0)
            return fail(err, errlen, "--vus: want a whole number from 1 to 1000000");
        *vus_given = 1;
    } else if (!strcmp(name, "--think")) {
        if (options_parse_range(v, &o->think_min_s, &o->think_max_s) < 0)
            return fail(err, errlen, "--think: want seconds or MIN..MAX, e.g. 1..3");
    } else if (!strcmp(name, "-r") || !strcmp(name, "--rate")) {
        const char *p = v;
        if (parse_number(&p, &o->rate) < 0 || (*p && strcmp(p, "/s") != 0) || o->rate <= 0 ||
            o->rate > MAX_TARGET)
            return fail(err, errlen, "--rate: want journeys a second, e.g. 200 or 200/s");
        o->model = LOAD_MODEL_OPEN;
    } else if (!strcmp(name, "--max-vus")) {
        if (parse_count(v, 1, 1000000, &o->max_vus) < 0)
            return fail(err, errlen, "--max-vus: want a whole number from 1 to 1000000");
    } else if (!strcmp(name, "-d") || !strcmp(name, "--duration")) {
        if (options_parse_duration(v, &o->duration_s) < 0 || o->duration_s <= 0)
            return fail(err, errlen, "--duration: want e.g. 30s, 2m or 1m30s");
        *duration_given = 1;
    } else if (!strcmp(name, "--stages")) {
        if (options_parse_stages(v, o->stages, LOAD_MAX_STAGES, &o->nstages) < 0)
            return fail(err, errlen, "--stages: want e.g. 30s:100,1m:1000,30s:0 (at most %d)", LOAD_MAX_STAGES);
    } else if (!strcmp(name, "-t") || !strcmp(name, "--threads")) {
        if (parse_count(v, 1, 256, &o->threads) < 0)
            return fail(err, errlen, "--threads: want a whole number from 1 to 256");
    } else if (!strcmp(name, "--timeout")) {
        if (options_parse_duration(v, &o->timeout_s) < 0 || o->timeout_s <= 0)
            return fail(err, errlen, "--timeout: want e.g. 10s or 500ms");
    } else if (!strcmp(name, "--json")) {
        o->json_path = v;
    } else if (!strcmp(name, "--html")) {
        o->html_path = v;
    } else if (!strcmp(name, "--threshold")) {
        return parse_thresholds(o, v, err, errlen);
    } else {
        return fail(err, errlen, "unknown option %s (see --help)", name);
    }
    return 0;
}

int options_parse(load_options *o, int argc, char **argv, char *err, size_t errlen)
{
    set_defaults(o);
    const char *url = NULL;
    int vus_given = 0, duration_given = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            options_usage();
            return 1;
        }
        if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            o->quiet = 1;
            continue;
        }
        if (a[0] == '-' && a[1] != '\0') {
            const char *v = value_of(argc, argv, &i);
            if (!v)
                return fail(err, errlen, "%s needs a value (see --help)", a);
            if (parse_option(o, a, v, err, errlen, &vus_given, &duration_given) < 0)
                return -1;
            continue;
        }
        if (url)
            return fail(err, errlen, "one URL only (see --help)");
        url = a;
    }
    if (!url)
        return fail(err, errlen, "no URL given (see --help)");
    if (parse_url(o, url) < 0)
        return fail(err, errlen, "URL %s: want http://host[:port][/path]", url);
    if (o->model == LOAD_MODEL_OPEN && vus_given)
        return fail(err, errlen, "--vus and --rate exclude each other (use --max-vus with --rate)");
    if (o->model == LOAD_MODEL_OPEN && (o->think_min_s > 0 || o->think_max_s > 0))
        return fail(err, errlen, "--think applies to the closed model (--vus) only");
    if (o->nstages && duration_given)
        return fail(err, errlen, "--stages sets the duration; leave out --duration");
    if (o->nstages && vus_given)
        return fail(err, errlen, "--stages sets the VUs; leave out --vus");
    if (o->nstages)
        set_full_load_from_stages(o);
    if (o->model == LOAD_MODEL_CLOSED && o->vus < 1)
        return fail(err, errlen, "--stages: no stage has a VU");
    /* a thread with no VU to run would only skew the split */
    int most = o->model == LOAD_MODEL_OPEN ? o->max_vus : o->vus;
    if (o->threads > most)
        o->threads = most;
    return 0;
}

double options_total_duration(const load_options *o)
{
    if (o->nstages == 0)
        return o->duration_s;
    double total = 0;
    for (int i = 0; i < o->nstages; i++)
        total += o->stages[i].duration_s;
    return total;
}

double options_target_at(const load_options *o, double t)
{
    double full = o->model == LOAD_MODEL_OPEN ? o->rate : (double)o->vus;
    if (o->nstages == 0)
        return full;
    double from = 0, start = 0;
    for (int i = 0; i < o->nstages; i++) {
        const load_stage *s = &o->stages[i];
        if (t < start + s->duration_s) {
            double f = s->duration_s > 0 ? (t - start) / s->duration_s : 1;
            return from + (s->target - from) * f;
        }
        from = s->target;
        start += s->duration_s;
    }
    return o->stages[o->nstages - 1].target;
}
