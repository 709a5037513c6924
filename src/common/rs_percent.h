/*
 * rs_percent.h - decoding the %XX escapes of a URL path or query.
 *
 * A pure function, safe from any thread; used by the router on path
 * segments, by the request parser on query values, and by the web
 * service on the paths it serves files for.
 */
#ifndef RS_PERCENT_H
#define RS_PERCENT_H

/* Decodes %XX escapes (and nothing else) in place; -1 on a bad escape or
 * a decoded NUL. '+' stays '+' unless plus_is_space. */
int rs_percent_decode(char *s, int plus_is_space);

#endif
