/*
 * rs_monitor.h - a thread that watches one datastore.
 *
 * It calls the probe at once and then every second while the store
 * answers, every 200 ms while it does not, and keeps the verdict for
 * /ready and for callers that should fail fast rather than wait for a
 * timeout. A caller whose own command failed reports it: the store is
 * marked down and probed again at once. Changes of state are logged. The
 * outages are counted, so that a connection opened before the last one
 * can be told apart and replaced rather than tried.
 */
#ifndef RS_MONITOR_H
#define RS_MONITOR_H

#include <stdbool.h>

typedef struct rs_monitor rs_monitor;

/* name is for the log ("redis at host:port"); the probe runs on the
 * monitor's thread only. NULL when the thread cannot start. */
rs_monitor *rs_monitor_start(const char *name, bool (*probe)(void *ctx), void *ctx);
bool        rs_monitor_up(rs_monitor *m);
unsigned    rs_monitor_outages(rs_monitor *m);   /* times it went down */
void        rs_monitor_report_failure(rs_monitor *m);
void        rs_monitor_stop(rs_monitor *m);

#endif
