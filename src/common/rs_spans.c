/*
 * rs_spans.c - the runtime's spans and their attributes (see rs_spans.h).
 */
#include "rs_spans.h"

#include <http_parser.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DATASTORES 6

typedef struct datastore {
    char system[16];
    char host[128];
    int  port;
    char name[64];
} datastore;

/* Filled while the service starts; an entry is published by the count. */
static datastore datastores[MAX_DATASTORES];
static atomic_size_t ndatastores;

/* ---- server ---- */

static const char *known_method(const char *method)
{
    static const char *const known[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS",
                                        "PATCH", "CONNECT", "TRACE"};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(method, known[i]) == 0)
            return known[i];
    return NULL;
}

/* "/product/:sku" as the conventions write a route: "/product/{sku}". */
static void route_template(const char *pattern, char *out, size_t size)
{
    size_t n = 0;
    for (const char *p = pattern; *p != '\0' && n + 2 < size; p++) {
        if (*p == ':' && (p == pattern || p[-1] == '/')) {
            out[n++] = '{';
            while (p[1] != '\0' && p[1] != '/' && n + 2 < size)
                out[n++] = *++p;
            out[n++] = '}';
        } else {
            out[n++] = *p;
        }
    }
    out[n] = '\0';
}

/* "host:port" (or "[v6]:port") into its parts: the host's start and
 * length; port 0 when none. */
static void split_host(const char *hostport, const char **host, size_t *len, int *port)
{
    const char *colon = strrchr(hostport, ':');
    if (colon != NULL && strchr(colon, ']') != NULL)
        colon = NULL;
    *host = hostport;
    *len = colon != NULL ? (size_t)(colon - hostport) : strlen(hostport);
    if (*len > 1 && hostport[0] == '[' && hostport[*len - 1] == ']') {
        (*host)++;
        *len -= 2;
    }
    *port = colon != NULL ? atoi(colon + 1) : 0;
}

/* The probes Kubernetes and Prometheus send every few seconds: not traced,
 * they would be most of the spans and tell nothing. */
static bool is_probe(const char *route)
{
    return route != NULL && (strcmp(route, "/health") == 0 || strcmp(route, "/ready") == 0 ||
                             strcmp(route, "/metrics") == 0);
}

void rs_spans_server(const rs_trace *t, double started, const rs_server_span *r)
{
    rs_span s;
    if (is_probe(r->route) || !rs_span_begin(&s, t, RS_SPAN_SERVER, started))
        return;
    const char *method = known_method(r->method);
    char route[96];
    if (r->route != NULL)
        route_template(r->route, route, sizeof route);
    rs_span_set_name(&s, method != NULL ? method : "HTTP", r->route != NULL ? route : NULL);
    rs_span_str(&s, "http.request.method", method != NULL ? method : "_OTHER");
    if (method == NULL)
        rs_span_str(&s, "http.request.method_original", r->method);
    rs_span_str(&s, "url.path", r->path);
    rs_span_str(&s, "url.query", r->query);
    rs_span_str(&s, "url.scheme", "http");
    if (r->route != NULL)
        rs_span_str(&s, "http.route", route);
    rs_span_int(&s, "http.response.status_code", r->status);
    if (r->host != NULL) {
        const char *host;
        size_t len;
        int port;
        split_host(r->host, &host, &len, &port);
        rs_span_strn(&s, "server.address", host, len);
        if (port > 0)
            rs_span_int(&s, "server.port", port);
    }
    rs_span_str(&s, "client.address", r->client_ip);
    rs_span_str(&s, "network.protocol.version", r->http10 ? "1.0" : "1.1");
    if (r->status >= 500) {
        char code[16];
        snprintf(code, sizeof code, "%d", r->status);
        rs_span_str(&s, "error.type", code);
        s.status = RS_STATUS_ERROR;
    }
    rs_span_end(&s);
}

/* ---- peer calls ---- */

static void url_server(rs_span *s, const char *url)
{
    struct http_parser_url u;
    http_parser_url_init(&u);
    if (http_parser_parse_url(url, strlen(url), 0, &u) != 0 || !(u.field_set & (1 << UF_HOST)))
        return;
    rs_span_strn(s, "server.address", url + u.field_data[UF_HOST].off, u.field_data[UF_HOST].len);
    bool https = (u.field_set & (1 << UF_SCHEMA)) && u.field_data[UF_SCHEMA].len == 5;
    rs_span_int(s, "server.port", (u.field_set & (1 << UF_PORT)) ? u.port : https ? 443 : 80);
}

