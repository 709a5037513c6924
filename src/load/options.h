/*
 * options.h - rs-load's command line: what to load, how hard, for how long,
 * and what counts as a pass.
 *
 *   rs-load [options] URL
 *
 * URL is the shop's address (http://host:port); for the "get" scenario it
 * also names the one path to request, the way wrk is used.
 */
#ifndef RS_LOAD_OPTIONS_H
#define RS_LOAD_OPTIONS_H

#include <stddef.h>

#define LOAD_MAX_STAGES 32
#define LOAD_MAX_THRESHOLDS 16

typedef enum { LOAD_MODEL_CLOSED, LOAD_MODEL_OPEN } load_model;

typedef enum { THRESHOLD_LT, THRESHOLD_LE, THRESHOLD_GT, THRESHOLD_GE } threshold_op;

typedef struct load_stage {
    double duration_s;
    double target;         /* VUs (closed) or journeys per second (open) */
} load_stage;

/* "p95<200ms" ("p95<200" is milliseconds too, as in k6): metric
 * p50|p90|p95|p99|max|mean (the limit kept in microseconds),
 * errors (a fraction of requests) or rps (requests per second). */
typedef struct load_threshold {
    char         expr[64];
    char         metric[8];
    threshold_op op;
    double       limit;
} load_threshold;

typedef struct load_options {
    char       host[256];
    char       port[8];
    char       path[512];      /* the "get" scenario's path, "/" by default */
    char       scenario[16];   /* browse, checkout, login, mix, get */
    int        mix_weights[3]; /* browse, checkout, login */
    load_model model;
    int        vus;            /* closed: VUs at full load (the highest stage's) */
    double     rate;           /* open: journeys a second at full load */
    int        max_vus;        /* open: journeys in flight at most */
    double     think_min_s, think_max_s;
    double     duration_s;
    load_stage      stages[LOAD_MAX_STAGES];
    int        nstages;        /* 0: full load for duration_s */
    int        threads;
    double     timeout_s;      /* one request */
    const char *json_path;
    const char *html_path;
    load_threshold  thresholds[LOAD_MAX_THRESHOLDS];
    int        nthresholds;
    int        quiet;          /* no live progress line */
} load_options;

/* Fills o from argv. 0 on success, 1 when --help was asked (usage printed),
 * -1 with a message in err on bad input. */
int options_parse(load_options *o, int argc, char **argv, char *err, size_t errlen);

void options_usage(void);   /* to stdout */

/* Parsers of single values, exposed for the tests. Each returns 0, or -1. */
int options_parse_duration(const char *s, double *seconds);        /* 1m30s, 500ms, 2 */
int options_parse_range(const char *s, double *min, double *max);   /* 1..3, 0.5 */
int options_parse_stages(const char *s, load_stage *stages, int max, int *n);
int options_parse_threshold(const char *s, load_threshold *t);

/* The load wanted at time t (seconds from the start): the last stage's
 * target ramped linearly to the current one, or the constant load. */
double options_target_at(const load_options *o, double t);

/* How long the whole run lasts. */
double options_total_duration(const load_options *o);

#endif
