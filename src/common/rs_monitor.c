/*
 * rs_monitor.c - the datastore watcher thread (see rs_monitor.h).
 */
#include "rs_monitor.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rs_cond.h"
#include "rs_log.h"

#define UP_INTERVAL_MS   1000
#define DOWN_INTERVAL_MS 200

struct rs_monitor {
    char           *name;
    bool          (*probe)(void *ctx);
    void           *ctx;
    atomic_bool     up;
    atomic_uint     outages;
    pthread_mutex_t lock;       /* guards stopping and the sleep */
    pthread_cond_t  wake;
    bool            stopping;
    pthread_t       thread;
};

static void set_up(rs_monitor *m, bool up)
{
    bool was = atomic_exchange(&m->up, up);
    if (was && !up) {
        atomic_fetch_add(&m->outages, 1);
        rs_log(RS_WARN, "%s is not answering", m->name);
    }
    else if (!was && up)
        rs_log(RS_INFO, "%s is answering", m->name);
}

static void sleep_until_due(rs_monitor *m, long ms)
{
    struct timespec until = rs_cond_deadline(ms);
    pthread_cond_timedwait(&m->wake, &m->lock, &until);
}

static void *watch(void *arg)
{
    rs_monitor *m = arg;
    pthread_mutex_lock(&m->lock);
    while (!m->stopping) {
        pthread_mutex_unlock(&m->lock);
        set_up(m, m->probe(m->ctx));
        pthread_mutex_lock(&m->lock);
        if (!m->stopping)
            sleep_until_due(m, atomic_load(&m->up) ? UP_INTERVAL_MS : DOWN_INTERVAL_MS);
    }
    pthread_mutex_unlock(&m->lock);
    return NULL;
}

rs_monitor *rs_monitor_start(const char *name, bool (*probe)(void *ctx), void *ctx)
{
    rs_monitor *m = calloc(1, sizeof *m);
    if (m == NULL || (m->name = strdup(name)) == NULL) {
        free(m);
        return NULL;
    }
    m->probe = probe;
    m->ctx = ctx;
    pthread_mutex_init(&m->lock, NULL);
    rs_cond_init(&m->wake);
    /* The first verdict before anyone asks: the service starts knowing. */
    atomic_init(&m->outages, 0);
    atomic_init(&m->up, probe(ctx));
    if (!atomic_load(&m->up))
        rs_log(RS_WARN, "%s not reachable yet; requests get 503 until it is", m->name);
    if (pthread_create(&m->thread, NULL, watch, m) != 0) {
        pthread_cond_destroy(&m->wake);
        pthread_mutex_destroy(&m->lock);
        free(m->name);
        free(m);
        return NULL;
    }
    return m;
}

bool rs_monitor_up(rs_monitor *m)
{
    return atomic_load(&m->up);
}

unsigned rs_monitor_outages(rs_monitor *m)
{
    return atomic_load(&m->outages);
}

void rs_monitor_report_failure(rs_monitor *m)
{
    set_up(m, false);
    pthread_mutex_lock(&m->lock);
    pthread_cond_signal(&m->wake);
    pthread_mutex_unlock(&m->lock);
}

void rs_monitor_stop(rs_monitor *m)
{
    if (m == NULL)
        return;
    pthread_mutex_lock(&m->lock);
    m->stopping = true;
    pthread_cond_signal(&m->wake);
    pthread_mutex_unlock(&m->lock);
    pthread_join(m->thread, NULL);
    pthread_cond_destroy(&m->wake);
    pthread_mutex_destroy(&m->lock);
    free(m->name);
    free(m);
}
