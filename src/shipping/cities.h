/*
 * cities.h - the shipping database: countries (codes) and cities.
 */
#ifndef SHIPPING_CITIES_H
#define SHIPPING_CITIES_H

#include <mysql.h>

/* rs_mysql's prepare step: creates the tables when absent and, when there
 * are no cities, loads Debian's libgeonames cities and one code row per
 * country. Idempotent: a second run, or a second replica, adds nothing. */
int cities_prepare(MYSQL *db, void *ctx);

#endif
