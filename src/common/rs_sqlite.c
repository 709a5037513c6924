/*
 * rs_sqlite.c - per-thread SQLite connections with backoff (see rs_sqlite.h).
 */
#include "rs_sqlite.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "rs_backoff.h"
#include "rs_buf.h"
#include "rs_log.h"
#include "rs_thread_conn.h"

#define BUSY_TIMEOUT_MS 5000

struct rs_sqlite_conn {
    sqlite3       *db;
    int            nstmt;
    sqlite3_stmt  *stmt[];
};

struct rs_sqlite {
    rs_sqlite_config cfg;
    char            *path;
    rs_thread_conn   conns;         /* each thread's own */
    pthread_mutex_t  lock;          /* guards prepared */
    bool             prepared;
    rs_backoff       backoff;
};

int rs_sqlite_exec(sqlite3 *db, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        rs_log(RS_ERROR, "sqlite: %s", err ? err : sqlite3_errmsg(db));
        sqlite3_free(err);
        return -1;
    }
    return 0;
}

int64_t rs_sqlite_count(sqlite3 *db, const char *table)
{
    char *sql = sqlite3_mprintf("SELECT count(*) FROM \"%w\"", table);
    sqlite3_stmt *st = NULL;
    int64_t n = -1;
    if (sql != NULL && sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    else
        rs_log(RS_ERROR, "sqlite: cannot count %s: %s", table, sqlite3_errmsg(db));
    sqlite3_finalize(st);
    sqlite3_free(sql);
    return n;
}

static void close_conn(void *p)
{
    rs_sqlite_conn *c = p;
    if (c == NULL)
        return;
    for (int i = 0; i < c->nstmt; i++)
        sqlite3_finalize(c->stmt[i]);
    sqlite3_close(c->db);
    free(c);
}

static sqlite3 *open_db(const char *name, int flags)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(name, &db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        rs_log(RS_ERROR, "sqlite: cannot open %s: %s", name,
               db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
    return db;
}

/* Schema and seed, once per process, in one write transaction. */
static int prepare_file(rs_sqlite *s)
{
    sqlite3 *db = open_db(s->path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    if (db == NULL)
        return -1;
    const char *mode = s->cfg.read_only ? "PRAGMA journal_mode=DELETE" : "PRAGMA journal_mode=WAL";
    int rc = rs_sqlite_exec(db, mode) == 0 && rs_sqlite_exec(db, "BEGIN IMMEDIATE") == 0 ? 0 : -1;
    if (rc == 0) {
        rc = s->cfg.prepare(db, s->cfg.ctx);
        rc = rs_sqlite_exec(db, rc == 0 ? "COMMIT" : "ROLLBACK") == 0 ? rc : -1;
    }
    sqlite3_close(db);
    return rc;
}

/* "file:PATH?immutable=1", with the characters a URI reserves escaped. */
static int immutable_uri(const char *path, rs_buf *uri)
{
    rs_buf_puts(uri, "file:");
    for (const char *p = path; *p != '\0'; p++) {
        if (*p == '%' || *p == '?' || *p == '#')
            rs_buf_printf(uri, "%%%02X", (unsigned char)*p);
        else
            rs_buf_append(uri, p, 1);
    }
    rs_buf_puts(uri, "?immutable=1");
    return uri->failed ? -1 : 0;
}

static sqlite3 *open_thread_db(rs_sqlite *s)
{
    if (!s->cfg.read_only) {
        sqlite3 *db = open_db(s->path, SQLITE_OPEN_READWRITE);
        if (db != NULL && rs_sqlite_exec(db, "PRAGMA synchronous=FULL") != 0) {
            sqlite3_close(db);
            return NULL;
        }
        return db;
    }
    rs_buf uri = RS_BUF_INIT;
    sqlite3 *db = NULL;
    if (immutable_uri(s->path, &uri) == 0)
        db = open_db(uri.data, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI);
    rs_buf_free(&uri);
    return db;
}

static void *open_conn(void *ctx)
{
    rs_sqlite *s = ctx;
    pthread_mutex_lock(&s->lock);
    int rc = s->prepared ? 0 : prepare_file(s);
    if (rc == 0)
        s->prepared = true;
    pthread_mutex_unlock(&s->lock);
    if (rc != 0)
        return NULL;

    rs_sqlite_conn *c = calloc(1, sizeof *c + (size_t)s->cfg.nqueries * sizeof c->stmt[0]);
    if (c == NULL)
        return NULL;
    c->db = open_thread_db(s);
    if (c->db == NULL) {
        free(c);
        return NULL;
    }
    for (; c->nstmt < s->cfg.nqueries; c->nstmt++) {
        if (sqlite3_prepare_v3(c->db, s->cfg.queries[c->nstmt], -1, SQLITE_PREPARE_PERSISTENT,
                               &c->stmt[c->nstmt], NULL) != SQLITE_OK) {
            rs_log(RS_ERROR, "sqlite: %s: %s", s->cfg.queries[c->nstmt], sqlite3_errmsg(c->db));
            close_conn(c);
            return NULL;
        }
    }
    return c;
}

rs_sqlite *rs_sqlite_new(const rs_sqlite_config *cfg)
{
    rs_sqlite *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    s->cfg = *cfg;
    s->path = strdup(cfg->path);
    if (s->path == NULL || rs_thread_conn_init(&s->conns, open_conn, close_conn, s) != 0) {
        free(s->path);
        free(s);
        return NULL;
    }
    pthread_mutex_init(&s->lock, NULL);
    rs_backoff_init(&s->backoff);
    return s;
}

void rs_sqlite_free(rs_sqlite *s)
{
    if (s == NULL)
        return;
    rs_thread_conn_destroy(&s->conns);
    pthread_mutex_destroy(&s->lock);
    rs_backoff_destroy(&s->backoff);
    free(s->path);
    free(s);
}

rs_sqlite_conn *rs_sqlite_conn_get(rs_sqlite *s)
{
    rs_sqlite_conn *c = rs_thread_conn_peek(&s->conns);
    if (c != NULL)
        return c;
    if (!rs_backoff_due(&s->backoff))
        return NULL;
    c = rs_thread_conn_get(&s->conns, 0);
    rs_backoff_note(&s->backoff, c != NULL);
    return c;
}

bool rs_sqlite_up(rs_sqlite *s)
{
    if (!rs_backoff_up(&s->backoff) && rs_sqlite_conn_get(s) != NULL)
        rs_sqlite_ok(s);   /* this thread has a working connection, or just made one */
    return rs_backoff_up(&s->backoff);
}

sqlite3 *rs_sqlite_db(rs_sqlite_conn *c)
{
    return c->db;
}

sqlite3_stmt *rs_sqlite_stmt(rs_sqlite_conn *c, int query)
{
    sqlite3_stmt *st = c->stmt[query];
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return st;
}

void rs_sqlite_ok(rs_sqlite *s)
{
    rs_backoff_note(&s->backoff, true);
}

void rs_sqlite_fail(rs_sqlite *s, rs_sqlite_conn *c, const char *what)
{
    rs_log(RS_ERROR, "sqlite: %s: %s", what, sqlite3_errmsg(c->db));
    rs_thread_conn_drop(&s->conns);
    rs_backoff_note(&s->backoff, false);
}
