/*
 * ratings_db.c - product ratings in MySQL/MariaDB (see ratings_db.h).
 */
#include "ratings_db.h"

#include <stdio.h>
#include <stdlib.h>

#include "rs_db.h"
#include "rs_mysql.h"
#include "rs_time.h"

int ratings_prepare(MYSQL *db, void *ctx)
{
    (void)ctx;
    return rs_mysql_exec(db,
        "CREATE TABLE IF NOT EXISTS ratings ("
        "  sku          VARCHAR(64) PRIMARY KEY,"
        "  avg_rating   DECIMAL(3,2) NOT NULL,"
        "  rating_count INT NOT NULL,"
        "  rating_sum   INT NOT NULL"
        ") CHARACTER SET utf8mb4");
}

ratings_status ratings_fetch(const char *sku, rating *out)
{
    char escaped[2 * 64 + 1], sql[256];
    rs_mysql_escape(escaped, sku);
    snprintf(sql, sizeof sql, "SELECT avg_rating, rating_count FROM ratings WHERE sku = '%s'", escaped);
    rs_mysql_result r;
    double started = rs_now();
    int rc = rs_mysql_query(sql, &r);
    rs_db_observe("mysql", "fetch", started);
    if (rc != 0) {
        rs_mysql_result_free(&r);
        return RATINGS_UNAVAILABLE;
    }
    MYSQL_ROW row = mysql_fetch_row(r.rows);
    out->avg = row != NULL ? strtod(row[0], NULL) : 0;
    out->count = row != NULL ? strtol(row[1], NULL, 10) : 0;
    rs_mysql_result_free(&r);
    return RATINGS_OK;
}

ratings_status ratings_vote(const char *sku, int score)
{
    char escaped[2 * 64 + 1], sql[512];
    rs_mysql_escape(escaped, sku);
    /* MariaDB assigns left to right, each assignment seeing the ones before:
     * the average is computed from the old sum and count. */
    snprintf(sql, sizeof sql,
        "INSERT INTO ratings (sku, avg_rating, rating_count, rating_sum) VALUES ('%s', %d, 1, %d)"
        " ON DUPLICATE KEY UPDATE"
        " avg_rating = (rating_sum + VALUES(rating_sum)) / (rating_count + 1),"
        " rating_sum = rating_sum + VALUES(rating_sum),"
        " rating_count = rating_count + 1",
        escaped, score, score);
    rs_mysql_result r;
    double started = rs_now();
    int rc = rs_mysql_query(sql, &r);
    rs_db_observe("mysql", "vote", started);
    rs_mysql_result_free(&r);
    return rc == 0                  ? RATINGS_OK
         : rc == RS_MYSQL_UNKNOWN   ? RATINGS_UNKNOWN
                                    : RATINGS_UNAVAILABLE;
}
