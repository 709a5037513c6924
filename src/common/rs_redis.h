/*
 * rs_redis.h - Redis for the services that keep state in it (over hiredis).
 *
 * rs_redis_init reads REDIS_URL (redis://[:password@]host[:port][/db]) and
 * REDIS_TIMEOUT_MS, and starts a monitor thread that pings Redis (every
 * second while it answers, every 200 ms while it does not): rs_redis_up
 * reports its verdict for /ready and db_up. Each thread keeps its own
 * connection (rs_thread_conn.h). While Redis is down, commands fail at once
 * instead of each waiting for a timeout; when it is back, the next command
 * replaces a connection opened before the outage rather than trying it.
 *
 * A command returns the reply, to be freed with freeReplyObject, or NULL
 * when Redis cannot be reached (answer 503). Replies of type
 * REDIS_REPLY_ERROR are Redis's own answers (a script's error, say).
 * After a NULL, rs_redis_outcome_unknown tells whether the command may
 * still have been run: it was sent and no answer came (Redis hung, say),
 * so a write's caller must answer 504 "outcome unknown", not 503.
 */
#ifndef RS_REDIS_H
#define RS_REDIS_H

#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <stddef.h>

/* A Lua script, sent once and then run by its SHA-1 (EVALSHA). */
typedef struct rs_redis_script {
    const char *source;
    char        sha[41];    /* filled on first use; guarded inside rs_redis */
} rs_redis_script;

int         rs_redis_init(void);       /* 0, or -1 when the monitor cannot start */
void        rs_redis_shutdown(void);
bool        rs_redis_up(void *unused);  /* for rs_service_depend */

redisReply *rs_redis_command(int argc, const char **argv, const size_t *lens);
/* True when this thread's last command that returned NULL had been sent. */
bool        rs_redis_outcome_unknown(void);
/* Runs script with nkeys keys followed by nargs arguments (all strings). */
redisReply *rs_redis_eval(rs_redis_script *script, int nkeys, int nargs,
                          const char *const *keys_and_args);

#endif
