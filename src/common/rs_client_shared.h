/*
 * rs_client_shared.h - what the blocking and the asynchronous peer calls
 * (rs_client.c, rs_client_loop.c) share. Not for services.
 */
#ifndef RS_CLIENT_SHARED_H
#define RS_CLIENT_SHARED_H

#include <curl/curl.h>
#include <stdbool.h>

#include "rs_client.h"
#include "rs_trace_context.h"

extern long rs_client_connect_timeout_ms;
extern long rs_client_total_timeout_ms;

/* The header lines of a call: traceparent (the call's span, when it has
 * one), Content-Type, the caller's. */
struct curl_slist *rs_client_headers(const rs_client_request *rq, const rs_trace *span);
void               rs_client_set_options(CURL *h, const rs_client_request *rq,
                                         struct curl_slist *headers, rs_buf *body);
rs_client_result   rs_client_classify(CURLcode rc);
/* Records the call in http_client_request_duration_seconds, and its
 * CLIENT span (span: NULL when the call has none). */
void               rs_client_observe(const rs_client_request *rq, const rs_trace *span,
                                     rs_client_result result, long status, double started);

#endif
