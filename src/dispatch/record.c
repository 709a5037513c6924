/*
 * record.c - the dispatched orders in Redis (see record.h).
 */
#include "record.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "rs_config.h"
#include "rs_db.h"
#include "rs_json.h"
#include "rs_log.h"
#include "rs_redis.h"
#include "rs_time.h"

#define KEY_PREFIX "dispatch:order:"

static long ttl_s;

int record_init(void)
{
    ttl_s = rs_config_int("DISPATCH_RECORD_TTL_S", 30L * 24 * 3600, 60, 10L * 365 * 24 * 3600);
    return rs_redis_init();
}

void record_cleanup(void)
{
    rs_redis_shutdown();
}

static void key_of(const char *id, char *key, size_t size)
{
    snprintf(key, size, "%s%s", KEY_PREFIX, id);
}

record_status record_find(const char *id)
{
    char key[128];
    key_of(id, key, sizeof key);
    const char *argv[] = {"EXISTS", key};
    double started = rs_now();
    redisReply *r = rs_redis_command(2, argv, NULL);
    rs_db_observe("redis", "exists", started);
    record_status st = RECORD_UNAVAILABLE;
    if (r != NULL && r->type == REDIS_REPLY_INTEGER)
        st = r->integer > 0 ? RECORD_EXISTS : RECORD_NEW;
    else if (r != NULL)
        rs_log(RS_WARN, "redis: EXISTS %s: %s", key, r->type == REDIS_REPLY_ERROR ? r->str : "odd reply");
    if (r != NULL)
        freeReplyObject(r);
    return st;
}

/* The record: the order as it came, its outcome and the time. */
static int record_text(const json_t *order, const char *outcome, rs_buf *out)
{
    json_t *rec = json_deep_copy(order);
    if (rec == NULL)
        return -1;
    char at[32];
    time_t now = time(NULL);
    struct tm tm;
    strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
    int rc = json_object_set_new(rec, "outcome", json_string(outcome)) == 0 &&
             json_object_set_new(rec, "dispatched_at", json_string(at)) == 0 &&
             rs_json_dump(rec, out) == 0 && !out->failed ? 0 : -1;
    json_decref(rec);
    return rc;
}

record_status record_add(const char *id, const json_t *order, const char *outcome)
{
    char key[128], ttl[24];
    key_of(id, key, sizeof key);
    snprintf(ttl, sizeof ttl, "%ld", ttl_s);
    rs_buf text = RS_BUF_INIT;
    if (record_text(order, outcome, &text) != 0) {
        rs_log(RS_ERROR, "out of memory for the record of order %s", id);
        rs_buf_free(&text);
        return RECORD_UNAVAILABLE;
    }
    const char *argv[] = {"SET", key, text.data, "NX", "EX", ttl};
    size_t lens[] = {3, strlen(key), text.len, 2, 2, strlen(ttl)};
    double started = rs_now();
    redisReply *r = rs_redis_command(6, argv, lens);
    rs_db_observe("redis", "set", started);
    rs_buf_free(&text);
    record_status st = RECORD_UNAVAILABLE;
    if (r != NULL && r->type == REDIS_REPLY_STATUS)
        st = RECORD_NEW;      /* +OK: written */
    else if (r != NULL && r->type == REDIS_REPLY_NIL)
        st = RECORD_EXISTS;   /* NX: there already */
    else if (r != NULL)
        rs_log(RS_WARN, "redis: SET %s: %s", key, r->type == REDIS_REPLY_ERROR ? r->str : "odd reply");
    if (r != NULL)
        freeReplyObject(r);
    return st;
}
