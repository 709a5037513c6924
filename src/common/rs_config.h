/*
 * rs_config.h - settings from environment variables (12-factor).
 *
 * Read each setting once at start. A value that is present but invalid is a
 * configuration error: rs_config_* print one clear line naming the variable,
 * the value and what was expected, and exit with code 2. An unset or empty
 * variable gives the default. The rs_parse_* functions are the pure parsers
 * underneath, returning 0 on success and -1 on a bad value.
 */
#ifndef RS_CONFIG_H
#define RS_CONFIG_H

#include <stdbool.h>

#define RS_EXIT_CONFIG 2

const char *rs_config_str(const char *name, const char *def);
long        rs_config_int(const char *name, long def, long min, long max);
bool        rs_config_bool(const char *name, bool def);
/* A URL with the given scheme ("http", "redis", ...), or def when unset. */
const char *rs_config_url(const char *name, const char *scheme, const char *def);

/* A datastore URL split into its parts, percent-decoded; the strings are
 * malloc'd, and user and password are NULL when the URL has none. */
typedef struct rs_url {
    char *host;       /* an IPv6 literal without its brackets */
    int   port;       /* default_port when the URL names none */
    char *user;
    char *password;
    char *path;       /* after the first '/'; "" when there is none */
} rs_url;

/* Reads setting `name` (or def) as a URL of `scheme` and splits it. A value
 * that does not parse, or that has a query (no options are understood), is
 * a configuration error; `form` describes the
 * expected form in the message ("redis://[:password@]host[:port][/db]"). */
void rs_config_url_parts(const char *name, const char *scheme, const char *def,
                         int default_port, const char *form, rs_url *out);
void rs_url_free(rs_url *u);

/* A configuration error found elsewhere (a value that does not parse, or
 * that contradicts another setting): prints "configuration error: " and
 * the message, which names the variable and its value, as one line on
 * stderr, and exits with RS_EXIT_CONFIG. */
void rs_config_fail(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

int rs_parse_long(const char *s, long min, long max, long *out);
int rs_parse_bool(const char *s, bool *out);
int rs_parse_url_scheme(const char *s, const char *scheme);

#endif
