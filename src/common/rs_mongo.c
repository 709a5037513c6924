/*
 * rs_mongo.c - MongoDB client pools (see rs_mongo.h).
 */
#include "rs_mongo.h"

#include "rs_log.h"
#include "rs_spans.h"

#define SELECTION_TIMEOUT_MS 1000
#define CONNECT_TIMEOUT_MS 1000

/* The URI with short timeouts, unless the URL sets its own. */
static mongoc_uri_t *make_uri(const char *url)
{
    bson_error_t err;
    mongoc_uri_t *uri = mongoc_uri_new_with_error(url, &err);
    if (uri == NULL) {
        rs_log(RS_ERROR, "MONGO_URL: %s", err.message);
        return NULL;
    }
    if (mongoc_uri_get_option_as_int32(uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, 0) == 0)
        mongoc_uri_set_option_as_int32(uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, SELECTION_TIMEOUT_MS);
    if (mongoc_uri_get_option_as_int32(uri, MONGOC_URI_CONNECTTIMEOUTMS, 0) == 0)
        mongoc_uri_set_option_as_int32(uri, MONGOC_URI_CONNECTTIMEOUTMS, CONNECT_TIMEOUT_MS);
    return uri;
}

mongoc_client_pool_t *rs_mongo_pool_new(const char *url, const char *appname)
{
    mongoc_init();
    mongoc_uri_t *uri = make_uri(url);
    if (uri == NULL) {
        mongoc_cleanup();
        return NULL;
    }
    const mongoc_host_list_t *host = mongoc_uri_get_hosts(uri);
    rs_spans_datastore("mongodb", host != NULL ? host->host : NULL, host != NULL ? host->port : 0,
                       mongoc_uri_get_database(uri));
    bson_error_t err;
    mongoc_client_pool_t *pool = mongoc_client_pool_new_with_error(uri, &err);
    mongoc_uri_destroy(uri);
    if (pool == NULL) {
        rs_log(RS_ERROR, "mongodb: %s", err.message);
        mongoc_cleanup();
        return NULL;
    }
    mongoc_client_pool_set_error_api(pool, MONGOC_ERROR_API_VERSION_2);
    mongoc_client_pool_set_appname(pool, appname);
    return pool;
}

void rs_mongo_pool_free(mongoc_client_pool_t *pool)
{
    if (pool == NULL)
        return;
    mongoc_client_pool_destroy(pool);
    mongoc_cleanup();
}

bool rs_mongo_write_command(mongoc_client_t *client, const char *db, bson_t *cmd,
                            bson_error_t *err)
{
    mongoc_database_t *database = mongoc_client_get_database(client, db);
    bool ok = cmd != NULL && database != NULL &&
              mongoc_database_write_command_with_opts(database, cmd, NULL, NULL, err);
    mongoc_database_destroy(database);
    bson_destroy(cmd);
    return ok;
}

int64_t rs_mongo_count(mongoc_collection_t *coll, bson_error_t *err)
{
    bson_t filter = BSON_INITIALIZER;
    int64_t n = mongoc_collection_count_documents(coll, &filter, NULL, NULL, NULL, err);
    bson_destroy(&filter);
    return n;
}

bool rs_mongo_ping(mongoc_client_t *client, bson_error_t *err)
{
    bson_t *ping = BCON_NEW("ping", BCON_INT32(1));
    bool ok = ping != NULL && mongoc_client_command_simple(client, "admin", ping, NULL, NULL, err);
    bson_destroy(ping);
    return ok;
}
