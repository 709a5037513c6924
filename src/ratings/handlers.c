/*
 * handlers.c - the ratings service's routes (see handlers.h).
 */
#include "handlers.h"

#include <stdio.h>

#include "ratings_cache.h"
#include "ratings_db.h"
#include "rs_client.h"
#include "rs_config.h"
#include "rs_mysql.h"
#include "rs_peer.h"

static rs_peer *catalogue;

void ratings_handlers_init(void)
{
    catalogue = rs_peer_config("CATALOGUE_URL", "http://catalogue:8080");
}

void ratings_get_health(rs_request *req)
{
    bool up = rs_mysql_up(NULL);
    rs_reply_json(req, up ? 200 : 503, json_pack("{s:b}", "pdo_connectivity", up));
}

void fetch_rating(rs_request *req)
{
    const char *sku = rs_req_param(req, "sku");
    rating r;
    if (!ratings_cache_get(sku, &r)) {
        uint64_t epoch = ratings_cache_epoch();
        if (ratings_fetch(sku, &r) != RATINGS_OK) {
            rs_reply_error(req, 503, "database not available");
            return;
        }
        ratings_cache_put(sku, &r, epoch);
    }
    rs_reply_json(req, 200, json_pack("{s:f,s:i}", "avg_rating", r.avg, "rating_count", (int)r.count));
}

typedef enum { SKU_KNOWN, SKU_UNKNOWN, SKU_UNCHECKED } sku_check;

/* Whether the catalogue knows the SKU (any answer but 200 or 404, or no
 * answer, leaves it unchecked). */
static sku_check check_sku(const char *sku)
{
    char path[256];
    snprintf(path, sizeof path, "/product/%s", sku);   /* sku is [A-Za-z0-9._-] */
    rs_client_request rq = {.peer = "catalogue", .method = "GET"};
    rs_client_response rs = {.body = RS_BUF_INIT};
    sku_check result = SKU_UNCHECKED;
    if (rs_peer_call(catalogue, path, &rq, &rs) == RS_CLIENT_OK)
        result = rs.status == 200 ? SKU_KNOWN : rs.status == 404 ? SKU_UNKNOWN : SKU_UNCHECKED;
    rs_buf_free(&rs.body);
    return result;
}

void rate_product(rs_request *req)
{
    const char *sku = rs_req_param(req, "sku");
    long score;
    if (rs_parse_long(rs_req_param(req, "score"), -1000000L, 1000000L, &score) != 0) {
        rs_reply_error(req, 400, "score must be a whole number");
        return;
    }
    score = score < 1 ? 1 : score > 5 ? 5 : score;
    sku_check known = check_sku(sku);
    if (known == SKU_UNKNOWN) {
        char message[96];
        snprintf(message, sizeof message, "%s not found", sku);
        rs_reply_error(req, 404, message);
    } else if (known == SKU_UNCHECKED) {
        rs_reply_error(req, 503, "catalogue not available");
    } else {
        ratings_status st = ratings_vote(sku, (int)score);
        ratings_cache_drop(sku);   /* applied, or perhaps: this replica reads it afresh */
        if (st == RATINGS_UNKNOWN)
            rs_reply_error(req, 504, "outcome unknown");
        else if (st == RATINGS_UNAVAILABLE)
            rs_reply_error(req, 503, "database not available");
        else
            rs_reply_json(req, 200, json_pack("{s:b}", "success", 1));
    }
}
