/*
 * products_sqlite.c - the product store on SQLite (see products.h).
 *
 * A product is stored as its JSON document, ready to send; a category table
 * and an FTS5 index over name and description answer the category and
 * search routes.
 *
 * The catalogue only reads while it serves. So the file is prepared once by
 * a short-lived read-write connection (schema, seed when empty, in one write
 * transaction, with a rollback journal so that everything lands in the main
 * file), and every server thread then reads through its own read-only
 * connection opened with immutable=1: no file locks and no change checks
 * per query, which is most of what a SQLite read costs here. To change the
 * catalogue, change the file and restart the service.
 *
 * When the file cannot be prepared or opened, calls fail fast with
 * PRODUCTS_UNAVAILABLE and the open is retried with capped exponential
 * backoff.
 */
#include <ctype.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "products.h"
#include "rs_json.h"
#include "rs_log.h"
#include "rs_service.h"

#define BACKOFF_MIN 0.1
#define BACKOFF_MAX 5.0
#define BUSY_TIMEOUT_MS 2000

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS products ("
    "  sku  TEXT PRIMARY KEY,"
    "  name TEXT NOT NULL,"
    "  doc  TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS product_categories ("
    "  category TEXT NOT NULL,"
    "  sku      TEXT NOT NULL REFERENCES products(sku),"
    "  PRIMARY KEY (category, sku)) WITHOUT ROWID;"
    "CREATE VIRTUAL TABLE IF NOT EXISTS products_fts USING fts5("
    "  name, description, content='', tokenize='unicode61 remove_diacritics 2');";

enum { Q_GET, Q_LIST, Q_BY_CATEGORY, Q_CATEGORIES, Q_SEARCH, Q_COUNT };

static const char *const queries[Q_COUNT] = {
    [Q_GET] = "SELECT doc FROM products WHERE sku = ?1",
    [Q_LIST] = "SELECT doc FROM products ORDER BY sku",
    [Q_BY_CATEGORY] = "SELECT p.doc FROM product_categories c JOIN products p ON p.sku = c.sku"
                      " WHERE c.category = ?1 ORDER BY p.name, p.sku",
    [Q_CATEGORIES] = "SELECT DISTINCT category FROM product_categories ORDER BY category",
    [Q_SEARCH] = "SELECT p.doc FROM products_fts f JOIN products p ON p.rowid = f.rowid"
                 " WHERE products_fts MATCH ?1 ORDER BY f.rank, p.sku",
};

typedef struct connection {
    sqlite3      *db;
    sqlite3_stmt *stmt[Q_COUNT];
} connection;

typedef struct sqlite_store {
    products_store  base;
    char           *path;
    json_t         *seed;
    pthread_key_t   conn_key;
    pthread_mutex_t lock;          /* guards the fields below */
    bool            schema_ready;
    double          retry_at;      /* no open attempt before this */
    double          backoff;
    atomic_bool     up;
} sqlite_store;

/* ---- connections ---- */

static void close_connection(void *p)
{
    connection *c = p;
    if (c == NULL)
        return;
    for (int i = 0; i < Q_COUNT; i++)
        sqlite3_finalize(c->stmt[i]);
    sqlite3_close(c->db);
    free(c);
}

static int exec(sqlite3 *db, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        rs_log(RS_ERROR, "sqlite: %s", err ? err : sqlite3_errmsg(db));
        sqlite3_free(err);
        return -1;
    }
    return 0;
}

