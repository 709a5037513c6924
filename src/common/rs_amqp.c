/*
 * rs_amqp.c - RabbitMQ connections, the confirming publisher and its
 * monitor (see rs_amqp.h).
 */
#include "rs_amqp.h"

#include <amqp_tcp_socket.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rs_config.h"
#include "rs_db.h"
#include "rs_log.h"
#include "rs_monitor.h"
#include "rs_service.h"
#include "rs_spans.h"
#include "rs_thread_conn.h"
#include "rs_time.h"
#include "rs_trace.h"
#include "rs_util.h"


static struct {
    char           *host;
    int             port;
    char           *user;
    char           *password;
    char           *vhost;
    long            timeout_ms;
    struct timeval  timeout;
    int             heartbeat_s;

    /* the publisher */
    rs_thread_conn  publishers;   /* each thread's own */
    bool            publishers_made;
    rs_monitor     *monitor;
    amqp_connection_state_t probe_conn;   /* the monitor's own */
} amqp;

/* ---- settings ---- */

/* Splits AMQP_URL: the vhost is the path without its '/', percent-decoded
 * ("%2F" is "/"); none or an empty one means the default vhost "/". */
static void read_url(void)
{
    rs_url url;
    rs_config_url_parts("AMQP_URL", "amqp", "amqp://guest:guest@rabbitmq:5672/", 5672,
                        "amqp://[user[:password]@]host[:port][/vhost]", &url);
    amqp.host = url.host;
    amqp.port = url.port;
    amqp.user = url.user != NULL ? url.user : strdup("guest");
    amqp.password = url.password != NULL ? url.password : strdup("guest");
    if (url.path[0] == '\0') {
        free(url.path);
        url.path = strdup("/");
    }
    amqp.vhost = url.path;
    if (amqp.user == NULL || amqp.password == NULL || amqp.vhost == NULL) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    rs_spans_datastore("rabbitmq", amqp.host, amqp.port, NULL);
}

void rs_amqp_init(void)
{
    read_url();
    amqp.timeout_ms = rs_config_int("AMQP_TIMEOUT_MS", 2000, 10, 600000);
    amqp.heartbeat_s = (int)rs_config_int("AMQP_HEARTBEAT_S", 30, 0, 3600);
    amqp.timeout.tv_sec = amqp.timeout_ms / 1000;
    amqp.timeout.tv_usec = (amqp.timeout_ms % 1000) * 1000;
}

long rs_amqp_timeout_ms(void)
{
    return amqp.timeout_ms;
}

/* ---- connections ---- */

static void log_reply(rs_log_level level, amqp_rpc_reply_t r, const char *what)
{
    switch (r.reply_type) {
    case AMQP_RESPONSE_NORMAL:
        return;
    case AMQP_RESPONSE_NONE:
        rs_log(level, "rabbitmq: %s: no reply", what);
        return;
    case AMQP_RESPONSE_LIBRARY_EXCEPTION:
        rs_log(level, "rabbitmq: %s: %s", what, amqp_error_string2(r.library_error));
        return;
    case AMQP_RESPONSE_SERVER_EXCEPTION:
        if (r.reply.id == AMQP_CONNECTION_CLOSE_METHOD && r.reply.decoded != NULL) {
            const amqp_connection_close_t *c = r.reply.decoded;
            rs_log(level, "rabbitmq: %s: connection closed by the broker: %u %.*s", what,
                   c->reply_code, (int)c->reply_text.len, (const char *)c->reply_text.bytes);
        } else if (r.reply.id == AMQP_CHANNEL_CLOSE_METHOD && r.reply.decoded != NULL) {
            const amqp_channel_close_t *c = r.reply.decoded;
            rs_log(level, "rabbitmq: %s: channel closed by the broker: %u %.*s", what,
                   c->reply_code, (int)c->reply_text.len, (const char *)c->reply_text.bytes);
        } else {
            rs_log(level, "rabbitmq: %s: unexpected method 0x%08x", what, (unsigned)r.reply.id);
        }
        return;
    }
}

bool rs_amqp_reply_ok(amqp_rpc_reply_t r, const char *what)
{
    log_reply(RS_WARN, r, what);
    return r.reply_type == AMQP_RESPONSE_NORMAL;
}

/* For the steps of a connection: a broker that is not there is expected
 * while it is down (debug, the callers log the outage once); a broker that
 * refuses us (bad credentials, vhost, a conflicting queue) is an error. */
