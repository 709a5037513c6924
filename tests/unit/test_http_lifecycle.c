/*
 * test_http_lifecycle.c - unit tests for the request lifecycle of the HTTP
 * server (rs_http.c): real requests over loopback sockets to a server on
 * a port of its own, through every phase of a connection. A request read
 * in pieces (headers and body split across reads), dispatched to a loop
 * handler, a worker handler and an asynchronous one, answered; the next
 * request on a kept-alive connection, pipelined requests answered in
 * order, the close after "Connection: close", a malformed request answered
 * once with a JSON error and the connection closed, a client that goes
 * away while its request is read or handled, and the header, body and
 * idle deadlines (with the one-second settings).
 *
 * The responses are parsed with http-parser. Waits are bounded only to
 * turn a hang into a failure; nothing is measured.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <http_parser.h>
#include <jansson.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "rs_http.h"
#include "rs_log.h"
#include "rs_loop.h"
#include "rs_router.h"
#include "rs_time.h"

#define WAIT_LIMIT_MS 10000   /* a hang guard, never a measure */

/* ---- the handlers ---- */

static atomic_int inline_calls;
static atomic_int echo_calls;

/* Says which kind of thread ran it, and echoes the query's n. */
static void where_handler(rs_request *req)
{
    const char *n = rs_req_query(req, "n");
    bool on_loop = rs_loop_current() != NULL;
    if (on_loop)
        atomic_fetch_add(&inline_calls, 1);
    rs_reply_json(req, 200, json_pack("{s:s,s:s}", "on", on_loop ? "loop" : "worker",
                                      "n", n != NULL ? n : ""));
}

/* Echoes the X-Tag header and the body. */
static void echo_handler(rs_request *req)
{
    size_t len;
    const char *body = rs_req_body(req, &len);
    const char *tag = rs_req_header(req, "X-Tag");
    atomic_fetch_add(&echo_calls, 1);
    rs_reply_json(req, 200, json_pack("{s:s,s:s%}", "tag", tag != NULL ? tag : "",
                                      "body", body != NULL ? body : "", body != NULL ? len : 0));
}

/* A worker handler that answers once the test opens the gate. */
static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_changed = PTHREAD_COND_INITIALIZER;
static bool gate_open;
static atomic_int gate_entered;

static void gate_handler(rs_request *req)
{
    atomic_fetch_add(&gate_entered, 1);
    pthread_mutex_lock(&gate_lock);
    while (!gate_open)
        pthread_cond_wait(&gate_changed, &gate_lock);
    pthread_mutex_unlock(&gate_lock);
    rs_reply_json(req, 200, json_pack("{s:s}", "on", "gate"));
}

static void set_gate(bool open)
{
    pthread_mutex_lock(&gate_lock);
    gate_open = open;
    pthread_cond_broadcast(&gate_changed);
    pthread_mutex_unlock(&gate_lock);
}

/* An asynchronous handler: the test answers it later, from its thread. */
static _Atomic(rs_request *) held;

static void async_handler(rs_request *req)
{
    atomic_store(&held, req);
}

static const rs_route routes[] = {
    {"GET", "/inline", where_handler, RS_PARAM_ID, RS_RUN_INLINE},
    {"GET", "/worker", where_handler, RS_PARAM_ID, RS_RUN_WORKER},
    {"POST", "/echo", echo_handler, RS_PARAM_ID, RS_RUN_INLINE},
    {"GET", "/gate", gate_handler, RS_PARAM_ID, RS_RUN_WORKER},
    {"GET", "/async", async_handler, RS_PARAM_ID, RS_RUN_ASYNC},
};

/* ---- waiting ---- */

static rs_server *server;
static rs_router *router;

static bool in_flight_is(unsigned n)
{
    for (int i = 0; i < WAIT_LIMIT_MS; i++) {
        if (rs_server_in_flight(server) == n)
            return true;
        rs_sleep_ms(1);
    }
    return false;
}

static bool counter_reaches(atomic_int *counter, int n)
{
    for (int i = 0; i < WAIT_LIMIT_MS && atomic_load(counter) < n; i++)
        rs_sleep_ms(1);
    return atomic_load(counter) >= n;
}

static rs_request *wait_held(void)
{
    for (int i = 0; i < WAIT_LIMIT_MS && atomic_load(&held) == NULL; i++)
        rs_sleep_ms(1);
    return atomic_exchange(&held, NULL);
}

/* ---- the server, one per test ---- */

