/*
 * rs_thread_conn.c - one datastore connection per thread (see
 * rs_thread_conn.h).
 *
 * Each thread's entry under the key is a small record of its connection
 * and the generation it was opened in; the record lives as long as the
 * thread, the connection only until it is dropped.
 */
#include "rs_thread_conn.h"

#include <stdlib.h>

typedef struct slot_entry {
    rs_thread_conn *owner;
    void           *conn;
    unsigned        generation;
} slot_entry;

static void free_entry(void *p)
{
    slot_entry *e = p;
    if (e->conn != NULL)
        e->owner->close(e->conn);
    free(e);
}

int rs_thread_conn_init(rs_thread_conn *tc, void *(*open)(void *ctx),
                        void (*close)(void *conn), void *ctx)
{
    tc->open = open;
    tc->close = close;
    tc->ctx = ctx;
    return pthread_key_create(&tc->key, free_entry) == 0 ? 0 : -1;
}

void rs_thread_conn_destroy(rs_thread_conn *tc)
{
    slot_entry *e = pthread_getspecific(tc->key);
    if (e != NULL) {
        pthread_setspecific(tc->key, NULL);
        free_entry(e);
    }
    pthread_key_delete(tc->key);
}

/* This thread's record, made on first use; NULL when out of memory. */
static slot_entry *thread_entry(rs_thread_conn *tc)
{
    slot_entry *e = pthread_getspecific(tc->key);
    if (e != NULL)
        return e;
    e = calloc(1, sizeof *e);
    if (e == NULL)
        return NULL;
    e->owner = tc;
    if (pthread_setspecific(tc->key, e) != 0) {
        free(e);
        return NULL;
    }
    return e;
}

void *rs_thread_conn_get(rs_thread_conn *tc, unsigned generation)
{
    slot_entry *e = thread_entry(tc);
    if (e == NULL)
        return NULL;
    if (e->conn != NULL && e->generation == generation)
        return e->conn;
    if (e->conn != NULL)
        rs_thread_conn_drop(tc);
    e->conn = tc->open(tc->ctx);
    e->generation = generation;
    return e->conn;
}

void *rs_thread_conn_peek(rs_thread_conn *tc)
{
    slot_entry *e = pthread_getspecific(tc->key);
    return e != NULL ? e->conn : NULL;
}

void rs_thread_conn_drop(rs_thread_conn *tc)
{
    void *conn = rs_thread_conn_take(tc);
    if (conn != NULL)
        tc->close(conn);
}

void *rs_thread_conn_take(rs_thread_conn *tc)
{
    slot_entry *e = pthread_getspecific(tc->key);
    if (e == NULL)
        return NULL;
    void *conn = e->conn;
    e->conn = NULL;
    return conn;
}