void rs_spans_http_client(const rs_trace *span, double started, const char *peer,
                          const char *method, const char *url, const char *failure, long status)
{
    rs_span s;
    if (!rs_span_begin(&s, span, RS_SPAN_CLIENT, started))
        return;
    const char *known = known_method(method);
    rs_span_set_name(&s, known != NULL ? known : "HTTP", NULL);
    rs_span_str(&s, "http.request.method", known != NULL ? known : "_OTHER");
    url_server(&s, url);
    rs_span_str(&s, "url.full", url);
    rs_span_str(&s, "peer.service", peer);
    if (failure == NULL)
        rs_span_int(&s, "http.response.status_code", status);
    char code[24];
    if (failure == NULL && status >= 400)
        snprintf(code, sizeof code, "%ld", status);
    if (failure != NULL || status >= 400) {
        rs_span_str(&s, "error.type", failure != NULL ? failure : code);
        s.status = RS_STATUS_ERROR;
    }
    rs_span_end(&s);
}

/* ---- datastores ---- */

void rs_spans_datastore(const char *system, const char *host, int port, const char *name)
{
    size_t n = atomic_load(&ndatastores);
    if (n == MAX_DATASTORES)
        return;
    datastore *d = &datastores[n];
    snprintf(d->system, sizeof d->system, "%s", system);
    snprintf(d->host, sizeof d->host, "%s", host != NULL ? host : "");
    d->port = port;
    snprintf(d->name, sizeof d->name, "%s", name != NULL ? name : "");
    atomic_store(&ndatastores, n + 1);
}

static const datastore *find_datastore(const char *system)
{
    size_t n = atomic_load(&ndatastores);
    for (size_t i = 0; i < n; i++)
        if (strcmp(datastores[i].system, system) == 0)
            return &datastores[i];
    return NULL;
}

void rs_spans_db(const char *system, const char *operation, double started)
{
    rs_span s;
    const rs_trace *parent = rs_trace_current();
    if (parent == NULL || !rs_span_begin(&s, parent, RS_SPAN_CLIENT, started))
        return;
    rs_trace ids;   /* made only for a span that is recorded */
    rs_trace_child(parent, &ids);
    memcpy(s.span_id, ids.span_id, sizeof s.span_id);
    memcpy(s.parent_id, ids.parent_id, sizeof s.parent_id);
    const datastore *d = find_datastore(system);
    const char *target = d != NULL && d->name[0] != '\0' ? d->name : system;
    rs_span_set_name(&s, operation, target);
    rs_span_str(&s, "db.system.name", system);
    rs_span_str(&s, "db.operation.name", operation);
    if (d != NULL && d->name[0] != '\0')
        rs_span_str(&s, "db.namespace", d->name);
    if (d != NULL && d->host[0] != '\0') {
        rs_span_str(&s, "server.address", d->host);
        rs_span_int(&s, "server.port", d->port);
    }
    rs_span_end(&s);
}

/* ---- messaging ---- */

static void messaging(rs_span *s, const char *operation, const char *type, const char *destination,
                      const char *message_id)
{
    rs_span_set_name(s, operation, destination);
    rs_span_str(s, "messaging.system", "rabbitmq");
    rs_span_str(s, "messaging.operation.name", operation);
    rs_span_str(s, "messaging.operation.type", type);
    rs_span_str(s, "messaging.destination.name", destination);
    rs_span_str(s, "messaging.message.id", message_id);
    const datastore *d = find_datastore("rabbitmq");
    if (d != NULL && d->host[0] != '\0') {
        rs_span_str(s, "server.address", d->host);
        rs_span_int(s, "server.port", d->port);
    }
}

void rs_spans_publish(const rs_trace *span, double started, const char *exchange,
                      const char *routing_key, const char *message_id, bool confirmed)
{
    rs_span s;
    if (!rs_span_begin(&s, span, RS_SPAN_PRODUCER, started))
        return;
    messaging(&s, "publish", "send", exchange, message_id);
    rs_span_str(&s, "messaging.rabbitmq.destination.routing_key", routing_key);
    if (!confirmed) {
        rs_span_str(&s, "error.type", "not_confirmed");
        s.status = RS_STATUS_ERROR;
    }
    rs_span_end(&s);
}

void rs_spans_process(const rs_trace *t, double started, const char *queue,
                      const char *message_id, bool failed)
{
    rs_span s;
    if (!rs_span_begin(&s, t, RS_SPAN_CONSUMER, started))
        return;
    messaging(&s, "process", "process", queue, message_id);
    if (failed) {
        rs_span_str(&s, "error.type", "failed");
        s.status = RS_STATUS_ERROR;
    }
    rs_span_end(&s);
}
