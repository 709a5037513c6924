/*
 * stats.c - what one load thread measured, and the merge of all threads
 * (see stats.h).
 */
#include "stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int stats_init(stats *s, int nsteps)
{
    memset(s, 0, sizeof *s);
    s->nsteps = nsteps;
    s->step_latency = calloc((size_t)nsteps, sizeof *s->step_latency);
    s->step_count = calloc((size_t)nsteps, sizeof *s->step_count);
    s->step_errors = calloc((size_t)nsteps, sizeof *s->step_errors);
    if (!s->step_latency || !s->step_count || !s->step_errors)
        goto oom;
    for (int i = 0; i < nsteps; i++)
        if (hist_init(&s->step_latency[i], HIST_STEP_BITS) < 0)
            goto oom;
    if (hist_init(&s->latency, HIST_STEP_BITS) < 0 || hist_init(&s->journey_time, HIST_STEP_BITS) < 0)
        goto oom;
    return 0;
oom:
    stats_free(s);
    return -1;
}

void stats_free(stats *s)
{
    if (s->step_latency)
        for (int i = 0; i < s->nsteps; i++)
            hist_free(&s->step_latency[i]);
    free(s->step_latency);
    free(s->step_count);
    free(s->step_errors);
    hist_free(&s->latency);
    hist_free(&s->journey_time);
    free(s->error_list);
    for (int i = 0; i < s->nseconds; i++)
        hist_free(&s->timeline[i].latency);
    free(s->timeline);
    memset(s, 0, sizeof *s);
}

/* The timeline entry of second sec, grown as needed; NULL when out of memory. */
static stats_second *second_at(stats *s, int sec)
{
    if (sec < 0)
        sec = 0;
    if (sec >= s->seconds_cap) {
        int cap = s->seconds_cap ? s->seconds_cap * 2 : 64;
        while (cap <= sec)
            cap *= 2;
        stats_second *t = realloc(s->timeline, (size_t)cap * sizeof *t);
        if (!t)
            return NULL;
        s->timeline = t;
        s->seconds_cap = cap;
    }
    while (s->nseconds <= sec) {
        stats_second *n = &s->timeline[s->nseconds];
        memset(n, 0, sizeof *n);
        if (hist_init(&n->latency, HIST_TIMELINE_BITS) < 0)
            return NULL;
        s->nseconds++;
    }
    return &s->timeline[sec];
}

static int count_error(stats *s, int step, const char *what, uint64_t n)
{
    char name[sizeof s->error_list->what];
    snprintf(name, sizeof name, "%s", what);   /* kept as stored: cut to size */
    for (int i = 0; i < s->nerrors; i++) {
        stats_error_count *e = &s->error_list[i];
        if (e->step == step && strcmp(e->what, name) == 0) {
            e->count += n;
            return 0;
        }
    }
    if (s->nerrors == s->error_cap) {
        int cap = s->error_cap ? s->error_cap * 2 : 16;
        stats_error_count *l = realloc(s->error_list, (size_t)cap * sizeof *l);
        if (!l)
            return -1;
        s->error_list = l;
        s->error_cap = cap;
    }
    stats_error_count *e = &s->error_list[s->nerrors++];
    e->step = step;
    snprintf(e->what, sizeof e->what, "%s", name);
    e->count = n;
    return 0;
}

int stats_request(stats *s, int step, uint64_t latency_us, int sec, const char *what)
{
    stats_second *t = second_at(s, sec);
    if (!t)
        return -1;
    hist_record(&s->step_latency[step], latency_us);
    hist_record(&s->latency, latency_us);
    hist_record(&t->latency, latency_us);
    s->step_count[step]++;
    s->requests++;
    t->requests++;
    atomic_fetch_add_explicit(&s->live_requests, 1, memory_order_relaxed);
    if (!what)
        return 0;
    s->step_errors[step]++;
    s->errors++;
    t->errors++;
    atomic_fetch_add_explicit(&s->live_errors, 1, memory_order_relaxed);
    return count_error(s, step, what, 1);
}

void stats_journey(stats *s, uint64_t duration_us, int ok)
{
    hist_record(&s->journey_time, duration_us);
    s->journeys++;
    if (!ok)
        s->journeys_failed++;
    atomic_fetch_add_explicit(&s->live_journeys, 1, memory_order_relaxed);
}

void stats_dropped(stats *s)
{
    s->journeys_dropped++;
}

void stats_active(stats *s, int sec, uint64_t active)
{
    stats_second *t = second_at(s, sec);
    if (t && active > t->active)
        t->active = active;
}

int stats_merge(stats *into, const stats *from)
{
    for (int i = 0; i < into->nsteps && i < from->nsteps; i++) {
        hist_merge(&into->step_latency[i], &from->step_latency[i]);
        into->step_count[i] += from->step_count[i];
        into->step_errors[i] += from->step_errors[i];
    }
    hist_merge(&into->latency, &from->latency);
    into->requests += from->requests;
    into->errors += from->errors;
    hist_merge(&into->journey_time, &from->journey_time);
    into->journeys += from->journeys;
    into->journeys_failed += from->journeys_failed;
    into->journeys_dropped += from->journeys_dropped;
    for (int i = 0; i < from->nerrors; i++)
        if (count_error(into, from->error_list[i].step, from->error_list[i].what,
                        from->error_list[i].count) < 0)
            return -1;
    for (int i = 0; i < from->nseconds; i++) {
        stats_second *t = second_at(into, i);
        if (!t)
            return -1;
        const stats_second *f = &from->timeline[i];
        t->requests += f->requests;
        t->errors += f->errors;
        t->active += f->active;
        hist_merge(&t->latency, &f->latency);
    }
    return 0;
}
