/*
 * rs_monitor.h - a thread that watches one datastore.
 *
 * It calls the probe at once and then every second while the store
 * answers, every 200 ms while it does not, and keeps the verdict for
 * /ready and for callers that should fail fast rather than wait for a
 * timeout. A caller whose own command failed reports it: the store is
 * marked down and probed again at once. Changes of state are logged. The
 * outages are counted, so that a connection opened before the last one
 * can be told apart and replaced rather than tried (rs_thread_conn.h).
 *
 * Why a thread: Redis, MariaDB and RabbitMQ are servers across a network,
 * and a command sent to one that is gone waits for its timeout. One probe
 * on the monitor's own connection learns the verdict for every thread, so
 * that callers answer 503 at once while the store is down. SQLite and
 * MongoDB need no such thread and pace their retries with rs_backoff.h
 * instead (that header says why).
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
