/*
 * rs_router.c - the route table (see rs_router.h).
 *
 * Routes are tried in the order they were added; the first whose segments
 * fit the path and whose method matches wins. Tables are small (tens of
 * routes), so a linear scan over pre-split patterns is the fastest design.
 */
#include "rs_router.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "rs_percent.h"
#include "rs_valid.h"

#define MAX_ROUTES 64

typedef struct compiled_route {
    rs_route    route;
    size_t      nsegments;                   /* the "*" of a wildcard not counted */
    bool        wildcard;
    const char *segments[RS_MAX_SEGMENTS];   /* literal text, or ":name" */
    size_t      lengths[RS_MAX_SEGMENTS];
    char       *copy;                        /* the pattern, split in place */
} compiled_route;

struct rs_router {
    compiled_route routes[MAX_ROUTES];
    size_t         nroutes;
};

rs_router *rs_router_new(void)
{
    return calloc(1, sizeof(rs_router));
}

void rs_router_free(rs_router *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->nroutes; i++)
        free(r->routes[i].copy);
    free(r);
}

static bool valid_param_name(const char *s, size_t len)
{
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (i > 0 && c >= '0' && c <= '9')))
            return false;
    }
    return true;
}

/* Splits "/a/:b" into its segments; -1 when malformed. */
static int compile_pattern(compiled_route *c)
{
    const char *pattern = c->route.pattern;
    if (pattern == NULL || pattern[0] != '/')
        return -1;
    c->copy = strdup(pattern + 1);
    if (c->copy == NULL)
        return -1;
    c->nsegments = 0;
    size_t nparams = 0;
    char *p = c->copy;
    if (*p == '\0')
        return 0;   /* "/" */
    for (;;) {
        char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        if (len == 1 && p[0] == '*') {
            if (slash != NULL)
                return -1;   /* only the last segment may be "*" */
            c->wildcard = true;
            return 0;
        }
        if (c->nsegments == RS_MAX_SEGMENTS || len == 0)
            return -1;
        if (p[0] == ':' && (!valid_param_name(p + 1, len - 1) || ++nparams > RS_MAX_PARAMS))
            return -1;
        c->segments[c->nsegments] = p;
        c->lengths[c->nsegments] = len;
        c->nsegments++;
        if (slash == NULL)
            return 0;
        *slash = '\0';
        p = slash + 1;
    }
}

int rs_router_add(rs_router *r, const rs_route *route)
{
    if (r->nroutes == MAX_ROUTES || route->method == NULL || route->handler == NULL)
        return -1;
    compiled_route *c = &r->routes[r->nroutes];
    memset(c, 0, sizeof *c);
    c->route = *route;
    if (compile_pattern(c) != 0) {
        free(c->copy);
        c->copy = NULL;
        return -1;
    }
    r->nroutes++;
    return 0;
}

/* Splits and decodes the path into m->storage; the segment count, or -1. */
static int split_path(const char *raw, rs_match *m, char **segments)
{
    size_t len = strlen(raw);
    if (raw[0] != '/' || len > RS_PATH_MAX)
        return -1;
    memcpy(m->storage, raw + 1, len);   /* includes the NUL */
    if (m->storage[0] == '\0')
        return 0;
    int n = 0;
    char *p = m->storage;
    for (;;) {
        if (n == RS_MAX_SEGMENTS)
            return -1;
        char *slash = strchr(p, '/');
        if (slash != NULL)
            *slash = '\0';
        if (rs_percent_decode(p, 0) != 0 || strcmp(p, ".") == 0 || strcmp(p, "..") == 0)
            return -1;
        segments[n++] = p;
        if (slash == NULL)
            return n;
        p = slash + 1;
    }
}

static bool segments_fit(const compiled_route *c, char **segments, size_t n)
{
    if (c->wildcard ? n < c->nsegments : n != c->nsegments)
        return false;
    for (size_t i = 0; i < c->nsegments; i++) {
        const char *pat = c->segments[i];
        if (pat[0] == ':')
            continue;
        if (strlen(segments[i]) != c->lengths[i] || memcmp(segments[i], pat, c->lengths[i]) != 0)
            return false;
    }
    return true;
}

static bool method_fits(const char *route_method, const char *method)
{
    return strcmp(route_method, method) == 0 ||
           (strcmp(method, "HEAD") == 0 && strcmp(route_method, "GET") == 0);
}

static void add_allowed(rs_match *m, const char *method)
{
    if (strstr(m->allow, method) != NULL)
        return;
    size_t used = strlen(m->allow);
    size_t need = strlen(method) + (used ? 2 : 0);
    if (used + need + 1 > sizeof m->allow)
        return;
    if (used)
        strcat(m->allow, ", ");
    strcat(m->allow, method);
}

static void take_params(const compiled_route *c, char **segments, rs_match *m)
{
    m->nparams = 0;
    for (size_t i = 0; i < c->nsegments; i++) {
        if (c->segments[i][0] != ':')
            continue;
        m->names[m->nparams] = c->segments[i] + 1;
        m->values[m->nparams] = segments[i];
        m->nparams++;
        bool ok = c->route.params == RS_PARAM_TEXT ? rs_valid_text(segments[i])
                                                   : rs_valid_id(segments[i]);
        if (!ok && m->status == RS_MATCH_OK) {
            m->status = RS_MATCH_BAD_PARAM;
            m->bad_param = c->segments[i] + 1;
        }
    }
}

void rs_router_match(const rs_router *r, const char *method, const char *raw_path, rs_match *m)
{
    char *segments[RS_MAX_SEGMENTS];
    m->route = NULL;
    m->nparams = 0;
    m->bad_param = NULL;
    m->allow[0] = '\0';
    int n = split_path(raw_path, m, segments);
    if (n < 0) {
        m->status = RS_MATCH_BAD_PATH;
        return;
    }
    bool path_fits = false;
    for (size_t i = 0; i < r->nroutes; i++) {
        const compiled_route *c = &r->routes[i];
        if (!segments_fit(c, segments, (size_t)n))
            continue;
        path_fits = true;
        if (method_fits(c->route.method, method)) {
            m->status = RS_MATCH_OK;
            m->route = &c->route;
            take_params(c, segments, m);
            return;
        }
        add_allowed(m, c->route.method);
        if (strcmp(c->route.method, "GET") == 0)
            add_allowed(m, "HEAD");
    }
    if (path_fits)
        add_allowed(m, "OPTIONS");
    m->status = path_fits ? RS_MATCH_BAD_METHOD : RS_MATCH_NOT_FOUND;
}

const char *rs_match_param(const rs_match *m, const char *name)
{
    for (size_t i = 0; i < m->nparams; i++)
        if (strcmp(m->names[i], name) == 0)
            return m->values[i];
    return NULL;
}
