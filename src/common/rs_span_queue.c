/*
 * rs_span_queue.c - the bounded span queue (see rs_span_queue.h).
 *
 * head is the oldest span; len counts every span held, the lent ones the
 * reader is still sending included, so a push never writes where the
 * reader reads.
 * A take hands out one contiguous run of the ring: at the end of the ring
 * a batch is cut short and the rest comes with the next take.
 */
#include "rs_span_queue.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rs_cond.h"

struct rs_span_queue {
    pthread_mutex_t lock;
    pthread_cond_t  ready;       /* a batch is there, or closed */
    rs_span        *ring;
    size_t          capacity, batch;
    size_t          head, len, lent;
    atomic_size_t   held;        /* len, for a push's look without the lock */
    bool            closed;
    atomic_uint_fast64_t dropped;
};

rs_span_queue *rs_span_queue_new(size_t capacity, size_t batch)
{
    if (capacity == 0)
        return NULL;
    rs_span_queue *q = calloc(1, sizeof *q);
    if (q == NULL)
        return NULL;
    q->ring = calloc(capacity, sizeof *q->ring);
    bool cond_ok = rs_cond_init(&q->ready) == 0;
    if (q->ring == NULL || !cond_ok || pthread_mutex_init(&q->lock, NULL) != 0) {
        if (cond_ok)
            pthread_cond_destroy(&q->ready);
        free(q->ring);
        free(q);
        return NULL;
    }
    q->capacity = capacity;
    q->batch = batch == 0 || batch > capacity ? capacity : batch;
    atomic_init(&q->dropped, 0);
    atomic_init(&q->held, 0);
    return q;
}

void rs_span_queue_free(rs_span_queue *q)
{
    if (q == NULL)
        return;
    pthread_cond_destroy(&q->ready);
    pthread_mutex_destroy(&q->lock);
    free(q->ring);
    free(q);
}

static void drop(rs_span_queue *q)
{
    atomic_fetch_add_explicit(&q->dropped, 1, memory_order_relaxed);
}

bool rs_span_queue_admit(rs_span_queue *q)
{
    if (atomic_load_explicit(&q->held, memory_order_relaxed) < q->capacity)
        return true;
    drop(q);
    return false;
}

bool rs_span_queue_push(rs_span_queue *q, const rs_span *s)
{
    /* a full queue stays full while the exporter sends: a drop then costs
     * no lock, so threads that end spans do not queue up behind each other */
    if (atomic_load_explicit(&q->held, memory_order_relaxed) >= q->capacity) {
        drop(q);
        return false;
    }
    pthread_mutex_lock(&q->lock);
    if (q->len == q->capacity) {
        pthread_mutex_unlock(&q->lock);
        drop(q);
        return false;
    }
    size_t at = (q->head + q->len) % q->capacity;
    /* only what is filled in: the unused text is not copied */
    memcpy(&q->ring[at], s, offsetof(rs_span, text) + s->text_len);
    q->len++;
    atomic_store_explicit(&q->held, q->len, memory_order_relaxed);
    bool wake = q->len - q->lent == q->batch;
    pthread_mutex_unlock(&q->lock);
    if (wake)
        pthread_cond_signal(&q->ready);
    return true;
}

size_t rs_span_queue_take(rs_span_queue *q, size_t max, long timeout_ms, const rs_span **spans)
{
    struct timespec until = rs_cond_deadline(timeout_ms);
    pthread_mutex_lock(&q->lock);
    while (!q->closed && q->len - q->lent < q->batch) {
        if (pthread_cond_timedwait(&q->ready, &q->lock, &until) == ETIMEDOUT)
            break;
    }
    size_t first = (q->head + q->lent) % q->capacity;
    size_t n = q->len - q->lent;
    if (n > max)
        n = max;
    if (n > q->capacity - first)
        n = q->capacity - first;
    q->lent += n;
    *spans = &q->ring[first];
    pthread_mutex_unlock(&q->lock);
    return n;
}

void rs_span_queue_release(rs_span_queue *q, size_t n)
{
    pthread_mutex_lock(&q->lock);
    if (n > q->lent)
        n = q->lent;
    q->head = (q->head + n) % q->capacity;
    q->len -= n;
    q->lent -= n;
    atomic_store_explicit(&q->held, q->len, memory_order_relaxed);
    pthread_mutex_unlock(&q->lock);
}

void rs_span_queue_close(rs_span_queue *q)
{
    pthread_mutex_lock(&q->lock);
    q->closed = true;
    pthread_mutex_unlock(&q->lock);
    pthread_cond_broadcast(&q->ready);
}

bool rs_span_queue_closed(rs_span_queue *q)
{
    pthread_mutex_lock(&q->lock);
    bool closed = q->closed;
    pthread_mutex_unlock(&q->lock);
    return closed;
}

size_t rs_span_queue_length(rs_span_queue *q)
{
    pthread_mutex_lock(&q->lock);
    size_t len = q->len;
    pthread_mutex_unlock(&q->lock);
    return len;
}

uint64_t rs_span_queue_dropped(rs_span_queue *q)
{
    return atomic_load(&q->dropped);
}
