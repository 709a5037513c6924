/*
 * cart_store.c - carts in Redis (see cart_store.h): the calls that run
 * the Lua scripts of cart_scripts.h, and what their replies mean.
 *
 * Redis passes a script's refusal (an error reply whose first word is a
 * code, cart_scripts.c) through as it is; refusal() reads the code.
 */
#include "cart_store.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "cart_money.h"
#include "cart_scripts.h"
#include "rs_db.h"
#include "rs_log.h"
#include "rs_redis.h"
#include "rs_time.h"

#define TTL_S "3600"
#define KEY_MAX 80

/* The scripts as Redis runs them, made once by cart_store_init. */
static rs_redis_script add_script, update_script, shipping_script, rename_script, delete_script;

static int prepare(rs_redis_script *script, const cart_script *s)
{
    char *source = cart_script_source(s);
    script->source = source;
    return source != NULL ? 0 : -1;
}

int cart_store_init(void)
{
    return prepare(&add_script, &cart_add_script) != 0 ||
           prepare(&update_script, &cart_update_script) != 0 ||
           prepare(&shipping_script, &cart_shipping_script) != 0 ||
           prepare(&rename_script, &cart_rename_script) != 0 ||
           prepare(&delete_script, &cart_delete_script) != 0 ? -1 : 0;
}

/* A fresh cart token: 32 random hex digits; -1 when the kernel has none. */
static int new_token(char out[CART_TOKEN_LEN + 1])
{
    unsigned char b[CART_TOKEN_LEN / 2];
    size_t got = 0;
    while (got < sizeof b) {
        ssize_t n = getrandom(b + got, sizeof b - got, 0);
        if (n < 0 && errno != EINTR)
            return -1;
        if (n > 0)
            got += (size_t)n;
    }
    for (size_t i = 0; i < sizeof b; i++)
        snprintf(out + 2 * i, 3, "%02x", b[i]);
    return 0;
}

static void cart_key(char key[KEY_MAX], const char *id)
{
    snprintf(key, KEY_MAX, "cart:%s", id);   /* ids are at most 64 characters */
}

static bool has_code(const char *message, const char *code)
{
    size_t n = strlen(code);
    return strncmp(message, code, n) == 0 && message[n] == ' ';
}

static cart_status refusal(const char *message)
{
    if (has_code(message, "NOCART")) return CART_NOT_FOUND;
    if (has_code(message, "NOLINE")) return CART_NOT_IN_CART;
    if (has_code(message, "QTY")) return CART_QTY_LIMIT;
    if (has_code(message, "LINES")) return CART_LINE_LIMIT;
    if (has_code(message, "OTHER")) return CART_OTHER_CART;
    rs_log(RS_ERROR, "redis: %s", message);
    return CART_UNAVAILABLE;   /* a script error: Redis is not what we expect */
}

/* Runs a script with its keys then its arguments, timed (and traced) as
 * the script's operation. */
static redisReply *run_script(rs_redis_script *script, const cart_script *s,
                              const char *const *keys_and_args)
{
    double started = rs_now();
    redisReply *r = rs_redis_eval(script, s->nkeys, s->nargs, keys_and_args);
    rs_db_observe("redis", s->name, started);
    return r;
}

/* Turns a reply holding a cart into a status and a copy of the cart. */
static cart_status take_cart(redisReply *r, char **stored, size_t *len)
{
    if (r == NULL)
        return rs_redis_outcome_unknown() ? CART_UNKNOWN : CART_UNAVAILABLE;
    cart_status st = CART_OK;
    if (r->type == REDIS_REPLY_NIL) {
        st = CART_NOT_FOUND;
    } else if (r->type == REDIS_REPLY_ERROR) {
        st = refusal(r->str);
    } else if (r->type != REDIS_REPLY_STRING || (*stored = malloc(r->len + 1)) == NULL) {
        st = CART_UNAVAILABLE;
    } else {
        memcpy(*stored, r->str, r->len);
        (*stored)[r->len] = '\0';
        *len = r->len;
    }
    freeReplyObject(r);
    return st;
}

cart_status cart_get(const char *id, char **stored, size_t *len)
{
    char key[KEY_MAX];
    cart_key(key, id);
    const char *argv[] = {"GET", key};
    double started = rs_now();
    redisReply *r = rs_redis_command(2, argv, NULL);
    rs_db_observe("redis", "get", started);
    return take_cart(r, stored, len);
}

