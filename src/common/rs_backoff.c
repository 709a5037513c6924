/*
 * rs_backoff.c - capped exponential backoff for lost datastores (see
 * rs_backoff.h).
 */
#include "rs_backoff.h"

#include "rs_time.h"

#define DELAY_MIN 0.1
#define DELAY_MAX 5.0

void rs_backoff_init(rs_backoff *b)
{
    pthread_mutex_init(&b->lock, NULL);
    b->retry_at = 0;
    b->delay = DELAY_MIN;
    atomic_init(&b->up, false);
}

void rs_backoff_destroy(rs_backoff *b)
{
    pthread_mutex_destroy(&b->lock);
}

bool rs_backoff_due(rs_backoff *b)
{
    return atomic_load(&b->up) || rs_backoff_due_at(b, rs_now());   /* no clock read when up */
}

bool rs_backoff_due_at(rs_backoff *b, double now)
{
    if (atomic_load(&b->up))
        return true;
    pthread_mutex_lock(&b->lock);
    bool due = now >= b->retry_at;
    pthread_mutex_unlock(&b->lock);
    return due;
}

bool rs_backoff_up(rs_backoff *b)
{
    return atomic_load(&b->up);
}

void rs_backoff_note(rs_backoff *b, bool ok)
{
    if (ok && atomic_load(&b->up))
        return;   /* the common case: nothing to change, no clock read */
    rs_backoff_note_at(b, ok, rs_now());
}

void rs_backoff_note_at(rs_backoff *b, bool ok, double now)
{
    if (ok && atomic_load(&b->up))
        return;   /* the common case: nothing to change */
    pthread_mutex_lock(&b->lock);
    if (ok) {
        b->delay = DELAY_MIN;
        b->retry_at = 0;
    } else {
        b->retry_at = now + b->delay;
        b->delay = b->delay * 2 > DELAY_MAX ? DELAY_MAX : b->delay * 2;
    }
    pthread_mutex_unlock(&b->lock);
    atomic_store(&b->up, ok);
}
