/*
 * handlers.h - the payment service's routes (docs/openapi/payment.yaml).
 * GET /health (text OK) is the runtime's own.
 */
#ifndef PAYMENT_HANDLERS_H
#define PAYMENT_HANDLERS_H

#include "rs_http.h"

/* Reads PAYMENT_DELAY_MS and declares the shop's sales metrics. */
void payment_handlers_init(void);

void pay(rs_request *req);       /* POST /pay/:id */

#endif
