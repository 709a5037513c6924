/*
 * record.h - the orders dispatch has dispatched, each kept in Redis under
 * its order id, so that an order that comes again - payment sent it twice,
 * or the broker delivers it again after a dispatch restart - is dispatched
 * once, whatever process takes it and whenever.
 *
 * The key "dispatch:order:<id>" holds the order as it came, with its
 * outcome ("dispatched" or "failed") and the time; it is written only
 * when absent (SET NX), so of two deliveries processed at once one
 * records the order and the other finds it recorded. Records expire after
 * DISPATCH_RECORD_TTL_S seconds (default 30 days), long after any
 * redelivery.
 */
#ifndef DISPATCH_RECORD_H
#define DISPATCH_RECORD_H

#include <jansson.h>

typedef enum {
    RECORD_NEW,          /* not recorded before: recorded now (record_add) */
    RECORD_EXISTS,       /* recorded already: a duplicate */
    RECORD_UNAVAILABLE   /* Redis did not answer: not known, try later */
} record_status;

/* Reads the settings (a bad value stops the service) and starts Redis's
 * monitor; 0, or -1. */
int           record_init(void);
void          record_cleanup(void);
/* Whether the order id has a record (RECORD_NEW: none). */
record_status record_find(const char *id);
/* Records the order with its outcome, unless it has a record already. */
record_status record_add(const char *id, const json_t *order, const char *outcome);

#endif
