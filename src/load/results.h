/*
 * results.h - turns what the threads measured into the results document of
 * report.h, and judges it against the --threshold list.
 */
#ifndef RS_LOAD_RESULTS_H
#define RS_LOAD_RESULTS_H

#include <jansson.h>

#include "options.h"
#include "stats.h"

/* The document for a run that began at started (UTC, ISO 8601) and lasted
 * duration_s; NULL when out of memory. Its "passed" is false when any
 * threshold missed. */
json_t *results_build(const load_options *o, const stats *s, double duration_s, const char *started);

#endif
