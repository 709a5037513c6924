/*
 * order.c - cart checks and order ids for payment (see order.h).
 */
#include "order.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
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

/* A JSON amount to whole cents; false when it is not a finite number. */
static bool cents(const json_t *amount, long long *out)
{
    if (!json_is_number(amount))
        return false;
    double v = json_number_value(amount);
    if (!isfinite(v) || fabs(v) > 1e15)
        return false;
    *out = llround(v * 100.0);
    return true;
}

/* An optional amount of a line: absent, or the same number of cents. */
static bool same_amount_if_given(const json_t *posted, const json_t *stored, const char *key)
{
    const json_t *p = json_object_get(posted, key);
    long long a, b;
    if (p == NULL)
        return true;
    return cents(p, &a) && cents(json_object_get(stored, key), &b) && a == b;
}

static const json_t *line_of(const json_t *items, const char *sku)
{
    size_t i;
    json_t *item;
    json_array_foreach(items, i, item) {
        const char *s = json_string_value(json_object_get(item, "sku"));
        if (s != NULL && strcmp(s, sku) == 0)
            return item;
    }
    return NULL;
}

bool order_same_cart(const json_t *posted, const json_t *stored)
{
    long long a, b;
    const json_t *pitems = json_object_get(posted, "items");
    const json_t *sitems = json_object_get(stored, "items");
    if (!cents(json_object_get(posted, "total"), &a) ||
        !cents(json_object_get(stored, "total"), &b) || a != b ||
        !json_is_array(pitems) || !json_is_array(sitems) ||
        json_array_size(pitems) != json_array_size(sitems))
        return false;
    size_t i;
    json_t *item;
    json_array_foreach(pitems, i, item) {
        const char *sku = json_string_value(json_object_get(item, "sku"));
        const json_t *line = sku != NULL ? line_of(sitems, sku) : NULL;
        /* Equal sizes, every posted line among the stored ones and no SKU
         * posted twice: the same lines. */
        if (line == NULL ||
            !json_equal(json_object_get(item, "qty"), json_object_get(line, "qty")) ||
            !same_amount_if_given(item, line, "price") ||
            !same_amount_if_given(item, line, "subtotal"))
            return false;
        for (size_t j = 0; j < i; j++) {
            const char *earlier = json_string_value(json_object_get(json_array_get(pitems, j), "sku"));
            if (earlier != NULL && strcmp(earlier, sku) == 0)
                return false;   /* a SKU twice: not the stored cart */
        }
    }
    return true;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

static void format_uuid(const unsigned char b[16], char out[ORDER_ID_LEN + 1])
{
    snprintf(out, ORDER_ID_LEN + 1,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
             b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

int order_id_for(const char *etag, char out[ORDER_ID_LEN + 1])
{
    /* "\"" + 32 hex + "." + version + "\"" */
    size_t n = strlen(etag);
    if (n < 36 || etag[0] != '"' || etag[33] != '.' || etag[n - 1] != '"')
        return -1;
    unsigned char b[16];
    for (int i = 0; i < 12; i++) {
        int hi = hex_value(etag[1 + 2 * i]), lo = hex_value(etag[2 + 2 * i]);
        if (hi < 0 || lo < 0)
            return -1;
        b[i] = (unsigned char)(hi << 4 | lo);
    }
    for (int i = 24; i < 32; i++)
        if (hex_value(etag[1 + i]) < 0)
            return -1;
    char digits[24];
    size_t len = n - 35;
    if (len == 0 || len >= sizeof digits)
        return -1;
    memcpy(digits, etag + 34, len);
    digits[len] = '\0';
    char *end;
    errno = 0;
    unsigned long long version = strtoull(digits, &end, 10);
    if (errno != 0 || *end != '\0' || digits[0] < '0' || digits[0] > '9')
        return -1;
    for (int i = 0; i < 4; i++)
        b[12 + i] = (unsigned char)(version >> (24 - 8 * i));
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x80);   /* version 8: made by us */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);   /* RFC 4122 variant */
    format_uuid(b, out);
    return 0;
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
    format_uuid(b, out);
    return 0;
}
