/*
 * rs_backoff.h - when to try a lost datastore again.
 *
 * A store that fails is marked down and not tried again before a delay
 * that doubles with each failure, from 0.1 s up to 5 s; one success marks
 * it up and resets the delay. Callers answer 503 at once while it is not
 * due, instead of each waiting for a timeout. Thread-safe.
 *
 * Why not a monitor thread (rs_monitor.h), as the network stores have: a
 * SQLite file has no server to probe, and a failed open fails at once,
 * so the caller's own attempt is the probe and this only paces it.
 * libmongoc watches its servers itself and gives up on server selection
 * after a short timeout; the MongoDB stores only pace their retries here.
 */
#ifndef RS_BACKOFF_H
#define RS_BACKOFF_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

typedef struct rs_backoff {
    pthread_mutex_t lock;
    double          retry_at;   /* no attempt before this (rs_now seconds) */
    double          delay;
    atomic_bool     up;
} rs_backoff;

void rs_backoff_init(rs_backoff *b);
void rs_backoff_destroy(rs_backoff *b);
/* Up, or down with its delay over: worth an attempt now. */
bool rs_backoff_due(rs_backoff *b);
bool rs_backoff_up(rs_backoff *b);
/* Records an attempt's outcome. */
void rs_backoff_note(rs_backoff *b, bool ok);

/* The same two at a given time `now` (rs_now seconds), for a caller that
 * has read the clock already, and for tests. */
bool rs_backoff_due_at(rs_backoff *b, double now);
void rs_backoff_note_at(rs_backoff *b, bool ok, double now);

#endif
