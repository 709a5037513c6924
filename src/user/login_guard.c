/*
 * login_guard.c - the failed-login counts (see login_guard.h).
 *
 * Each key (a name or a client address, hashed to 64 bits) has a window
 * start, its failures and its attempts pending (being checked on a
 * password thread). The table is set-
 * associative: a key lives in one of WAYS slots of its set, and a new key
 * takes an empty or expired slot, else the one idle longest with nothing
 * pending.
 */
#include "login_guard.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>

#include "rs_config.h"
#include "rs_time.h"

#define SETS 4096
#define WAYS 4

typedef struct slot {
    uint64_t key;          /* 0: empty */
    double   window_start;
    unsigned failures;
    unsigned pending;
} slot;

typedef struct limit {
    char     kind;         /* 'n' for names, 'c' for clients */
    unsigned max;          /* 0: no limit */
} limit;

static slot            table[SETS][WAYS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t        seed;
static double          window_s;
static limit           by_name = {'n', 10}, by_client = {'c', 100};

int login_guard_init(void)
{
    window_s = (double)rs_config_int("LOGIN_FAIL_WINDOW_S", 60, 1, 86400);
    by_name.max = (unsigned)rs_config_int("LOGIN_FAILS_PER_NAME", 10, 0, 1000000);
    by_client.max = (unsigned)rs_config_int("LOGIN_FAILS_PER_CLIENT", 100, 0, 1000000);
    memset(table, 0, sizeof table);
    return getrandom(&seed, sizeof seed, 0) == (ssize_t)sizeof seed ? 0 : -1;
}

/* FNV-1a over the kind and the text, from the seed, then mixed. */
static uint64_t key_of(char kind, const char *text)
{
    uint64_t h = 0xcbf29ce484222325ULL ^ seed;
    h = (h ^ (unsigned char)kind) * 0x100000001b3ULL;
    for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++)
        h = (h ^ *p) * 0x100000001b3ULL;
    h ^= h >> 31;
    h *= 0x7fb5d329728ea185ULL;
    h ^= h >> 27;
    return h != 0 ? h : 1;
}

/* How fit a slot of another key is for reuse: 0 empty, 1 expired, 2 in
 * its window (the oldest first), -1 never (attempts pending). */
static int reuse_rank(const slot *s, double now)
{
    if (s->key == 0)
        return 0;
    if (s->pending > 0)
        return -1;
    return now - s->window_start >= window_s ? 1 : 2;
}

/* The key's slot, its window renewed when over; when absent, made if
 * create (NULL when not, or when every way has attempts pending). */
static slot *find(uint64_t key, double now, bool create)
{
    slot *set = table[key % SETS];
    slot *spare = NULL;
    int spare_rank = 3;
    for (int i = 0; i < WAYS; i++) {
        slot *s = &set[i];
        if (s->key == key) {
            if (now - s->window_start >= window_s) {
                s->window_start = now;
                s->failures = 0;
            }
            return s;
        }
        int rank = reuse_rank(s, now);
        if (rank >= 0 && (rank < spare_rank ||
                          (rank == spare_rank && s->window_start < spare->window_start))) {
            spare = s;
            spare_rank = rank;
        }
    }
    if (!create || spare == NULL)
        return NULL;
    *spare = (slot){.key = key, .window_start = now};
    return spare;
}

/* 0 when the limit lets one more attempt go on, else seconds to wait.
 * Not strict, only the failures count; strict, the attempts pending too. */
static unsigned refusal(const limit *l, const slot *s, double now, bool strict)
{
    if (l->max == 0 || s == NULL)
        return 0;
    unsigned used = s->failures + (strict ? s->pending : 0);
    if (used < l->max)
        return 0;
    if (s->failures < l->max)
        return 1;   /* attempts being checked fill the allowance */
    double left = s->window_start + window_s - now;
    return left > 1.0 ? (unsigned)(left + 0.999) : 1;
}

/* The wait that the first limit refusing imposes, 0 when none refuses;
 * with reserve, an attempt admitted is counted as pending. */
static unsigned check(const char *name, const char *client, bool strict, bool reserve)
{
    double now = rs_now();
    pthread_mutex_lock(&lock);
    slot *n = by_name.max > 0 ? find(key_of(by_name.kind, name), now, reserve) : NULL;
    slot *c = by_client.max > 0 ? find(key_of(by_client.kind, client), now, reserve) : NULL;
    unsigned wait_n = refusal(&by_name, n, now, strict), wait_c = refusal(&by_client, c, now, strict);
    unsigned wait = wait_n > wait_c ? wait_n : wait_c;
    if (wait == 0 && reserve) {
        if (n != NULL)
            n->pending++;
        if (c != NULL)
            c->pending++;
    }
    pthread_mutex_unlock(&lock);
    return wait;
}

unsigned login_guard_refusal(const char *name, const char *client)
{
    return check(name, client, false, false);
}

unsigned login_guard_begin(const char *name, const char *client)
{
    return check(name, client, true, true);
}

static void settle_one(const limit *l, const char *text, bool failed, double now)
{
    if (l->max == 0)
        return;
    slot *s = find(key_of(l->kind, text), now, failed);
    if (s == NULL)
        return;
    if (s->pending > 0)
        s->pending--;
    if (failed)
        s->failures++;
}

void login_guard_settle(const char *name, const char *client, bool failed)
{
    double now = rs_now();
    pthread_mutex_lock(&lock);
    settle_one(&by_name, name, failed, now);
    settle_one(&by_client, client, failed, now);
    pthread_mutex_unlock(&lock);
}
