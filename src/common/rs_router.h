/*
 * rs_router.h - the route table: method + path pattern -> handler.
 *
 * Patterns are literal segments and parameters: "/add/:id/:sku/:qty", and
 * may end in a "*" segment for any rest of the path (as in /api/:service
 * followed by that segment); the handler reads the rest from the raw path.
 * Matching works on the raw (still percent-encoded) path: the path is split
 * on '/', each segment is decoded on its own (so "%2F" stays inside its
 * segment), and a segment that decodes to a NUL byte, holds a bad escape, or
 * is "." or ".." makes the whole path invalid. Parameters are then checked:
 * RS_PARAM_ID routes take ids, RS_PARAM_TEXT routes take search texts
 * (see rs_valid.h). HEAD matches GET routes.
 */
#ifndef RS_ROUTER_H
#define RS_ROUTER_H

#include <stddef.h>

#define RS_MAX_PARAMS   8
#define RS_MAX_SEGMENTS 16
#define RS_PATH_MAX     2048

typedef enum { RS_PARAM_ID = 0, RS_PARAM_TEXT = 1 } rs_param_kind;

typedef struct rs_request rs_request;
typedef void (*rs_handler)(rs_request *req);

/* Where the handler runs: on a worker thread (the default, for handlers
 * that may wait on a datastore or a peer), or on the I/O thread that read
 * the request (for handlers that only compute, such as /metrics), or on the
 * I/O thread with the answer given later, from any thread, followed by
 * rs_req_finish (for handlers that start work elsewhere and never wait,
 * such as the gateway's asynchronous calls to peers). */
typedef enum { RS_RUN_WORKER, RS_RUN_INLINE, RS_RUN_ASYNC } rs_run;

typedef struct rs_route {
    const char   *method;     /* "GET", "POST", "PUT", "DELETE" */
    const char   *pattern;    /* "/product/:sku"; a last segment "*" matches
                                 any rest of the path, even none */
    rs_handler    handler;
    rs_param_kind params;     /* how the ":name" segments are validated */
    rs_run        run;
} rs_route;

typedef enum {
    RS_MATCH_OK,
    RS_MATCH_NOT_FOUND,       /* no pattern fits the path: 404 */
    RS_MATCH_BAD_METHOD,      /* a pattern fits, not for this method: 405 */
    RS_MATCH_BAD_PATH,        /* undecodable or dot segments: 400 */
    RS_MATCH_BAD_PARAM        /* a parameter fails validation: 400 */
} rs_match_status;

typedef struct rs_match {
    rs_match_status status;
    const rs_route *route;
    size_t          nparams;
    const char     *names[RS_MAX_PARAMS];   /* point into the pattern */
    const char     *values[RS_MAX_PARAMS];  /* decoded, point into storage */
    const char     *bad_param;              /* name, for RS_MATCH_BAD_PARAM */
    char            allow[64];              /* methods, for RS_MATCH_BAD_METHOD */
    char            storage[RS_PATH_MAX + RS_MAX_SEGMENTS];
} rs_match;

typedef struct rs_router rs_router;

rs_router *rs_router_new(void);
void       rs_router_free(rs_router *r);
/* 0, or -1 for a malformed pattern, too many routes, or out of memory. */
int        rs_router_add(rs_router *r, const rs_route *route);
void       rs_router_match(const rs_router *r, const char *method,
                           const char *raw_path, rs_match *m);
const char *rs_match_param(const rs_match *m, const char *name);

#endif
