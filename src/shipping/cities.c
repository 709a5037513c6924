/*
 * cities.c - the shipping schema and its seed from libgeonames (see
 * cities.h).
 *
 * A city's uuid is its index in libgeonames plus one, so the seed is
 * deterministic and INSERT IGNORE makes a repeated or concurrent seed
 * harmless. Rows go in batches of a few hundred per statement. The search
 * key `city` is the name in lower case; with the case-insensitive column
 * collation, /match's prefix search is an index range scan on (code, city).
 */
#include "cities.h"

#include <geonames.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_buf.h"
#include "rs_log.h"
#include "rs_mysql.h"

#define BATCH 500

static const char *const schema[] = {
    "CREATE TABLE IF NOT EXISTS codes ("
    "  uuid INT AUTO_INCREMENT PRIMARY KEY,"
    "  code CHAR(2) NOT NULL UNIQUE,"
    "  name VARCHAR(100) NOT NULL,"
    "  INDEX by_name (name)"
    ") CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci",
    "CREATE TABLE IF NOT EXISTS cities ("
    "  uuid INT PRIMARY KEY,"
    "  code CHAR(2) NOT NULL,"
    "  city VARCHAR(200) NOT NULL,"
    "  name VARCHAR(200) NOT NULL,"
    "  region VARCHAR(200) NOT NULL,"
    "  country VARCHAR(100) NOT NULL,"
    "  latitude DOUBLE NOT NULL,"
    "  longitude DOUBLE NOT NULL,"
    "  INDEX by_code_city (code, city)"
    ") CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci",
};

/* Appends 'text', escaped, to the statement. */
static void put_quoted(rs_buf *sql, const char *text)
{
    size_t n = strlen(text);
    char *escaped = malloc(2 * n + 1);
    if (escaped == NULL) {
        sql->failed = 1;
        return;
    }
    rs_mysql_escape(escaped, text);
    rs_buf_printf(sql, "'%s'", escaped);
    free(escaped);
}

static void put_city(rs_buf *sql, int index, GeonamesCity *c)
{
    const char *name = geonames_city_get_name(c);
    const char *region = geonames_city_get_state(c);
    const char *country = geonames_city_get_country(c);
    char *key = g_utf8_strdown(name, -1);
    rs_buf_printf(sql, "(%d,", index + 1);
    put_quoted(sql, geonames_city_get_country_code(c));
    rs_buf_puts(sql, ",");
    put_quoted(sql, key != NULL ? key : name);
    rs_buf_puts(sql, ",");
    put_quoted(sql, name);
    rs_buf_puts(sql, ",");
    put_quoted(sql, region != NULL ? region : "");
    rs_buf_puts(sql, ",");
    put_quoted(sql, country != NULL ? country : "");
    rs_buf_printf(sql, ",%.6f,%.6f)", geonames_city_get_latitude(c), geonames_city_get_longitude(c));
    g_free(key);
}

static int insert_batch(MYSQL *db, int from, int to)
{
    rs_buf sql = RS_BUF_INIT;
    rs_buf_puts(&sql, "INSERT IGNORE INTO cities"
                      " (uuid, code, city, name, region, country, latitude, longitude) VALUES ");
    int rows = 0;
    for (int i = from; i < to; i++) {
        GeonamesCity *c = geonames_get_city(i);
        const char *code = c != NULL ? geonames_city_get_country_code(c) : NULL;
        if (code != NULL && strlen(code) == 2 && geonames_city_get_name(c) != NULL) {
            if (rows++ > 0)
                rs_buf_puts(&sql, ",");
            put_city(&sql, i, c);
        }
        if (c != NULL)
            geonames_city_free(c);
    }
    int rc = sql.failed ? -1 : rows == 0 ? 0 : rs_mysql_exec(db, sql.data);
    rs_buf_free(&sql);
    return rc;
}

static int insert_all(MYSQL *db, int n)
{
    for (int from = 0; from < n; from += BATCH)
        if (insert_batch(db, from, from + BATCH < n ? from + BATCH : n) != 0)
            return -1;
    return rs_mysql_exec(db, "INSERT IGNORE INTO codes (code, name)"
                             " SELECT code, MIN(country) FROM cities GROUP BY code");
}

/* In one transaction: a seed cut short leaves the tables empty, and the
 * next start seeds them again. */
static int seed(MYSQL *db)
{
    int n = geonames_get_n_cities();
    if (rs_mysql_exec(db, "START TRANSACTION") != 0)
        return -1;
    if (insert_all(db, n) != 0 || rs_mysql_exec(db, "COMMIT") != 0) {
        mysql_query(db, "ROLLBACK");
        return -1;
    }
    rs_log(RS_INFO, "seeded %d cities from libgeonames", n);
    return 0;
}

int cities_prepare(MYSQL *db, void *ctx)
{
    (void)ctx;
    for (size_t i = 0; i < sizeof schema / sizeof schema[0]; i++)
        if (rs_mysql_exec(db, schema[i]) != 0)
            return -1;
    if (mysql_query(db, "SELECT EXISTS (SELECT 1 FROM cities)") != 0) {
        rs_log(RS_ERROR, "mysql: %s", mysql_error(db));
        return -1;
    }
    MYSQL_RES *r = mysql_store_result(db);
    MYSQL_ROW row = r != NULL ? mysql_fetch_row(r) : NULL;
    bool empty = row != NULL && row[0] != NULL && strcmp(row[0], "0") == 0;
    bool known = row != NULL;
    if (r != NULL)
        mysql_free_result(r);
    if (!known)
        return -1;
    return empty ? seed(db) : 0;
}
