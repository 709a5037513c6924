/*
 * cart_scripts.c - the Lua scripts that change a cart (see cart_scripts.h).
 *
 * A script refuses a change with an error reply whose first word is a
 * code naming the reason (NOCART, NOLINE, QTY, LINES, OTHER), followed by
 * words for people; cart_store.c turns the code into a cart_status.
 */
#include "cart_scripts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cart_money.h"

/* Every script that changes a cart stamps it: its token (made once, when
 * the cart is created) names this life of the cart, and its version counts
 * the changes. Together they name one state of one cart, which payment
 * turns into the order's id. save(key, cart) stamps the cart and stores it
 * under key for the cart's time to live. */
#define STAMP_LUA \
    "local function stamp(cart)\n" \
    "  if type(cart.token) ~= 'string' then cart.token = args.token end\n" \
    "  cart.version = (tonumber(cart.version) or 0) + 1\n" \
    "  return cjson.encode(cart)\n" \
    "end\n" \
    "local function save(key, cart)\n" \
    "  local out = stamp(cart)\n" \
    "  redis.call('SET', key, out, 'EX', args.ttl)\n" \
    "  return out\n" \
    "end\n"

/* The stored cart under KEYS[1] as raw, or the refusal NOCART. */
#define FIND_CART_LUA \
    "local raw = redis.call('GET', KEYS[1])\n" \
    "if not raw then return redis.error_reply('NOCART no such cart') end\n"

static const char *const add_names[ADD_NARGS] = {
    [ADD_SKU] = "sku", [ADD_NAME] = "name", [ADD_PRICE] = "price", [ADD_QTY] = "qty",
    [ADD_MAX_QTY] = "max_qty", [ADD_MAX_LINES] = "max_lines", [ADD_TTL] = "ttl",
    [ADD_TOKEN] = "token"};

/* KEYS[1] cart. */
const cart_script cart_add_script = {"add", 1, ADD_NARGS, add_names,
    STAMP_LUA
    "local raw = redis.call('GET', KEYS[1])\n"
    "local cart = {items = {}}\n"
    "if raw then cart = cjson.decode(raw) end\n"
    "local qty = tonumber(args.qty)\n"
    "local lines = 0\n"
    "for _, item in ipairs(cart.items) do\n"
    "  if item.sku == args.sku then\n"
    "    if item.qty + qty > tonumber(args.max_qty) then return redis.error_reply('QTY quantity limit') end\n"
    "    item.qty = item.qty + qty\n"
    "    return save(KEYS[1], cart)\n"
    "  end\n"
    "  if item.sku ~= SHIP then lines = lines + 1 end\n"
    "end\n"
    "if lines >= tonumber(args.max_lines) then return redis.error_reply('LINES line limit') end\n"
    "local line = {sku = args.sku, name = args.name, price = tonumber(args.price), qty = qty}\n"
    "local n = #cart.items\n"
    "if n > 0 and cart.items[n].sku == SHIP then\n"
    "  table.insert(cart.items, n, line)\n"      /* the shipping line stays last */
    "else\n"
    "  table.insert(cart.items, line)\n"
    "end\n"
    "return save(KEYS[1], cart)\n"};

static const char *const update_names[UPDATE_NARGS] = {
    [UPDATE_SKU] = "sku", [UPDATE_QTY] = "qty", [UPDATE_TTL] = "ttl", [UPDATE_TOKEN] = "token"};

/* KEYS[1] cart; a quantity of 0 removes the line. */
const cart_script cart_update_script = {"update", 1, UPDATE_NARGS, update_names,
    STAMP_LUA FIND_CART_LUA
    "local cart = cjson.decode(raw)\n"
    "local qty = tonumber(args.qty)\n"
    "for i, item in ipairs(cart.items) do\n"
    "  if item.sku == args.sku then\n"
    "    if qty == 0 then table.remove(cart.items, i) else item.qty = qty end\n"
    "    return save(KEYS[1], cart)\n"
    "  end\n"
    "end\n"
    "return redis.error_reply('NOLINE no such line')\n"};

static const char *const shipping_names[SHIPPING_NARGS] = {
    [SHIPPING_NAME] = "name", [SHIPPING_COST] = "cost", [SHIPPING_TTL] = "ttl",
    [SHIPPING_TOKEN] = "token"};

