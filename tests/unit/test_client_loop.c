/*
 * test_client_loop.c - unit tests for the peer calls made on an event loop
 * (rs_client_call_async, rs_client_loop.c), against a scripted peer: a
 * listening socket this test accepts on, reads the requests from and
 * writes the answers to, byte for byte.
 *
 * What is proven: GETs started in one turn of the loop go out pipelined,
 * in one write on one connection, at most eight of them, and their
 * answers (split anyhow across reads, chunked or not, a HEAD's without
 * its body) reach the right calls; a call with a body goes alone; a peer
 * that closes under the calls has the ones not answered sent again once on
 * a fresh connection (the one being answered only when the connection was
 * a kept one), the rest failing; a call that times out takes its
 * connection down and the calls behind it go again; bytes that no call
 * asked for end the connection's reuse; a refused connection fails every
 * call, never from within rs_client_call_async.
 *
 * Waits are bounded only to turn a hang into a failure; nothing is timed.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rs_client.h"
#include "rs_log.h"
#include "rs_loop.h"

#define WAIT_LIMIT_MS 5000   /* a hang guard, never a measure */
#define MAX_CALLS     32

/* ---- the loop, on a thread of its own ---- */

static rs_loop  *loop;
static pthread_t loop_thread;

static void *run_loop(void *unused)
{
    (void)unused;
    rs_loop_run(loop);
    return NULL;
}

/* ---- calls, started on the loop in one turn ---- */

typedef struct spec {
    const char *method;
    const char *path;
    const char *body;      /* NULL: none */
    long        timeout_ms;
} spec;

typedef struct outcome {
    bool             done;
    rs_client_result result;
    long             status;
    char             body[64];
} outcome;

typedef struct batch {
    rs_loop_job job;
    int         port;
    const spec *specs;
    int         n;
    int         started;      /* rs_client_call_async returned 0 */
    int         done_within;  /* done ran before rs_client_call_async returned */
    bool        in_call;
    outcome     out[MAX_CALLS];
} batch;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;

typedef struct slot {
    batch *b;
    int    i;
} slot;
static slot slots[MAX_CALLS];

static void on_done(void *arg, rs_client_result result, rs_client_response *r)
{
    slot *s = arg;
    pthread_mutex_lock(&lock);
    outcome *o = &s->b->out[s->i];
    o->done = true;
    o->result = result;
    o->status = result == RS_CLIENT_OK ? r->status : 0;
    snprintf(o->body, sizeof o->body, "%.*s", (int)r->body.len, r->body.data != NULL ? r->body.data : "");
    if (s->b->in_call)
        s->b->done_within++;
    pthread_cond_broadcast(&changed);
    pthread_mutex_unlock(&lock);
}

static void start_batch_job(rs_loop_job *job)
{
    batch *b = (batch *)job;
    for (int i = 0; i < b->n; i++) {
        char url[128];
        snprintf(url, sizeof url, "http://127.0.0.1:%d%s", b->port, b->specs[i].path);
        const spec *sp = &b->specs[i];
        rs_client_request rq = {
            .peer = "test", .method = sp->method, .url = url,
            .body = sp->body, .body_len = sp->body != NULL ? strlen(sp->body) : 0,
            .timeout_ms = sp->timeout_ms,
        };
        slots[i] = (slot){b, i};
        pthread_mutex_lock(&lock);
        b->in_call = true;
        pthread_mutex_unlock(&lock);
        int rc = rs_client_call_async(&rq, on_done, &slots[i]);
        pthread_mutex_lock(&lock);
        b->in_call = false;
        if (rc == 0)
            b->started++;
        pthread_mutex_unlock(&lock);
    }
}

/* Starts the calls on the loop, all in one turn of it. */
static void start_calls(batch *b, int port, const spec *specs, int n)
{
    assert_true(n <= MAX_CALLS);
    memset(b, 0, sizeof *b);
    b->port = port;
    b->specs = specs;
    b->n = n;
    b->job.run = start_batch_job;
    rs_loop_post(loop, &b->job);
}

