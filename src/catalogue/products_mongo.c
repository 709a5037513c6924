/*
 * products_mongo.c - the product store on MongoDB through libmongoc (see
 * products.h). Used when MONGO_URL is set.
 *
 * Database "catalogue", collection "products": a unique index on sku and a
 * text index on name and description, created on first contact, when the
 * collection is also seeded if empty. A thread-safe client pool serves every
 * server thread. Server selection is kept short so that a down server is
 * found out quickly; once it is, calls fail at once with
 * PRODUCTS_UNAVAILABLE until the next retry, which backs off exponentially.
 */
#include <mongoc/mongoc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "products.h"
#include "rs_backoff.h"
#include "rs_json.h"
#include "rs_log.h"
#include "rs_mongo.h"
#include "rs_service.h"

#define DB_NAME "catalogue"
#define COLLECTION "products"

typedef struct mongo_store {
    products_store        base;
    mongoc_client_pool_t *pool;
    json_t               *seed;
    pthread_mutex_t       lock;      /* guards prepared */
    bool                  prepared;  /* indexes made, seed loaded */
    rs_backoff            backoff;
} mongo_store;

/* ---- availability ---- */

static products_status unavailable(mongo_store *s, const char *what, const bson_error_t *err)
{
    rs_log(RS_ERROR, "mongodb: %s: %s", what, err->message);
    rs_backoff_note(&s->backoff, false);
    return PRODUCTS_UNAVAILABLE;
}

/* ---- first contact: indexes and seed ---- */

static bool create_indexes(mongoc_client_t *client, bson_error_t *err)
{
    bson_t *cmd = BCON_NEW(
        "createIndexes", BCON_UTF8(COLLECTION),
        "indexes", "[",
            "{", "key", "{", "sku", BCON_INT32(1), "}",
                 "name", BCON_UTF8("sku_unique"), "unique", BCON_BOOL(true), "}",
            "{", "key", "{", "name", BCON_UTF8("text"), "description", BCON_UTF8("text"), "}",
                 "name", BCON_UTF8("name_description_text"), "}",
        "]");
    return rs_mongo_write_command(client, DB_NAME, cmd, err);
}

/* Converts the seed to BSON documents; NULL when out of memory. */
static bson_t **seed_documents(json_t *seed, bson_error_t *err)
{
    size_t n = json_array_size(seed);
    bson_t **docs = calloc(n ? n : 1, sizeof *docs);
    if (docs == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        rs_buf text = RS_BUF_INIT;
        if (rs_json_dump(json_array_get(seed, i), &text) == 0 && !text.failed)
            docs[i] = bson_new_from_json((const uint8_t *)text.data, (ssize_t)text.len, err);
        rs_buf_free(&text);
        if (docs[i] == NULL) {
            for (size_t j = 0; j < i; j++)
                bson_destroy(docs[j]);
            free(docs);
            return NULL;
        }
    }
    return docs;
}

/* Inserts the seed into an empty collection. Another replica seeding at the
 * same moment makes some inserts duplicates, which is fine. */
static bool seed_if_empty(mongoc_collection_t *coll, json_t *seed, bson_error_t *err)
{
    int64_t count = rs_mongo_count(coll, err);
    if (count != 0)
        return count > 0;
    bson_t **docs = seed_documents(seed, err);
    if (docs == NULL)
        return false;
    size_t n = json_array_size(seed);
    bson_t *opts = BCON_NEW("ordered", BCON_BOOL(false));
    bool ok = mongoc_collection_insert_many(coll, (const bson_t **)docs, n, opts, NULL, err);
    if (!ok && err->code == RS_MONGO_DUPLICATE_KEY)
        ok = true;
    if (ok)
        rs_log(RS_INFO, "seeded %zu products", n);
    bson_destroy(opts);
    for (size_t i = 0; i < n; i++)
        bson_destroy(docs[i]);
    free(docs);
    return ok;
}

static bool prepare(mongo_store *s, mongoc_client_t *client, mongoc_collection_t *coll,
                    bson_error_t *err)
{
    pthread_mutex_lock(&s->lock);
    bool ok = s->prepared ||
              (create_indexes(client, err) && seed_if_empty(coll, s->seed, err));
    s->prepared = ok;
    pthread_mutex_unlock(&s->lock);
    return ok;
}

/* ---- documents to JSON ---- */

static json_t *categories_json(const bson_t *doc)
{
    json_t *list = json_array();
    bson_iter_t it, child;
    if (list != NULL && bson_iter_init_find(&it, doc, "categories") &&
        BSON_ITER_HOLDS_ARRAY(&it) && bson_iter_recurse(&it, &child)) {
        while (bson_iter_next(&child))
            if (BSON_ITER_HOLDS_UTF8(&child))
                json_array_append_new(list, json_string(bson_iter_utf8(&child, NULL)));
    }
    return list;
}

