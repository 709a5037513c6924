/*
 * rs_db.h - what every datastore operation records: its time in
 * db_client_operation_duration_seconds{system,operation} and its span (a
 * child of the current trace, rs_spans.h).
 *
 * Threading: rs_db_init once while the service starts (rs_service_init
 * calls it), before any thread; the rest from any thread.
 */
#ifndef RS_DB_H
#define RS_DB_H

/* Registers the metric. */
void rs_db_init(void);
/* Records one operation begun at `started` (rs_now seconds) and ending now:
 * the metric and the span. */
void rs_db_observe(const char *system, const char *operation, double started);
/* The metric alone, for an operation that records a span of its own. */
void rs_db_measure(const char *system, const char *operation, double started);

#endif
