/*
 * order.c - cart checks and order ids for payment (see order.h).
 */
#include "order.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#define MAX_UNITS 1000000000LL

bool order_check_cart(const json_t *cart, order_summary *out)
{
    if (!json_is_object(cart))
        return false;
    json_t *total = json_object_get(cart, "total");
    json_t *items = json_object_get(cart, "items");
    if (!json_is_number(total) || !json_is_array(items))
        return false;
    double t = json_number_value(total);
    if (!isfinite(t) || t <= 0)
        return false;
    bool shipping = false;
    long long units = 0;
    size_t i;
    json_t *item;
    json_array_foreach(items, i, item) {
        json_t *sku = json_object_get(item, "sku");
        json_t *qty = json_object_get(item, "qty");
        if (!json_is_string(sku) || !json_is_integer(qty))
            return false;
        json_int_t q = json_integer_value(qty);
        if (q < 0 || q > MAX_UNITS)
            return false;
        if (strcmp(json_string_value(sku), ORDER_SHIP_SKU) == 0)
            shipping = true;
        else if ((units += q) > MAX_UNITS)
            return false;
    }
    if (!shipping)
        return false;
    out->total = t;
    out->units = units;
    return true;
}

int order_new_id(char out[ORDER_ID_LEN + 1])
{
    unsigned char b[16];
    size_t got = 0;
    while (got < sizeof b) {
        ssize_t n = getrandom(b + got, sizeof b - got, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        got += (size_t)n;
    }
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);   /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);   /* RFC 4122 variant */
    snprintf(out, ORDER_ID_LEN + 1,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
             b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
    return 0;
}
