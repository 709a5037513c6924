/*
 * rs_metrics.h - counters, gauges and histograms with labels, and their
 * Prometheus text exposition (format 0.0.4).
 *
 * Metrics live in one process-wide registry. Declare each once at start
 * (label names as a comma-separated list, or NULL for none) and update it
 * from any thread with the label values in the same order. Process metrics
 * (CPU, RSS, open fds, start time) are added by rs_metrics_render.
 */
#ifndef RS_METRICS_H
#define RS_METRICS_H

#include <stddef.h>

typedef struct rs_metric rs_metric;

#define RS_MAX_LABELS 4

rs_metric *rs_counter(const char *name, const char *help, const char *labels);
rs_metric *rs_gauge(const char *name, const char *help, const char *labels);
rs_metric *rs_histogram(const char *name, const char *help, const char *labels,
                        const double *bounds, size_t nbounds);

/* Label values: as many as the metric has label names, or NULL for none. */
void rs_counter_add(rs_metric *m, const char *const *values, double v);
void rs_gauge_set(rs_metric *m, const char *const *values, double v);
void rs_gauge_add(rs_metric *m, const char *const *values, double v);
void rs_histogram_observe(rs_metric *m, const char *const *values, double v);

/* A number as a label value (a status code): written into digits, which
 * the result points into. */
const char *rs_label_number(unsigned long n, char digits[24]);

/* The whole registry in text format; malloc'd, NULL when out of memory. */
char *rs_metrics_render(size_t *len);

/* Bucket bounds in seconds for request and operation durations. */
extern const double rs_duration_buckets[];
extern const size_t rs_duration_nbuckets;

/* Drops every metric (tests and shutdown). */
void rs_metrics_reset(void);

#endif
