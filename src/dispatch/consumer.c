/*
 * consumer.c - the consumer thread of dispatch (see consumer.h).
 *
 * rabbitmq-c connections are not thread-safe, so only the consumer thread
 * touches the connection: workers process deliveries and put them on the
 * `done` list, and the consumer thread acks them between two reads (or
 * rejects them to the queue, to come again, when they could not be
 * recorded). Each
 * connection has a generation; a delivery processed after its connection
 * was lost is not acked (it cannot be: the broker has already requeued it,
 * and the order is processed again, which is harmless).
 */
#include "consumer.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "orders.h"
#include "rs_amqp.h"
#include "rs_backoff.h"
#include "rs_config.h"
#include "rs_log.h"
#include "rs_time.h"
#include "rs_trace.h"
#include "rs_workers.h"

#define IDLE_WAIT_MS  200    /* a read's timeout while nothing is being processed */
#define BUSY_WAIT_MS  5      /* ... while deliveries are: their acks wait this at most */

typedef struct delivery {
    struct delivery *next;          /* on the done list */
    unsigned long    generation;    /* of the connection it came on */
    uint64_t         tag;
    bool             redelivered;
    bool             again;         /* to be requeued, not acked */
    bool             has_traceparent;
    char             traceparent[RS_TRACEPARENT_LEN + 1];
    char             message_id[64];    /* "" when none (or too long) */
    size_t           len;
    char             body[];
} delivery;

static struct {
    long             prefetch;
    rs_workers      *workers;
    pthread_t        thread;
    bool             started;
    atomic_bool      stopping;
    atomic_bool      connected;
    atomic_uint      pending;       /* handed to the workers, not yet acked */
    rs_backoff       backoff;
    unsigned long    generation;    /* consumer thread only */
    pthread_mutex_t  lock;          /* the done list */
    delivery        *done;
} consumer;

bool consumer_connected(void *unused)
{
    (void)unused;
    return atomic_load(&consumer.connected);
}

/* ---- workers ---- */

static void process(void *job)
{
    delivery *d = job;
    d->again = !orders_process(d->body, d->len, d->has_traceparent ? d->traceparent : NULL,
                               d->message_id[0] ? d->message_id : NULL, d->redelivered);
    pthread_mutex_lock(&consumer.lock);
    d->next = consumer.done;
    consumer.done = d;
    pthread_mutex_unlock(&consumer.lock);
}

/* ---- the connection ---- */

static void set_connected(bool up)
{
    rs_backoff_note(&consumer.backoff, up);
    bool was = atomic_exchange(&consumer.connected, up);
    if (!was && up)
        rs_log(RS_INFO, "consuming queue %s (prefetch %ld)", RS_AMQP_QUEUE, consumer.prefetch);
    else if (was && !up)
        rs_log(RS_WARN, "lost the broker; deliveries not yet acked will come again");
}

/* A connection with a consumer on the queue, or NULL. */
static amqp_connection_state_t connect_consumer(void)
{
    amqp_connection_state_t c = rs_amqp_connect("dispatch");
    if (c == NULL)
        return NULL;
    amqp_basic_qos(c, RS_AMQP_CHANNEL, 0, (uint16_t)consumer.prefetch, 0);
    if (!rs_amqp_reply_ok(amqp_get_rpc_reply(c), "basic.qos")) {
        rs_amqp_close(c, false);
        return NULL;
    }
    amqp_basic_consume(c, RS_AMQP_CHANNEL, amqp_cstring_bytes(RS_AMQP_QUEUE), amqp_empty_bytes,
                       0, 0, 0, amqp_empty_table);
    if (!rs_amqp_reply_ok(amqp_get_rpc_reply(c), "basic.consume")) {
        rs_amqp_close(c, false);
        return NULL;
    }
    consumer.generation++;
    return c;
}

static void lose(amqp_connection_state_t *c)
{
    rs_amqp_close(*c, false);
    *c = NULL;
    set_connected(false);
}

