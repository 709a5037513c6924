/*
 * handlers.h - the ratings service's routes (docs/openapi/ratings.yaml).
 */
#ifndef RATINGS_HANDLERS_H
#define RATINGS_HANDLERS_H

#include "rs_http.h"

void ratings_handlers_init(void);      /* reads CATALOGUE_URL */

void ratings_get_health(rs_request *req);      /* GET /health and /_health */
void fetch_rating(rs_request *req);    /* GET /api/fetch/:sku */
void rate_product(rs_request *req);    /* PUT /api/rate/:sku/:score */

#endif
