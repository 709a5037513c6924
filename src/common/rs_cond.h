/*
 * rs_cond.h - condition variables that wait on the monotonic clock.
 *
 * A timed wait on a condition made by rs_cond_init is not stretched or cut
 * short when the wall clock is set. rs_cond_deadline gives the absolute
 * time for pthread_cond_timedwait on such a condition; a loop that waits
 * again after a spurious wake-up keeps the same deadline.
 */
#ifndef RS_COND_H
#define RS_COND_H

#include <pthread.h>
#include <time.h>

/* 0, or the error of pthread_cond_init. */
int             rs_cond_init(pthread_cond_t *c);
/* ms milliseconds from now, on CLOCK_MONOTONIC. */
struct timespec rs_cond_deadline(long ms);

#endif
