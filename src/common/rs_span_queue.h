/*
 * rs_span_queue.h - the bounded queue between the threads that end spans
 * and the exporter thread that sends them.
 *
 * A ring of finished spans, allocated once. rs_span_queue_push copies a
 * span in, or drops it when the ring is full (counted: never a wait for
 * room). The one reader takes spans in place: rs_span_queue_take waits for
 * a batch (or the delay, or close) and points at up to max spans that stay
 * the reader's until rs_span_queue_release; pushes go on meanwhile into the
 * rest of the ring.
 *
 * Threading: any number of threads push; one thread takes and releases.
 * The queue owns its spans; rs_span_queue_free after the reader is done.
 */
#ifndef RS_SPAN_QUEUE_H
#define RS_SPAN_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rs_span.h"

typedef struct rs_span_queue rs_span_queue;

/* capacity spans; batch: how many make the reader's wait end early. */
rs_span_queue *rs_span_queue_new(size_t capacity, size_t batch);
void           rs_span_queue_free(rs_span_queue *q);

/* false: the queue was full, the span is dropped (and counted). */
bool     rs_span_queue_push(rs_span_queue *q, const rs_span *s);
/* Whether a span would find room now, without the lock; false counts it
 * dropped (so that a span is not even built when it would be). */
bool     rs_span_queue_admit(rs_span_queue *q);
/* Waits until a batch is ready, timeout_ms passed, or the queue is closed;
 * then *spans points at n <= max queued spans in order (n may be 0). */
size_t   rs_span_queue_take(rs_span_queue *q, size_t max, long timeout_ms, const rs_span **spans);
/* The n spans of the last take are done with: their room is free again. */
void     rs_span_queue_release(rs_span_queue *q, size_t n);
/* Ends every wait at once, now and later (for a last flush). */
void     rs_span_queue_close(rs_span_queue *q);
bool     rs_span_queue_closed(rs_span_queue *q);

size_t   rs_span_queue_length(rs_span_queue *q);
uint64_t rs_span_queue_dropped(rs_span_queue *q);

#endif
