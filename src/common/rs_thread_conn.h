/*
 * rs_thread_conn.h - one datastore connection per thread, kept in a slot.
 *
 * A slot holds, for each thread that uses it, the connection that thread
 * opened on first use (a Redis context, a MariaDB handle, a SQLite file,
 * a RabbitMQ publisher, a curl handle). A caller that sees its connection
 * fail drops it, and the next use opens a new one. A connection is also
 * stamped with the store's outage generation (rs_monitor_outages) when it
 * is opened: asked for with a newer generation, it is closed and replaced
 * rather than tried, for its server may have restarted beneath it. Stores
 * without a monitor pass 0 always.
 *
 * Threading: a thread only ever sees its own connection; the slot itself
 * is shared and read-only after rs_thread_conn_init. open and close run on
 * the calling thread, close also when the thread exits. Ownership: the slot
 * owns the connections; rs_thread_conn_take hands one back to the caller.
 */
#ifndef RS_THREAD_CONN_H
#define RS_THREAD_CONN_H

#include <pthread.h>

typedef struct rs_thread_conn {
    pthread_key_t key;
    void       *(*open)(void *ctx);   /* a new connection, or NULL */
    void        (*close)(void *conn);
    void         *ctx;
} rs_thread_conn;

/* 0, or -1 when no thread key is left. */
int   rs_thread_conn_init(rs_thread_conn *tc, void *(*open)(void *ctx),
                          void (*close)(void *conn), void *ctx);
/* Closes the calling thread's connection and releases the key; the other
 * threads' connections were closed when those threads ended. */
void  rs_thread_conn_destroy(rs_thread_conn *tc);

/* This thread's connection, opened now if it has none or if it was opened
 * in a generation before `generation`; NULL when opening fails. */
void *rs_thread_conn_get(rs_thread_conn *tc, unsigned generation);
/* This thread's connection if it has one; never opens. */
void *rs_thread_conn_peek(rs_thread_conn *tc);
/* Closes this thread's connection (it failed); the next get opens anew. */
void  rs_thread_conn_drop(rs_thread_conn *tc);
/* Removes this thread's connection from the slot without closing it. */
void *rs_thread_conn_take(rs_thread_conn *tc);

#endif
