/*
 * orders.h - what dispatch does with one order: check it, do the
 * (simulated) work, and log and count the outcome.
 */
#ifndef DISPATCH_ORDERS_H
#define DISPATCH_ORDERS_H

#include <stdbool.h>
#include <stddef.h>

/* Reads DISPATCH_MIN_MS, DISPATCH_MAX_MS and DISPATCH_ERROR_PERCENT, and
 * declares the metrics. */
void orders_init(void);

/* Processes one message body (any bytes: a malformed one is logged and
 * counted as failed), as a CONSUMER span of the trace the message carries.
 * traceparent: the message's header, or NULL; message_id: its message id,
 * or NULL. Safe to call from many threads at once, and twice for one
 * order, in one process or in two: an order is dispatched and recorded
 * once. true when the message is done with (to be acked), false when it
 * must come again (its record could not be read or written: Redis is out). */
bool orders_process(const char *body, size_t len, const char *traceparent,
                    const char *message_id, bool redelivered);

#endif
