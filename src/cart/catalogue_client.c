/*
 * catalogue_client.c - product lookups in the catalogue service (see catalogue_client.h).
 */
#include "catalogue_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cart_money.h"
#include "rs_client.h"
#include "rs_config.h"
#include "rs_json.h"
#include "rs_log.h"
#include "rs_peer.h"

static rs_peer *catalogue;

void catalogue_init(void)
{
    catalogue = rs_peer_config("CATALOGUE_URL", "http://catalogue:8080");
}

static product_status parse_product(const rs_buf *body, product *out)
{
    json_t *p = rs_json_parse_object(body->data, body->len);
    const char *name;
    double price;
    long long instock;
    product_status st = PRODUCT_UNAVAILABLE;
    if (p != NULL && rs_json_string(p, "name", &name) && rs_json_number(p, "price", &price) &&
        rs_json_integer(p, "instock", &instock) &&
        cart_price_to_cents(price, &out->price_cents) == 0 &&
        (out->name = strdup(name)) != NULL) {
        out->instock = instock;
        st = PRODUCT_FOUND;
    } else {
        rs_log(RS_ERROR, "catalogue: unexpected product answer");
    }
    json_decref(p);
    return st;
}

product_status catalogue_lookup(const char *sku, product *out)
{
    char path[256];
    snprintf(path, sizeof path, "/product/%s", sku);   /* sku is [A-Za-z0-9._-] */
    rs_client_request rq = {.peer = "catalogue", .method = "GET"};
    rs_client_response rs = {.body = RS_BUF_INIT};
    product_status st = PRODUCT_UNAVAILABLE;
    if (rs_peer_call(catalogue, path, &rq, &rs) == RS_CLIENT_OK) {
        if (rs.status == 200)
            st = parse_product(&rs.body, out);
        else if (rs.status == 404)
            st = PRODUCT_UNKNOWN;
    }
    rs_buf_free(&rs.body);
    return st;
}

void product_free(product *p)
{
    free(p->name);
    p->name = NULL;
}