/* KEYS[1] cart; the one shipping line is replaced, and stays last. */
const cart_script cart_shipping_script = {"shipping", 1, SHIPPING_NARGS, shipping_names,
    STAMP_LUA FIND_CART_LUA
    "local cart = cjson.decode(raw)\n"
    "local items = {}\n"
    "for _, item in ipairs(cart.items) do\n"
    "  if item.sku ~= SHIP then table.insert(items, item) end\n"
    "end\n"
    "table.insert(items, {sku = SHIP, name = args.name, price = tonumber(args.cost), qty = 1})\n"
    "cart.items = items\n"
    "return save(KEYS[1], cart)\n"};

static const char *const rename_names[RENAME_NARGS] = {
    [RENAME_MAX_QTY] = "max_qty", [RENAME_MAX_LINES] = "max_lines", [RENAME_TTL] = "ttl",
    [RENAME_TOKEN] = "token"};

/* KEYS[1] from, KEYS[2] to. Quantities of a SKU in both carts add up; the
 * target's shipping line wins over the source's; nothing changes if a
 * limit would be exceeded. */
const cart_script cart_rename_script = {"rename", 2, RENAME_NARGS, rename_names,
    STAMP_LUA FIND_CART_LUA
    "if KEYS[1] == KEYS[2] then return raw end\n"
    "local into = redis.call('GET', KEYS[2])\n"
    "if not into then\n"
    "  local out = save(KEYS[2], cjson.decode(raw))\n"
    "  redis.call('DEL', KEYS[1])\n"
    "  return out\n"
    "end\n"
    "local from, to = cjson.decode(raw), cjson.decode(into)\n"
    "local lines, by_sku, ship = {}, {}, nil\n"
    "for _, item in ipairs(to.items) do\n"
    "  if item.sku == SHIP then ship = item\n"
    "  else table.insert(lines, item); by_sku[item.sku] = item end\n"
    "end\n"
    "for _, item in ipairs(from.items) do\n"
    "  if item.sku == SHIP then\n"
    "    if not ship then ship = item end\n"
    "  elseif by_sku[item.sku] then\n"
    "    local line = by_sku[item.sku]\n"
    "    line.qty = line.qty + item.qty\n"
    "    if line.qty > tonumber(args.max_qty) then return redis.error_reply('QTY quantity limit') end\n"
    "  else\n"
    "    table.insert(lines, item); by_sku[item.sku] = item\n"
    "  end\n"
    "end\n"
    "if #lines > tonumber(args.max_lines) then return redis.error_reply('LINES line limit') end\n"
    "if ship then table.insert(lines, ship) end\n"
    "to.items = lines\n"
    "local out = save(KEYS[2], to)\n"
    "redis.call('DEL', KEYS[1])\n"
    "return out\n"};

static const char *const delete_names[DELETE_NARGS] = {[DELETE_TOKEN] = "token"};

/* KEYS[1] cart; the token "" deletes whichever cart is there. */
const cart_script cart_delete_script = {"delete", 1, DELETE_NARGS, delete_names,
    FIND_CART_LUA
    "if args.token ~= '' and cjson.decode(raw).token ~= args.token then\n"
    "  return redis.error_reply('OTHER another cart')\n"
    "end\n"
    "redis.call('DEL', KEYS[1])\n"
    "return 'OK'\n"};

char *cart_script_source(const cart_script *s)
{
    size_t size = strlen(s->body) + sizeof "local SHIP = ''\nlocal args = {}\n"
                + strlen(CART_SHIP_SKU);
    for (int i = 0; i < s->nargs; i++)
        size += strlen(s->arg_names[i]) + sizeof " = ARGV[], " + 12;
    char *out = malloc(size);
    if (out == NULL)
        return NULL;
    int n = snprintf(out, size, "local SHIP = '%s'\nlocal args = {", CART_SHIP_SKU);
    for (int i = 0; i < s->nargs; i++)
        n += snprintf(out + n, size - (size_t)n, "%s%s = ARGV[%d]", i > 0 ? ", " : "",
                      s->arg_names[i], i + 1);
    snprintf(out + n, size - (size_t)n, "}\n%s", s->body);
    return out;
}
