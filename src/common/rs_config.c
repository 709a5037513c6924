/*
 * rs_config.c - settings from environment variables (see rs_config.h).
 */
#include "rs_config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void config_fail(const char *name, const char *value, const char *expected)
{
    fprintf(stderr, "configuration error: %s=\"%s\": expected %s\n",
            name, value, expected);
    exit(RS_EXIT_CONFIG);
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
