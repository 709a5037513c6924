/*
 * rs_time.c - the runtime's clock and its one way to wait (see rs_time.h).
 */
#include "rs_time.h"

#include <errno.h>
#include <time.h>

double rs_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

long long rs_now_ms(void)
{
    return (long long)(rs_now() * 1000.0);
}

void rs_sleep_ms(long ms)
{
    if (ms <= 0)
        return;
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}