static int start_server_with(unsigned idle_timeout_s, unsigned header_timeout_s)
{
    atomic_store(&inline_calls, 0);
    atomic_store(&echo_calls, 0);
    atomic_store(&gate_entered, 0);
    atomic_store(&held, NULL);
    set_gate(false);
    router = rs_router_new();
    if (router == NULL)
        return -1;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
        if (rs_router_add(router, &routes[i]) != 0)
            return -1;
    rs_server_config cfg = {
        .bind = "127.0.0.1", .port = 0, .io_threads = 2, .threads = 2,
        .max_connections = 64, .idle_timeout_s = idle_timeout_s,
        .header_timeout_s = header_timeout_s,
    };
    server = rs_server_start(&cfg, router);
    return server != NULL ? 0 : -1;
}

static int start_server(void **state)
{
    (void)state;
    return start_server_with(30, 10);
}

/* The shortest deadlines there are: one second for headers and idleness. */
static int start_quick_server(void **state)
{
    (void)state;
    return start_server_with(1, 1);
}

static int stop_server(void **state)
{
    (void)state;
    set_gate(true);
    rs_request *req = atomic_exchange(&held, NULL);
    if (req != NULL) {   /* a test that failed with its request held */
        rs_reply_error(req, 500, "test over");
        rs_req_finish(req);
    }
    bool drained = in_flight_is(0);
    if (drained)
        rs_server_stop(server);   /* frees everything: the sanitizers see leaks */
    rs_router_free(router);
    server = NULL;
    router = NULL;
    return drained ? 0 : -1;
}

/* ---- a client, its responses parsed by http-parser ---- */

#define MAX_RESPONSES 8

typedef struct response {
    int    status;
    bool   keep_alive;
    char   body[1024];
    size_t body_len;
} response;

typedef struct client {
    int         fd;
    http_parser parser;
    response    got[MAX_RESPONSES];
    size_t      n;              /* complete responses */
    bool        eof;            /* the server closed the connection */
} client;

static int on_body(http_parser *p, const char *at, size_t len)
{
    client *c = p->data;
    response *r = &c->got[c->n];
    if (r->body_len + len >= sizeof r->body)
        return -1;
    memcpy(r->body + r->body_len, at, len);
    r->body_len += len;
    r->body[r->body_len] = '\0';
    return 0;
}

static int on_message_complete(http_parser *p)
{
    client *c = p->data;
    c->got[c->n].status = (int)p->status_code;
    c->got[c->n].keep_alive = http_should_keep_alive(p) != 0;
    if (++c->n == MAX_RESPONSES)
        return -1;
    memset(&c->got[c->n], 0, sizeof c->got[c->n]);
    return 0;
}

static const http_parser_settings response_settings = {
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};

static void client_open(client *c)
{
    memset(c, 0, sizeof *c);
    http_parser_init(&c->parser, HTTP_RESPONSE);
    c->parser.data = c;
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(c->fd >= 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)rs_server_port(server))};
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    int one = 1;
    struct timeval limit = {WAIT_LIMIT_MS / 1000, 0};
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    assert_int_equal(connect(c->fd, (struct sockaddr *)&addr, sizeof addr), 0);
}

static void client_send(client *c, const char *text)
{
    size_t len = strlen(text);
    assert_int_equal(send(c->fd, text, len, MSG_NOSIGNAL), (ssize_t)len);
}

/* Reads once: false at the end of the stream, on an error or a timeout. */
static bool client_read_some(client *c)
{
    char buf[4096];
    ssize_t n = recv(c->fd, buf, sizeof buf, 0);
    if (n == 0)
        c->eof = true;
    if (n <= 0)
        return false;
    size_t used = http_parser_execute(&c->parser, &response_settings, buf, (size_t)n);
    assert_int_equal(HTTP_PARSER_ERRNO(&c->parser), HPE_OK);
    assert_int_equal(used, (size_t)n);
    return true;
}

/* Reads until `want` responses in all are complete. */
static void client_read(client *c, size_t want)
{
    while (c->n < want)
        assert_true(client_read_some(c));
}

/* Reads until the server closes the connection. */
static void client_read_to_end(client *c)
{
    while (client_read_some(c))
        ;
    assert_true(c->eof);
}

/* Goes away: with a FIN, or with a reset when `abort` is true. */
static void client_close(client *c, bool abort)
{
    if (abort) {
        struct linger now = {1, 0};
        setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &now, sizeof now);
    }
    close(c->fd);
    c->fd = -1;
}

/* The server's end of this connection: the socket of this process whose
 * peer is the client's address. */