static void wait_done(batch *b)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += WAIT_LIMIT_MS / 1000;
    pthread_mutex_lock(&lock);
    for (;;) {
        int done = 0;
        for (int i = 0; i < b->n; i++)
            done += b->out[i].done;
        if (done == b->n || pthread_cond_timedwait(&changed, &lock, &until) != 0)
            break;
    }
    for (int i = 0; i < b->n; i++)
        if (!b->out[i].done)
            fail_msg("call %d never ended", i);
    pthread_mutex_unlock(&lock);
}

/* ---- the scripted peer ---- */

static int listen_on(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(fd, 64), 0);
    socklen_t len = sizeof a;
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

static bool ready(int fd, int ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, ms) == 1;
}

/* The next connection the client opens; -1 when none comes in ms. */
static int accept_within(int lfd, int ms)
{
    if (!ready(lfd, ms))
        return -1;
    return accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
}

/* What one read brings (what one write of the client's put there). */
static size_t read_once(int fd, char *buf, size_t size)
{
    assert_true(ready(fd, WAIT_LIMIT_MS));
    ssize_t n = recv(fd, buf, size - 1, 0);
    assert_true(n >= 0);
    buf[n] = '\0';
    return (size_t)n;
}

/* How many requests the text holds (those here have no body, or one that
 * does not start with a method). */
static int requests_in(const char *text, const char *method)
{
    int n = 0;
    char line[24];
    snprintf(line, sizeof line, "%s /", method);
    for (const char *p = text; (p = strstr(p, line)) != NULL; p++)
        if (p == text || p[-1] == '\n')
            n++;
    return n;
}

static void write_text(int fd, const char *text)
{
    size_t len = strlen(text);
    assert_int_equal(send(fd, text, len, MSG_NOSIGNAL), (ssize_t)len);
}

/* A 200 answer with the body, Content-Length framed. */
static void answer(char *out, size_t size, const char *body, const char *extra)
{
    snprintf(out, size, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n%sContent-Length: %zu\r\n\r\n%s",
             extra != NULL ? extra : "", strlen(body), body);
}

static void write_answers(int fd, int from, int to)
{
    char all[4096] = "", one[256];
    for (int i = from; i < to; i++) {
        char body[32];
        snprintf(body, sizeof body, "answer %d", i);
        answer(one, sizeof one, body, NULL);
        strcat(all, one);
    }
    write_text(fd, all);
}

static const spec get_n[] = {
    {"GET", "/n/0", NULL, 0}, {"GET", "/n/1", NULL, 0}, {"GET", "/n/2", NULL, 0},
    {"GET", "/n/3", NULL, 0}, {"GET", "/n/4", NULL, 0}, {"GET", "/n/5", NULL, 0},
    {"GET", "/n/6", NULL, 0}, {"GET", "/n/7", NULL, 0}, {"GET", "/n/8", NULL, 0},
    {"GET", "/n/9", NULL, 0}, {"GET", "/n/10", NULL, 0}, {"GET", "/n/11", NULL, 0},
    {"GET", "/n/12", NULL, 0}, {"GET", "/n/13", NULL, 0}, {"GET", "/n/14", NULL, 0},
    {"GET", "/n/15", NULL, 0}, {"GET", "/n/16", NULL, 0}, {"GET", "/n/17", NULL, 0},
    {"GET", "/n/18", NULL, 0}, {"GET", "/n/19", NULL, 0},
};

static void assert_answered(const batch *b, int i, const char *body)
{
    assert_int_equal(b->out[i].result, RS_CLIENT_OK);
    assert_int_equal(b->out[i].status, 200);
    assert_string_equal(b->out[i].body, body);
}

static void assert_answer_n(const batch *b, int i)
{
    char body[32];
    snprintf(body, sizeof body, "answer %d", i);
    assert_answered(b, i, body);
}

/* ---- tests ---- */