/* Acks what the workers have finished, and requeues what must come
 * again; -1 when the connection failed. */
static int ack_done(amqp_connection_state_t c)
{
    pthread_mutex_lock(&consumer.lock);
    delivery *d = consumer.done;
    consumer.done = NULL;
    pthread_mutex_unlock(&consumer.lock);
    int rc = 0;
    while (d != NULL) {
        delivery *next = d->next;
        if (c != NULL && rc == 0 && d->generation == consumer.generation) {
            int st = d->again ? amqp_basic_reject(c, RS_AMQP_CHANNEL, d->tag, 1)
                              : amqp_basic_ack(c, RS_AMQP_CHANNEL, d->tag, 0);
            if (st != AMQP_STATUS_OK) {
                rs_log(RS_WARN, "rabbitmq: %s: %s", d->again ? "reject" : "ack",
                       amqp_error_string2(st));
                rc = -1;
            }
        }
        atomic_fetch_sub(&consumer.pending, 1);
        free(d);
        d = next;
    }
    return rc;
}

/* The message's traceparent header, when it has a usable one. */
static bool find_traceparent(const amqp_basic_properties_t *p, char out[RS_TRACEPARENT_LEN + 1])
{
    if (!(p->_flags & AMQP_BASIC_HEADERS_FLAG))
        return false;
    for (int i = 0; i < p->headers.num_entries; i++) {
        const amqp_table_entry_t *e = &p->headers.entries[i];
        if (e->key.len == 11 && memcmp(e->key.bytes, "traceparent", 11) == 0 &&
            (e->value.kind == AMQP_FIELD_KIND_UTF8 || e->value.kind == AMQP_FIELD_KIND_BYTES) &&
            e->value.value.bytes.len == RS_TRACEPARENT_LEN) {
            memcpy(out, e->value.value.bytes.bytes, RS_TRACEPARENT_LEN);
            out[RS_TRACEPARENT_LEN] = '\0';
            return true;
        }
    }
    return false;
}

/* The message's message-id property, "" when it has none that fits. */
static void copy_message_id(const amqp_basic_properties_t *p, char out[64])
{
    out[0] = '\0';
    if ((p->_flags & AMQP_BASIC_MESSAGE_ID_FLAG) && p->message_id.len < 64) {
        memcpy(out, p->message_id.bytes, p->message_id.len);
        out[p->message_id.len] = '\0';
    }
}

/* Hands a delivery to the workers; -1 when it cannot (out of memory), and
 * it then stays unacked until the connection is dropped and it is
 * redelivered. */
static int hand_over(const amqp_envelope_t *env)
{
    size_t len = env->message.body.len;
    delivery *d = malloc(sizeof *d + len + 1);
    if (d == NULL) {
        rs_log(RS_ERROR, "out of memory for a delivery of %zu bytes", len);
        return -1;
    }
    d->next = NULL;
    d->generation = consumer.generation;
    d->tag = env->delivery_tag;
    d->redelivered = env->redelivered != 0;
    d->again = false;
    d->has_traceparent = find_traceparent(&env->message.properties, d->traceparent);
    copy_message_id(&env->message.properties, d->message_id);
    d->len = len;
    if (len > 0)
        memcpy(d->body, env->message.body.bytes, len);
    d->body[len] = '\0';
    atomic_fetch_add(&consumer.pending, 1);
    if (rs_workers_submit(consumer.workers, d) != 0) {
        atomic_fetch_sub(&consumer.pending, 1);
        free(d);
        return -1;
    }
    return 0;
}

/* A frame other than a delivery arrived: a close or a cancel ends this
 * connection. -1 when it did. */
