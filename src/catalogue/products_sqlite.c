/*
 * products_sqlite.c - the product store on SQLite (see products.h).
 *
 * A product is stored as its JSON document, ready to send; a category table
 * and an FTS5 index over name and description answer the category and
 * search routes.
 *
 * The catalogue only reads while it serves, so the file is a read_only
 * rs_sqlite store: prepared once (schema, seed when empty), then read by
 * every thread through its own immutable connection, which takes no file
 * locks and makes no change checks per query, most of what a SQLite read
 * costs here. To change the catalogue, change the file and restart.
 */
#include <ctype.h>
#include <stdlib.h>

#include "products.h"
#include "rs_json.h"
#include "rs_log.h"
#include "rs_sqlite.h"

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

typedef struct sqlite_store {
    products_store base;
    rs_sqlite     *file;
    json_t        *seed;
} sqlite_store;

/* ---- schema and seed ---- */

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

/* rs_sqlite's prepare step: the schema, and the seed when the store is
 * empty (inside rs_sqlite's write transaction). */
static int prepare_store(sqlite3 *db, void *ctx)
{
    json_t *seed = ctx;
    int64_t products = rs_sqlite_exec(db, schema_sql) == 0 ? rs_sqlite_count(db, "products") : -1;
    if (products != 0)
        return products > 0 ? 0 : -1;
    int rc = insert_seed(db, seed);
    if (rc == 0)
        rs_log(RS_INFO, "seeded %zu products", json_array_size(seed));
    return rc;
}

/* ---- queries ---- */

/* Runs a statement whose rows are JSON documents and appends them as an
 * array (or, with single, the one document). */
static products_status collect(sqlite_store *s, rs_sqlite_conn *c, sqlite3_stmt *st,
                               bool single, rs_buf *out)
{
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
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        rs_sqlite_fail(s->file, c, sqlite3_sql(st));
        return PRODUCTS_UNAVAILABLE;
    }
    rs_sqlite_ok(s->file);
    if (!single)
        rs_buf_puts(out, "]");
    return single && rows == 0 ? PRODUCTS_NOT_FOUND : PRODUCTS_OK;
}

static products_status run_query(products_store *base, int q, const char *arg,
                                 bool single, rs_buf *out)
{
    sqlite_store *s = (sqlite_store *)base;
    rs_sqlite_conn *c = rs_sqlite_conn_get(s->file);
    if (c == NULL)
        return PRODUCTS_UNAVAILABLE;
    sqlite3_stmt *st = rs_sqlite_stmt(c, q);
    if (arg != NULL)
        sqlite3_bind_text(st, 1, arg, -1, SQLITE_TRANSIENT);
    return collect(s, c, st, single, out);
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
    rs_sqlite_conn *c = rs_sqlite_conn_get(s->file);
    if (c == NULL)
        return PRODUCTS_UNAVAILABLE;
    sqlite3_stmt *st = rs_sqlite_stmt(c, Q_CATEGORIES);
    json_t *list = json_array();
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        json_array_append_new(list, json_string((const char *)sqlite3_column_text(st, 0)));
    sqlite3_reset(st);
    products_status result = PRODUCTS_OK;
    if (rc != SQLITE_DONE) {
        rs_sqlite_fail(s->file, c, queries[Q_CATEGORIES]);
        result = PRODUCTS_UNAVAILABLE;
    } else {
        rs_sqlite_ok(s->file);
    }
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
    return rs_sqlite_up(((sqlite_store *)base)->file);
}

static void sqlite_close(products_store *base)
{
    sqlite_store *s = (sqlite_store *)base;
    rs_sqlite_free(s->file);
    json_decref(s->seed);
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
    if (s == NULL) {
        json_decref(seed);
        return NULL;
    }
    rs_sqlite_config cfg = {
        .path = path, .read_only = true, .queries = queries, .nqueries = Q_COUNT,
        .prepare = prepare_store, .ctx = seed,
    };
    s->base.ops = &sqlite_ops;
    s->seed = seed;
    s->file = rs_sqlite_new(&cfg);
    if (s->file == NULL) {
        json_decref(seed);
        free(s);
        return NULL;
    }
    if (!rs_sqlite_up(s->file))
        rs_log(RS_WARN, "product store %s not available yet; requests will retry it", path);
    return &s->base;
}
