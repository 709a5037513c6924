/*
 * recent.h - the order ids this dispatch processed lately, so that an
 * order the broker delivers twice (payment retried it, with the same id)
 * is processed once. The memory is this process's: after a restart, an
 * order whose ack was lost is processed again, under its one id.
 */
#ifndef DISPATCH_RECENT_H
#define DISPATCH_RECENT_H

#include <stdbool.h>

void recent_init(void);
void recent_cleanup(void);
/* Marks id as taken; false when it was taken already (a duplicate). */
bool recent_take(const char *id);

#endif
