/*
 * rs_redis.c - Redis connections, health and scripts (see rs_redis.h).
 */
#include "rs_redis.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_config.h"
#include "rs_spans.h"
#include "rs_log.h"
#include "rs_monitor.h"
#include "rs_thread_conn.h"

static struct {
    char           *host;
    int             port;
    char           *password;
    int             db;
    struct timeval  timeout;
    rs_thread_conn  conns;       /* each thread's own */
    pthread_mutex_t lock;        /* guards the scripts' SHA-1s */
    redisContext   *probe_conn;  /* the monitor's own */
    rs_monitor     *monitor;
} redis;

static bool reply_ok(redisReply *r)
{
    bool ok = r != NULL && r->type != REDIS_REPLY_ERROR;
    if (r != NULL)
        freeReplyObject(r);
    return ok;
}

/* A new connection, authenticated and on the right database, or NULL. */
static redisContext *connect_redis(void)
{
    redisContext *c = redisConnectWithTimeout(redis.host, redis.port, redis.timeout);
    if (c == NULL)
        return NULL;
    if (c->err != 0 || redisSetTimeout(c, redis.timeout) != REDIS_OK) {
        redisFree(c);
        return NULL;
    }
    redisEnableKeepAlive(c);
    if (redis.password != NULL && !reply_ok(redisCommand(c, "AUTH %s", redis.password))) {
        rs_log(RS_ERROR, "redis: AUTH refused");
        redisFree(c);
        return NULL;
    }
    if (redis.db != 0 && !reply_ok(redisCommand(c, "SELECT %d", redis.db))) {
        rs_log(RS_ERROR, "redis: SELECT %d refused", redis.db);
        redisFree(c);
        return NULL;
    }
    return c;
}

static void *open_connection(void *unused)
{
    (void)unused;
    return connect_redis();
}

static void free_connection(void *c)
{
    redisFree(c);
}

/* ---- health ---- */

/* The monitor's probe, on its own connection. */
static bool ping(void *ctx)
{
    redisContext **c = ctx;
    if (*c == NULL)
        *c = connect_redis();
    if (*c == NULL)
        return false;
    redisReply *r = redisCommand(*c, "PING");
    bool ok = r != NULL && r->type == REDIS_REPLY_STATUS;
    if (r != NULL)
        freeReplyObject(r);
    if (!ok) {
        redisFree(*c);
        *c = NULL;
    }
    return ok;
}

int rs_redis_init(void)
{
    rs_url url;
    rs_config_url_parts("REDIS_URL", "redis", "redis://redis:6379", 6379,
                        "redis://[:password@]host[:port][/db]", &url);
    long db = 0;
    if (url.path[0] != '\0' && rs_parse_long(url.path, 0, 1000, &db) != 0)
        rs_config_fail("REDIS_URL: \"%s\" is not a database number", url.path);
    redis.host = url.host;
    redis.port = url.port;
    redis.password = url.password;
    redis.db = (int)db;
    char db_name[24];
    snprintf(db_name, sizeof db_name, "%ld", db);
    rs_spans_datastore("redis", redis.host, redis.port, db_name);
    free(url.user);
    free(url.path);
    long timeout_ms = rs_config_int("REDIS_TIMEOUT_MS", 1000, 10, 60000);
    redis.timeout.tv_sec = timeout_ms / 1000;
    redis.timeout.tv_usec = (timeout_ms % 1000) * 1000;
    pthread_mutex_init(&redis.lock, NULL);
    if (rs_thread_conn_init(&redis.conns, open_connection, free_connection, NULL) != 0)
        return -1;
    char name[300];
    snprintf(name, sizeof name, "redis at %s:%d", redis.host, redis.port);
    redis.monitor = rs_monitor_start(name, ping, &redis.probe_conn);
    return redis.monitor != NULL ? 0 : -1;
}

void rs_redis_shutdown(void)
{
    rs_monitor_stop(redis.monitor);
    redis.monitor = NULL;
    if (redis.probe_conn != NULL)
        redisFree(redis.probe_conn);
    redis.probe_conn = NULL;
    rs_thread_conn_destroy(&redis.conns);
    free(redis.host);
    free(redis.password);
    redis.host = redis.password = NULL;
}

