/*
 * rs_time.h - the runtime's clock and its one way to wait.
 *
 * rs_now is the clock every deadline, duration and retry time in the tree
 * is measured on: seconds on CLOCK_MONOTONIC, so it never jumps when the
 * wall clock is set. Safe from any thread.
 */
#ifndef RS_TIME_H
#define RS_TIME_H

/* Seconds since an arbitrary fixed point (CLOCK_MONOTONIC). */
double    rs_now(void);
/* rs_now in whole milliseconds, for times kept in an atomic integer. */
long long rs_now_ms(void);
/* Sleeps the calling thread for ms milliseconds (0 or less: returns at
 * once); a signal that interrupts the sleep does not shorten it. */
void      rs_sleep_ms(long ms);

#endif
