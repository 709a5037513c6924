/*
 * results.c - the results document (see report.h) and the thresholds.
 */
#include "results.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"

static json_t *latency_object(const hist *h)
{
    return json_pack("{s:I,s:f,s:I,s:I,s:I,s:I,s:I}",
                     "min", (json_int_t)(h->count ? h->min : 0), "mean", hist_mean(h),
                     "p50", (json_int_t)hist_percentile(h, 50), "p90", (json_int_t)hist_percentile(h, 90),
                     "p95", (json_int_t)hist_percentile(h, 95), "p99", (json_int_t)hist_percentile(h, 99),
                     "max", (json_int_t)h->max);
}

static double per_second(uint64_t n, double duration_s)
{
    return duration_s > 0 ? (double)n / duration_s : 0;
}

static json_t *settings(const load_options *o, double duration_s, const char *started)
{
    char target[300];
    snprintf(target, sizeof target, "http://%s:%s", o->host, o->port);
    json_t *stages = json_array();
    for (int i = 0; stages && i < o->nstages; i++)
        json_array_append_new(stages, json_pack("{s:f,s:f}", "duration_s", o->stages[i].duration_s,
                                                "target", o->stages[i].target));
    json_t *doc = json_pack("{s:s,s:i,s:s,s:s,s:s,s:s,s:i,s:f,s:[f,f],s:o,s:i,s:f}",
                            "tool", "rs-load", "version", 1, "started", started, "target", target,
                            "scenario", o->scenario,
                            "model", o->model == LOAD_MODEL_OPEN ? "open" : "closed",
                            "vus", o->model == LOAD_MODEL_OPEN ? 0 : o->vus,
                            "rate", o->model == LOAD_MODEL_OPEN ? o->rate : 0.0,
                            "think_s", o->think_min_s, o->think_max_s,
                            "stages", stages, "threads", o->threads, "duration_s", duration_s);
    if (doc && !strcmp(o->scenario, "get"))
        json_object_set_new(doc, "path", json_string(o->path));
    return doc;
}

static json_t *steps(const stats *s, double duration_s)
{
    int n;
    const char *const *names = scenario_step_names(&n);
    json_t *list = json_array();
    for (int i = 0; list && i < n && i < s->nsteps; i++) {
        if (s->step_count[i] == 0)
            continue;
        json_array_append_new(list, json_pack("{s:s,s:I,s:I,s:f,s:o}", "name", names[i],
                                              "count", (json_int_t)s->step_count[i],
                                              "errors", (json_int_t)s->step_errors[i],
                                              "rps", per_second(s->step_count[i], duration_s),
                                              "latency_us", latency_object(&s->step_latency[i])));
    }
    return list;
}

static json_t *errors(const stats *s)
{
    int n;
    const char *const *names = scenario_step_names(&n);
    json_t *list = json_array();
    for (int i = 0; list && i < s->nerrors; i++) {
        const stats_error_count *e = &s->error_list[i];
        json_array_append_new(list, json_pack("{s:s,s:s,s:I}", "step", e->step < n ? names[e->step] : "?",
                                              "error", e->what, "count", (json_int_t)e->count));
    }
    return list;
}

static json_t *timeline(const stats *s, double duration_s)
{
    json_t *list = json_array();
    int seconds = (int)(duration_s + 0.999);
    for (int i = 0; list && i < s->nseconds && i < seconds; i++) {
        const stats_second *t = &s->timeline[i];
        json_array_append_new(list, json_pack("{s:i,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "t", i + 1,
                                              "requests", (json_int_t)t->requests,
                                              "errors", (json_int_t)t->errors,
                                              "active", (json_int_t)t->active,
                                              "p50_us", (json_int_t)hist_percentile(&t->latency, 50),
                                              "p95_us", (json_int_t)hist_percentile(&t->latency, 95),
                                              "p99_us", (json_int_t)hist_percentile(&t->latency, 99),
                                              "max_us", (json_int_t)t->latency.max));
    }
    return list;
}

/* The measured value a threshold speaks of, and that value as text. */
static double measured(const load_threshold *t, const stats *s, double duration_s, char *text, size_t len)
{
    double v;
    if (!strcmp(t->metric, "errors")) {
        v = s->requests ? (double)s->errors / (double)s->requests : 0;
        snprintf(text, len, "%.2f%%", v * 100);
        return v;
    }
    if (!strcmp(t->metric, "rps")) {
        v = per_second(s->requests, duration_s);
        snprintf(text, len, "%.1f", v);
        return v;
    }
    if (!strcmp(t->metric, "mean"))
        v = hist_mean(&s->latency);
    else if (!strcmp(t->metric, "max"))
        v = (double)s->latency.max;
    else
        v = (double)hist_percentile(&s->latency, (double)strtol(t->metric + 1, NULL, 10));
    snprintf(text, len, "%.2fms", v / 1000);
    return v;
}

static int holds(const load_threshold *t, double v)
{
    switch (t->op) {
    case THRESHOLD_LT: return v < t->limit;
    case THRESHOLD_LE: return v <= t->limit;
    case THRESHOLD_GT: return v > t->limit;
    case THRESHOLD_GE: return v >= t->limit;
    }
    return 0;
}

static json_t *thresholds(const load_options *o, const stats *s, double duration_s, int *passed)
{
    json_t *list = json_array();
    *passed = 1;
    for (int i = 0; list && i < o->nthresholds; i++) {
        const load_threshold *t = &o->thresholds[i];
        char text[32];
        int ok = holds(t, measured(t, s, duration_s, text, sizeof text));
        if (!ok)
            *passed = 0;
        json_array_append_new(list, json_pack("{s:s,s:s,s:b}", "expr", t->expr, "actual", text, "ok", ok));
    }
    return list;
}

json_t *results_build(const load_options *o, const stats *s, double duration_s, const char *started)
{
    json_t *doc = settings(o, duration_s, started);
    if (!doc)
        return NULL;
    int passed;
    json_t *totals = json_pack("{s:I,s:I,s:f,s:f,s:o}", "requests", (json_int_t)s->requests,
                               "errors", (json_int_t)s->errors,
                               "error_rate", s->requests ? (double)s->errors / (double)s->requests : 0.0,
                               "rps", per_second(s->requests, duration_s),
                               "latency_us", latency_object(&s->latency));
    json_t *journeys = json_pack("{s:I,s:I,s:I,s:f,s:o}", "count", (json_int_t)s->journeys,
                                 "failed", (json_int_t)s->journeys_failed,
                                 "dropped", (json_int_t)s->journeys_dropped,
                                 "per_s", per_second(s->journeys, duration_s),
                                 "duration_us", latency_object(&s->journey_time));
    int bad = json_object_set_new(doc, "totals", totals) | json_object_set_new(doc, "journeys", journeys) |
              json_object_set_new(doc, "steps", steps(s, duration_s)) |
              json_object_set_new(doc, "errors", errors(s)) |
              json_object_set_new(doc, "timeline", timeline(s, duration_s)) |
              json_object_set_new(doc, "thresholds", thresholds(o, s, duration_s, &passed));
    if (bad || json_object_set_new(doc, "passed", json_boolean(passed)) < 0) {
        json_decref(doc);
        return NULL;
    }
    return doc;
}
