/*
 * users_sqlite.c - the user store on SQLite (see users.h).
 *
 * Two tables: users (the name is the primary key, so a name is taken once
 * however many registrations race for it) and orders (one row per order,
 * appended with one INSERT that also checks the user exists, so concurrent
 * appends never lose one another). The file is a read-write rs_sqlite
 * store: WAL, synchronous=FULL, a busy timeout for concurrent writers.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "rs_json.h"
#include "rs_log.h"
#include "rs_sqlite.h"
#include "order_cart.h"
#include "users.h"

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS users ("
    "  name     TEXT PRIMARY KEY,"
    "  email    TEXT NOT NULL,"
    "  password TEXT NOT NULL);"          /* an argon2id encoded hash */
    "CREATE TABLE IF NOT EXISTS orders ("
    "  id      INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  name    TEXT NOT NULL REFERENCES users(name),"
    "  orderid TEXT NOT NULL,"
    "  cart    TEXT NOT NULL);"            /* the cart as JSON */
    "CREATE INDEX IF NOT EXISTS orders_by_name ON orders (name, id);";

enum { Q_FIND, Q_LIST, Q_CREATE, Q_ADD_ORDER, Q_HISTORY, Q_COUNT };

static const char *const queries[Q_COUNT] = {
    [Q_FIND] = "SELECT email, password FROM users WHERE name = ?1",
    [Q_LIST] = "SELECT name, email FROM users ORDER BY name",
    [Q_CREATE] = "INSERT INTO users (name, email, password) VALUES (?1, ?2, ?3)",
    /* An order already there is not added twice (payment may send it
     * again); ?4 tells the caller the user exists. */
    [Q_ADD_ORDER] = "INSERT INTO orders (name, orderid, cart)"
                    " SELECT ?1, ?2, ?3 WHERE EXISTS (SELECT 1 FROM users WHERE name = ?1)"
                    " AND NOT EXISTS (SELECT 1 FROM orders WHERE name = ?1 AND orderid = ?2)",
    [Q_HISTORY] = "SELECT orderid, cart FROM orders WHERE name = ?1 ORDER BY id",
};

typedef struct sqlite_users {
    users_store      base;
    rs_sqlite       *file;
    const seed_user *seed;
    size_t           nseed;
} sqlite_users;

/* ---- schema and seed ---- */

/* users_seed_insert's insert, on the prepared Q_CREATE statement. */
static int insert_seed_user(const seed_user *u, const char *hash, void *ctx)
{
    sqlite3_stmt *st = ctx;
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, u->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, u->email, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, hash, -1, SQLITE_TRANSIENT);
    return sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
}

static int insert_seed(sqlite3 *db, const seed_user *seed, size_t n)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, queries[Q_CREATE], -1, &st, NULL) != SQLITE_OK)
        return -1;
    int rc = users_seed_insert(seed, n, insert_seed_user, st);
    if (rc != 0)
        rs_log(RS_ERROR, "sqlite: cannot seed users: %s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return rc;
}

/* rs_sqlite's prepare step: the schema, and the seed when there are no
 * users (inside rs_sqlite's write transaction). */
static int prepare_store(sqlite3 *db, void *ctx)
{
    sqlite_users *s = ctx;
    int64_t users = rs_sqlite_exec(db, schema_sql) == 0 ? rs_sqlite_count(db, "users") : -1;
    if (users != 0)
        return users > 0 ? 0 : -1;
    return insert_seed(db, s->seed, s->nseed);
}

/* ---- queries ---- */

static sqlite_users *as_sqlite(users_store *base)
{
    return (sqlite_users *)base;
}

/* The end of a statement: SQLITE_DONE or a row is success; a constraint
 * violation is the data's answer; anything else is a store failure. */
static users_status finish(sqlite_users *s, rs_sqlite_conn *c, sqlite3_stmt *st, int rc)
{
    if (rc == SQLITE_CONSTRAINT) {
        sqlite3_reset(st);
        rs_sqlite_ok(s->file);
        return USERS_EXISTS;
    }
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        rs_sqlite_fail(s->file, c, sqlite3_sql(st));   /* resets and drops it */
        return USERS_UNAVAILABLE;
    }
    sqlite3_reset(st);
    rs_sqlite_ok(s->file);
    return USERS_OK;
}

/* Statement `query` on this thread's connection (*c), with texts[0..n-1]
 * bound to ?1..?n; NULL when the store cannot be reached or a text cannot
 * be bound. */
static sqlite3_stmt *statement(sqlite_users *s, int query, rs_sqlite_conn **c,
                               int n, const char *const texts[])
{
    *c = rs_sqlite_conn_get(s->file);
    if (*c == NULL)
        return NULL;
    sqlite3_stmt *st = rs_sqlite_stmt(*c, query);
    for (int i = 0; i < n; i++)
        if (sqlite3_bind_text(st, i + 1, texts[i], -1, SQLITE_TRANSIENT) != SQLITE_OK)
            return NULL;
    return st;
}

static char *column_copy(sqlite3_stmt *st, int col)
{
    const unsigned char *text = sqlite3_column_text(st, col);
    return text != NULL ? strdup((const char *)text) : NULL;
}