static int server_end(const client *c)
{
    struct sockaddr_in mine, peer;
    socklen_t len = sizeof mine;
    if (getsockname(c->fd, (struct sockaddr *)&mine, &len) != 0)
        return -1;
    for (int fd = 0; fd < 1024; fd++) {
        len = sizeof peer;
        if (fd != c->fd && getpeername(fd, (struct sockaddr *)&peer, &len) == 0 &&
            peer.sin_family == AF_INET && peer.sin_port == mine.sin_port &&
            peer.sin_addr.s_addr == mine.sin_addr.s_addr)
            return fd;
    }
    return -1;
}

/* Waits until the server has read everything the client sent: nothing
 * left unacknowledged on the client's side, nothing unread on the
 * server's. Pieces sent after this reach the server in a read of their
 * own. */
static void wait_server_read_all(const client *c)
{
    for (int i = 0; i < WAIT_LIMIT_MS; i++) {
        int unsent = -1, unread = -1;
        int fd = server_end(c);
        if (fd >= 0 && ioctl(c->fd, SIOCOUTQ, &unsent) == 0 && ioctl(fd, SIOCINQ, &unread) == 0 &&
            unsent == 0 && unread == 0)
            return;
        rs_sleep_ms(1);
    }
    fail_msg("the server did not read what was sent");
}

/* The response's JSON body's member `key`, as a string. */
static void assert_member(const response *r, const char *key, const char *expected)
{
    json_error_t err;
    json_t *body = json_loads(r->body, 0, &err);
    assert_non_null(body);
    const char *value = json_string_value(json_object_get(body, key));
    assert_non_null(value);
    assert_string_equal(value, expected);
    json_decref(body);
}

/* A refusal: the status, a JSON body with an "error" text, and a close. */
static void assert_refused(const response *r, int status)
{
    assert_int_equal(r->status, status);
    assert_false(r->keep_alive);
    json_error_t err;
    json_t *body = json_loads(r->body, 0, &err);
    assert_non_null(body);
    assert_true(json_is_string(json_object_get(body, "error")));
    json_decref(body);
}

/* ---- the tests ---- */

/* Headers split inside a field, the body split too: the request is put
 * together before the handler sees it, and counted as received (in
 * flight) from the end of its headers. */
static void test_a_request_read_in_pieces(void **state)
{
    (void)state;
    client c;
    client_open(&c);
    client_send(&c, "POST /echo HTTP/1.1\r\nHost: t\r\nX-Ta");
    wait_server_read_all(&c);
    assert_int_equal(rs_server_in_flight(server), 0);   /* its headers are not all in */
    client_send(&c, "g: split\r\nContent-Length: 10\r\n\r\nhello");
    assert_true(in_flight_is(1));                       /* headers in, body not */
    wait_server_read_all(&c);
    assert_int_equal(atomic_load(&echo_calls), 0);
    client_send(&c, "world");
    client_read(&c, 1);
    assert_int_equal(c.got[0].status, 200);
    assert_true(c.got[0].keep_alive);
    assert_member(&c.got[0], "tag", "split");
    assert_member(&c.got[0], "body", "helloworld");
    assert_int_equal(atomic_load(&echo_calls), 1);
    assert_true(in_flight_is(0));
    client_close(&c, false);
}

/* The route table's last column: an inline route runs on the loop that
 * read the request, a worker route on a worker thread. */
static void test_loop_and_worker_handlers(void **state)
{
    (void)state;
    client c;
    client_open(&c);
    client_send(&c, "GET /inline?n=1 HTTP/1.1\r\nHost: t\r\n\r\n");
    client_read(&c, 1);
    client_send(&c, "GET /worker?n=2 HTTP/1.1\r\nHost: t\r\n\r\n");
    client_read(&c, 2);
    assert_int_equal(c.got[0].status, 200);
    assert_member(&c.got[0], "on", "loop");
    assert_member(&c.got[0], "n", "1");
    assert_int_equal(c.got[1].status, 200);
    assert_member(&c.got[1], "on", "worker");
    assert_member(&c.got[1], "n", "2");
    client_close(&c, false);
}

/* An asynchronous handler returns without an answer; the answer, made
 * later on another thread, goes out, and the connection serves on. */
static void test_an_async_handler_answered_later(void **state)
{
    (void)state;
    client c;
    client_open(&c);
    client_send(&c, "GET /async HTTP/1.1\r\nHost: t\r\n\r\n");
    rs_request *req = wait_held();
    assert_non_null(req);
    assert_int_equal(rs_server_in_flight(server), 1);
    rs_reply_json(req, 200, json_pack("{s:s}", "on", "later"));
    rs_req_finish(req);
    client_read(&c, 1);
    assert_int_equal(c.got[0].status, 200);
    assert_true(c.got[0].keep_alive);
    assert_member(&c.got[0], "on", "later");
    client_send(&c, "GET /inline?n=next HTTP/1.1\r\nHost: t\r\n\r\n");
    client_read(&c, 2);
    assert_member(&c.got[1], "n", "next");
    client_close(&c, false);
}