static void test_gets_of_one_turn_share_one_write(void **state)
{
    (void)state;
    int port, lfd = listen_on(&port);
    static batch b;
    start_calls(&b, port, get_n, 5);
    int fd = accept_within(lfd, WAIT_LIMIT_MS);
    assert_true(fd >= 0);
    char buf[8192];
    read_once(fd, buf, sizeof buf);
    assert_int_equal(requests_in(buf, "GET"), 5);
    assert_true(strstr(buf, "GET /n/0 ") < strstr(buf, "GET /n/4 "));   /* in order */
    write_answers(fd, 0, 5);
    wait_done(&b);
    for (int i = 0; i < 5; i++)
        assert_answer_n(&b, i);
    assert_int_equal(accept_within(lfd, 50), -1);   /* no second connection */
    close(fd);
    close(lfd);
}

static void test_answers_in_pieces_reach_their_calls(void **state)
{
    (void)state;
    int port, lfd = listen_on(&port);
    static const spec specs[] = {
        {"GET", "/a", NULL, 0}, {"HEAD", "/b", NULL, 0}, {"GET", "/c", NULL, 0},
    };
    static batch b;
    start_calls(&b, port, specs, 3);
    int fd = accept_within(lfd, WAIT_LIMIT_MS);
    char buf[8192];
    read_once(fd, buf, sizeof buf);
    assert_int_equal(requests_in(buf, "GET") + requests_in(buf, "HEAD"), 3);
    const char *answers =
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst"
        "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n"   /* HEAD: no body follows */
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nthi\r\n2\r\nrd\r\n0\r\n\r\n";
    for (const char *p = answers; *p != '\0'; p += 7) {   /* 7 bytes at a time */
        char piece[8];
        snprintf(piece, sizeof piece, "%.7s", p);
        write_text(fd, piece);
        usleep(1000);
        if (strlen(p) <= 7)
            break;
    }
    wait_done(&b);
    assert_answered(&b, 0, "first");
    assert_answered(&b, 1, "");
    assert_answered(&b, 2, "third");
    close(fd);
    close(lfd);
}

static void test_at_most_eight_on_a_connection(void **state)
{
    (void)state;
    int port, lfd = listen_on(&port);
    static batch b;
    start_calls(&b, port, get_n, 20);
    int seen[3], fds[3];
    char buf[16384];
    for (int k = 0; k < 3; k++) {
        fds[k] = accept_within(lfd, WAIT_LIMIT_MS);
        assert_true(fds[k] >= 0);
        read_once(fds[k], buf, sizeof buf);
        seen[k] = requests_in(buf, "GET");
        int first;
        assert_int_equal(sscanf(strstr(buf, "GET /n/"), "GET /n/%d", &first), 1);
        write_answers(fds[k], first, first + seen[k]);
    }
    wait_done(&b);
    assert_int_equal(seen[0] + seen[1] + seen[2], 20);
    for (int k = 0; k < 3; k++)
        assert_true(seen[k] <= 8);
    for (int i = 0; i < 20; i++)
        assert_answer_n(&b, i);
    assert_int_equal(accept_within(lfd, 50), -1);
    for (int k = 0; k < 3; k++)
        close(fds[k]);
    close(lfd);
}

static void test_a_call_with_a_body_goes_alone(void **state)
{
    (void)state;
    int port, lfd = listen_on(&port);
    static const spec specs[] = {
        {"GET", "/n/0", NULL, 0}, {"POST", "/post", "{\"x\":1}", 0}, {"GET", "/n/2", NULL, 0},
    };
    static batch b;
    start_calls(&b, port, specs, 3);
    char buf[8192], one[256];
    int posts = 0, gets = 0;
    for (int k = 0; k < 3; k++) {
        int fd = accept_within(lfd, 200);
        if (fd < 0)
            break;
        read_once(fd, buf, sizeof buf);
        int p = requests_in(buf, "POST"), g = requests_in(buf, "GET");
        assert_true(p == 0 || g == 0);   /* never together */
        posts += p;
        gets += g;
        if (p == 1) {
            assert_non_null(strstr(buf, "\r\n\r\n{\"x\":1}"));
            answer(one, sizeof one, "posted", NULL);
            write_text(fd, one);
        } else {
            for (int i = 0; i < g; i++) {
                answer(one, sizeof one, "got", NULL);
                write_text(fd, one);
            }
        }
        usleep(20000);
        close(fd);
    }
    assert_int_equal(posts, 1);
    assert_int_equal(gets, 2);
    wait_done(&b);
    assert_answered(&b, 0, "got");
    assert_answered(&b, 1, "posted");
    assert_answered(&b, 2, "got");
    close(lfd);
}

