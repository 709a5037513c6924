/*
 * rs_sqlite.h - a SQLite file shared by a service's threads.
 *
 * The file is prepared once per process by a read-write connection: the
 * service's prepare callback (schema, seed) runs inside one write
 * transaction, so that two processes starting on one file do not both
 * seed it. Each thread then works through its own connection, opened on
 * first use with the service's statements prepared once:
 *   - read_only stores (a catalogue that never changes while it serves)
 *     open with immutable=1, so a read takes no file lock at all;
 *   - the others use WAL (readers never wait for the writer),
 *     synchronous=FULL (a committed write survives a power cut) and a busy
 *     timeout, so concurrent writers queue instead of failing.
 * When the file cannot be opened or prepared, rs_sqlite_conn answers NULL
 * at once (the caller answers 503) and the open is retried with capped
 * exponential backoff, 0.1 s to 5 s.
 */
#ifndef RS_SQLITE_H
#define RS_SQLITE_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct rs_sqlite rs_sqlite;
typedef struct rs_sqlite_conn rs_sqlite_conn;

typedef struct rs_sqlite_config {
    const char        *path;
    bool               read_only;
    const char *const *queries;     /* prepared on every connection */
    int                nqueries;
    int              (*prepare)(sqlite3 *db, void *ctx);   /* 0 on success */
    void              *ctx;
} rs_sqlite_config;

rs_sqlite      *rs_sqlite_new(const rs_sqlite_config *cfg);   /* NULL: out of memory */
void            rs_sqlite_free(rs_sqlite *s);
/* Whether the file is usable; may open this thread's connection. */
bool            rs_sqlite_up(rs_sqlite *s);

/* This thread's connection; NULL while the file is unavailable. */
rs_sqlite_conn *rs_sqlite_conn_get(rs_sqlite *s);
sqlite3        *rs_sqlite_db(rs_sqlite_conn *c);
/* Statement `query` of cfg->queries, reset with its bindings cleared. */
sqlite3_stmt   *rs_sqlite_stmt(rs_sqlite_conn *c, int query);
/* A statement worked: the file is up. */
void            rs_sqlite_ok(rs_sqlite *s);
/* A statement failed for a reason other than the data (I/O, a lost file):
 * logs it, drops this thread's connection and backs off. */
void            rs_sqlite_fail(rs_sqlite *s, rs_sqlite_conn *c, const char *what);
/* Runs SQL without results on a handle; 0, or -1 after logging the error. */
int             rs_sqlite_exec(sqlite3 *db, const char *sql);
/* The number of rows in table (a prepare callback seeds an empty one);
 * -1 after logging the error. */
int64_t         rs_sqlite_count(sqlite3 *db, const char *table);

#endif
