/*
 * rs_http.h - the HTTP server every service runs on (HTTP/1.1, parsed by
 * http-parser).
 *
 * A handler receives one complete request (body read, at most 64 KiB, else
 * 413 before the handler runs) and must answer it exactly once with one of
 * the rs_reply_* calls. The runtime adds CORS and Timing headers, the trace
 * context, the RED metrics and the access-log line; it answers 404, 405,
 * 400 (bad path or parameter) and OPTIONS itself, and serves /health (when
 * the service has no route of its own for it), /ready and /metrics.
 *
 * Threading: one event loop per core (rs_loop.h) accepts from a shared
 * listening socket and reads and writes the connections it accepted;
 * handlers run on a pool of worker threads (THREADS), so a handler may
 * block on a datastore or a peer without stalling other connections: a
 * slow call holds one worker, nothing else. Routes marked RS_RUN_INLINE
 * run on the loop's thread instead: faster, for handlers that never wait. RS_RUN_ASYNC routes start
 * on the loop's thread too, with the connection set aside until the answer
 * is handed back by rs_req_finish; their calls to peers
 * (rs_client_call_async) run on that same loop, with no thread hand-off.
 *
 * Malformed requests get a JSON error and a closed connection: 400 (bad
 * syntax, target or Content-Length, two Content-Lengths), 408 (headers not
 * complete within header_timeout_s of their first byte), 413, 414, 417,
 * 431, 501 (a transfer coding other than chunked), 505.
 */
#ifndef RS_HTTP_H
#define RS_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include "rs_buf.h"
#include "rs_router.h"

#define RS_BODY_MAX (64 * 1024)

/* The request, as the handler sees it. Strings live until the reply. */
const char *rs_req_method(const rs_request *req);
const char *rs_req_path(const rs_request *req);          /* raw path */
const char *rs_req_param(const rs_request *req, const char *name);
const char *rs_req_header(const rs_request *req, const char *name);
const char *rs_req_query(rs_request *req, const char *name);         /* decoded */
const char *rs_req_body(const rs_request *req, size_t *len);
/* Appends the query string as it came ("a=1&b=x%20y"), without the '?'. */
void        rs_req_query_string(const rs_request *req, rs_buf *out);
/* The client's address, as text ("127.0.0.1", "::1"); "" when unknown. */
void        rs_req_client_ip(const rs_request *req, char *out, size_t size);
/* Parses the body as a JSON object; on failure answers 400 and returns NULL. */
json_t     *rs_req_json(rs_request *req);

/* Answers. Each sends the reply; call exactly one, once. */
void rs_reply_json(rs_request *req, int status, json_t *body);   /* steals body */
void rs_reply_raw(rs_request *req, int status, const char *content_type,
                  char *body, size_t len);                       /* takes malloc'd body */
void rs_reply_static(rs_request *req, int status, const char *content_type,
                     const char *body, size_t len);              /* body outlives the reply */
void rs_reply_text(rs_request *req, int status, const char *text);
void rs_reply_error(rs_request *req, int status, const char *message);
/* Adds a header to the coming reply (before rs_reply_*). */
void rs_reply_header(rs_request *req, const char *name, const char *value);
/* For RS_RUN_ASYNC handlers: the reply is made (or, if not, a 500 is); hand
 * the connection back to be answered. Call once, from any thread, after the
 * handler started (even from within it); the request is not touched after. */
void rs_req_finish(rs_request *req);
/* The request's measured duration (its metric and access-log line) ends
 * now, for a reply that is then held back on purpose. */
void rs_req_stop_clock(rs_request *req);

typedef struct rs_server rs_server;

typedef struct rs_server_config {
    const char  *bind;            /* "0.0.0.0" */
    int          port;
    unsigned     io_threads;      /* event loops for the connections */
    unsigned     threads;         /* workers that run the handlers */
    unsigned     max_connections;
    unsigned     max_per_client;  /* connections from one address; 0 = max_connections */
    unsigned     idle_timeout_s;  /* between requests, and for a body or a reply */
    unsigned     header_timeout_s;/* a request's headers, from its first byte; 0 = idle */
} rs_server_config;

/* Listens on cfg->port (0: a free port the system picks, see
 * rs_server_port); NULL, with the reason logged, when it cannot start. */
rs_server *rs_server_start(const rs_server_config *cfg, const rs_router *router);
/* The port the server listens on. */
int        rs_server_port(const rs_server *s);
/* Stops accepting; connections already open are still served. */
void       rs_server_quiesce(rs_server *s);
/* Connections waiting in the listen queue, not yet accepted. */
unsigned   rs_server_queued(const rs_server *s);
/* Requests received but not yet answered and sent. */
unsigned   rs_server_in_flight(const rs_server *s);
void       rs_server_stop(rs_server *s);
/* After this, replies carry "Connection: close". */
void       rs_server_set_draining(rs_server *s);

#endif
