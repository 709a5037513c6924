/*
 * cart_scripts.h - the Lua scripts that change a cart in Redis, and the
 * order of their arguments.
 *
 * Each script's arguments are named once, by its enum below: the C side
 * fills its argument array at those positions (ARGV[1] is position 0), and
 * cart_script_source writes the script a prelude from the same table,
 *   local SHIP = 'SHIP'
 *   local args = {sku = ARGV[1], name = ARGV[2], ...}
 * so that the body says args.ttl, never ARGV[7], and SHIP, never the
 * shipping line's SKU itself (CART_SHIP_SKU). Every script that changes a
 * cart takes a token as its last argument (see cart_store.c).
 *
 * Pure data and one pure function: safe from any thread.
 */
#ifndef CART_SCRIPTS_H
#define CART_SCRIPTS_H

typedef enum {
    ADD_SKU, ADD_NAME, ADD_PRICE, ADD_QTY, ADD_MAX_QTY, ADD_MAX_LINES, ADD_TTL, ADD_TOKEN,
    ADD_NARGS
} cart_add_arg;

typedef enum { UPDATE_SKU, UPDATE_QTY, UPDATE_TTL, UPDATE_TOKEN, UPDATE_NARGS } cart_update_arg;

typedef enum {
    SHIPPING_NAME, SHIPPING_COST, SHIPPING_TTL, SHIPPING_TOKEN, SHIPPING_NARGS
} cart_shipping_arg;

typedef enum {
    RENAME_MAX_QTY, RENAME_MAX_LINES, RENAME_TTL, RENAME_TOKEN, RENAME_NARGS
} cart_rename_arg;

typedef enum { DELETE_TOKEN, DELETE_NARGS } cart_delete_arg;

typedef struct cart_script {
    const char        *name;        /* the operation, for metrics and spans */
    int                nkeys;       /* KEYS[1] (and KEYS[2]) come before the arguments */
    int                nargs;
    const char *const *arg_names;   /* nargs Lua names, indexed by the script's enum */
    const char        *body;        /* Lua, naming arguments args.<name> */
} cart_script;

extern const cart_script cart_add_script, cart_update_script, cart_shipping_script,
                         cart_rename_script, cart_delete_script;

/* The source Redis runs: the prelude, then the body; malloc'd, NULL when
 * memory runs out. */
char *cart_script_source(const cart_script *s);

#endif