static int insert_product(sqlite3 *db, sqlite3_stmt *product, sqlite3_stmt *category,
                          sqlite3_stmt *fts, json_t *p)
{
    rs_buf doc = RS_BUF_INIT;
    json_t *ordered = json_pack("{s:O,s:O,s:O,s:O,s:O,s:O}",
        "sku", json_object_get(p, "sku"), "name", json_object_get(p, "name"),
        "description", json_object_get(p, "description"),
        "price", json_object_get(p, "price"), "instock", json_object_get(p, "instock"),
        "categories", json_object_get(p, "categories"));
    int rc = ordered != NULL && rs_json_dump(ordered, &doc) == 0 && !doc.failed ? 0 : -1;
    json_decref(ordered);
    const char *sku = json_string_value(json_object_get(p, "sku"));
    const char *name = json_string_value(json_object_get(p, "name"));
    const char *description = json_string_value(json_object_get(p, "description"));

    if (rc == 0) {
        sqlite3_reset(product);
        sqlite3_bind_text(product, 1, sku, -1, SQLITE_STATIC);
        sqlite3_bind_text(product, 2, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(product, 3, doc.data, (int)doc.len, SQLITE_STATIC);
        rc = sqlite3_step(product) == SQLITE_DONE ? 0 : -1;
    }
    if (rc == 0) {
        sqlite3_reset(fts);
        sqlite3_bind_int64(fts, 1, sqlite3_last_insert_rowid(db));
        sqlite3_bind_text(fts, 2, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(fts, 3, description, -1, SQLITE_STATIC);
        rc = sqlite3_step(fts) == SQLITE_DONE ? 0 : -1;
    }
    size_t i;
    json_t *cat;
    json_array_foreach(json_object_get(p, "categories"), i, cat) {
        if (rc != 0)
            break;
        sqlite3_reset(category);
        sqlite3_bind_text(category, 1, json_string_value(cat), -1, SQLITE_STATIC);
        sqlite3_bind_text(category, 2, sku, -1, SQLITE_STATIC);
        rc = sqlite3_step(category) == SQLITE_DONE ? 0 : -1;
    }
    if (rc != 0)
        rs_log(RS_ERROR, "sqlite: cannot seed product %s: %s", sku, sqlite3_errmsg(db));
    rs_buf_free(&doc);
    return rc;
}

static int insert_seed(sqlite3 *db, json_t *seed)
{
    sqlite3_stmt *product = NULL, *category = NULL, *fts = NULL;
    int rc = -1;
    if (sqlite3_prepare_v2(db, "INSERT INTO products (sku, name, doc) VALUES (?1, ?2, ?3)",
                           -1, &product, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "INSERT INTO product_categories (category, sku) VALUES (?1, ?2)",
                           -1, &category, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "INSERT INTO products_fts (rowid, name, description)"
                           " VALUES (?1, ?2, ?3)", -1, &fts, NULL) != SQLITE_OK) {
        rs_log(RS_ERROR, "sqlite: %s", sqlite3_errmsg(db));
        goto done;
    }
    size_t i;
    json_t *p;
    rc = 0;
    json_array_foreach(seed, i, p) {
        if (insert_product(db, product, category, fts, p) != 0) {
            rc = -1;
            break;
        }
    }
done:
    sqlite3_finalize(product);
    sqlite3_finalize(category);
    sqlite3_finalize(fts);
    return rc;
}

/* Creates the schema and seeds an empty store, in one write transaction so
 * that two processes starting on one file do not both seed it. */
static int prepare_schema(sqlite3 *db, json_t *seed)
{
    if (exec(db, "BEGIN IMMEDIATE") != 0)
        return -1;
    sqlite3_stmt *count = NULL;
    int rc = exec(db, schema_sql);
    if (rc == 0 && sqlite3_prepare_v2(db, "SELECT count(*) FROM products", -1, &count, NULL) != SQLITE_OK)
        rc = -1;
    if (rc == 0 && sqlite3_step(count) == SQLITE_ROW && sqlite3_column_int64(count, 0) == 0) {
        rc = insert_seed(db, seed);
        if (rc == 0)
            rs_log(RS_INFO, "seeded %zu products", json_array_size(seed));
    }
    sqlite3_finalize(count);
    if (rc == 0)
        return exec(db, "COMMIT");
    exec(db, "ROLLBACK");
    return -1;
}

/* Creates, migrates and seeds the file: once per process. */
static int prepare_file(sqlite_store *s)
{
    sqlite3 *db = NULL;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    int rc = -1;
    if (sqlite3_open_v2(s->path, &db, flags, NULL) != SQLITE_OK) {
        rs_log(RS_ERROR, "sqlite: cannot open %s: %s", s->path,
               db ? sqlite3_errmsg(db) : "out of memory");
    } else {
        sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
        if (exec(db, "PRAGMA journal_mode=DELETE") == 0)
            rc = prepare_schema(db, s->seed);
    }
    sqlite3_close(db);
    return rc;
}

/* "file:PATH?immutable=1", with the characters a URI reserves escaped. */
static int reader_uri(const char *path, rs_buf *uri)
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

static connection *open_connection(sqlite_store *s)
{
    pthread_mutex_lock(&s->lock);
    int rc = s->schema_ready ? 0 : prepare_file(s);
    if (rc == 0)
        s->schema_ready = true;
    pthread_mutex_unlock(&s->lock);
    if (rc != 0)
        return NULL;

    rs_buf uri = RS_BUF_INIT;
    connection *c = calloc(1, sizeof *c);
    if (c == NULL || reader_uri(s->path, &uri) != 0)
        goto fail;
    int flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(uri.data, &c->db, flags, NULL) != SQLITE_OK) {
        rs_log(RS_ERROR, "sqlite: cannot open %s: %s", s->path,
               c->db ? sqlite3_errmsg(c->db) : "out of memory");
        goto fail;
    }
    for (int i = 0; i < Q_COUNT; i++) {
        if (sqlite3_prepare_v3(c->db, queries[i], -1, SQLITE_PREPARE_PERSISTENT,
                               &c->stmt[i], NULL) != SQLITE_OK) {
            rs_log(RS_ERROR, "sqlite: %s", sqlite3_errmsg(c->db));
            goto fail;
        }
    }
    rs_buf_free(&uri);
    return c;
fail:
    rs_buf_free(&uri);
    close_connection(c);
    return NULL;
}

/* Whether an open may be tried now; false while backing off. */
static bool may_retry(sqlite_store *s)
{
    pthread_mutex_lock(&s->lock);
    bool due = rs_now() >= s->retry_at;
    pthread_mutex_unlock(&s->lock);
    return due;
}

static void note_outcome(sqlite_store *s, bool ok)
{
    pthread_mutex_lock(&s->lock);
    if (ok) {
        s->backoff = BACKOFF_MIN;
        s->retry_at = 0;
    } else {
        s->retry_at = rs_now() + s->backoff;
        s->backoff = s->backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX : s->backoff * 2;
    }
    pthread_mutex_unlock(&s->lock);
    atomic_store(&s->up, ok);
}

/* This thread's connection, opened on first use; NULL when unavailable. */
static connection *thread_connection(sqlite_store *s)
{
    connection *c = pthread_getspecific(s->conn_key);
    if (c != NULL)
        return c;
    if (!may_retry(s))
        return NULL;
    c = open_connection(s);
    note_outcome(s, c != NULL);
    if (c != NULL && pthread_setspecific(s->conn_key, c) != 0) {
        close_connection(c);
        return NULL;
    }
    return c;
}

/* A thread whose query worked proves the store is back. */
static void mark_up(sqlite_store *s)
{
    if (!atomic_load(&s->up))
        note_outcome(s, true);
}

/* After an error, the connection is dropped and reopened on a later call. */
static products_status fail_connection(sqlite_store *s, connection *c, const char *what)
{
    rs_log(RS_ERROR, "sqlite: %s: %s", what, sqlite3_errmsg(c->db));
    pthread_setspecific(s->conn_key, NULL);
    close_connection(c);
    note_outcome(s, false);
    return PRODUCTS_UNAVAILABLE;
}

/* ---- queries ---- */

/* Runs a statement whose rows are JSON documents and appends them as an
 * array (or, with single, the one document). */
static products_status collect(sqlite_store *s, connection *c, int q, bool single, rs_buf *out)
{
    sqlite3_stmt *st = c->stmt[q];
    int rows = 0, rc;
    if (!single)
        rs_buf_puts(out, "[");
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (rows++ > 0)
            rs_buf_puts(out, ",");
        rs_buf_append(out, (const char *)sqlite3_column_text(st, 0),
                      (size_t)sqlite3_column_bytes(st, 0));
        if (single)
            break;
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return fail_connection(s, c, queries[q]);
    mark_up(s);
    if (!single)
        rs_buf_puts(out, "]");
    return single && rows == 0 ? PRODUCTS_NOT_FOUND : PRODUCTS_OK;
}

static products_status run_query(products_store *base, int q, const char *arg,
                                 bool single, rs_buf *out)
{
    sqlite_store *s = (sqlite_store *)base;
    connection *c = thread_connection(s);
    if (c == NULL)
        return PRODUCTS_UNAVAILABLE;
    if (arg != NULL)
        sqlite3_bind_text(c->stmt[q], 1, arg, -1, SQLITE_TRANSIENT);
    return collect(s, c, q, single, out);
}

static products_status sqlite_get(products_store *base, const char *sku, rs_buf *out)
{
    return run_query(base, Q_GET, sku, true, out);
}

static products_status sqlite_list(products_store *base, rs_buf *out)
{
    return run_query(base, Q_LIST, NULL, false, out);
}

static products_status sqlite_by_category(products_store *base, const char *cat, rs_buf *out)
{
    return run_query(base, Q_BY_CATEGORY, cat, false, out);
}

static products_status sqlite_categories(products_store *base, rs_buf *out)
{
    sqlite_store *s = (sqlite_store *)base;
    connection *c = thread_connection(s);
    if (c == NULL)
        return PRODUCTS_UNAVAILABLE;
    sqlite3_stmt *st = c->stmt[Q_CATEGORIES];
    json_t *list = json_array();
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        json_array_append_new(list, json_string((const char *)sqlite3_column_text(st, 0)));
    sqlite3_reset(st);
    products_status result = PRODUCTS_OK;
    if (rc != SQLITE_DONE)
        result = fail_connection(s, c, queries[Q_CATEGORIES]);
    else
        mark_up(s);
    if (result == PRODUCTS_OK && (list == NULL || rs_json_dump(list, out) != 0))
        out->failed = 1;
    json_decref(list);
    return result;
}

/* Turns free text into an FTS5 query: every word as a quoted prefix term,
 * any of them may match. Returns 0 words when the text has none. */
static int build_match(const char *text, rs_buf *q)
{
    int words = 0;
    const unsigned char *p = (const unsigned char *)text;
    while (*p != '\0') {
        while (*p != '\0' && *p < 0x80 && !isalnum(*p))
            p++;
        const unsigned char *start = p;
        while (*p != '\0' && (*p >= 0x80 || isalnum(*p)))
            p++;
        if (p == start)
            continue;
        rs_buf_puts(q, words++ ? " OR \"" : "\"");
        rs_buf_append(q, (const char *)start, (size_t)(p - start));
        rs_buf_puts(q, "\"*");
    }
    return words;
}

static products_status sqlite_search(products_store *base, const char *text, rs_buf *out)
{
    rs_buf match = RS_BUF_INIT;
    products_status st;
    if (build_match(text, &match) == 0) {
        rs_buf_puts(out, "[]");
        st = PRODUCTS_OK;
    } else if (match.failed) {
        out->failed = 1;
        st = PRODUCTS_OK;
    } else {
        st = run_query(base, Q_SEARCH, match.data, false, out);
    }
    rs_buf_free(&match);
    return st;
}

static bool sqlite_is_up(products_store *base)
{
    sqlite_store *s = (sqlite_store *)base;
    if (!atomic_load(&s->up) && thread_connection(s) != NULL)
        mark_up(s);   /* this thread has a working connection, or just made one */
    return atomic_load(&s->up);
}

static void sqlite_close(products_store *base)
{
    sqlite_store *s = (sqlite_store *)base;
    close_connection(pthread_getspecific(s->conn_key));
    pthread_key_delete(s->conn_key);
    pthread_mutex_destroy(&s->lock);
    json_decref(s->seed);
    free(s->path);
    free(s);
}

static const products_ops sqlite_ops = {
    .system = "sqlite",
    .in_process = true,
    .is_up = sqlite_is_up,
    .get = sqlite_get,
    .list = sqlite_list,
    .by_category = sqlite_by_category,
    .categories = sqlite_categories,
    .search = sqlite_search,
    .close = sqlite_close,
};

products_store *products_sqlite_open(const char *path, const char *seed_file)
{
    json_t *seed = products_load_seed(seed_file);
    if (seed == NULL)
        return NULL;
    sqlite_store *s = calloc(1, sizeof *s);
    if (s == NULL || (s->path = strdup(path)) == NULL ||
        pthread_key_create(&s->conn_key, close_connection) != 0) {
        if (s != NULL)
            free(s->path);
        free(s);
        json_decref(seed);
        return NULL;
    }
    s->base.ops = &sqlite_ops;
    s->seed = seed;
    s->backoff = BACKOFF_MIN;
    pthread_mutex_init(&s->lock, NULL);
    atomic_init(&s->up, false);
    if (thread_connection(s) == NULL)
        rs_log(RS_WARN, "product store %s not available yet; requests will retry it", path);
    return &s->base;
}
