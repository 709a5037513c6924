/*
 * rs_http_request.c - the request as handlers see it, and their replies
 * (see rs_http.h). A reply is made into the request's own memory on the
 * handler's thread: the status line and headers in `head`, the body as a
 * pointer; the connection's loop writes both out once the handler is done.
 */
#include "rs_http_conn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "rs_json.h"
#include "rs_log.h"
#include "rs_percent.h"
#include "rs_time.h"

/* ---- the request ---- */

const char *rs_req_method(const rs_request *req) { return req->method; }
const char *rs_req_path(const rs_request *req) { return req->path; }

const char *rs_req_param(const rs_request *req, const char *name)
{
    return rs_match_param(&req->match, name);
}

const char *rs_req_header(const rs_request *req, const char *name)
{
    for (size_t i = 0; i < req->nfields; i++)
        if (strcasecmp(req->names[i], name) == 0)
            return req->values[i];
    return NULL;
}

/* The raw value of the first "name=value" in the query; NULL when absent
 * or given without '='. */
static const char *raw_query_value(const char *query, const char *name, size_t *len)
{
    size_t n = strlen(name);
    for (const char *p = query; p != NULL && *p != '\0';) {
        const char *end = strchr(p, '&');
        size_t pair = end != NULL ? (size_t)(end - p) : strlen(p);
        if (pair > n && strncmp(p, name, n) == 0 && p[n] == '=') {
            *len = pair - n - 1;
            return p + n + 1;
        }
        p = end != NULL ? end + 1 : NULL;
    }
    return NULL;
}

const char *rs_req_query(rs_request *req, const char *name)
{
    size_t len = 0;
    const char *raw = raw_query_value(req->query, name, &len);
    if (raw == NULL)
        return NULL;
    owned_string *s = malloc(sizeof *s + len + 1);
    if (s == NULL)
        return NULL;
    memcpy(s->text, raw, len);
    s->text[len] = '\0';
    if (rs_percent_decode(s->text, 1) != 0) {
        free(s);
        return NULL;
    }
    s->next = req->owned;
    req->owned = s;
    return s->text;
}

void rs_req_query_string(const rs_request *req, rs_buf *out)
{
    if (req->query != NULL)
        rs_buf_puts(out, req->query);
}

void rs_req_client_ip(const rs_request *req, char *out, size_t size)
{
    if (size == 0)
        return;
    size_t n = strnlen(req->client_ip, size - 1);
    memcpy(out, req->client_ip, n);
    out[n] = '\0';
}

const char *rs_req_body(const rs_request *req, size_t *len)
{
    if (len != NULL)
        *len = req->body.len;
    return req->body.data != NULL ? req->body.data : "";
}

json_t *rs_req_json(rs_request *req)
{
    json_t *v = NULL;
    if (req->body.len > 0)
        v = rs_json_parse_object(req->body.data, req->body.len);
    if (v == NULL)
        rs_reply_error(req, 400, "request body must be a JSON object");
    return v;
}

/* What the request owns but its three reusable buffers. */
static void release_owned(rs_request *req)
{
    rs_buf_free(&req->body);
    free(req->owned_body);
    req->owned_body = NULL;
    for (size_t i = 0; i < req->nextra; i++) {
        free(req->extra[i].name);
        free(req->extra[i].value);
    }
    req->nextra = 0;
    while (req->owned != NULL) {
        owned_string *next = req->owned->next;
        free(req->owned);
        req->owned = next;
    }
}

/* Emptied for the next request, its memory kept unless it grew large. */
static void keep_small(rs_buf *b)
{
    if (b->cap > RS_REQUEST_KEEP_MAX)
        rs_buf_free(b);
    else
        rs_buf_reset(b);
}

void rs_request_recycle(rs_request *req)
{
    release_owned(req);
    keep_small(&req->target);
    keep_small(&req->fields);
    keep_small(&req->head);
}

void rs_request_free(rs_request *req)
{
    release_owned(req);
    rs_buf_free(&req->target);
    rs_buf_free(&req->fields);
    rs_buf_free(&req->head);
    free(req);
}

/* ---- replies ---- */

void rs_req_stop_clock(rs_request *req)
{
    req->clock_stopped = rs_now();
}

void rs_reply_header(rs_request *req, const char *name, const char *value)
{
    if (req->nextra == RS_MAX_REPLY_HEADERS) {
        rs_log(RS_WARN, "too many reply headers, %s dropped", name);
        return;
    }
    header_pair *h = &req->extra[req->nextra];
    h->name = strdup(name);
    h->value = strdup(value);
    if (h->name == NULL || h->value == NULL) {
        free(h->name);
        free(h->value);
        return;
    }
    req->nextra++;
}

