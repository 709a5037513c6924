/*
 * cart_store.c - carts in Redis (see cart_store.h): the Lua scripts that
 * change them, and the calls that run them.
 *
 * A script signals a refused change with an error reply whose first word
 * is a code naming the reason (NOCART, NOLINE, QTY, LINES), followed by
 * words for people; Redis passes such a reply through as it is.
 */
#include "cart_store.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "cart_money.h"
#include "rs_db.h"
#include "rs_log.h"
#include "rs_redis.h"
#include "rs_service.h"
#include "rs_time.h"

#define TTL_S "3600"
#define KEY_MAX 80

/* Every script that changes a cart stamps it: its token (made once, when
 * the cart is created, from the script's last argument) names this life of
 * the cart, and its version counts the changes. Together they name one
 * state of one cart, which payment turns into the order's id. */
#define STAMP_LUA \
    "local function stamp(cart)\n" \
    "  if type(cart.token) ~= 'string' then cart.token = ARGV[#ARGV] end\n" \
    "  cart.version = (tonumber(cart.version) or 0) + 1\n" \
    "  return cjson.encode(cart)\n" \
    "end\n"

/* KEYS[1] cart; ARGV sku, name, price_cents, qty, max_qty, max_lines, ttl, token */
static rs_redis_script add_script = {.source = STAMP_LUA
    "local raw = redis.call('GET', KEYS[1])\n"
    "local cart = {items = {}}\n"
    "if raw then cart = cjson.decode(raw) end\n"
    "local qty = tonumber(ARGV[4])\n"
    "local lines = 0\n"
    "for _, item in ipairs(cart.items) do\n"
    "  if item.sku == ARGV[1] then\n"
    "    if item.qty + qty > tonumber(ARGV[5]) then return redis.error_reply('QTY quantity limit') end\n"
    "    item.qty = item.qty + qty\n"
    "    local out = stamp(cart)\n"
    "    redis.call('SET', KEYS[1], out, 'EX', ARGV[7])\n"
    "    return out\n"
    "  end\n"
    "  if item.sku ~= 'SHIP' then lines = lines + 1 end\n"
    "end\n"
    "if lines >= tonumber(ARGV[6]) then return redis.error_reply('LINES line limit') end\n"
    "local line = {sku = ARGV[1], name = ARGV[2], price = tonumber(ARGV[3]), qty = qty}\n"
    "local n = #cart.items\n"
    "if n > 0 and cart.items[n].sku == 'SHIP' then\n"
    "  table.insert(cart.items, n, line)\n"      /* the shipping line stays last */
    "else\n"
    "  table.insert(cart.items, line)\n"
    "end\n"
    "local out = stamp(cart)\n"
    "redis.call('SET', KEYS[1], out, 'EX', ARGV[7])\n"
    "return out\n"};

/* KEYS[1] cart; ARGV sku, qty, ttl, token */
static rs_redis_script update_script = {.source = STAMP_LUA
    "local raw = redis.call('GET', KEYS[1])\n"
    "if not raw then return redis.error_reply('NOCART no such cart') end\n"
    "local cart = cjson.decode(raw)\n"
    "local qty = tonumber(ARGV[2])\n"
    "for i, item in ipairs(cart.items) do\n"
    "  if item.sku == ARGV[1] then\n"
    "    if qty == 0 then table.remove(cart.items, i) else item.qty = qty end\n"
    "    local out = stamp(cart)\n"
    "    redis.call('SET', KEYS[1], out, 'EX', ARGV[3])\n"
    "    return out\n"
    "  end\n"
    "end\n"
    "return redis.error_reply('NOLINE no such line')\n"};

/* KEYS[1] cart; ARGV name, cost_cents, ttl, token */
static rs_redis_script shipping_script = {.source = STAMP_LUA
    "local raw = redis.call('GET', KEYS[1])\n"
    "if not raw then return redis.error_reply('NOCART no such cart') end\n"
    "local cart = cjson.decode(raw)\n"
    "local items = {}\n"
    "for _, item in ipairs(cart.items) do\n"
    "  if item.sku ~= 'SHIP' then table.insert(items, item) end\n"
    "end\n"
    "table.insert(items, {sku = 'SHIP', name = ARGV[1], price = tonumber(ARGV[2]), qty = 1})\n"
    "cart.items = items\n"
    "local out = stamp(cart)\n"
    "redis.call('SET', KEYS[1], out, 'EX', ARGV[3])\n"
    "return out\n"};

