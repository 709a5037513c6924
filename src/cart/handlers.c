/*
 * handlers.c - the cart service's routes (see handlers.h): each validates
 * its input, asks the cart store (and for an add, the catalogue), and
 * answers with the cart in its API form.
 */
#include "handlers.h"

#include <stdlib.h>
#include <string.h>

#include "cart_money.h"
#include "cart_store.h"
#include "catalogue_client.h"
#include "rs_config.h"
#include "rs_json.h"
#include "rs_metrics.h"
#include "rs_redis.h"

static rs_metric *items_added;

void cart_handlers_init(void)
{
    items_added = rs_counter("items_added", "Units of products added to carts.", NULL);
}

/* Answers a store result: the cart, or the error that fits. */
static void reply_cart(rs_request *req, cart_status st, char *stored, size_t len)
{
    switch (st) {
    case CART_OK: {
        char etag[CART_ETAG_MAX];
        json_t *cart = cart_render(stored, len, etag);
        free(stored);
        if (cart == NULL) {
            rs_reply_error(req, 500, "stored cart is malformed");
            return;
        }
        if (etag[0] != '\0')
            rs_reply_header(req, "ETag", etag);
        rs_reply_json(req, 200, cart);
        return;
    }
    case CART_NOT_FOUND:   rs_reply_error(req, 404, "cart not found"); return;
    case CART_NOT_IN_CART: rs_reply_error(req, 404, "not in cart"); return;
    case CART_QTY_LIMIT:   rs_reply_error(req, 400, "quantity must be at most 1000"); return;
    case CART_LINE_LIMIT:  rs_reply_error(req, 400, "a cart holds at most 100 lines"); return;
    case CART_OTHER_CART:  rs_reply_error(req, 412, "another cart"); return;
    case CART_UNAVAILABLE: rs_reply_error(req, 503, "database not available"); return;
    case CART_UNKNOWN:     rs_reply_error(req, 504, "outcome unknown"); return;
    }
}

/* Parses :qty; answers 400 and returns -1 when it is not a whole number in
 * min..CART_MAX_QTY. */
static int parse_qty(rs_request *req, long min, long *qty)
{
    const char *text = rs_req_param(req, "qty");
    if (rs_parse_long(text, -1000000000L, 1000000000L, qty) != 0) {
        rs_reply_error(req, 400, "quantity must be a number");
        return -1;
    }
    if (*qty < min) {
        rs_reply_error(req, 400, min == 1 ? "quantity has to be greater than zero"
                                          : "negative quantity not allowed");
        return -1;
    }
    if (*qty > CART_MAX_QTY) {
        rs_reply_error(req, 400, "quantity must be at most 1000");
        return -1;
    }
    return 0;
}

void cart_get_health(rs_request *req)
{
    rs_reply_json(req, 200, json_pack("{s:s,s:b}", "app", "OK", "redis", rs_redis_up(NULL)));
}

void get_cart(rs_request *req)
{
    char *stored = NULL;
    size_t len = 0;
    cart_status st = cart_get(rs_req_param(req, "id"), &stored, &len);
    if (st == CART_UNKNOWN)
        st = CART_UNAVAILABLE;   /* a read changes nothing: not applied */
    reply_cart(req, st, stored, len);
}

/* DELETE /cart/:id[?token=t]: with a token, only that life of the cart
 * (payment empties the cart it charged, never one made since). */
void delete_cart(rs_request *req)
{
    const char *token = rs_req_query(req, "token");
    if (token != NULL && strlen(token) != CART_TOKEN_LEN) {
        rs_reply_error(req, 400, "token not valid");
        return;
    }
    cart_status st = cart_delete(rs_req_param(req, "id"), token);
    if (st == CART_OK)
        rs_reply_text(req, 200, "OK");
    else
        reply_cart(req, st, NULL, 0);
}

void rename_cart(rs_request *req)
{
    char *stored = NULL;
    size_t len = 0;
    cart_status st = cart_rename(rs_req_param(req, "from"), rs_req_param(req, "to"), &stored, &len);
    reply_cart(req, st, stored, len);
}

void add_to_cart(rs_request *req)
{
    long qty;
    if (parse_qty(req, 1, &qty) != 0)
        return;
    const char *sku = rs_req_param(req, "sku");
    if (strcmp(sku, CART_SHIP_SKU) == 0) {
        rs_reply_error(req, 404, "product not found");
        return;
    }
    product p = {0};
    product_status found = catalogue_lookup(sku, &p);
    if (found == PRODUCT_UNKNOWN) {
        rs_reply_error(req, 404, "product not found");
        return;
    }
    if (found == PRODUCT_UNAVAILABLE) {
        rs_reply_error(req, 503, "catalogue not available");
        return;
    }
    if (p.instock <= 0) {
        product_free(&p);
        rs_reply_error(req, 404, "out of stock");
        return;
    }
    cart_line line = {sku, p.name, p.price_cents, qty};
    char *stored = NULL;
    size_t len = 0;
    cart_status st = cart_add(rs_req_param(req, "id"), &line, &stored, &len);
    product_free(&p);
    if (st == CART_OK)
        rs_counter_add(items_added, NULL, (double)qty);
    reply_cart(req, st, stored, len);
}

void update_cart(rs_request *req)
{
    long qty;
    if (parse_qty(req, 0, &qty) != 0)
        return;
    char *stored = NULL;
    size_t len = 0;
    cart_status st = cart_update(rs_req_param(req, "id"), rs_req_param(req, "sku"), qty,
                                 &stored, &len);
    reply_cart(req, st, stored, len);
}

void set_shipping(rs_request *req)
{
    json_t *body = rs_req_json(req);
    if (body == NULL)
        return;   /* answered 400 */
    double distance, cost;
    const char *location;
    long long cost_cents;
    if (!rs_json_number(body, "distance", &distance) || !rs_json_number(body, "cost", &cost) ||
        !rs_json_string(body, "location", &location) || location[0] == '\0' ||
        strlen(location) > 200 || cart_price_to_cents(cost, &cost_cents) != 0) {
        json_decref(body);
        rs_reply_error(req, 400, "shipping data missing");
        return;
    }
    char *stored = NULL;
    size_t len = 0;
    cart_status st = cart_set_shipping(rs_req_param(req, "id"), location, cost_cents, &stored, &len);
    json_decref(body);
    reply_cart(req, st, stored, len);
}
