/*
 * ledger.c - the recent orders of this process (see ledger.h): a small
 * table under one lock, the least recently used entry making room.
 */
#include "ledger.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "order.h"
#include "rs_cond.h"

#define LEDGER_SIZE 4096

typedef struct entry {
    char         id[ORDER_ID_LEN + 1];    /* "" when free */
    ledger_state state;
    bool         busy;                    /* a request is publishing it */
    uint64_t     used;                    /* when last claimed */
} entry;

static struct {
    pthread_mutex_t lock;
    pthread_cond_t  released;
    uint64_t        clock;
    entry           entries[LEDGER_SIZE];
} ledger;

void ledger_init(void)
{
    pthread_mutex_init(&ledger.lock, NULL);
    rs_cond_init(&ledger.released);
}

void ledger_cleanup(void)
{
    pthread_cond_destroy(&ledger.released);
    pthread_mutex_destroy(&ledger.lock);
}

static entry *find(const char *orderid)
{
    for (size_t i = 0; i < LEDGER_SIZE; i++)
        if (strcmp(ledger.entries[i].id, orderid) == 0)
            return &ledger.entries[i];
    return NULL;
}

/* A free entry, or the least recently used one that no request holds;
 * NULL when every one is held. */
static entry *make_room(void)
{
    entry *oldest = NULL;
    for (size_t i = 0; i < LEDGER_SIZE; i++) {
        entry *e = &ledger.entries[i];
        if (e->id[0] == '\0')
            return e;
        if (!e->busy && (oldest == NULL || e->used < oldest->used))
            oldest = e;
    }
    return oldest;
}

ledger_state ledger_claim(const char *orderid, long wait_ms, bool *held)
{
    struct timespec until = rs_cond_deadline(wait_ms);
    pthread_mutex_lock(&ledger.lock);
    entry *e = find(orderid);
    while (e != NULL && e->busy) {
        if (pthread_cond_timedwait(&ledger.released, &ledger.lock, &until) == ETIMEDOUT)
            break;
        e = find(orderid);   /* it may have made room for another */
    }
    ledger_state st = LEDGER_NEW;
    *held = false;
    if (e != NULL && e->busy) {
        st = LEDGER_BUSY;
    } else {
        if (e == NULL && (e = make_room()) != NULL) {
            memcpy(e->id, orderid, ORDER_ID_LEN + 1);
            e->state = LEDGER_NEW;
        }
        if (e != NULL) {
            st = e->state;
            e->busy = true;
            e->used = ++ledger.clock;
            *held = true;
        }
    }
    pthread_mutex_unlock(&ledger.lock);
    return st;
}

void ledger_release(const char *orderid, ledger_state outcome)
{
    pthread_mutex_lock(&ledger.lock);
    entry *e = find(orderid);
    if (e != NULL) {
        /* Nothing sent this time leaves what was known; anything else is
         * the newest word on it. */
        if (outcome != LEDGER_NEW)
            e->state = outcome;
        e->busy = false;
    }
    pthread_cond_broadcast(&ledger.released);
    pthread_mutex_unlock(&ledger.lock);
}
