/*
 * consumer.h - the consumer of queue "orders": one thread owns the broker
 * connection (prefetch DISPATCH_PREFETCH, manual acks) and hands each
 * delivery to a pool of as many workers; a message is acked only after it
 * has been processed, so an order outlives a crash of dispatch (the broker
 * delivers it again). When the broker goes away, the thread reconnects by
 * itself, paced by rs_backoff.
 */
#ifndef DISPATCH_CONSUMER_H
#define DISPATCH_CONSUMER_H

#include <stdbool.h>

/* Reads DISPATCH_PREFETCH and starts the thread and its workers; 0, or -1. */
int  consumer_start(void);
/* Stops taking deliveries, finishes and acks those being processed, closes
 * the connection (the broker requeues whatever is left unacked). */
void consumer_stop(void);
/* Connected with a consumer on the queue: for /ready and db_up. */
bool consumer_connected(void *unused);

#endif
