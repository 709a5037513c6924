/*
 * users_mongo.c - the user store on MongoDB through libmongoc (see
 * users.h). Used when MONGO_URL is set.
 *
 * Database "users": collection "users" ({name, email, password}, a unique
 * index on name, seeded when empty) and collection "orders" (one document
 * per user, {name, history: [{orderid, cart}, ...]}, a unique index on
 * name). An order is appended with one $push upsert, atomic on the server,
 * so concurrent appends never lose one another. While the server is down,
 * calls fail at once until the backoff allows another try.
 */
#include <mongoc/mongoc.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "rs_backoff.h"
#include "rs_json.h"
#include "rs_log.h"
#include "rs_mongo.h"
#include "users.h"

#define DB_NAME "users"

typedef struct mongo_users {
    users_store           base;
    mongoc_client_pool_t *pool;
    const seed_user      *seed;
    size_t                nseed;
    pthread_mutex_t       lock;       /* guards prepared */
    bool                  prepared;   /* indexes made, seed loaded */
    rs_backoff            backoff;
} mongo_users;

/* One operation's client and collections. */
typedef struct session {
    mongoc_client_t     *client;
    mongoc_collection_t *users;
    mongoc_collection_t *orders;
} session;

static mongo_users *as_mongo(users_store *base)
{
    return (mongo_users *)base;
}

/* ---- first contact: indexes and seed ---- */

static bool unique_name_index(mongoc_client_t *client, const char *collection, bson_error_t *err)
{
    bson_t *cmd = BCON_NEW(
        "createIndexes", BCON_UTF8(collection),
        "indexes", "[",
            "{", "key", "{", "name", BCON_INT32(1), "}",
                 "name", BCON_UTF8("name_unique"), "unique", BCON_BOOL(true), "}",
        "]");
    return rs_mongo_write_command(client, DB_NAME, cmd, err);
}

/* Where users_seed_insert puts the seed: the collection, and the error of
 * an insert that failed. */
typedef struct seed_target {
    mongoc_collection_t *users;
    bson_error_t        *err;
} seed_target;

/* Another replica seeding at the same moment makes some inserts
 * duplicates: those are there already. */
static int insert_seed_user(const seed_user *u, const char *hash, void *ctx)
{
    seed_target *t = ctx;
    bson_t *doc = BCON_NEW("name", BCON_UTF8(u->name), "email", BCON_UTF8(u->email),
                           "password", BCON_UTF8(hash));
    bool ok = mongoc_collection_insert_one(t->users, doc, NULL, NULL, t->err) ||
              t->err->code == RS_MONGO_DUPLICATE_KEY;
    bson_destroy(doc);
    return ok ? 0 : -1;
}

/* Inserts the seed users into an empty collection. */
static bool seed_if_empty(mongo_users *s, mongoc_collection_t *users, bson_error_t *err)
{
    int64_t count = rs_mongo_count(users, err);
    if (count != 0)
        return count > 0;
    seed_target target = {users, err};
    return users_seed_insert(s->seed, s->nseed, insert_seed_user, &target) == 0;
}

static bool prepare(mongo_users *s, session *se, bson_error_t *err)
{
    pthread_mutex_lock(&s->lock);
    bool ok = s->prepared ||
              (unique_name_index(se->client, "users", err) &&
               unique_name_index(se->client, "orders", err) &&
               seed_if_empty(s, se->users, err));
    if (ok)
        s->prepared = true;
    pthread_mutex_unlock(&s->lock);
    return ok;
}

/* Takes a client for one operation; false (nothing taken) while backing off
 * or when the store cannot be prepared. */
static bool begin(mongo_users *s, session *se)
{
    if (!rs_backoff_due(&s->backoff))
        return false;
    se->client = mongoc_client_pool_pop(s->pool);
    se->users = mongoc_client_get_collection(se->client, DB_NAME, "users");
    se->orders = mongoc_client_get_collection(se->client, DB_NAME, "orders");
    bson_error_t err = {0};   /* empty when a seed password could not be hashed */
    if (prepare(s, se, &err))
        return true;
    rs_log(RS_ERROR, "mongodb: prepare: %s", err.message);
    rs_backoff_note(&s->backoff, false);
    mongoc_collection_destroy(se->users);
    mongoc_collection_destroy(se->orders);
    mongoc_client_pool_push(s->pool, se->client);
    return false;
}