/* Keep-alive: one connection, one request after another, each answered
 * and the connection still the same one on the server's side. */
static void test_keep_alive_serves_the_next_request(void **state)
{
    (void)state;
    client c;
    client_open(&c);
    int first_end = -1;
    for (int i = 0; i < 4; i++) {
        char request[96], n[8];
        snprintf(n, sizeof n, "%d", i);
        snprintf(request, sizeof request, "GET /%s?n=%s HTTP/1.1\r\nHost: t\r\n\r\n",
                 i % 2 ? "worker" : "inline", n);
        client_send(&c, request);
        client_read(&c, (size_t)i + 1);
        assert_int_equal(c.got[i].status, 200);
        assert_true(c.got[i].keep_alive);
        assert_member(&c.got[i], "n", n);
        if (i == 0)
            first_end = server_end(&c);
        else
            assert_int_equal(server_end(&c), first_end);
    }
    assert_true(first_end >= 0);
    client_close(&c, false);
}

/* Two requests in one write: the second waits for the first's answer,
 * however long its handler takes, and the answers come in order. */
static void test_pipelined_requests_answered_in_order(void **state)
{
    (void)state;
    client c;
    client_open(&c);
    client_send(&c, "GET /gate HTTP/1.1\r\nHost: t\r\n\r\n"
                    "GET /inline?n=second HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_true(counter_reaches(&gate_entered, 1));
    wait_server_read_all(&c);
    assert_int_equal(atomic_load(&inline_calls), 0);   /* held behind the first */
    set_gate(true);
    client_read(&c, 2);
    assert_int_equal(c.got[0].status, 200);
    assert_member(&c.got[0], "on", "gate");
    assert_int_equal(c.got[1].status, 200);
    assert_member(&c.got[1], "on", "loop");
    assert_member(&c.got[1], "n", "second");
    assert_true(c.got[1].keep_alive);
    client_close(&c, false);
}

/* "Connection: close", and HTTP/1.0 without keep-alive: one answer that
 * says so, then the server closes. */
static void test_connection_close_closes_after_the_reply(void **state)
{
    (void)state;
    static const char *const requests[] = {
        "GET /inline HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
        "GET /worker HTTP/1.0\r\n\r\n",
    };
    for (size_t i = 0; i < 2; i++) {
        client c;
        client_open(&c);
        client_send(&c, requests[i]);
        client_read_to_end(&c);
        assert_int_equal(c.n, 1);
        assert_int_equal(c.got[0].status, 200);
        assert_false(c.got[0].keep_alive);
        client_close(&c, false);
    }
}

/* A malformed request, with a good one right behind it in the same write:
 * one JSON error, the connection closed, the good one never answered. */
static void test_a_malformed_request_is_answered_once_and_closed(void **state)
{
    (void)state;
    static const struct { const char *request; int status; } cases[] = {
        {"GET /inline HTTP/1.1\r\nHost: t\r\nContent-Length: abc\r\n\r\n", 400},
        {"GET /inline HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400},
        {"G@T /inline HTTP/1.1\r\nHost: t\r\n\r\n", 400},
        {"GET inline HTTP/1.1\r\nHost: t\r\n\r\n", 400},
        {"GET /inline HTTP/2.0\r\nHost: t\r\n\r\n", 505},
        {"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\n", 501},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        client c;
        client_open(&c);
        client_send(&c, cases[i].request);
        client_send(&c, "GET /inline?n=after HTTP/1.1\r\nHost: t\r\n\r\n");
        client_read_to_end(&c);
        assert_int_equal(c.n, 1);
        assert_refused(&c.got[0], cases[i].status);
        client_close(&c, false);
    }
    assert_int_equal(atomic_load(&inline_calls), 0);
    assert_true(in_flight_is(0));
}

/* A client that goes away with its headers half sent, or its body: the
 * request is dropped (no longer in flight) and the server serves on. */
static void test_a_client_gone_mid_request(void **state)
{
    (void)state;
    client c;
    client_open(&c);
    client_send(&c, "POST /echo HTTP/1.1\r\nHost: t\r\nX-Ta");
    wait_server_read_all(&c);
    client_close(&c, false);

    client_open(&c);
    client_send(&c, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nhel");
    assert_true(in_flight_is(1));
    client_close(&c, true);
    assert_true(in_flight_is(0));
    assert_int_equal(atomic_load(&echo_calls), 0);

    client_open(&c);
    client_send(&c, "GET /inline?n=fine HTTP/1.1\r\nHost: t\r\n\r\n");
    client_read(&c, 1);
    assert_member(&c.got[0], "n", "fine");
    client_close(&c, false);
}

/* A client that goes away (closing, or resetting) while its request is
 * with a worker handler or an asynchronous one: the handler finishes, its
 * answer goes nowhere, the request ends, and the server serves on. */
static void test_a_client_gone_before_its_answer(void **state)
{
    (void)state;
    for (int abort = 0; abort < 2; abort++) {
        client c;
        client_open(&c);
        set_gate(false);
        atomic_store(&gate_entered, 0);
        client_send(&c, "GET /gate HTTP/1.1\r\nHost: t\r\n\r\n");
        assert_true(counter_reaches(&gate_entered, 1));
        client_close(&c, abort);
        set_gate(true);
        assert_true(in_flight_is(0));

        client_open(&c);
        client_send(&c, "GET /async HTTP/1.1\r\nHost: t\r\n\r\n");
        rs_request *req = wait_held();
        assert_non_null(req);
        client_close(&c, abort);
        rs_reply_json(req, 200, json_pack("{s:s}", "on", "nobody"));
        rs_req_finish(req);
        assert_true(in_flight_is(0));
    }
    client c;
    client_open(&c);
    client_send(&c, "GET /worker?n=fine HTTP/1.1\r\nHost: t\r\n\r\n");
    client_read(&c, 1);
    assert_member(&c.got[0], "n", "fine");
    client_close(&c, false);
}

/* Headers that do not all come within the header deadline: 408, closed. */
static void test_the_header_deadline(void **state)
{
    (void)state;
    client c;
    client_open(&c);
    client_send(&c, "GET /inline HTTP/1.1\r\nHost: t\r\n");
    client_read_to_end(&c);
    assert_int_equal(c.n, 1);
    assert_refused(&c.got[0], 408);
    assert_int_equal(atomic_load(&inline_calls), 0);
    client_close(&c, false);
}

/* A body that does not come within the idle deadline: 408, closed. */
static void test_the_body_deadline(void **state)
{
    (void)state;
    client c;
    client_open(&c);
    client_send(&c, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nhel");
    client_read_to_end(&c);
    assert_int_equal(c.n, 1);
    assert_refused(&c.got[0], 408);
    assert_int_equal(atomic_load(&echo_calls), 0);
    assert_true(in_flight_is(0));
    client_close(&c, false);
}

/* A connection with no request, new or after an answer, is closed at the
 * idle deadline without a word. */
static void test_the_idle_deadline(void **state)
{
    (void)state;
    client c;
    client_open(&c);
    client_read_to_end(&c);
    assert_int_equal(c.n, 0);
    client_close(&c, false);

    client_open(&c);
    client_send(&c, "GET /inline HTTP/1.1\r\nHost: t\r\n\r\n");
    client_read_to_end(&c);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.got[0].status, 200);
    assert_true(c.got[0].keep_alive);
    client_close(&c, false);
}

int main(void)
{
    setenv("ACCESS_LOG", "0", 1);
    rs_log_init("test_http_lifecycle");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_a_request_read_in_pieces, start_server, stop_server),
        cmocka_unit_test_setup_teardown(test_loop_and_worker_handlers, start_server, stop_server),
        cmocka_unit_test_setup_teardown(test_an_async_handler_answered_later, start_server, stop_server),
        cmocka_unit_test_setup_teardown(test_keep_alive_serves_the_next_request, start_server, stop_server),
        cmocka_unit_test_setup_teardown(test_pipelined_requests_answered_in_order, start_server, stop_server),
        cmocka_unit_test_setup_teardown(test_connection_close_closes_after_the_reply, start_server, stop_server),
        cmocka_unit_test_setup_teardown(test_a_malformed_request_is_answered_once_and_closed, start_server, stop_server),
        cmocka_unit_test_setup_teardown(test_a_client_gone_mid_request, start_server, stop_server),
        cmocka_unit_test_setup_teardown(test_a_client_gone_before_its_answer, start_server, stop_server),
        cmocka_unit_test_setup_teardown(test_the_header_deadline, start_quick_server, stop_server),
        cmocka_unit_test_setup_teardown(test_the_body_deadline, start_quick_server, stop_server),
        cmocka_unit_test_setup_teardown(test_the_idle_deadline, start_quick_server, stop_server),
    };
    return cmocka_run_group_tests_name("http_lifecycle", tests, NULL, NULL);
}