static const char *reason_phrase(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 417: return "Expectation Failed";
    case 418: return "I'm a teapot";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default:  return status < 300 ? "OK" : status < 400 ? "Redirect" : status < 500 ? "Client Error"
                                                                                    : "Server Error";
    }
}

/* The Date header's value, made once a second per thread. */
static const char *http_date(void)
{
    static _Thread_local time_t made;
    static _Thread_local char text[40];
    time_t now = time(NULL);
    if (now != made) {
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &tm);
        made = now;
    }
    return text;
}

static bool may_have_body(int status)
{
    return status >= 200 && status != 204 && status != 304;
}

static void append_header(rs_buf *b, const char *name, const char *value)
{
    rs_buf_puts(b, name);
    rs_buf_append(b, ": ", 2);
    rs_buf_puts(b, value);
    rs_buf_append(b, "\r\n", 2);
}

/* The status line and headers, into req->head (no printf: this is the
 * path every request takes). */
static void compose_head(rs_request *req, const char *content_type)
{
    rs_buf *h = &req->head;
    rs_buf_puts(h, "HTTP/1.1 ");
    rs_buf_put_uint(h, (unsigned long long)req->status);
    rs_buf_append(h, " ", 1);
    rs_buf_puts(h, reason_phrase(req->status));
    rs_buf_append(h, "\r\n", 2);
    append_header(h, "Date", http_date());
    if (content_type != NULL)
        append_header(h, "Content-Type", content_type);
    if (may_have_body(req->status)) {
        rs_buf_puts(h, "Content-Length: ");
        rs_buf_put_uint(h, req->reply_len);
        rs_buf_append(h, "\r\n", 2);
    }
    rs_buf_puts(h, "Access-Control-Allow-Origin: *\r\nTiming-Allow-Origin: *\r\n");
    for (size_t i = 0; i < req->nextra; i++)
        append_header(h, req->extra[i].name, req->extra[i].value);
    if (!req->keep_alive || rs_server_draining(req->server))
        req->close_after = true;
    if (req->close_after)
        rs_buf_puts(h, "Connection: close\r\n");
    else if (req->http10)
        rs_buf_puts(h, "Connection: keep-alive\r\n");
    rs_buf_append(h, "\r\n", 2);
}

/* Makes the reply: status, type, and a body that stays until the request
 * is freed (owned or not). */
static void make_reply(rs_request *req, int status, const char *content_type, const char *body,
                       size_t len)
{
    req->replied = true;
    req->status = status;
    req->reply_body = may_have_body(status) ? body : "";
    req->reply_len = may_have_body(status) ? len : 0;
    compose_head(req, content_type);
    if (!req->head.failed) {
        req->head_data = req->head.data;
        req->head_len = req->head.len;
        return;
    }
    static const char oom[] =
        "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    req->status = 500;
    req->head_data = oom;
    req->head_len = sizeof oom - 1;
    req->reply_body = "";
    req->reply_len = 0;
    req->close_after = true;
}

static bool second_reply(rs_request *req)
{
    if (!req->replied)
        return false;
    rs_log(RS_ERROR, "second reply to %s %s ignored", req->method, req->route_label);
    return true;
}

void rs_reply_raw(rs_request *req, int status, const char *content_type, char *body, size_t len)
{
    if (second_reply(req)) {
        free(body);
        return;
    }
    req->owned_body = body;
    make_reply(req, status, content_type, body != NULL ? body : "", body != NULL ? len : 0);
}

void rs_reply_static(rs_request *req, int status, const char *content_type,
                     const char *body, size_t len)
{
    if (!second_reply(req))
        make_reply(req, status, content_type, body, len);
}

void rs_reply_json(rs_request *req, int status, json_t *body)
{
    rs_buf out = RS_BUF_INIT;
    if (body == NULL || rs_json_dump(body, &out) != 0 || out.failed) {
        json_decref(body);
        rs_buf_free(&out);
        static const char oom[] = "{\"error\":\"out of memory\"}";
        rs_reply_static(req, 500, "application/json", oom, sizeof oom - 1);
        return;
    }
    json_decref(body);
    size_t len;
    char *data = rs_buf_steal(&out, &len);
    rs_reply_raw(req, status, "application/json", data, len);
}

void rs_reply_text(rs_request *req, int status, const char *text)
{
    char *copy = strdup(text);
    if (copy == NULL) {
        rs_reply_static(req, 500, "text/plain; charset=utf-8", "out of memory", 13);
        return;
    }
    rs_reply_raw(req, status, "text/plain; charset=utf-8", copy, strlen(copy));
}

void rs_reply_error(rs_request *req, int status, const char *message)
{
    rs_reply_json(req, status, rs_json_error(message));
}