static int other_frame(amqp_connection_state_t c)
{
    amqp_frame_t f;
    struct timeval tv = {0, 0};
    int rc = amqp_simple_wait_frame_noblock(c, &f, &tv);
    if (rc == AMQP_STATUS_TIMEOUT)
        return 0;
    if (rc != AMQP_STATUS_OK) {
        rs_log(RS_WARN, "rabbitmq: %s", amqp_error_string2(rc));
        return -1;
    }
    if (f.frame_type != AMQP_FRAME_METHOD)
        return 0;
    switch (f.payload.method.id) {
    case AMQP_CHANNEL_CLOSE_METHOD:
    case AMQP_CONNECTION_CLOSE_METHOD: {
        amqp_rpc_reply_t r = {.reply_type = AMQP_RESPONSE_SERVER_EXCEPTION,
                              .reply = f.payload.method};
        rs_amqp_reply_ok(r, "consuming");
        rs_amqp_answer_close(c, &f);
        return -1;
    }
    case AMQP_BASIC_CANCEL_METHOD:
        rs_log(RS_WARN, "rabbitmq: the broker cancelled the consumer (queue deleted?)");
        return -1;
    default:
        return 0;
    }
}

/* Waits up to ms for one delivery; -1 when the connection failed. */
static int receive(amqp_connection_state_t c, long ms)
{
    amqp_maybe_release_buffers(c);
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    amqp_envelope_t env;
    amqp_rpc_reply_t r = amqp_consume_message(c, &env, &tv, 0);
    if (r.reply_type == AMQP_RESPONSE_NORMAL) {
        /* After the stop, deliveries are left unacked: the broker requeues
         * them when the connection closes. */
        if (!atomic_load(&consumer.stopping) && hand_over(&env) != 0) {
            amqp_destroy_envelope(&env);
            return -1;
        }
        amqp_destroy_envelope(&env);
        return 0;
    }
    if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION) {
        if (r.library_error == AMQP_STATUS_TIMEOUT)
            return 0;
        if (r.library_error == AMQP_STATUS_UNEXPECTED_STATE)
            return other_frame(c);
    }
    rs_amqp_reply_ok(r, "consuming");
    return -1;
}

static void *consume(void *arg)
{
    (void)arg;
    amqp_connection_state_t c = NULL;
    while (!atomic_load(&consumer.stopping)) {
        if (c == NULL) {
            if (rs_backoff_due(&consumer.backoff)) {
                c = connect_consumer();
                set_connected(c != NULL);
            }
            if (c == NULL) {
                ack_done(NULL);   /* forget what finished for a lost connection */
                rs_sleep_ms(50);
                continue;
            }
        }
        long wait = atomic_load(&consumer.pending) > 0 ? BUSY_WAIT_MS : IDLE_WAIT_MS;
        if (ack_done(c) != 0 || receive(c, wait) != 0)
            lose(&c);
    }
    /* Finish what the workers hold, ack it, and say goodbye. */
    rs_workers_stop(consumer.workers);
    consumer.workers = NULL;
    if (c != NULL && ack_done(c) == 0)
        rs_amqp_close(c, true);
    else if (c != NULL)
        rs_amqp_close(c, false);
    ack_done(NULL);
    atomic_store(&consumer.connected, false);
    return NULL;
}

int consumer_start(void)
{
    consumer.prefetch = rs_config_int("DISPATCH_PREFETCH", 10, 1, 1000);
    rs_backoff_init(&consumer.backoff);
    pthread_mutex_init(&consumer.lock, NULL);
    atomic_init(&consumer.stopping, false);
    atomic_init(&consumer.connected, false);
    atomic_init(&consumer.pending, 0);
    int rc = -1;
    consumer.workers = rs_workers_start((unsigned)consumer.prefetch, process);
    if (consumer.workers != NULL) {
        if (pthread_create(&consumer.thread, NULL, consume, NULL) == 0) {
            consumer.started = true;
            rc = 0;
        } else {
            rs_workers_stop(consumer.workers);
            consumer.workers = NULL;
        }
    }
    return rc;
}

void consumer_stop(void)
{
    if (!consumer.started)
        return;
    atomic_store(&consumer.stopping, true);
    pthread_join(consumer.thread, NULL);
    consumer.started = false;
    rs_backoff_destroy(&consumer.backoff);
}
