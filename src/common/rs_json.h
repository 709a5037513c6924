/*
 * rs_json.h - small helpers over jansson for typed fields and output.
 *
 * The getters return false when the key is missing or holds another type,
 * so a handler can answer 400 with a clear message. rs_json_number accepts
 * integers and reals alike. rs_json_dump writes compact JSON into a buffer.
 */
#ifndef RS_JSON_H
#define RS_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include "rs_buf.h"

bool rs_json_string(const json_t *obj, const char *key, const char **out);
bool rs_json_integer(const json_t *obj, const char *key, long long *out);
bool rs_json_number(const json_t *obj, const char *key, double *out);
bool rs_json_array(const json_t *obj, const char *key, json_t **out);

/* Parses text that must be one JSON object; NULL otherwise. */
json_t *rs_json_parse_object(const char *text, size_t len);
/* Appends v as compact JSON; 0, or -1 when out of memory. */
int     rs_json_dump(const json_t *v, rs_buf *out);
/* {"error": message} */
json_t *rs_json_error(const char *message);

#endif
