/*
 * internal_routes.c - the gateway's list of internal routes (see
 * internal_routes.h). Paths are compared as the services' router sees
 * them: split on '/', each segment percent-decoded, empty segments left
 * out, so that no spelling of a path slips past the list.
 */
#include "internal_routes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy.h"
#include "rs_config.h"
#include "rs_log.h"
#include "rs_percent.h"
#include "rs_router.h"
#include "upstreams.h"

#define DEFAULT_ROUTES "user/order,cart/shipping,*/health,*/_health,*/ready,*/metrics"
#define MAX_ENTRIES    64
#define MAX_SEGMENTS   16
#define SEGMENT_MAX    128

typedef struct entry {
    char  *service;                 /* "*" for any */
    char  *segments[MAX_SEGMENTS];
    size_t nsegments;
} entry;

static struct {
    entry  entries[MAX_ENTRIES];
    size_t count;
} internal;

static void bad_entry(const char *list, const char *why)
{
    rs_config_fail("GATEWAY_INTERNAL_ROUTES=\"%s\": %s (expected <service>/<path>,...)",
                   list, why);
}

static char *dup_or_die(const char *s, size_t n)
{
    char *d = strndup(s, n);
    if (d == NULL) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    return d;
}

/* The non-empty segments of path, percent-decoded first (so that an
 * encoded '/' splits too), at most MAX_SEGMENTS of at most SEGMENT_MAX - 1
 * bytes; -1 when it has more or longer ones, or a bad escape. */
static int split(const char *raw, char out[MAX_SEGMENTS][SEGMENT_MAX])
{
    char path[RS_PATH_MAX + 1];
    if (strlen(raw) > RS_PATH_MAX)
        return -1;
    memcpy(path, raw, strlen(raw) + 1);
    if (rs_percent_decode(path, 0) != 0)
        return -1;
    int n = 0;
    for (const char *p = path; *p != '\0';) {
        size_t len = strcspn(p, "/");
        if (len > 0) {
            if (n == MAX_SEGMENTS || len >= SEGMENT_MAX)
                return -1;
            memcpy(out[n], p, len);
            out[n][len] = '\0';
            n++;
        }
        p += len;
        if (*p == '/')
            p++;
    }
    return n;
}

static void add_entry(const char *list, const char *text, size_t len)
{
    const char *slash = memchr(text, '/', len);
    if (slash == NULL || slash == text)
        bad_entry(list, "an entry names no service or no path");
    if (internal.count == MAX_ENTRIES)
        bad_entry(list, "too many entries");
    entry *e = &internal.entries[internal.count];
    e->service = dup_or_die(text, (size_t)(slash - text));
    char *path = dup_or_die(slash, len - (size_t)(slash - text));
    char segments[MAX_SEGMENTS][SEGMENT_MAX];
    int n = split(path, segments);
    free(path);
    if (n <= 0)
        bad_entry(list, "an entry's path is empty or too long");
    for (int i = 0; i < n; i++)
        e->segments[i] = dup_or_die(segments[i], strlen(segments[i]));
    e->nsegments = (size_t)n;
    internal.count++;
}

void internal_routes_init(void)
{
    const char *list = rs_config_str("GATEWAY_INTERNAL_ROUTES", DEFAULT_ROUTES);
    const char *p = list;
    while (*p != '\0') {
        const char *comma = strchr(p, ',');
        size_t len = comma != NULL ? (size_t)(comma - p) : strlen(p);
        while (len > 0 && *p == ' ') {
            p++;
            len--;
        }
        if (len > 0)
            add_entry(list, p, len);
        p += len;
        if (*p == ',')
            p++;
    }
}

void internal_routes_free(void)
{
    for (size_t i = 0; i < internal.count; i++) {
        free(internal.entries[i].service);
        for (size_t j = 0; j < internal.entries[i].nsegments; j++)
            free(internal.entries[i].segments[j]);
    }
    internal.count = 0;
}

static bool covers(const entry *e, const char *service, char segments[][SEGMENT_MAX], size_t n)
{
    if (strcmp(e->service, "*") != 0 && strcmp(e->service, service) != 0)
        return false;
    if (n < e->nsegments)
        return false;
    for (size_t i = 0; i < e->nsegments; i++)
        if (strcmp(e->segments[i], segments[i]) != 0)
            return false;
    return true;
}

bool internal_route(const char *service, const char *path)
{
    char segments[MAX_SEGMENTS][SEGMENT_MAX];
    int n = split(path, segments);
    if (n < 0)
        return true;   /* a path no route of ours has: refuse rather than guess */
    for (size_t i = 0; i < internal.count; i++)
        if (covers(&internal.entries[i], service, segments, (size_t)n))
            return true;
    return false;
}

/* The path after "/api/<service>", as it came. */
static const char *path_after_service(const char *raw)
{
    const char *p = strchr(raw + strlen("/api/"), '/');
    return p != NULL ? p : "/";
}

void gateway(rs_request *req)
{
    const char *service = rs_req_param(req, "service");
    if (upstream_find(service) != NULL &&
        internal_route(service, path_after_service(rs_req_path(req)))) {
        rs_reply_error(req, 404, "not found");
        rs_req_finish(req);
        return;
    }
    proxy(req);
}