/* KEYS[1] from, KEYS[2] to; ARGV max_qty, max_lines, ttl, token.
 * Quantities of a SKU in both carts add up; the target's shipping line
 * wins over the source's; nothing changes if a limit would be exceeded. */
static rs_redis_script rename_script = {.source = STAMP_LUA
    "local raw = redis.call('GET', KEYS[1])\n"
    "if not raw then return redis.error_reply('NOCART no such cart') end\n"
    "if KEYS[1] == KEYS[2] then return raw end\n"
    "local into = redis.call('GET', KEYS[2])\n"
    "if not into then\n"
    "  local out = stamp(cjson.decode(raw))\n"
    "  redis.call('SET', KEYS[2], out, 'EX', ARGV[3])\n"
    "  redis.call('DEL', KEYS[1])\n"
    "  return out\n"
    "end\n"
    "local from, to = cjson.decode(raw), cjson.decode(into)\n"
    "local lines, by_sku, ship = {}, {}, nil\n"
    "for _, item in ipairs(to.items) do\n"
    "  if item.sku == 'SHIP' then ship = item\n"
    "  else table.insert(lines, item); by_sku[item.sku] = item end\n"
    "end\n"
    "for _, item in ipairs(from.items) do\n"
    "  if item.sku == 'SHIP' then\n"
    "    if not ship then ship = item end\n"
    "  elseif by_sku[item.sku] then\n"
    "    local line = by_sku[item.sku]\n"
    "    line.qty = line.qty + item.qty\n"
    "    if line.qty > tonumber(ARGV[1]) then return redis.error_reply('QTY quantity limit') end\n"
    "  else\n"
    "    table.insert(lines, item); by_sku[item.sku] = item\n"
    "  end\n"
    "end\n"
    "if #lines > tonumber(ARGV[2]) then return redis.error_reply('LINES line limit') end\n"
    "if ship then table.insert(lines, ship) end\n"
    "to.items = lines\n"
    "local out = stamp(to)\n"
    "redis.call('SET', KEYS[2], out, 'EX', ARGV[3])\n"
    "redis.call('DEL', KEYS[1])\n"
    "return out\n"};

/* KEYS[1] cart; ARGV token ("" for any) */
static rs_redis_script delete_script = {.source =
    "local raw = redis.call('GET', KEYS[1])\n"
    "if not raw then return redis.error_reply('NOCART no such cart') end\n"
    "if ARGV[1] ~= '' and cjson.decode(raw).token ~= ARGV[1] then\n"
    "  return redis.error_reply('OTHER another cart')\n"
    "end\n"
    "redis.call('DEL', KEYS[1])\n"
    "return 'OK'\n"};

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

/* Runs a script, timed (and traced) as operation. */
static redisReply *run_script(const char *operation, rs_redis_script *script, int nkeys,
                              int nargs, const char *const *args)
{
    double started = rs_now();
    redisReply *r = rs_redis_eval(script, nkeys, nargs, args);
    rs_db_observe("redis", operation, started);
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
    const char *args[] = {key, token != NULL ? token : ""};
    redisReply *r = run_script("delete", &delete_script, 1, 1, args);
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
    const char *args[] = {key, line->sku, line->name, price, qty, max_qty, max_lines, TTL_S, token};
    return take_cart(run_script("add", &add_script, 1, 8, args), stored, len);
}

cart_status cart_update(const char *id, const char *sku, long qty, char **stored, size_t *len)
{
    char key[KEY_MAX], n[24], token[CART_TOKEN_LEN + 1];
    if (new_token(token) != 0)
        return CART_UNAVAILABLE;
    cart_key(key, id);
    snprintf(n, sizeof n, "%ld", qty);
    const char *args[] = {key, sku, n, TTL_S, token};
    return take_cart(run_script("update", &update_script, 1, 4, args), stored, len);
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
    const char *args[] = {key, name, cost, TTL_S, token};
    return take_cart(run_script("shipping", &shipping_script, 1, 4, args), stored, len);
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
    const char *args[] = {from_key, to_key, max_qty, max_lines, TTL_S, token};
    return take_cart(run_script("rename", &rename_script, 2, 4, args), stored, len);
}
