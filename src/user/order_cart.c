/*
 * order_cart.c - the shape of an order's cart (see order_cart.h).
 */
#include "order_cart.h"

#include <math.h>
#include <string.h>

#define TEXT_MAX 300    /* a name: "shipping to <location>" at most */

static bool amount_ok(const json_t *v)
{
    return json_is_number(v) && isfinite(json_number_value(v)) &&
           fabs(json_number_value(v)) < 1e12;
}

static bool text_ok(const json_t *v)
{
    return json_is_string(v) && json_string_length(v) >= 1 && json_string_length(v) <= TEXT_MAX;
}

static bool line_ok(const json_t *line)
{
    if (!json_is_object(line))
        return false;
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)line, key, v) {
        bool ok = strcmp(key, "qty") == 0      ? json_is_integer(v) &&
                                                 json_integer_value(v) >= 0 &&
                                                 json_integer_value(v) <= 1000000
                : strcmp(key, "sku") == 0      ? text_ok(v) && json_string_length(v) <= 64
                : strcmp(key, "name") == 0     ? text_ok(v)
                : strcmp(key, "price") == 0    ? amount_ok(v)
                : strcmp(key, "subtotal") == 0 ? amount_ok(v)
                                               : false;
        if (!ok)
            return false;
    }
    return json_object_get(line, "sku") != NULL && json_object_get(line, "qty") != NULL;
}

bool order_cart_valid(const json_t *cart)
{
    if (!json_is_object(cart))
        return false;
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)cart, key, v) {
        bool ok;
        if (strcmp(key, "total") == 0 || strcmp(key, "tax") == 0) {
            ok = amount_ok(v);
        } else if (strcmp(key, "items") == 0) {
            ok = json_is_array(v) && json_array_size(v) <= ORDER_CART_MAX_LINES;
            size_t i;
            json_t *line;
            json_array_foreach(v, i, line) {
                if (!ok)
                    break;
                ok = line_ok(line);
            }
        } else {
            ok = false;
        }
        if (!ok)
            return false;
    }
    return true;
}
