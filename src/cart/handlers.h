/*
 * handlers.h - the cart service's routes (docs/openapi/cart.yaml).
 */
#ifndef CART_HANDLERS_H
#define CART_HANDLERS_H

#include "rs_http.h"

void cart_handlers_init(void);

void cart_get_health(rs_request *req);        /* GET    /health */
void get_cart(rs_request *req);          /* GET    /cart/:id */
void delete_cart(rs_request *req);       /* DELETE /cart/:id */
void rename_cart(rs_request *req);       /* GET    /rename/:from/:to */
void add_to_cart(rs_request *req);       /* GET    /add/:id/:sku/:qty */
void update_cart(rs_request *req);       /* GET    /update/:id/:sku/:qty */
void set_shipping(rs_request *req);      /* POST   /shipping/:id */

#endif