/* Gives the client back and records whether the server answered. */
static users_status end(mongo_users *s, session *se, users_status st, const bson_error_t *err)
{
    if (st == USERS_UNAVAILABLE && err != NULL)
        rs_log(RS_ERROR, "mongodb: %s", err->message);
    rs_backoff_note(&s->backoff, st != USERS_UNAVAILABLE);
    mongoc_collection_destroy(se->users);
    mongoc_collection_destroy(se->orders);
    mongoc_client_pool_push(s->pool, se->client);
    return st;
}

static char *utf8_field(const bson_t *doc, const char *key)
{
    bson_iter_t it;
    if (bson_iter_init_find(&it, doc, key) && BSON_ITER_HOLDS_UTF8(&it))
        return strdup(bson_iter_utf8(&it, NULL));
    return NULL;
}

/* Finds the document named name in users (or, from_orders, in orders) and
 * hands it to read, whose status is the answer; USERS_NOT_FOUND when there
 * is none, USERS_UNAVAILABLE when the server fails. */
static users_status read_named(mongo_users *s, bool from_orders, const char *name,
                               users_status (*read)(const bson_t *doc, void *out), void *out)
{
    session se;
    if (!begin(s, &se))
        return USERS_UNAVAILABLE;
    bson_t *filter = BCON_NEW("name", BCON_UTF8(name));
    bson_t *opts = BCON_NEW("limit", BCON_INT64(1));
    mongoc_cursor_t *cursor = mongoc_collection_find_with_opts(
        from_orders ? se.orders : se.users, filter, opts, NULL);
    const bson_t *doc;
    users_status st = mongoc_cursor_next(cursor, &doc) ? read(doc, out) : USERS_NOT_FOUND;
    bson_error_t err;
    bool failed = mongoc_cursor_error(cursor, &err);
    mongoc_cursor_destroy(cursor);
    bson_destroy(filter);
    bson_destroy(opts);
    return end(s, &se, failed ? USERS_UNAVAILABLE : st, failed ? &err : NULL);
}

/* ---- operations ---- */

static users_status read_user(const bson_t *doc, void *out)
{
    user_record *u = out;
    u->email = utf8_field(doc, "email");
    u->hash = utf8_field(doc, "password");
    return u->email && u->hash ? USERS_OK : USERS_UNAVAILABLE;
}

static users_status mongo_find(users_store *base, const char *name, user_record *out)
{
    users_status st = read_named(as_mongo(base), false, name, read_user, out);
    if (st != USERS_OK)
        user_record_free(out);
    return st;
}

static users_status mongo_list(users_store *base, rs_buf *out)
{
    mongo_users *s = as_mongo(base);
    session se;
    if (!begin(s, &se))
        return USERS_UNAVAILABLE;
    bson_t filter = BSON_INITIALIZER;
    bson_t *opts = BCON_NEW("sort", "{", "name", BCON_INT32(1), "}");
    mongoc_cursor_t *cursor = mongoc_collection_find_with_opts(se.users, &filter, opts, NULL);
    json_t *list = json_array();
    const bson_t *doc;
    while (mongoc_cursor_next(cursor, &doc)) {
        char *name = utf8_field(doc, "name"), *email = utf8_field(doc, "email");
        if (name != NULL && email != NULL)
            json_array_append_new(list, json_pack("{s:s,s:s}", "name", name, "email", email));
        free(name);
        free(email);
    }
    bson_error_t err;
    bool failed = mongoc_cursor_error(cursor, &err);
    if (!failed && (list == NULL || rs_json_dump(list, out) != 0))
        out->failed = 1;
    json_decref(list);
    mongoc_cursor_destroy(cursor);
    bson_destroy(opts);
    return end(s, &se, failed ? USERS_UNAVAILABLE : USERS_OK, failed ? &err : NULL);
}

static users_status mongo_create(users_store *base, const char *name, const char *email,
                                 const char *hash)
{
    mongo_users *s = as_mongo(base);
    session se;
    if (!begin(s, &se))
        return USERS_UNAVAILABLE;
    bson_t *doc = BCON_NEW("name", BCON_UTF8(name), "email", BCON_UTF8(email),
                           "password", BCON_UTF8(hash));
    bson_error_t err;
    users_status st = USERS_OK;
    if (!mongoc_collection_insert_one(se.users, doc, NULL, NULL, &err))
        st = err.code == RS_MONGO_DUPLICATE_KEY ? USERS_EXISTS : USERS_UNAVAILABLE;
    bson_destroy(doc);
    return end(s, &se, st, &err);
}