static json_t *string_field(const bson_t *doc, const char *key)
{
    bson_iter_t it;
    if (bson_iter_init_find(&it, doc, key) && BSON_ITER_HOLDS_UTF8(&it))
        return json_string(bson_iter_utf8(&it, NULL));
    return json_string("");
}

static json_t *number_field(const bson_t *doc, const char *key, bool integer)
{
    bson_iter_t it;
    if (!bson_iter_init_find(&it, doc, key) || !BSON_ITER_HOLDS_NUMBER(&it))
        return json_integer(0);
    if (integer)
        return json_integer(bson_iter_as_int64(&it));
    return json_real(bson_iter_as_double(&it));
}

/* Appends one product with exactly the fields of the API (Product), in their order. */
static int append_product(const bson_t *doc, rs_buf *out)
{
    json_t *p = json_pack("{s:o,s:o,s:o,s:o,s:o,s:o}",
        "sku", string_field(doc, "sku"),
        "name", string_field(doc, "name"),
        "description", string_field(doc, "description"),
        "price", number_field(doc, "price", false),
        "instock", number_field(doc, "instock", true),
        "categories", categories_json(doc));
    int rc = p != NULL ? rs_json_dump(p, out) : -1;
    json_decref(p);
    return rc;
}

/* ---- queries ---- */

typedef struct query {
    const char *name;       /* for logs */
    bson_t     *filter;
    bson_t     *opts;
    bool        single;     /* one document, or an array */
} query;

static products_status drain_cursor(mongo_store *s, mongoc_cursor_t *cursor, const query *q,
                                    rs_buf *out)
{
    const bson_t *doc;
    bson_error_t err;
    int rows = 0;
    if (!q->single)
        rs_buf_puts(out, "[");
    while (mongoc_cursor_next(cursor, &doc)) {
        if (rows++ > 0)
            rs_buf_puts(out, ",");
        if (append_product(doc, out) != 0)
            out->failed = 1;
        if (q->single)
            break;
    }
    if (mongoc_cursor_error(cursor, &err))
        return unavailable(s, q->name, &err);
    if (!q->single)
        rs_buf_puts(out, "]");
    return q->single && rows == 0 ? PRODUCTS_NOT_FOUND : PRODUCTS_OK;
}

static products_status run_find(mongo_store *s, const query *q, rs_buf *out)
{
    if (!rs_backoff_due(&s->backoff))
        return PRODUCTS_UNAVAILABLE;
    mongoc_client_t *client = mongoc_client_pool_pop(s->pool);
    mongoc_collection_t *coll = mongoc_client_get_collection(client, DB_NAME, COLLECTION);
    bson_error_t err;
    products_status st;
    if (!prepare(s, client, coll, &err)) {
        st = unavailable(s, "prepare", &err);
    } else {
        mongoc_cursor_t *cursor = mongoc_collection_find_with_opts(coll, q->filter, q->opts, NULL);
        st = drain_cursor(s, cursor, q, out);
        mongoc_cursor_destroy(cursor);
        if (st != PRODUCTS_UNAVAILABLE)
            rs_backoff_note(&s->backoff, true);
    }
    mongoc_collection_destroy(coll);
    mongoc_client_pool_push(s->pool, client);
    return st;
}

static products_status find_products(products_store *base, const char *name, bson_t *filter,
                                     bson_t *opts, bool single, rs_buf *out)
{
    query q = {name, filter, opts, single};
    products_status st = (filter && opts) ? run_find((mongo_store *)base, &q, out)
                                          : PRODUCTS_UNAVAILABLE;
    bson_destroy(filter);
    bson_destroy(opts);
    return st;
}

static products_status mongo_get(products_store *base, const char *sku, rs_buf *out)
{
    return find_products(base, "get", BCON_NEW("sku", BCON_UTF8(sku)),
                         BCON_NEW("projection", "{", "_id", BCON_INT32(0), "}",
                                  "limit", BCON_INT64(1)), true, out);
}

static products_status mongo_list(products_store *base, rs_buf *out)
{
    return find_products(base, "list", bson_new(),
                         BCON_NEW("projection", "{", "_id", BCON_INT32(0), "}",
                                  "sort", "{", "sku", BCON_INT32(1), "}"), false, out);
}

static products_status mongo_by_category(products_store *base, const char *cat, rs_buf *out)
{
    return find_products(base, "by_category", BCON_NEW("categories", BCON_UTF8(cat)),
                         BCON_NEW("projection", "{", "_id", BCON_INT32(0), "}",
                                  "sort", "{", "name", BCON_INT32(1), "sku", BCON_INT32(1), "}"),
                         false, out);
}

