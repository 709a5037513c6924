/*
 * handlers.c - the shipping service's routes (see handlers.h): lookups in
 * the cities database, the distance and cost of a delivery, and the
 * confirmation passed on to the cart.
 */
#include "handlers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "distance.h"
#include "rs_buf.h"
#include "rs_client.h"
#include "rs_config.h"
#include "rs_db.h"
#include "rs_json.h"
#include "rs_mysql.h"
#include "rs_peer.h"
#include "rs_time.h"
#include "rs_valid.h"

#define MATCH_MIN_CHARS 3
#define MATCH_LIMIT 10
#define CITY_COLUMNS "uuid, code, city, name, region, latitude, longitude"

static rs_peer *cart;

void shipping_handlers_init(void)
{
    cart = rs_peer_config("CART_URL", "http://cart:8080");
}

static void reply_unavailable(rs_request *req)
{
    rs_reply_error(req, 503, "database not available");
}

/* Runs a query, timed as `operation`; false (answered 503) on failure. */
static bool run(rs_request *req, const char *operation, const char *sql, rs_mysql_result *r)
{
    double started = rs_now();
    int rc = rs_mysql_query(sql, r);
    rs_db_observe("mysql", operation, started);
    if (rc != 0) {
        rs_mysql_result_free(r);
        reply_unavailable(req);
        return false;
    }
    return true;
}

static json_t *city_json(MYSQL_ROW row)
{
    return json_pack("{s:I,s:s,s:s,s:s,s:s,s:f,s:f}",
        "uuid", strtoll(row[0], NULL, 10), "code", row[1], "city", row[2], "name", row[3],
        "region", row[4], "latitude", strtod(row[5], NULL), "longitude", strtod(row[6], NULL));
}

/* Answers the rows of a cities query as a JSON array. */
static void reply_cities(rs_request *req, rs_mysql_result *r)
{
    json_t *list = json_array();
    MYSQL_ROW row;
    while ((row = mysql_fetch_row(r->rows)) != NULL)
        json_array_append_new(list, city_json(row));
    rs_mysql_result_free(r);
    rs_reply_json(req, 200, list);
}

void shipping_get_health(rs_request *req)
{
    rs_reply_text(req, 200, "OK");
}

void count_cities(rs_request *req)
{
    rs_mysql_result r;
    if (!run(req, "count", "SELECT COUNT(*) FROM cities", &r))
        return;
    MYSQL_ROW row = mysql_fetch_row(r.rows);
    long long n = row != NULL && row[0] != NULL ? strtoll(row[0], NULL, 10) : 0;
    rs_mysql_result_free(&r);
    rs_reply_json(req, 200, json_integer(n));
}

void list_codes(rs_request *req)
{
    rs_mysql_result r;
    if (!run(req, "codes", "SELECT uuid, code, name FROM codes ORDER BY name", &r))
        return;
    json_t *list = json_array();
    MYSQL_ROW row;
    while ((row = mysql_fetch_row(r.rows)) != NULL)
        json_array_append_new(list, json_pack("{s:I,s:s,s:s}",
            "uuid", strtoll(row[0], NULL, 10), "code", row[1], "name", row[2]));
    rs_mysql_result_free(&r);
    rs_reply_json(req, 200, list);
}

void list_cities(rs_request *req)
{
    char code[2 * 64 + 1];
    rs_mysql_escape(code, rs_req_param(req, "code"));
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT " CITY_COLUMNS " FROM cities WHERE code = '%s' ORDER BY name, uuid", code);
    rs_mysql_result r;
    if (run(req, "cities", sql, &r))
        reply_cities(req, &r);
}

static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s != '\0'; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

/* Escapes text for a LIKE 'text%' pattern: the quote escapes, and the
 * pattern characters % and _ taken literally. */
