/*
 * rs_client.h - HTTP client for calls to peer services (over libcurl).
 *
 * Each thread keeps one curl handle, so connections to peers stay alive and
 * are reused. Every call has a connect and a total timeout, is a CLIENT
 * span of the current trace whose traceparent it carries (rs_spans.h), is
 * measured in http_client_request_duration_seconds{peer,status}, and an
 * idempotent call (GET, HEAD, PUT, DELETE) that fails to connect is tried
 * once more.
 * rs_client_call_async makes the call without holding the caller's thread.
 */
#ifndef RS_CLIENT_H
#define RS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include "rs_buf.h"

typedef enum {
    RS_CLIENT_OK = 0,       /* an HTTP answer arrived (any status) */
    RS_CLIENT_CONNECT,      /* refused or unreachable */
    RS_CLIENT_TIMEOUT,      /* no complete answer in time */
    RS_CLIENT_ERROR         /* anything else (bad URL, out of memory) */
} rs_client_result;

/* The end-to-end answer headers a gateway passes on, by their place in
 * rs_client_response.kept; never a hop-by-hop one (Connection, Keep-Alive,
 * Transfer-Encoding, Upgrade, Proxy-*), nor Content-Length, which the
 * reply makes anew. */
enum {
    RS_KEPT_RETRY_AFTER,
    RS_KEPT_LOCATION,
    RS_KEPT_CACHE_CONTROL,
    RS_KEPT_ETAG,
    RS_KEPT_LAST_MODIFIED,
    RS_KEPT_VARY,
    RS_CLIENT_KEPT
};
extern const char *const rs_client_kept_names[RS_CLIENT_KEPT];

typedef struct rs_client_response {
    long   status;          /* HTTP status when RS_CLIENT_OK */
    rs_buf body;            /* answer body; free with rs_buf_free */
    char   content_type[128];   /* "" when the answer named none */
    char   etag[128];           /* its ETag header, as sent; "" when none
                                   (filled by rs_client_call only) */
    char   kept[RS_CLIENT_KEPT][256];   /* the kept headers' values, lines
                                   of one name joined by ", "; "" when absent
                                   or longer (filled by rs_client_call_async
                                   only) */
} rs_client_response;

typedef struct rs_client_request {
    const char *peer;           /* metric label: "catalogue" */
    const char *method;         /* "GET" */
    const char *url;            /* full URL */
    const char *body;           /* NULL for none */
    size_t      body_len;
    const char *content_type;   /* for the body; NULL = application/json */
    long        timeout_ms;     /* 0 = the default (CLIENT_TIMEOUT_MS) */
    const char *const *headers; /* more "Name: value" lines, or NULL */
    size_t      nheaders;
    int         no_retry;       /* 1: never try a failed connect again */
    const char *traceparent;    /* the caller's context; NULL: the current trace */
} rs_client_request;

/* Reads CLIENT_CONNECT_TIMEOUT_MS and CLIENT_TIMEOUT_MS; once, at start. */
int  rs_client_init(void);
rs_client_result rs_client_call(const rs_client_request *rq, rs_client_response *out);

/* The same call without a thread waiting for it, for handlers that run on
 * the server's event loop (RS_RUN_ASYNC, RS_RUN_INLINE): the call runs on
 * that loop, over connections it keeps alive (the GETs and HEADs that the
 * loop starts in one turn go out pipelined, a few to a connection: see
 * rs_client_loop.c), and done(arg, result,
 * response) is called there when it ends, never from within this call;
 * done may take the response's body (rs_buf_steal) and may start another
 * call. Plain http:// URLs only. The request's URL, method and headers are
 * copied; its body and peer name must stay until done runs. A failed
 * connect is not tried again (the caller decides). 0, or -1 when the call
 * could not be started (off a loop's thread, a bad URL, out of memory:
 * done is then never called). Calls still running when the loop ends end
 * with RS_CLIENT_ERROR. */
typedef void (*rs_client_done)(void *arg, rs_client_result result, rs_client_response *response);
int  rs_client_call_async(const rs_client_request *rq, rs_client_done done, void *arg);

/* GET, HEAD, PUT and DELETE: a call that may be made twice. */
bool rs_client_idempotent(const char *method);

/* Ends this thread's handle and libcurl. */
void rs_client_cleanup(void);

#endif
