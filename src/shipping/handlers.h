/*
 * handlers.h - the shipping service's routes (docs/openapi/shipping.yaml).
 */
#ifndef SHIPPING_HANDLERS_H
#define SHIPPING_HANDLERS_H

#include "rs_http.h"

void shipping_handlers_init(void);        /* reads CART_URL */

void shipping_get_health(rs_request *req);         /* GET  /health */
void count_cities(rs_request *req);       /* GET  /count */
void list_codes(rs_request *req);         /* GET  /codes */
void list_cities(rs_request *req);        /* GET  /cities/:code */
void match_cities(rs_request *req);       /* GET  /match/:code/:text */
void calc_shipping(rs_request *req);      /* GET  /calc/:uuid */
void confirm_shipping(rs_request *req);   /* POST /confirm/:id */

#endif
