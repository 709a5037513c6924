/*
 * ledger.h - what this process knows of the orders it placed lately.
 *
 * Concurrent payments of one cart share its order id: the ledger lets one
 * of them publish while the others wait for its outcome, and remembers the
 * outcome of the last few thousand orders, so that a retry of a confirmed
 * order is not published again and a retry of one whose outcome is still
 * unknown is never answered "not applied". Dispatch and the user history
 * deduplicate on the order id too; the ledger only saves them the work and
 * keeps the answers truthful.
 */
#ifndef PAYMENT_LEDGER_H
#define PAYMENT_LEDGER_H

#include <stdbool.h>

typedef enum {
    LEDGER_NEW,             /* nothing known: publish it */
    LEDGER_CONFIRMED,       /* the broker has it */
    LEDGER_UNKNOWN,         /* sent before, no confirm seen: it may stand */
    LEDGER_BUSY             /* another request still publishes it */
} ledger_state;

void ledger_init(void);
void ledger_cleanup(void);

/* Takes the order id for this request, waiting (at most wait_ms) while
 * another request publishes it, and says what is known of it. *held: this
 * request holds the id and must ledger_release it (false with LEDGER_BUSY,
 * and when the table is full of ids being published). */
ledger_state ledger_claim(const char *orderid, long wait_ms, bool *held);
/* Records what the publish found (LEDGER_NEW: nothing was sent, forget
 * nothing known before) and lets waiting requests go on. */
void         ledger_release(const char *orderid, ledger_state outcome);

#endif