bool rs_redis_up(void *unused)
{
    (void)unused;
    return rs_monitor_up(redis.monitor);
}

/* ---- commands ---- */

/* This thread's connection; one from before the last outage is replaced. */
static redisContext *thread_connection(void)
{
    return rs_thread_conn_get(&redis.conns, rs_monitor_outages(redis.monitor));
}

/* A connection that had died while idle (Redis restarted, say) fails with
 * end-of-file or a reset; one fresh connection is then worth a try. A
 * timeout is not retried: Redis is slow, and waiting twice helps no one. */
static bool worth_retrying(const redisContext *c, int err_no)
{
    return c->err == REDIS_ERR_EOF ||
           (c->err == REDIS_ERR_IO && (err_no == ECONNRESET || err_no == EPIPE));
}

/* Whether this thread's last failed command may have been run. */
static _Thread_local bool outcome_unknown;

bool rs_redis_outcome_unknown(void)
{
    return outcome_unknown;
}

redisReply *rs_redis_command(int argc, const char **argv, const size_t *lens)
{
    outcome_unknown = false;
    if (!rs_monitor_up(redis.monitor))
        return NULL;
    for (int attempt = 0; attempt < 2; attempt++) {
        redisContext *c = thread_connection();
        if (c == NULL)
            break;
        redisReply *r = redisCommandArgv(c, argc, argv, lens);
        if (r != NULL)
            return r;
        int err_no = errno;
        bool retry = worth_retrying(c, err_no);
        rs_log(RS_WARN, "redis: %s", c->errstr);
        rs_thread_conn_drop(&redis.conns);
        if (!retry) {
            /* A timeout or another failure after the command went out:
             * Redis may run it (a hung one does, when it resumes). */
            outcome_unknown = true;
            break;
        }
    }
    rs_monitor_report_failure(redis.monitor);
    return NULL;
}

/* ---- scripts ---- */

static void script_sha(rs_redis_script *s, char sha[41])
{
    pthread_mutex_lock(&redis.lock);
    memcpy(sha, s->sha, 41);
    pthread_mutex_unlock(&redis.lock);
}

/* SCRIPT LOAD; 0, or -1 when Redis cannot be reached or refuses it. */
static int load_script(rs_redis_script *s)
{
    const char *argv[] = {"SCRIPT", "LOAD", s->source};
    redisReply *r = rs_redis_command(3, argv, NULL);
    if (r == NULL)
        return -1;
    int rc = -1;
    if (r->type == REDIS_REPLY_STRING && r->len == 40) {
        pthread_mutex_lock(&redis.lock);
        memcpy(s->sha, r->str, 40);
        s->sha[40] = '\0';
        pthread_mutex_unlock(&redis.lock);
        rc = 0;
    } else {
        rs_log(RS_ERROR, "redis: SCRIPT LOAD failed: %s", r->type == REDIS_REPLY_ERROR ? r->str : "?");
    }
    freeReplyObject(r);
    return rc;
}

#define MAX_SCRIPT_ARGS 16

redisReply *rs_redis_eval(rs_redis_script *s, int nkeys, int nargs,
                          const char *const *keys_and_args)
{
    if (nkeys + nargs > MAX_SCRIPT_ARGS)
        return NULL;
    char sha[41];
    script_sha(s, sha);
    if (sha[0] == '\0') {
        if (load_script(s) != 0)
            return NULL;
        script_sha(s, sha);
    }
    char numkeys[16];
    snprintf(numkeys, sizeof numkeys, "%d", nkeys);
    const char *argv[3 + MAX_SCRIPT_ARGS] = {"EVALSHA", sha, numkeys};
    for (int i = 0; i < nkeys + nargs; i++)
        argv[3 + i] = keys_and_args[i];
    redisReply *r = rs_redis_command(3 + nkeys + nargs, argv, NULL);
    if (r != NULL && r->type == REDIS_REPLY_ERROR && strncmp(r->str, "NOSCRIPT", 8) == 0) {
        freeReplyObject(r);   /* Redis restarted and forgot it: send it again */
        if (load_script(s) != 0)
            return NULL;
        script_sha(s, sha);
        r = rs_redis_command(3 + nkeys + nargs, argv, NULL);
    }
    return r;
}