static bool connect_step_ok(amqp_rpc_reply_t r, const char *what)
{
    bool refused = r.reply_type == AMQP_RESPONSE_SERVER_EXCEPTION;
    log_reply(refused ? RS_ERROR : RS_DEBUG, r, what);
    return r.reply_type == AMQP_RESPONSE_NORMAL;
}

void rs_amqp_answer_close(amqp_connection_state_t c, const amqp_frame_t *frame)
{
    if (frame->frame_type != AMQP_FRAME_METHOD)
        return;
    if (frame->payload.method.id == AMQP_CHANNEL_CLOSE_METHOD) {
        amqp_channel_close_ok_t ok = {0};
        amqp_send_method(c, frame->channel, AMQP_CHANNEL_CLOSE_OK_METHOD, &ok);
    } else if (frame->payload.method.id == AMQP_CONNECTION_CLOSE_METHOD) {
        amqp_connection_close_ok_t ok = {0};
        amqp_send_method(c, 0, AMQP_CONNECTION_CLOSE_OK_METHOD, &ok);
    }
}

static bool declare_topology(amqp_connection_state_t c)
{
    amqp_exchange_declare(c, RS_AMQP_CHANNEL, amqp_cstring_bytes(RS_AMQP_EXCHANGE),
                          amqp_cstring_bytes("direct"), 0, 1, 0, 0, amqp_empty_table);
    if (!connect_step_ok(amqp_get_rpc_reply(c), "declaring exchange " RS_AMQP_EXCHANGE))
        return false;
    amqp_queue_declare(c, RS_AMQP_CHANNEL, amqp_cstring_bytes(RS_AMQP_QUEUE), 0, 1, 0, 0,
                       amqp_empty_table);
    if (!connect_step_ok(amqp_get_rpc_reply(c), "declaring queue " RS_AMQP_QUEUE))
        return false;
    amqp_queue_bind(c, RS_AMQP_CHANNEL, amqp_cstring_bytes(RS_AMQP_QUEUE),
                    amqp_cstring_bytes(RS_AMQP_EXCHANGE), amqp_cstring_bytes(RS_AMQP_ROUTING_KEY),
                    amqp_empty_table);
    return connect_step_ok(amqp_get_rpc_reply(c), "binding queue " RS_AMQP_QUEUE);
}

amqp_connection_state_t rs_amqp_connect(const char *name)
{
    amqp_connection_state_t c = amqp_new_connection();
    if (c == NULL) {
        rs_log(RS_ERROR, "rabbitmq: out of memory");
        return NULL;
    }
    amqp_socket_t *s = amqp_tcp_socket_new(c);
    if (s == NULL) {
        rs_log(RS_ERROR, "rabbitmq: cannot make a socket");
        amqp_destroy_connection(c);
        return NULL;
    }
    int rc = amqp_socket_open_noblock(s, amqp.host, amqp.port, &amqp.timeout);
    if (rc != AMQP_STATUS_OK) {
        rs_log(RS_DEBUG, "rabbitmq: connecting to %s:%d: %s", amqp.host, amqp.port,
               amqp_error_string2(rc));
        amqp_destroy_connection(c);
        return NULL;
    }
    if (amqp_set_handshake_timeout(c, &amqp.timeout) != AMQP_STATUS_OK ||
        amqp_set_rpc_timeout(c, &amqp.timeout) != AMQP_STATUS_OK) {
        amqp_destroy_connection(c);
        return NULL;
    }
    /* Our name for the broker's connection list, and the capabilities that
     * make it tell us when it cancels our consumer or blocks publishers. */
    amqp_table_entry_t caps[] = {
        {amqp_cstring_bytes("consumer_cancel_notify"),
         {.kind = AMQP_FIELD_KIND_BOOLEAN, .value = {.boolean = 1}}},
        {amqp_cstring_bytes("connection.blocked"),
         {.kind = AMQP_FIELD_KIND_BOOLEAN, .value = {.boolean = 1}}},
    };
    amqp_table_entry_t props[] = {
        {amqp_cstring_bytes("connection_name"),
         {.kind = AMQP_FIELD_KIND_UTF8, .value = {.bytes = amqp_cstring_bytes(name)}}},
        {amqp_cstring_bytes("capabilities"),
         {.kind = AMQP_FIELD_KIND_TABLE,
          .value = {.table = {(int)RS_ARRAY_LEN(caps), caps}}}},
    };
    amqp_table_t client_props = {(int)RS_ARRAY_LEN(props), props};
    amqp_rpc_reply_t r = amqp_login_with_properties(c, amqp.vhost, 0, AMQP_DEFAULT_FRAME_SIZE,
                                                    amqp.heartbeat_s, &client_props,
                                                    AMQP_SASL_METHOD_PLAIN, amqp.user,
                                                    amqp.password);
    if (!connect_step_ok(r, "login")) {
        amqp_destroy_connection(c);
        return NULL;
    }
    amqp_channel_open(c, RS_AMQP_CHANNEL);
    if (!connect_step_ok(amqp_get_rpc_reply(c), "opening a channel") || !declare_topology(c)) {
        amqp_destroy_connection(c);
        return NULL;
    }
    return c;
}