cart_status cart_delete(const char *id, const char *token)
{
    char key[KEY_MAX];
    cart_key(key, id);
    const char *args[1 + DELETE_NARGS] = {key, [1 + DELETE_TOKEN] = token != NULL ? token : ""};
    redisReply *r = run_script(&delete_script, &cart_delete_script, args);
    if (r == NULL)
        return rs_redis_outcome_unknown() ? CART_UNKNOWN : CART_UNAVAILABLE;
    cart_status st = r->type == REDIS_REPLY_ERROR   ? refusal(r->str)
                   : r->type == REDIS_REPLY_STATUS || r->type == REDIS_REPLY_STRING ? CART_OK
                                                     : CART_UNAVAILABLE;
    freeReplyObject(r);
    return st;
}

cart_status cart_add(const char *id, const cart_line *line, char **stored, size_t *len)
{
    char key[KEY_MAX], price[24], qty[24], max_qty[24], max_lines[24], token[CART_TOKEN_LEN + 1];
    if (new_token(token) != 0)
        return CART_UNAVAILABLE;
    cart_key(key, id);
    snprintf(price, sizeof price, "%lld", line->price_cents);
    snprintf(qty, sizeof qty, "%ld", line->qty);
    snprintf(max_qty, sizeof max_qty, "%d", CART_MAX_QTY);
    snprintf(max_lines, sizeof max_lines, "%d", CART_MAX_LINES);
    const char *args[1 + ADD_NARGS] = {key,
        [1 + ADD_SKU] = line->sku, [1 + ADD_NAME] = line->name, [1 + ADD_PRICE] = price,
        [1 + ADD_QTY] = qty, [1 + ADD_MAX_QTY] = max_qty, [1 + ADD_MAX_LINES] = max_lines,
        [1 + ADD_TTL] = TTL_S, [1 + ADD_TOKEN] = token};
    return take_cart(run_script(&add_script, &cart_add_script, args), stored, len);
}

cart_status cart_update(const char *id, const char *sku, long qty, char **stored, size_t *len)
{
    char key[KEY_MAX], n[24], token[CART_TOKEN_LEN + 1];
    if (new_token(token) != 0)
        return CART_UNAVAILABLE;
    cart_key(key, id);
    snprintf(n, sizeof n, "%ld", qty);
    const char *args[1 + UPDATE_NARGS] = {key, [1 + UPDATE_SKU] = sku, [1 + UPDATE_QTY] = n,
                                          [1 + UPDATE_TTL] = TTL_S, [1 + UPDATE_TOKEN] = token};
    return take_cart(run_script(&update_script, &cart_update_script, args), stored, len);
}

cart_status cart_set_shipping(const char *id, const char *location, long long cost_cents,
                              char **stored, size_t *len)
{
    char key[KEY_MAX], cost[24], name[300], token[CART_TOKEN_LEN + 1];
    if (new_token(token) != 0)
        return CART_UNAVAILABLE;
    cart_key(key, id);
    snprintf(cost, sizeof cost, "%lld", cost_cents);
    snprintf(name, sizeof name, "shipping to %s", location);
    const char *args[1 + SHIPPING_NARGS] = {key, [1 + SHIPPING_NAME] = name,
        [1 + SHIPPING_COST] = cost, [1 + SHIPPING_TTL] = TTL_S, [1 + SHIPPING_TOKEN] = token};
    return take_cart(run_script(&shipping_script, &cart_shipping_script, args), stored, len);
}

cart_status cart_rename(const char *from, const char *to, char **stored, size_t *len)
{
    char from_key[KEY_MAX], to_key[KEY_MAX], max_qty[24], max_lines[24];
    char token[CART_TOKEN_LEN + 1];
    if (new_token(token) != 0)
        return CART_UNAVAILABLE;
    cart_key(from_key, from);
    cart_key(to_key, to);
    snprintf(max_qty, sizeof max_qty, "%d", CART_MAX_QTY);
    snprintf(max_lines, sizeof max_lines, "%d", CART_MAX_LINES);
    const char *args[2 + RENAME_NARGS] = {from_key, to_key, [2 + RENAME_MAX_QTY] = max_qty,
        [2 + RENAME_MAX_LINES] = max_lines, [2 + RENAME_TTL] = TTL_S, [2 + RENAME_TOKEN] = token};
    return take_cart(run_script(&rename_script, &cart_rename_script, args), stored, len);
}