static void test_calls_behind_a_closing_answer_go_again(void **state)
{
    (void)state;
    int port, lfd = listen_on(&port);
    static batch b;
    start_calls(&b, port, get_n, 3);
    int fd = accept_within(lfd, WAIT_LIMIT_MS);
    char buf[8192], one[256];
    read_once(fd, buf, sizeof buf);
    assert_int_equal(requests_in(buf, "GET"), 3);
    answer(one, sizeof one, "answer 0", "Connection: close\r\n");
    write_text(fd, one);
    close(fd);
    int again = accept_within(lfd, WAIT_LIMIT_MS);
    assert_true(again >= 0);
    read_once(again, buf, sizeof buf);
    assert_int_equal(requests_in(buf, "GET"), 2);
    assert_non_null(strstr(buf, "GET /n/1 "));
    write_answers(again, 1, 3);
    wait_done(&b);
    for (int i = 0; i < 3; i++)
        assert_answer_n(&b, i);
    close(again);
    close(lfd);
}

/* A fresh connection closed with nothing answered: the call being answered
 * fails (the peer may have taken it), the ones behind go again; closed a
 * second time, they fail too. */
static void test_a_fresh_connection_closed_unanswered(void **state)
{
    (void)state;
    int port, lfd = listen_on(&port);
    static batch b;
    start_calls(&b, port, get_n, 3);
    char buf[8192];
    int fd = accept_within(lfd, WAIT_LIMIT_MS);
    read_once(fd, buf, sizeof buf);
    assert_int_equal(requests_in(buf, "GET"), 3);
    close(fd);
    fd = accept_within(lfd, WAIT_LIMIT_MS);
    assert_true(fd >= 0);
    read_once(fd, buf, sizeof buf);
    assert_int_equal(requests_in(buf, "GET"), 2);
    close(fd);
    wait_done(&b);
    for (int i = 0; i < 3; i++)
        assert_int_equal(b.out[i].result, RS_CLIENT_ERROR);
    assert_int_equal(accept_within(lfd, 50), -1);   /* sent again once, no more */
    close(lfd);
}

/* A kept connection the peer had closed: every call on it goes again. */
static void test_a_kept_connection_closed_unanswered(void **state)
{
    (void)state;
    int port, lfd = listen_on(&port);
    static batch first, b;
    char buf[8192];
    start_calls(&first, port, get_n, 1);
    int fd = accept_within(lfd, WAIT_LIMIT_MS);
    read_once(fd, buf, sizeof buf);
    write_answers(fd, 0, 1);
    wait_done(&first);
    start_calls(&b, port, get_n, 3);
    read_once(fd, buf, sizeof buf);   /* on the kept connection */
    assert_int_equal(requests_in(buf, "GET"), 3);
    close(fd);
    fd = accept_within(lfd, WAIT_LIMIT_MS);
    assert_true(fd >= 0);
    read_once(fd, buf, sizeof buf);
    assert_int_equal(requests_in(buf, "GET"), 3);
    write_answers(fd, 0, 3);
    wait_done(&b);
    for (int i = 0; i < 3; i++)
        assert_answer_n(&b, i);
    close(fd);
    close(lfd);
}

static void test_a_timed_out_call_sends_the_rest_again(void **state)
{
    (void)state;
    int port, lfd = listen_on(&port);
    static const spec specs[] = {{"GET", "/n/0", NULL, 150}, {"GET", "/n/1", NULL, 4000}};
    static batch b;
    start_calls(&b, port, specs, 2);
    char buf[8192];
    int fd = accept_within(lfd, WAIT_LIMIT_MS);
    read_once(fd, buf, sizeof buf);
    assert_int_equal(requests_in(buf, "GET"), 2);
    int again = accept_within(lfd, WAIT_LIMIT_MS);   /* after the first timed out */
    assert_true(again >= 0);
    assert_int_equal(read_once(fd, buf, sizeof buf), 0);   /* the old one was closed */
    read_once(again, buf, sizeof buf);
    assert_int_equal(requests_in(buf, "GET"), 1);
    assert_non_null(strstr(buf, "GET /n/1 "));
    write_answers(again, 1, 2);
    wait_done(&b);
    assert_int_equal(b.out[0].result, RS_CLIENT_TIMEOUT);
    assert_answer_n(&b, 1);
    close(fd);
    close(again);
    close(lfd);
}