static users_status sqlite_find(users_store *base, const char *name, user_record *out)
{
    sqlite_users *s = as_sqlite(base);
    rs_sqlite_conn *c;
    sqlite3_stmt *st = statement(s, Q_FIND, &c, 1, (const char *const[]){name});
    if (st == NULL)
        return USERS_UNAVAILABLE;
    int rc = sqlite3_step(st);
    bool found = rc == SQLITE_ROW;
    if (found) {
        out->email = column_copy(st, 0);
        out->hash = column_copy(st, 1);
    }
    users_status result = finish(s, c, st, rc);
    if (result != USERS_OK || !found) {
        user_record_free(out);
        return result != USERS_OK ? result : USERS_NOT_FOUND;
    }
    return out->email && out->hash ? USERS_OK : USERS_UNAVAILABLE;
}

static users_status sqlite_list(users_store *base, rs_buf *out)
{
    sqlite_users *s = as_sqlite(base);
    rs_sqlite_conn *c;
    sqlite3_stmt *st = statement(s, Q_LIST, &c, 0, NULL);
    if (st == NULL)
        return USERS_UNAVAILABLE;
    json_t *list = json_array();
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        json_array_append_new(list, json_pack("{s:s,s:s}",
            "name", (const char *)sqlite3_column_text(st, 0),
            "email", (const char *)sqlite3_column_text(st, 1)));
    users_status result = finish(s, c, st, rc);
    if (result == USERS_OK && (list == NULL || rs_json_dump(list, out) != 0))
        out->failed = 1;
    json_decref(list);
    return result;
}

static users_status sqlite_create(users_store *base, const char *name, const char *email,
                                  const char *hash)
{
    sqlite_users *s = as_sqlite(base);
    rs_sqlite_conn *c;
    sqlite3_stmt *st = statement(s, Q_CREATE, &c, 3, (const char *const[]){name, email, hash});
    if (st == NULL)
        return USERS_UNAVAILABLE;
    return finish(s, c, st, sqlite3_step(st));
}

static users_status sqlite_add_order(users_store *base, const char *name, const char *orderid,
                                     const char *cart_json)
{
    sqlite_users *s = as_sqlite(base);
    rs_sqlite_conn *c;
    sqlite3_stmt *st = statement(s, Q_ADD_ORDER, &c, 3,
                                 (const char *const[]){name, orderid, cart_json});
    if (st == NULL)
        return USERS_UNAVAILABLE;
    users_status result = finish(s, c, st, sqlite3_step(st));
    if (result == USERS_OK && sqlite3_changes(rs_sqlite_db(c)) == 0) {
        /* No row added: no such user, or the order is there already. */
        user_record u = {0};
        result = sqlite_find(base, name, &u);
        user_record_free(&u);
    }
    return result;
}

static users_status sqlite_history(users_store *base, const char *name, rs_buf *out)
{
    sqlite_users *s = as_sqlite(base);
    rs_sqlite_conn *c;
    sqlite3_stmt *st = statement(s, Q_HISTORY, &c, 1, (const char *const[]){name});
    if (st == NULL)
        return USERS_UNAVAILABLE;
    json_t *list = json_array();
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *cart = json_loads((const char *)sqlite3_column_text(st, 1), 0, NULL);
        if (cart != NULL && !order_cart_valid(cart)) {
            /* Stored before orders were checked: shown without its cart. */
            json_decref(cart);
            cart = NULL;
        }
        json_array_append_new(list, json_pack("{s:s,s:o*}",
            "orderid", (const char *)sqlite3_column_text(st, 0), "cart", cart));
    }
    users_status result = finish(s, c, st, rc);
    if (result == USERS_OK && json_array_size(list) == 0)
        result = USERS_NOT_FOUND;
    if (result == USERS_OK && (list == NULL || rs_json_dump(list, out) != 0))
        out->failed = 1;
    json_decref(list);
    return result;
}

static bool sqlite_is_up(users_store *base)
{
    return rs_sqlite_up(as_sqlite(base)->file);
}

static void sqlite_close(users_store *base)
{
    sqlite_users *s = as_sqlite(base);
    rs_sqlite_free(s->file);
    free(s);
}

static const users_ops sqlite_ops = {
    .system = "sqlite",
    .is_up = sqlite_is_up,
    .find = sqlite_find,
    .list = sqlite_list,
    .create = sqlite_create,
    .add_order = sqlite_add_order,
    .history = sqlite_history,
    .close = sqlite_close,
};

users_store *users_sqlite_open(const char *path, const seed_user *seed, size_t nseed)
{
    sqlite_users *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    s->base.ops = &sqlite_ops;
    s->seed = seed;
    s->nseed = nseed;
    rs_sqlite_config cfg = {
        .path = path, .read_only = false, .queries = queries, .nqueries = Q_COUNT,
        .prepare = prepare_store, .ctx = s,
    };
    s->file = rs_sqlite_new(&cfg);
    if (s->file == NULL) {
        free(s);
        return NULL;
    }
    if (!rs_sqlite_up(s->file))
        rs_log(RS_WARN, "user store %s not available yet; requests will retry it", path);
    return &s->base;
}
