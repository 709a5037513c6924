/*
 * rs_db.c - the metric and span of every datastore operation (see rs_db.h).
 */
#include "rs_db.h"

#include <stddef.h>

#include "rs_metrics.h"
#include "rs_spans.h"
#include "rs_time.h"

static rs_metric *duration;

void rs_db_init(void)
{
    duration = rs_histogram("db_client_operation_duration_seconds",
        "Datastore operation time, by system and operation.", "system,operation",
        rs_duration_buckets, rs_duration_nbuckets);
}

void rs_db_measure(const char *system, const char *operation, double started)
{
    const char *labels[] = {system, operation};
    rs_histogram_observe(duration, labels, rs_now() - started);
}

void rs_db_observe(const char *system, const char *operation, double started)
{
    rs_db_measure(system, operation, started);
    rs_spans_db(system, operation, started);
}
