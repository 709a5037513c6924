/*
 * orders.c - processing one order (see orders.h). The work is simulated:
 * a random pause, and a configurable share of orders marked as failed.
 * An order is recorded (record.h) once its work is done: one that has a
 * record already is dropped before any work, and one whose record cannot
 * be written is left to come again.
 */
#include "orders.h"
#include "record.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>

#include "rs_amqp.h"
#include "rs_config.h"
#include "rs_json.h"
#include "rs_log.h"
#include "rs_metrics.h"
#include "rs_spans.h"
#include "rs_time.h"
#include "rs_trace.h"
#include "rs_util.h"
#include "rs_valid.h"

#define RETRY_PAUSE_MS 1000

static struct {
    long       min_ms;
    long       max_ms;
    long       error_percent;
    rs_metric *processed;
    rs_metric *failed;
    rs_metric *in_flight;
    rs_metric *duplicates;
    rs_metric *duration;
} orders;

void orders_init(void)
{
    static const double buckets[] = {0.025, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 1, 2.5, 5, 10};
    orders.min_ms = rs_config_int("DISPATCH_MIN_MS", 84, 0, 600000);
    orders.max_ms = rs_config_int("DISPATCH_MAX_MS", 168, 0, 600000);
    if (orders.max_ms < orders.min_ms) {
        rs_config_fail("DISPATCH_MAX_MS=\"%ld\": expected at least DISPATCH_MIN_MS (%ld)",
                       orders.max_ms, orders.min_ms);
    }
    orders.error_percent = rs_config_int("DISPATCH_ERROR_PERCENT", 0, 0, 100);
    orders.processed = rs_counter("orders_processed_total",
        "Orders taken off the queue and processed, failed ones included.", NULL);
    orders.failed = rs_counter("orders_failed_total",
        "Orders that failed (fault knob or malformed message).", NULL);
    orders.duplicates = rs_counter("orders_duplicate_total",
        "Messages of an order already processed, dropped.", NULL);
    orders.in_flight = rs_gauge("orders_in_flight", "Orders being processed now.", NULL);
    orders.duration = rs_histogram("order_processing_seconds", "Time to process one order.",
                                   NULL, buckets, RS_ARRAY_LEN(buckets));
}

/* A per-thread xorshift64*, seeded from the kernel: no lock, no rand(). */
static uint64_t next_random(void)
{
    static _Thread_local uint64_t state;
    while (state == 0) {
        if (getrandom(&state, sizeof state, 0) != (ssize_t)sizeof state)
            state = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)&state;
    }
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return state * 0x2545F4914F6CDD1DULL;
}

/* A whole number from lo to hi, both included. */
static long random_between(long lo, long hi)
{
    return lo + (long)(next_random() % (uint64_t)(hi - lo + 1));
}

/* The order's id when the message is an order; NULL otherwise. */
static const char *order_id(const json_t *order)
{
    const char *id, *user;
    if (order == NULL || !rs_json_string(order, "orderid", &id) || !rs_valid_id(id) ||
        !rs_json_string(order, "user", &user) || !json_is_object(json_object_get(order, "cart")))
        return NULL;
    return id;
}

/* Ends what orders_process measures, and its span. */
static void done(rs_trace *trace, double started, const char *message_id, bool counted,
                 bool failed)
{
    if (counted) {
        rs_counter_add(orders.processed, NULL, 1);
        if (failed)
            rs_counter_add(orders.failed, NULL, 1);
        rs_histogram_observe(orders.duration, NULL, rs_now() - started);
    }
    rs_gauge_add(orders.in_flight, NULL, -1);
    rs_spans_process(trace, started, RS_AMQP_QUEUE, message_id, failed);
    rs_trace_set_current(NULL);
}

static void duplicate(const char *id)
{
    /* The same order again (payment retried it, or the broker redelivered
     * it after a restart): dispatched once. */
    rs_log(RS_INFO, "order %s already dispatched: duplicate message dropped", id);
    rs_counter_add(orders.duplicates, NULL, 1);
}

/* Redis did not answer: the order comes again, after a pause that keeps
 * an outage from turning into a loop of redeliveries. */
static bool later(const char *id)
{
    rs_log(RS_WARN, "order %s: redis not available: left to come again", id);
    rs_sleep_ms(RETRY_PAUSE_MS);
    return false;
}

bool orders_process(const char *body, size_t len, const char *traceparent,
                    const char *message_id, bool redelivered)
{
    rs_trace trace;
    rs_trace_begin(&trace, traceparent);
    rs_trace_set_current(&trace);
    rs_gauge_add(orders.in_flight, NULL, 1);
    double started = rs_now();

    json_t *order = rs_json_parse_object(body, len);
    const char *id = order_id(order);
    bool finished = true, counted = false, failed = false;
    record_status found = id != NULL ? record_find(id) : RECORD_NEW;
    if (id == NULL) {
        rs_log(RS_ERROR, "malformed order message dropped (%zu bytes)", len);
        counted = failed = true;
    } else if (found == RECORD_EXISTS) {
        duplicate(id);
    } else if (found == RECORD_UNAVAILABLE) {
        finished = later(id);
    } else {
        rs_sleep_ms(random_between(orders.min_ms, orders.max_ms));
        failed = random_between(0, 99) < orders.error_percent;
        record_status st = record_add(id, order, failed ? "failed" : "dispatched");
        if (st == RECORD_EXISTS) {
            duplicate(id);   /* another delivery of it recorded it meanwhile */
        } else if (st == RECORD_UNAVAILABLE) {
            finished = later(id);
        } else {
            counted = true;
            if (failed)
                rs_log(RS_WARN, "order %s failed%s", id, redelivered ? " (redelivered)" : "");
            else
                rs_log(RS_INFO, "order %s dispatched%s", id, redelivered ? " (redelivered)" : "");
        }
    }
    json_decref(order);
    done(&trace, started, message_id, counted, failed);
    return finished;
}