static void test_stray_bytes_end_the_connections_reuse(void **state)
{
    (void)state;
    int port, lfd = listen_on(&port);
    static batch first, second;
    char buf[8192], one[256];
    start_calls(&first, port, get_n, 1);
    int fd = accept_within(lfd, WAIT_LIMIT_MS);
    read_once(fd, buf, sizeof buf);
    answer(one, sizeof one, "answer 0", NULL);
    strcat(one, "HTTP/1.1 200 OK\r\n");   /* an answer no one asked for */
    write_text(fd, one);
    wait_done(&first);
    assert_answer_n(&first, 0);
    assert_int_equal(read_once(fd, buf, sizeof buf), 0);   /* closed by the client */
    start_calls(&second, port, get_n, 1);
    int fresh = accept_within(lfd, WAIT_LIMIT_MS);
    assert_true(fresh >= 0);
    read_once(fresh, buf, sizeof buf);
    write_answers(fresh, 0, 1);
    wait_done(&second);
    assert_answer_n(&second, 0);
    close(fd);
    close(fresh);
    close(lfd);
}

static void test_a_half_answer_fails_only_its_call(void **state)
{
    (void)state;
    int port, lfd = listen_on(&port);
    static batch b;
    start_calls(&b, port, get_n, 2);
    char buf[8192];
    int fd = accept_within(lfd, WAIT_LIMIT_MS);
    read_once(fd, buf, sizeof buf);
    write_text(fd, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nansw");
    usleep(20000);
    close(fd);
    int again = accept_within(lfd, WAIT_LIMIT_MS);
    assert_true(again >= 0);
    read_once(again, buf, sizeof buf);
    assert_int_equal(requests_in(buf, "GET"), 1);
    write_answers(again, 1, 2);
    wait_done(&b);
    assert_int_equal(b.out[0].result, RS_CLIENT_ERROR);
    assert_answer_n(&b, 1);
    close(again);
    close(lfd);
}

static void test_refused_fails_every_call_from_the_loop(void **state)
{
    (void)state;
    int port, lfd = listen_on(&port);
    close(lfd);   /* nothing listens there now */
    static batch b;
    start_calls(&b, port, get_n, 4);
    wait_done(&b);
    assert_int_equal(b.started, 4);
    assert_int_equal(b.done_within, 0);
    for (int i = 0; i < 4; i++)
        assert_int_equal(b.out[i].result, RS_CLIENT_CONNECT);
}

int main(void)
{
    setenv("CLIENT_TIMEOUT_MS", "4000", 1);
    rs_log_init("test_client_loop");
    if (rs_client_init() != 0 || (loop = rs_loop_new()) == NULL ||
        pthread_create(&loop_thread, NULL, run_loop, NULL) != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gets_of_one_turn_share_one_write),
        cmocka_unit_test(test_answers_in_pieces_reach_their_calls),
        cmocka_unit_test(test_at_most_eight_on_a_connection),
        cmocka_unit_test(test_a_call_with_a_body_goes_alone),
        cmocka_unit_test(test_calls_behind_a_closing_answer_go_again),
        cmocka_unit_test(test_a_fresh_connection_closed_unanswered),
        cmocka_unit_test(test_a_kept_connection_closed_unanswered),
        cmocka_unit_test(test_a_timed_out_call_sends_the_rest_again),
        cmocka_unit_test(test_stray_bytes_end_the_connections_reuse),
        cmocka_unit_test(test_a_half_answer_fails_only_its_call),
        cmocka_unit_test(test_refused_fails_every_call_from_the_loop),
    };
    int failed = cmocka_run_group_tests_name("client_loop", tests, NULL, NULL);
    rs_loop_stop(loop);
    pthread_join(loop_thread, NULL);
    rs_loop_free(loop);
    rs_client_cleanup();
    return failed;
}
