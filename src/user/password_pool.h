/*
 * password_pool.h - the threads where passwords are hashed and checked.
 *
 * Hashing a password takes tens of milliseconds of a core and 19 MiB, so
 * login and registration run their password work here, on HASH_THREADS
 * threads of their own (default: one per core) with at most
 * HASH_QUEUE_MAX requests waiting (default 64), and never on the workers
 * that serve the cheap routes. When the queue is full a request is
 * refused at once, for the caller to answer 503 with Retry-After. The
 * threads run at the lowest CPU priority (SCHED_IDLE; HASH_LOW_PRIORITY=0
 * keeps the normal one), so that on a busy core the cheap routes, and the
 * other services, go first and hashing takes what is left.
 */
#ifndef USER_PASSWORD_POOL_H
#define USER_PASSWORD_POOL_H

#include "rs_http.h"

typedef void (*password_work)(rs_request *req, void *ctx);

/* Reads the settings and starts the threads; 0, or -1. */
int  password_pool_init(void);
/* Runs work(req, ctx) on a password thread, then rs_req_finish(req).
 * -1 when the queue is full or memory is short: nothing is run, and the
 * caller still owns ctx and must answer. */
int  password_pool_run(rs_request *req, password_work work, void *ctx);
/* Lets the queued work finish, then stops the threads. */
void password_pool_stop(void);
/* Answers 503 with Retry-After, for a refused request. */
void password_pool_reply_busy(rs_request *req);

#endif
