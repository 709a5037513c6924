/*
 * baseline.c - the bare libmicrohttpd server the benchmarks compare against.
 *
 * It answers every request with one fixed 300-byte JSON body and does nothing
 * else: no routing, no metrics, no logging, no worker hand-off. It is the
 * fastest libmicrohttpd setup (an epoll thread pool answering inline), with
 * the connection settings of the service runtime (src/common/rs_http.c), so
 * the difference between the two is what the runtime itself costs.
 *
 * Usage: baseline PORT [THREADS]
 */
#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char body[301];

static enum MHD_Result answer(void *cls, struct MHD_Connection *conn,
                              const char *url, const char *method,
                              const char *version, const char *upload_data,
                              size_t *upload_data_size, void **req_cls)
{
    (void)cls; (void)url; (void)method; (void)version; (void)upload_data;
    if (*req_cls == NULL) {         /* first call: headers only */
        *req_cls = conn;
        return MHD_YES;
    }
    if (*upload_data_size != 0) {   /* discard any body */
        *upload_data_size = 0;
        return MHD_YES;
    }
    struct MHD_Response *r = MHD_create_response_from_buffer(
        sizeof body - 1, body, MHD_RESPMEM_PERSISTENT);
    if (r == NULL) return MHD_NO;
    MHD_add_response_header(r, "Content-Type", "application/json");
    enum MHD_Result ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

static void fill_body(void)
{
    static const char head[] = "{\"sku\":\"BASELINE-1\",\"name\":\"Baseline\",\"description\":\"";
    static const char tail[] = "\",\"price\":10.5,\"instock\":3,\"categories\":[\"Bench\"]}";
    size_t pad = 300 - (sizeof head - 1) - (sizeof tail - 1);
    memcpy(body, head, sizeof head - 1);
    memset(body + sizeof head - 1, 'x', pad);
    memcpy(body + sizeof head - 1 + pad, tail, sizeof tail);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: baseline PORT [THREADS]\n");
        return 2;
    }
    int port = atoi(argv[1]);
    long threads = argc > 2 ? atol(argv[2]) : sysconf(_SC_NPROCESSORS_ONLN);
    if (port <= 0 || port > 65535 || threads < 1) {
        fprintf(stderr, "baseline: bad port or thread count\n");
        return 2;
    }
    fill_body();
    signal(SIGPIPE, SIG_IGN);
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TURBO,
        (uint16_t)port, NULL, NULL, answer, NULL,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)threads,
        MHD_OPTION_CONNECTION_LIMIT, 4096u,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(16 * 1024),
        MHD_OPTION_CONNECTION_TIMEOUT, 30u,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u,
        MHD_OPTION_END);
    if (d == NULL) {
        fprintf(stderr, "baseline: cannot listen on port %d\n", port);
        return 1;
    }
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigprocmask(SIG_BLOCK, &set, NULL);
    int sig;
    sigwait(&set, &sig);
    MHD_stop_daemon(d);
    return 0;
}
