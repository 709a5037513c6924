/*
 * followup.h - the steps after an order stands: record it in the buyer's
 * history (registered buyers) and empty the cart that was charged.
 *
 * followup_run tries them once within the request; whatever is not done
 * is handed to a thread of its own that tries again, with growing pauses,
 * until it is done: the order stands, so these steps are never skipped.
 * Both steps may be repeated safely (the history keeps an order once, the
 * cart is emptied only for the life that was paid).
 */
#ifndef PAYMENT_FOLLOWUP_H
#define PAYMENT_FOLLOWUP_H

#include <jansson.h>
#include <stdbool.h>

#include "order.h"

typedef struct followup {
    char    user[65];
    char    orderid[ORDER_ID_LEN + 1];
    char    token[33];          /* the cart's life that was paid; "" any */
    bool    record;             /* still to record in the history */
    bool    empty_cart;         /* still to empty the cart */
    json_t *cart;               /* the order's cart, for the history */
} followup;

/* Starts the retry thread; 0, or -1 when it cannot. */
int  followup_start(void);
/* Stops it; steps still not done are logged as errors. */
void followup_stop(void);

/* Runs the steps of f (copied; f->cart is referenced, not stolen) until
 * deadline, and leaves the rest to the thread. True when all were done
 * now. */
bool followup_run(const followup *f, double deadline);

#endif