void rs_amqp_close(amqp_connection_state_t c, bool graceful)
{
    if (c == NULL)
        return;
    if (graceful) {
        amqp_rpc_reply_t r = amqp_channel_close(c, RS_AMQP_CHANNEL, AMQP_REPLY_SUCCESS);
        if (r.reply_type == AMQP_RESPONSE_NORMAL)
            amqp_connection_close(c, AMQP_REPLY_SUCCESS);
    }
    amqp_destroy_connection(c);
}

/* ---- the broker's state, for /ready ---- */

bool rs_amqp_up(void *unused)
{
    (void)unused;
    return rs_monitor_up(amqp.monitor);
}

/* The monitor's check: its own connection alive, the queue still there. A
 * fresh connection has just declared the topology; an old one asks for the
 * queue passively (which also keeps its heartbeats going). */
static bool check(amqp_connection_state_t *c)
{
    if (*c != NULL) {
        amqp_queue_declare(*c, RS_AMQP_CHANNEL, amqp_cstring_bytes(RS_AMQP_QUEUE), 1, 1, 0, 0,
                           amqp_empty_table);
        amqp_rpc_reply_t r = amqp_get_rpc_reply(*c);
        if (r.reply_type == AMQP_RESPONSE_NORMAL) {
            amqp_maybe_release_buffers(*c);
            return true;
        }
        log_reply(RS_DEBUG, r, "checking queue " RS_AMQP_QUEUE);
        rs_amqp_close(*c, false);
        *c = NULL;
    }
    *c = rs_amqp_connect("monitor");
    return *c != NULL;
}

/* The monitor's probe. */
static bool probe(void *ctx)
{
    (void)ctx;
    return check(&amqp.probe_conn);
}

/* ---- the publisher's connections, one per thread ---- */

typedef struct publisher {
    amqp_connection_state_t conn;
    uint64_t                seq;        /* delivery tag of the last publish */
    double                  last_used;  /* rs_now() */
} publisher;

/* A publisher on a new connection in confirm mode, or NULL. */
static void *open_publisher(void *unused)
{
    (void)unused;
    publisher *p = calloc(1, sizeof *p);
    if (p == NULL) {
        rs_log(RS_ERROR, "rabbitmq: out of memory");
        return NULL;
    }
    p->conn = rs_amqp_connect("publisher");
    if (p->conn == NULL) {
        free(p);
        return NULL;
    }
    amqp_confirm_select(p->conn, RS_AMQP_CHANNEL);
    if (!rs_amqp_reply_ok(amqp_get_rpc_reply(p->conn), "confirm.select")) {
        rs_amqp_close(p->conn, false);
        free(p);
        return NULL;
    }
    p->last_used = rs_now();
    return p;
}

static void free_publisher(void *p)
{
    publisher *pub = p;
    rs_amqp_close(pub->conn, true);
    free(pub);
}

/* Closes this thread's publisher: gracefully while its connection works,
 * at once when it has failed. */
static void drop(bool graceful)
{
    publisher *p = rs_thread_conn_take(&amqp.publishers);
    if (p == NULL)
        return;
    rs_amqp_close(p->conn, graceful);
    free(p);
}

typedef enum {
    SENT_CONFIRMED,
    SENT_NACKED,        /* the broker could not take it */
    SENT_RETURNED,      /* confirmed, but no queue took it */
    SENT_TIMEOUT,       /* no confirm in time */
    SENT_BROKEN         /* the connection failed */
} sent;

static struct timeval time_left(double deadline)
{
    double left = deadline - rs_now();
    if (left < 0)
        left = 0;
    struct timeval tv;
    tv.tv_sec = (time_t)left;
    tv.tv_usec = (suseconds_t)((left - (double)tv.tv_sec) * 1e6);
    return tv;
}

/* Does an ack or nack for `tag` cover our message? */
static bool covers(uint64_t acked, amqp_boolean_t multiple, uint64_t tag)
{
    return acked == tag || (multiple && acked >= tag);
}

