/*
 * rs_http_conn.h - what the server (rs_http.c) and the request API that
 * handlers see (rs_http_request.c) share. Not for services.
 */
#ifndef RS_HTTP_CONN_H
#define RS_HTTP_CONN_H

#include <stdbool.h>
#include <stddef.h>

#include "rs_buf.h"
#include "rs_http.h"
#include "rs_loop.h"
#include "rs_trace_context.h"

#define RS_MAX_HEADERS       64
#define RS_MAX_REPLY_HEADERS 12

typedef struct rs_conn rs_conn;

typedef struct header_pair {
    char *name;
    char *value;
} header_pair;

typedef struct owned_string {
    struct owned_string *next;
    char                 text[];
} owned_string;

struct rs_request {
    rs_server   *server;
    rs_conn     *conn;
    rs_loop     *loop;            /* the loop of the connection */
    const char  *method;          /* a static string */
    const char  *path;            /* raw path, in target */
    const char  *query;           /* raw query, in target; NULL when none */
    char         client_ip[48];
    rs_buf       target;          /* the request target, as it came */
    rs_buf       fields;          /* header names and values, NUL after each */
    /* From name_at to values, not cleared by new_request (rs_http.c). */
    size_t       name_at[RS_MAX_HEADERS];
    size_t       value_at[RS_MAX_HEADERS];
    const char  *names[RS_MAX_HEADERS];     /* resolved once the headers are in */
    const char  *values[RS_MAX_HEADERS];
    size_t       nfields;
    bool         in_value;
    rs_buf       body;
    bool         keep_alive;      /* as the client asked */
    bool         http10;
    bool         is_head;
    bool         counted;         /* in the server's in-flight count */
    double       started;
    double       clock_stopped;   /* rs_req_stop_clock's time, 0 when not */

    /* The reply. */
    bool         replied;
    int          status;
    rs_buf       head;            /* status line and header lines */
    const char  *head_data;       /* head.data, or a fixed line when out of memory */
    size_t       head_len;
    const char  *reply_body;
    size_t       reply_len;
    char        *owned_body;      /* freed with the request */
    bool         close_after;     /* the connection closes after this reply */
    header_pair  extra[RS_MAX_REPLY_HEADERS];
    size_t       nextra;

    const char  *route_label;     /* pattern, never the raw path */
    rs_trace     trace;
    owned_string *owned;          /* decoded query values */
    rs_match     match;
    bool         in_handler;      /* an RS_RUN_ASYNC handler is running */
    bool         finished;        /* rs_req_finish was called */
    rs_loop_job  done_job;        /* hands a finished request back to its loop */
};

/* rs_http.c, for rs_http_request.c: whether replies say Connection: close. */
bool rs_server_draining(const rs_server *s);

/* rs_http_request.c, for rs_http.c. */
void rs_request_free(rs_request *req);
/* Frees what the request owns but the memory of target, fields and head
 * (each up to RS_REQUEST_KEEP_MAX bytes), for the connection's next one. */
#define RS_REQUEST_KEEP_MAX 4096
void rs_request_recycle(rs_request *req);

#endif
