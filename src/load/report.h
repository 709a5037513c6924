/*
 * report.h - what a run of rs-load leaves behind: one results document
 * (a jansson object), printed as the terminal summary, written as JSON
 * (--json) or rendered as a self-contained HTML page with SVG charts
 * (--html).
 *
 * The document (all latencies in microseconds, all times in seconds):
 *
 *   {
 *     "tool": "rs-load", "version": 1,
 *     "started": "2026-11-25T09:40:00.125Z",    UTC, when the load began (the
 *                                                timeline's second 0 begins then)
 *     "target": "http://127.0.0.1:8080",
 *     "scenario": "browse",                      browse|checkout|login|mix|get
 *     "model": "closed",                         closed (VUs) or open (rate)
 *     "vus": 1000,                               closed: VUs at full load
 *     "rate": 0,                                 open: journeys/s at full load
 *     "think_s": [1.0, 1.0],                     closed: pause between journeys
 *     "stages": [{"duration_s": 30, "target": 100}, ...],   [] when none
 *     "threads": 2,
 *     "duration_s": 120.02,                      how long the load ran
 *     "totals": {
 *       "requests": 123456, "errors": 12, "error_rate": 0.0001,
 *       "rps": 1028.8,
 *       "latency_us": {"min":..,"mean":..,"p50":..,"p90":..,"p95":..,
 *                      "p99":..,"max":..}
 *     },
 *     "journeys": {"count": 20000, "failed": 3, "dropped": 0,
 *                  "per_s": 166.6, "duration_us": {same keys as above}},
 *     "steps": [{"name": "GET /api/catalogue/product/:sku", "count": ..,
 *                "errors": .., "rps": .., "latency_us": {...}}, ...],
 *     "errors": [{"step": "POST /api/payment/pay/:id",
 *                 "error": "status 503", "count": 7}, ...],
 *     "timeline": [{"t": 1, "requests": .., "errors": .., "active": ..,
 *                   "p50_us": .., "p95_us": .., "p99_us": .., "max_us": ..},
 *                  ...],                          one entry per second;
 *                                                 active = VUs in the load
 *                                                 (closed: busy or thinking)
 *                                                 or journeys in flight (open)
 *     "thresholds": [{"expr": "p95<200ms", "actual": "3.10ms",
 *                     "ok": true}, ...],
 *     "passed": true                             every threshold held
 *   }
 */
#ifndef RS_LOAD_REPORT_H
#define RS_LOAD_REPORT_H

#include <stdio.h>

#include <jansson.h>

/* Prints the k6-style summary of a results document to out. */
void report_print_summary(const json_t *results, FILE *out);

/* Writes the document as indented JSON. 0, or -1 with errno set. */
int report_write_json(const json_t *results, const char *path);

/* Writes the document as one HTML page that needs nothing else: the
 * settings, the summary tables, and SVG charts over time of throughput,
 * latency percentiles, errors and active VUs. 0, or -1 with errno set. */
int report_write_html(const json_t *results, const char *path);

#endif
