/*
 * rs_amqp.h - RabbitMQ for the services that publish or consume orders
 * (over librabbitmq, rabbitmq-c 0.11).
 *
 * rs_amqp_init reads AMQP_URL (amqp://[user[:password]@]host[:port][/vhost],
 * an empty vhost meaning "/"), AMQP_TIMEOUT_MS (connect, login, every RPC
 * and every publisher confirm) and AMQP_HEARTBEAT_S. Every connection made
 * here has its channel 1 open and the shop's topology declared: exchange
 * "robot-shop" (direct, durable) and queue "orders" (durable) bound to it
 * with key "orders". A connection belongs to one thread.
 *
 * The publisher side (rs_amqp_publisher_start) keeps one confirming
 * connection per thread and a monitor (rs_monitor.h) that checks the broker
 * on a connection of its own: rs_amqp_up is its verdict, for /ready and
 * db_up. While the broker is down, publishes fail at once instead of each
 * waiting for a timeout; when it is back, the next publish reconnects.
 */
#ifndef RS_AMQP_H
#define RS_AMQP_H

#include <amqp.h>
#include <stdbool.h>
#include <stddef.h>

#define RS_AMQP_EXCHANGE    "robot-shop"
#define RS_AMQP_QUEUE       "orders"
#define RS_AMQP_ROUTING_KEY "orders"
#define RS_AMQP_CHANNEL     1

/* Reads the settings; a bad value exits with code 2. Call once, first. */
void rs_amqp_init(void);
/* Frees the settings; after every connection is closed. */
void rs_amqp_cleanup(void);
long rs_amqp_timeout_ms(void);

/* A new connection named `name` (shown by the broker), channel open and
 * topology declared; NULL when the broker cannot be reached (logged at
 * debug level: the callers report outages once, on the transition). */
amqp_connection_state_t rs_amqp_connect(const char *name);
/* Closes and frees c. graceful: say goodbye to the broker first (bounded by
 * AMQP_TIMEOUT_MS); false for a connection already known to be broken. */
void rs_amqp_close(amqp_connection_state_t c, bool graceful);
/* True for a normal RPC reply; otherwise logs what failed and why. */
bool rs_amqp_reply_ok(amqp_rpc_reply_t r, const char *what);
/* Answers a broker's channel.close or connection.close frame with its
 * close-ok, so that the broker can release it. */
void rs_amqp_answer_close(amqp_connection_state_t c, const amqp_frame_t *frame);

/* ---- the publisher ---- */

typedef enum {
    RS_AMQP_CONFIRMED = 0,  /* the broker has the message (persisted, queued) */
    RS_AMQP_DOWN,           /* not reachable: the message was not sent */
    RS_AMQP_REFUSED,        /* reachable, but it refused (nack, unroutable) */
    RS_AMQP_UNKNOWN         /* sent, but no confirm came in time: the broker
                               may have it (a hung broker queues it later) */
} rs_amqp_result;

/* Starts the monitor; 0, or -1 when it cannot start. */
int  rs_amqp_publisher_start(void);
void rs_amqp_publisher_stop(void);
bool rs_amqp_up(void *unused);   /* for rs_service_depend */

/* Publishes body (JSON) to exchange robot-shop with key orders: persistent,
 * mandatory, with message_id as its message id (consumers deduplicate on
 * it; NULL for none), and waits for the broker's confirm. The publish is
 * a PRODUCER span of the current trace, its traceparent in the message's
 * headers (rs_spans.h). */
rs_amqp_result rs_amqp_publish(const char *message_id, const char *body, size_t len);

#endif
