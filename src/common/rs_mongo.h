/*
 * rs_mongo.h - MongoDB client pools for the stores that use MONGO_URL.
 *
 * The pool is thread-safe; take a client per operation and push it back.
 * Server selection and connection timeouts are kept short (1 s) unless the
 * URL sets its own, so that a down server is found out quickly and the
 * caller can answer 503 instead of hanging.
 */
#ifndef RS_MONGO_H
#define RS_MONGO_H

#include <mongoc/mongoc.h>
#include <stdbool.h>

#define RS_MONGO_DUPLICATE_KEY 11000

/* A pool for url, named appname in the server's logs; NULL (logged) on a
 * bad URL. Calls mongoc_init; rs_mongo_pool_free calls mongoc_cleanup. */
mongoc_client_pool_t *rs_mongo_pool_new(const char *url, const char *appname);
void                  rs_mongo_pool_free(mongoc_client_pool_t *pool);
/* Runs {ping: 1} against the admin database. */
bool                  rs_mongo_ping(mongoc_client_t *client, bson_error_t *err);
/* Runs a write command (createIndexes, say) on database db; frees cmd. */
bool                  rs_mongo_write_command(mongoc_client_t *client, const char *db,
                                             bson_t *cmd, bson_error_t *err);
/* The number of documents in coll; -1 on error. */
int64_t               rs_mongo_count(mongoc_collection_t *coll, bson_error_t *err);

#endif