/* Reads frames until the confirm of message `tag` (or a failure). */
static sent wait_confirm(amqp_connection_state_t c, uint64_t tag)
{
    double deadline = rs_now() + (double)amqp.timeout_ms / 1000.0;
    bool returned = false;
    for (;;) {
        if (rs_now() >= deadline) {
            rs_log(RS_WARN, "rabbitmq: no confirm within %ld ms", amqp.timeout_ms);
            return SENT_TIMEOUT;
        }
        struct timeval tv = time_left(deadline);
        amqp_frame_t f;
        int rc = amqp_simple_wait_frame_noblock(c, &f, &tv);
        if (rc == AMQP_STATUS_TIMEOUT)
            continue;
        if (rc != AMQP_STATUS_OK) {
            rs_log(RS_DEBUG, "rabbitmq: waiting for a confirm: %s", amqp_error_string2(rc));
            return SENT_BROKEN;
        }
        if (f.frame_type != AMQP_FRAME_METHOD)
            continue;
        switch (f.payload.method.id) {
        case AMQP_BASIC_ACK_METHOD: {
            const amqp_basic_ack_t *a = f.payload.method.decoded;
            if (covers(a->delivery_tag, a->multiple, tag))
                return returned ? SENT_RETURNED : SENT_CONFIRMED;
            break;
        }
        case AMQP_BASIC_NACK_METHOD: {
            const amqp_basic_nack_t *n = f.payload.method.decoded;
            if (covers(n->delivery_tag, n->multiple, tag)) {
                rs_log(RS_WARN, "rabbitmq: the broker refused the message (nack)");
                return SENT_NACKED;
            }
            break;
        }
        case AMQP_BASIC_RETURN_METHOD: {
            /* Mandatory and unroutable: the message comes back (header and
             * body follow), then its ack. */
            const amqp_basic_return_t *r = f.payload.method.decoded;
            rs_log(RS_WARN, "rabbitmq: message returned: %u %.*s", r->reply_code,
                   (int)r->reply_text.len, (const char *)r->reply_text.bytes);
            amqp_message_t m;
            if (amqp_read_message(c, f.channel, &m, 0).reply_type != AMQP_RESPONSE_NORMAL)
                return SENT_BROKEN;
            amqp_destroy_message(&m);
            returned = true;
            break;
        }
        case AMQP_CHANNEL_CLOSE_METHOD:
        case AMQP_CONNECTION_CLOSE_METHOD: {
            amqp_rpc_reply_t r = {.reply_type = AMQP_RESPONSE_SERVER_EXCEPTION,
                                  .reply = f.payload.method};
            log_reply(RS_DEBUG, r, "publishing");
            rs_amqp_answer_close(c, &f);
            return SENT_BROKEN;
        }
        case AMQP_CONNECTION_BLOCKED_METHOD:
            rs_log(RS_WARN, "rabbitmq: the broker blocks publishers (resource alarm)");
            break;
        default:
            break;
        }
    }
}

/* *written: the whole message went out on the socket (the broker may
 * have it, whatever follows). */
static sent publish_once(publisher *p, const char *message_id, const char *body, size_t len,
                         const rs_trace *span, bool *written)
{
    amqp_maybe_release_buffers(p->conn);
    amqp_basic_properties_t props = {0};
    props._flags = AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG |
                   AMQP_BASIC_TIMESTAMP_FLAG | AMQP_BASIC_APP_ID_FLAG;
    props.content_type = amqp_cstring_bytes("application/json");
    props.delivery_mode = 2;   /* persistent */
    props.timestamp = (uint64_t)time(NULL);
    props.app_id = amqp_cstring_bytes(rs_service_name() != NULL ? rs_service_name() : "rs");
    if (message_id != NULL) {
        props._flags |= AMQP_BASIC_MESSAGE_ID_FLAG;
        props.message_id = amqp_cstring_bytes(message_id);
    }
    char traceparent[RS_TRACEPARENT_LEN + 1];
    amqp_table_entry_t header;
    if (span != NULL) {
        rs_trace_format(span, traceparent);
        header.key = amqp_cstring_bytes("traceparent");
        header.value.kind = AMQP_FIELD_KIND_UTF8;
        header.value.value.bytes = amqp_cstring_bytes(traceparent);
        props.headers.num_entries = 1;
        props.headers.entries = &header;
        props._flags |= AMQP_BASIC_HEADERS_FLAG;
    }
    amqp_bytes_t message = {len, (void *)body};
    int rc = amqp_basic_publish(p->conn, RS_AMQP_CHANNEL, amqp_cstring_bytes(RS_AMQP_EXCHANGE),
                                amqp_cstring_bytes(RS_AMQP_ROUTING_KEY), 1, 0, &props, message);
    if (rc != AMQP_STATUS_OK) {
        rs_log(RS_DEBUG, "rabbitmq: publishing: %s", amqp_error_string2(rc));
        return SENT_BROKEN;
    }
    *written = true;
    return wait_confirm(p->conn, ++p->seq);
}