static products_status mongo_search(products_store *base, const char *text, rs_buf *out)
{
    return find_products(base, "search",
        BCON_NEW("$text", "{", "$search", BCON_UTF8(text), "}"),
        BCON_NEW("projection", "{", "_id", BCON_INT32(0),
                     "score", "{", "$meta", BCON_UTF8("textScore"), "}", "}",
                 "sort", "{", "score", "{", "$meta", BCON_UTF8("textScore"), "}", "}"),
        false, out);
}

static products_status mongo_categories(products_store *base, rs_buf *out)
{
    mongo_store *s = (mongo_store *)base;
    if (!rs_backoff_due(&s->backoff))
        return PRODUCTS_UNAVAILABLE;
    bson_t *pipeline = BCON_NEW("pipeline", "[",
        "{", "$unwind", BCON_UTF8("$categories"), "}",
        "{", "$group", "{", "_id", BCON_UTF8("$categories"), "}", "}",
        "{", "$sort", "{", "_id", BCON_INT32(1), "}", "}",
        "]");
    mongoc_client_t *client = mongoc_client_pool_pop(s->pool);
    mongoc_collection_t *coll = mongoc_client_get_collection(client, DB_NAME, COLLECTION);
    bson_error_t err;
    products_status st = PRODUCTS_OK;
    json_t *list = json_array();
    if (!prepare(s, client, coll, &err)) {
        st = unavailable(s, "prepare", &err);
    } else {
        mongoc_cursor_t *cursor = mongoc_collection_aggregate(coll, MONGOC_QUERY_NONE,
                                                              pipeline, NULL, NULL);
        const bson_t *doc;
        bson_iter_t it;
        while (mongoc_cursor_next(cursor, &doc))
            if (bson_iter_init_find(&it, doc, "_id") && BSON_ITER_HOLDS_UTF8(&it))
                json_array_append_new(list, json_string(bson_iter_utf8(&it, NULL)));
        if (mongoc_cursor_error(cursor, &err))
            st = unavailable(s, "categories", &err);
        else
            rs_backoff_note(&s->backoff, true);
        mongoc_cursor_destroy(cursor);
    }
    if (st == PRODUCTS_OK && (list == NULL || rs_json_dump(list, out) != 0))
        out->failed = 1;
    json_decref(list);
    bson_destroy(pipeline);
    mongoc_collection_destroy(coll);
    mongoc_client_pool_push(s->pool, client);
    return st;
}

/* Up after the last operation worked; when down, a ping once the backoff
 * allows, so that /ready notices the server coming back. */
static bool mongo_is_up(products_store *base)
{
    mongo_store *s = (mongo_store *)base;
    if (rs_backoff_up(&s->backoff) || !rs_backoff_due(&s->backoff))
        return rs_backoff_up(&s->backoff);
    mongoc_client_t *client = mongoc_client_pool_pop(s->pool);
    mongoc_collection_t *coll = mongoc_client_get_collection(client, DB_NAME, COLLECTION);
    bson_error_t err;
    bool ok = rs_mongo_ping(client, &err) && prepare(s, client, coll, &err);
    rs_backoff_note(&s->backoff, ok);
    mongoc_collection_destroy(coll);
    mongoc_client_pool_push(s->pool, client);
    return ok;
}

static void mongo_close(products_store *base)
{
    mongo_store *s = (mongo_store *)base;
    rs_mongo_pool_free(s->pool);
    pthread_mutex_destroy(&s->lock);
    rs_backoff_destroy(&s->backoff);
    json_decref(s->seed);
    free(s);
}

static const products_ops mongo_ops = {
    .system = "mongodb",
    .in_process = false,
    .is_up = mongo_is_up,
    .get = mongo_get,
    .list = mongo_list,
    .by_category = mongo_by_category,
    .categories = mongo_categories,
    .search = mongo_search,
    .close = mongo_close,
};

products_store *products_mongo_open(const char *url, const char *seed_file)
{
    json_t *seed = products_load_seed(seed_file);
    if (seed == NULL)
        return NULL;
    mongoc_client_pool_t *pool = rs_mongo_pool_new(url, "robot-shop-catalogue");
    mongo_store *s = pool ? calloc(1, sizeof *s) : NULL;
    if (s == NULL) {
        rs_mongo_pool_free(pool);
        json_decref(seed);
        return NULL;
    }
    s->base.ops = &mongo_ops;
    s->pool = pool;
    s->seed = seed;
    rs_backoff_init(&s->backoff);
    pthread_mutex_init(&s->lock, NULL);
    if (!mongo_is_up(&s->base))
        rs_log(RS_WARN, "mongodb not reachable yet; requests will retry it");
    return &s->base;
}