static users_status mongo_add_order(users_store *base, const char *name, const char *orderid,
                                    const char *cart_json)
{
    user_record u = {0};
    users_status st = mongo_find(base, name, &u);   /* orders only for known users */
    user_record_free(&u);
    if (st != USERS_OK)
        return st;
    mongo_users *s = as_mongo(base);
    session se;
    if (!begin(s, &se))
        return USERS_UNAVAILABLE;
    bson_error_t err;
    bson_t *cart = bson_new_from_json((const uint8_t *)cart_json, -1, &err);
    if (cart == NULL)
        return end(s, &se, USERS_UNAVAILABLE, &err);
    bson_t *filter = BCON_NEW("name", BCON_UTF8(name));
    /* $addToSet: an order sent again (same id, same cart) is kept once. */
    bson_t *update = BCON_NEW("$addToSet", "{", "history", "{",
                              "orderid", BCON_UTF8(orderid), "cart", BCON_DOCUMENT(cart),
                              "}", "}");
    bson_t *opts = BCON_NEW("upsert", BCON_BOOL(true));
    st = mongoc_collection_update_one(se.orders, filter, update, opts, NULL, &err)
             ? USERS_OK : USERS_UNAVAILABLE;
    bson_destroy(cart);
    bson_destroy(filter);
    bson_destroy(update);
    bson_destroy(opts);
    return end(s, &se, st, &err);
}

/* Appends the stored history array as JSON, one order at a time (relaxed
 * extended JSON keeps plain numbers plain). */
static int append_history(const bson_t *doc, rs_buf *out)
{
    bson_iter_t it, order;
    if (!bson_iter_init_find(&it, doc, "history") || !BSON_ITER_HOLDS_ARRAY(&it) ||
        !bson_iter_recurse(&it, &order))
        return -1;
    int n = 0;
    rs_buf_puts(out, "[");
    while (bson_iter_next(&order)) {
        uint32_t len;
        const uint8_t *data;
        bson_t entry;
        if (!BSON_ITER_HOLDS_DOCUMENT(&order))
            continue;
        bson_iter_document(&order, &len, &data);
        if (!bson_init_static(&entry, data, len))
            return -1;
        char *json = bson_as_relaxed_extended_json(&entry, NULL);
        if (json == NULL)
            return -1;
        rs_buf_puts(out, n++ > 0 ? "," : "");
        rs_buf_puts(out, json);
        bson_free(json);
    }
    rs_buf_puts(out, "]");
    return n > 0 && !out->failed ? 0 : -1;
}

static users_status read_history(const bson_t *doc, void *out)
{
    return append_history(doc, out) == 0 ? USERS_OK : USERS_NOT_FOUND;
}

static users_status mongo_history(users_store *base, const char *name, rs_buf *out)
{
    return read_named(as_mongo(base), true, name, read_history, out);
}

/* Up after the last operation worked; when down, a ping once the backoff
 * allows, so that /ready notices the server coming back. */
static bool mongo_is_up(users_store *base)
{
    mongo_users *s = as_mongo(base);
    if (rs_backoff_up(&s->backoff) || !rs_backoff_due(&s->backoff))
        return rs_backoff_up(&s->backoff);
    session se;
    if (!begin(s, &se))
        return false;
    bson_error_t err;
    bool ok = rs_mongo_ping(se.client, &err);
    end(s, &se, ok ? USERS_OK : USERS_UNAVAILABLE, &err);
    return ok;
}

static void mongo_close(users_store *base)
{
    mongo_users *s = as_mongo(base);
    rs_mongo_pool_free(s->pool);
    pthread_mutex_destroy(&s->lock);
    rs_backoff_destroy(&s->backoff);
    free(s);
}

static const users_ops mongo_ops = {
    .system = "mongodb",
    .is_up = mongo_is_up,
    .find = mongo_find,
    .list = mongo_list,
    .create = mongo_create,
    .add_order = mongo_add_order,
    .history = mongo_history,
    .close = mongo_close,
};

users_store *users_mongo_open(const char *url, const seed_user *seed, size_t nseed)
{
    mongoc_client_pool_t *pool = rs_mongo_pool_new(url, "robot-shop-user");
    mongo_users *s = pool ? calloc(1, sizeof *s) : NULL;
    if (s == NULL) {
        rs_mongo_pool_free(pool);
        return NULL;
    }
    s->base.ops = &mongo_ops;
    s->pool = pool;
    s->seed = seed;
    s->nseed = nseed;
    rs_backoff_init(&s->backoff);
    pthread_mutex_init(&s->lock, NULL);
    if (!mongo_is_up(&s->base))
        rs_log(RS_WARN, "mongodb not reachable yet; requests will retry it");
    return &s->base;
}