static rs_amqp_result publish(const char *message_id, const char *body, size_t len,
                              const rs_trace *span)
{
    if (!rs_monitor_up(amqp.monitor))
        return RS_AMQP_DOWN;   /* down: fail at once until the monitor sees it back */
    /* The broker drops a connection silent for two heartbeats: an idle one
     * is replaced before use rather than found dead. */
    publisher *idle = rs_thread_conn_peek(&amqp.publishers);
    if (idle != NULL && amqp.heartbeat_s > 0 &&
        rs_now() - idle->last_used > (double)amqp.heartbeat_s)
        drop(true);
    bool written = false;   /* some attempt went out: failing now is not knowing */
    /* Generation 0: a connection from before an outage is tried, not
     * replaced (closing it gracefully could wait for the timeout); a
     * broken one is tried once more on a fresh connection below. */
    for (int attempt = 0; attempt < 2; attempt++) {
        publisher *p = rs_thread_conn_get(&amqp.publishers, 0);
        if (p == NULL)
            break;
        bool reused = p->seq > 0;   /* a publisher's connection is opened to publish */
        double started = rs_now();
        bool earlier = written, this_written = false;
        sent s = publish_once(p, message_id, body, len, span, &this_written);
        written = written || this_written;
        rs_db_measure("rabbitmq", "publish", started);
        p->last_used = rs_now();
        switch (s) {
        case SENT_CONFIRMED:
            return RS_AMQP_CONFIRMED;
        case SENT_NACKED:
            return earlier ? RS_AMQP_UNKNOWN : RS_AMQP_REFUSED;
        case SENT_RETURNED:
            /* No queue bound (deleted?): a new connection declares it again. */
            drop(true);
            if (attempt == 0)
                continue;
            return RS_AMQP_REFUSED;
        case SENT_TIMEOUT:
            /* A late confirm would confuse the next publish on this channel. */
            drop(false);
            rs_monitor_report_failure(amqp.monitor);
            return RS_AMQP_UNKNOWN;
        case SENT_BROKEN:
            drop(false);
            /* A connection that died while idle (the broker restarted, say)
             * is worth one fresh try; the order id makes a duplicate
             * harmless should the first attempt have reached the queue. */
            if (reused)
                continue;
            break;
        }
        break;
    }
    rs_monitor_report_failure(amqp.monitor);
    return written ? RS_AMQP_UNKNOWN : RS_AMQP_DOWN;
}

/* The publish as a PRODUCER span, a child of the current trace: its
 * traceparent goes in the message's headers. */
rs_amqp_result rs_amqp_publish(const char *message_id, const char *body, size_t len)
{
    rs_trace span;
    bool traced = rs_trace_call_span(NULL, &span);
    double started = rs_now();
    rs_amqp_result r = publish(message_id, body, len, traced ? &span : NULL);
    if (traced)
        rs_spans_publish(&span, started, RS_AMQP_EXCHANGE, RS_AMQP_ROUTING_KEY, message_id,
                         r == RS_AMQP_CONFIRMED);
    return r;
}

int rs_amqp_publisher_start(void)
{
    if (rs_thread_conn_init(&amqp.publishers, open_publisher, free_publisher, NULL) != 0)
        return -1;
    amqp.publishers_made = true;
    char name[300];
    snprintf(name, sizeof name, "rabbitmq at %s:%d", amqp.host, amqp.port);
    amqp.monitor = rs_monitor_start(name, probe, NULL);
    return amqp.monitor != NULL ? 0 : -1;
}

void rs_amqp_publisher_stop(void)
{
    rs_monitor_stop(amqp.monitor);
    amqp.monitor = NULL;
    rs_amqp_close(amqp.probe_conn, true);
    amqp.probe_conn = NULL;
    if (amqp.publishers_made) {
        rs_thread_conn_destroy(&amqp.publishers);
        amqp.publishers_made = false;
    }
}

void rs_amqp_cleanup(void)
{
    free(amqp.host);
    free(amqp.user);
    free(amqp.password);
    free(amqp.vhost);
    amqp.host = amqp.user = amqp.password = amqp.vhost = NULL;
}
