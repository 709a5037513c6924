/*
 * rs_config.c - settings from environment variables (see rs_config.h).
 */
#include "rs_config.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void rs_config_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("configuration error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(RS_EXIT_CONFIG);
}

static void config_fail(const char *name, const char *value, const char *expected)
{
    rs_config_fail("%s=\"%s\": expected %s", name, value, expected);
}

static const char *env_value(const char *name)
{
    const char *v = getenv(name);
    return (v == NULL || v[0] == '\0') ? NULL : v;
}

int rs_parse_long(const char *s, long min, long max, long *out)
{
    if (s == NULL || *s == '\0' || isspace((unsigned char)*s))
        return -1;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int rs_parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = {"1", "true", "yes", "on"};
    static const char *const no[] = {"0", "false", "no", "off"};
    if (s == NULL)
        return -1;
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        if (strcasecmp(s, yes[i]) == 0) { *out = true; return 0; }
        if (strcasecmp(s, no[i]) == 0) { *out = false; return 0; }
    }
    return -1;
}

int rs_parse_url_scheme(const char *s, const char *scheme)
{
    size_t n = strlen(scheme);
    if (s == NULL || strncmp(s, scheme, n) != 0 || strncmp(s + n, "://", 3) != 0)
        return -1;
    const char *rest = s + n + 3;
    if (*rest == '\0' || *rest == '/')
        return -1;
    for (const char *p = s; *p != '\0'; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7f)
            return -1;
    return 0;
}

const char *rs_config_str(const char *name, const char *def)
{
    const char *v = env_value(name);
    return v != NULL ? v : def;
}

long rs_config_int(const char *name, long def, long min, long max)
{
    const char *v = env_value(name);
    if (v == NULL)
        return def;
    long out;
    if (rs_parse_long(v, min, max, &out) != 0) {
        char expected[96];
        snprintf(expected, sizeof expected, "an integer from %ld to %ld", min, max);
        config_fail(name, v, expected);
    }
    return out;
}

bool rs_config_bool(const char *name, bool def)
{
    const char *v = env_value(name);
    if (v == NULL)
        return def;
    bool out;
    if (rs_parse_bool(v, &out) != 0)
        config_fail(name, v, "one of 1/0, true/false, yes/no, on/off");
    return out;
}

const char *rs_config_url(const char *name, const char *scheme, const char *def)
{
    const char *v = env_value(name);
    if (v == NULL)
        return def;
    if (rs_parse_url_scheme(v, scheme) != 0) {
        char expected[96];
        snprintf(expected, sizeof expected, "a URL of the form %s://host[:port]...", scheme);
        config_fail(name, v, expected);
    }
    return v;
}

/* A part of the URL, decoded and copied; NULL when absent or empty. */
static char *url_part(CURLU *u, CURLUPart part)
{
    char *value = NULL;
    char *copy = NULL;
    if (curl_url_get(u, part, &value, CURLU_URLDECODE) == CURLUE_OK && value[0] != '\0')
        copy = strdup(value);
    curl_free(value);
    return copy;
}

static int split_url(const char *url, int default_port, rs_url *out)
{
    memset(out, 0, sizeof *out);
    CURLU *u = curl_url();
    if (u == NULL || curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
        curl_url_cleanup(u);
        return -1;
    }
    char *host = url_part(u, CURLUPART_HOST);
    char *port = url_part(u, CURLUPART_PORT);
    char *path = url_part(u, CURLUPART_PATH);
    char *query = url_part(u, CURLUPART_QUERY);
    out->user = url_part(u, CURLUPART_USER);
    out->password = url_part(u, CURLUPART_PASSWORD);
    curl_url_cleanup(u);
    long p = default_port;
    /* No store understands options here: a query is refused, not ignored. */
    int rc = host != NULL && query == NULL &&
             (port == NULL || rs_parse_long(port, 1, 65535, &p) == 0) ? 0 : -1;
    out->port = (int)p;
    size_t n = host != NULL ? strlen(host) : 0;
    if (n > 2 && host[0] == '[' && host[n - 1] == ']')
        out->host = strndup(host + 1, n - 2);
    else
        out->host = host != NULL ? strdup(host) : NULL;
    out->path = strdup(path != NULL ? path + 1 : "");
    free(host);
    free(port);
    free(path);
    free(query);
    return rc == 0 && out->host != NULL && out->path != NULL ? 0 : -1;
}

void rs_config_url_parts(const char *name, const char *scheme, const char *def,
                         int default_port, const char *form, rs_url *out)
{
    const char *url = rs_config_url(name, scheme, def);
    if (split_url(url, default_port, out) != 0) {
        rs_url_free(out);
        config_fail(name, url, form);
    }
}

void rs_url_free(rs_url *u)
{
    free(u->host);
    free(u->user);
    free(u->password);
    free(u->path);
    memset(u, 0, sizeof *u);
}