static int like_prefix(const char *text, rs_buf *out)
{
    char *escaped = malloc(2 * strlen(text) + 1);
    if (escaped == NULL)
        return -1;
    rs_mysql_escape(escaped, text);
    for (const char *p = escaped; *p != '\0'; p++) {
        if (*p == '%' || *p == '_')
            rs_buf_puts(out, "\\\\");
        rs_buf_append(out, p, 1);
    }
    free(escaped);
    return out->failed ? -1 : 0;
}

/* The route takes texts (for :text), so :code is checked here as an id. */
void match_cities(rs_request *req)
{
    const char *text = rs_req_param(req, "text");
    const char *country = rs_req_param(req, "code");
    if (!rs_valid_id(country)) {
        rs_reply_error(req, 400, "invalid code");
        return;
    }
    if (utf8_chars(text) < MATCH_MIN_CHARS) {
        rs_reply_error(req, 400, "text must be at least 3 characters");
        return;
    }
    char code[2 * RS_ID_MAX + 1];
    rs_mysql_escape(code, country);
    rs_buf prefix = RS_BUF_INIT, sql = RS_BUF_INIT;
    if (like_prefix(text, &prefix) == 0)
        rs_buf_printf(&sql, "SELECT " CITY_COLUMNS " FROM cities WHERE code = '%s'"
                      " AND city LIKE '%s%%' ORDER BY name, uuid LIMIT %d",
                      code, prefix.data, MATCH_LIMIT);
    rs_mysql_result r;
    if (prefix.failed || sql.failed)
        rs_reply_error(req, 500, "out of memory");
    else if (run(req, "match", sql.data, &r))
        reply_cities(req, &r);
    rs_buf_free(&prefix);
    rs_buf_free(&sql);
}

void calc_shipping(rs_request *req)
{
    long uuid;
    if (rs_parse_long(rs_req_param(req, "uuid"), 1, 2147483647L, &uuid) != 0) {
        rs_reply_error(req, 400, "uuid must be a positive whole number");
        return;
    }
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT latitude, longitude FROM cities WHERE uuid = %ld", uuid);
    rs_mysql_result r;
    if (!run(req, "calc", sql, &r))
        return;
    MYSQL_ROW row = mysql_fetch_row(r.rows);
    if (row == NULL) {
        rs_mysql_result_free(&r);
        rs_reply_error(req, 404, "city not found");
        return;
    }
    long distance = warehouse_distance_km(strtod(row[0], NULL), strtod(row[1], NULL));
    rs_mysql_result_free(&r);
    rs_reply_json(req, 200, json_pack("{s:i,s:f}", "distance", (int)distance,
                                      "cost", shipping_cost(distance)));
}

static bool is_json(const char *content_type)
{
    static const char json[] = "application/json";
    return content_type != NULL && strncasecmp(content_type, json, sizeof json - 1) == 0 &&
           (content_type[sizeof json - 1] == '\0' || content_type[sizeof json - 1] == ';');
}

/* Passes the shipping choice on to the cart, and the cart's answer back. */
void confirm_shipping(rs_request *req)
{
    if (!is_json(rs_req_header(req, "Content-Type"))) {
        rs_reply_error(req, 415, "content type must be application/json");
        return;
    }
    json_t *body = rs_req_json(req);
    if (body == NULL)
        return;   /* answered 400 */
    json_decref(body);
    size_t len;
    const char *data = rs_req_body(req, &len);
    char path[256];
    snprintf(path, sizeof path, "/shipping/%s", rs_req_param(req, "id"));
    rs_client_request rq = {.peer = "cart", .method = "POST", .body = data, .body_len = len};
    rs_client_response rs = {.body = RS_BUF_INIT};
    rs_client_result result = rs_peer_call(cart, path, &rq, &rs);
    if (result == RS_CLIENT_OK && (rs.status == 200 || rs.status == 400 || rs.status == 404)) {
        size_t n;
        char *answer = rs_buf_steal(&rs.body, &n);
        rs_reply_raw(req, (int)rs.status, "application/json", answer, n);
    } else {
        rs_reply_error(req, 503, "cart not available");
    }
    rs_buf_free(&rs.body);
}
