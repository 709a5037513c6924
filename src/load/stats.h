/*
 * stats.h - what one load thread measured: per step and in all, latency
 * histograms, counts and named errors; the journeys; and a per-second
 * timeline. Each thread fills its own; the main thread merges them at the
 * end. The live_* counters are the only fields read while the load runs.
 */
#ifndef RS_LOAD_STATS_H
#define RS_LOAD_STATS_H

#include <stdatomic.h>
#include <stdint.h>

#include "hist.h"

typedef struct stats_error_count {
    int      step;
    char     what[96];
    uint64_t count;
} stats_error_count;

typedef struct stats_second {
    uint64_t requests;
    uint64_t errors;
    uint64_t active;     /* VUs busy or journeys in flight, at most */
    hist     latency;    /* coarse: HIST_TIMELINE_BITS */
} stats_second;

#define HIST_STEP_BITS 6
#define HIST_TIMELINE_BITS 3

typedef struct stats {
    int       nsteps;
    hist     *step_latency;
    uint64_t *step_count;
    uint64_t *step_errors;
    hist      latency;           /* every request */
    uint64_t  requests, errors;

    hist      journey_time;
    uint64_t  journeys, journeys_failed, journeys_dropped;

    stats_error_count *error_list;
    int          nerrors, error_cap;

    stats_second   *timeline;
    int       nseconds, seconds_cap;

    _Atomic uint64_t live_requests, live_errors, live_journeys;
    _Atomic int64_t  live_active;
} stats;

int  stats_init(stats *s, int nsteps);     /* 0, or -1 when out of memory */
void stats_free(stats *s);

/* A request answered (or failed) at second sec of the run. ok: it passed
 * its check; else what names the error. 0, or -1 when out of memory. */
int stats_request(stats *s, int step, uint64_t latency_us, int sec, const char *what);

void stats_journey(stats *s, uint64_t duration_us, int ok);
void stats_dropped(stats *s);
void stats_active(stats *s, int sec, uint64_t active);

/* Adds from into into. 0, or -1 when out of memory. */
int  stats_merge(stats *into, const stats *from);

#endif
