/*
 * ratings_db.h - product ratings in MySQL/MariaDB.
 *
 * One row per rated SKU: the average shown (DECIMAL(3,2)), the count of
 * votes and their sum. A vote is one INSERT ... ON DUPLICATE KEY UPDATE that
 * adds to the sum and the count and recomputes the average from them, so
 * concurrent votes are never lost and the average never drifts with
 * rounding: it is always the sum over the count, rounded once.
 */
#ifndef RATINGS_DB_H
#define RATINGS_DB_H

#include <mysql.h>

typedef enum {
    RATINGS_OK,
    RATINGS_UNAVAILABLE,    /* not applied: the database cannot be reached */
    RATINGS_UNKNOWN         /* sent, not answered: the vote may count */
} ratings_status;

typedef struct rating {
    double avg;
    long   count;
} rating;

int            ratings_prepare(MYSQL *db, void *ctx);   /* rs_mysql's prepare step */
ratings_status ratings_fetch(const char *sku, rating *out);   /* {0, 0} when unrated */
ratings_status ratings_vote(const char *sku, int score);

#endif
