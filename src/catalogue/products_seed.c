/*
 * products_seed.c - reads and checks the seed catalogue (data/products.json)
 * that both store backends load into an empty store.
 */
#include <string.h>

#include "products.h"
#include "rs_log.h"
#include "rs_valid.h"

static bool nonempty_string(json_t *v)
{
    return json_is_string(v) && json_string_length(v) > 0;
}

static bool valid_categories(json_t *cats)
{
    if (!json_is_array(cats))
        return false;
    size_t i;
    json_t *c;
    json_array_foreach(cats, i, c)
        if (!json_is_string(c) || !rs_valid_id(json_string_value(c)))
            return false;
    return true;
}

/* The first field of product p that is missing or wrong, or NULL. */
static const char *bad_field(json_t *p)
{
    json_t *sku = json_object_get(p, "sku");
    json_t *price = json_object_get(p, "price");
    json_t *instock = json_object_get(p, "instock");
    if (!json_is_string(sku) || !rs_valid_id(json_string_value(sku)))
        return "sku";
    if (!nonempty_string(json_object_get(p, "name")))
        return "name";
    if (!nonempty_string(json_object_get(p, "description")))
        return "description";
    if (!json_is_number(price) || json_number_value(price) < 0)
        return "price";
    if (!json_is_integer(instock) || json_integer_value(instock) < 0)
        return "instock";
    if (!valid_categories(json_object_get(p, "categories")))
        return "categories";
    return NULL;
}

static bool seen_before(json_t *seed, size_t upto, const char *sku)
{
    for (size_t i = 0; i < upto; i++) {
        const char *other = json_string_value(json_object_get(json_array_get(seed, i), "sku"));
        if (strcmp(other, sku) == 0)
            return true;
    }
    return false;
}

json_t *products_load_seed(const char *seed_file)
{
    json_error_t err;
    json_t *seed = json_load_file(seed_file, JSON_REJECT_DUPLICATES, &err);
    if (seed == NULL) {
        rs_log(RS_ERROR, "seed %s: line %d: %s", seed_file, err.line, err.text);
        return NULL;
    }
    if (!json_is_array(seed)) {
        rs_log(RS_ERROR, "seed %s: not a JSON array of products", seed_file);
        json_decref(seed);
        return NULL;
    }
    size_t i;
    json_t *p;
    json_array_foreach(seed, i, p) {
        const char *field = json_is_object(p) ? bad_field(p) : "product";
        if (field == NULL && seen_before(seed, i, json_string_value(json_object_get(p, "sku"))))
            field = "sku (a duplicate)";
        if (field != NULL) {
            rs_log(RS_ERROR, "seed %s: product %zu: bad or missing %s", seed_file, i + 1, field);
            json_decref(seed);
            return NULL;
        }
    }
    return seed;
}
