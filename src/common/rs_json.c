/*
 * rs_json.c - small helpers over jansson (see rs_json.h).
 */
#include "rs_json.h"

bool rs_json_string(const json_t *obj, const char *key, const char **out)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_string(v))
        return false;
    *out = json_string_value(v);
    return true;
}

bool rs_json_integer(const json_t *obj, const char *key, long long *out)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_integer(v))
        return false;
    *out = json_integer_value(v);
    return true;
}

bool rs_json_number(const json_t *obj, const char *key, double *out)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_number(v))
        return false;
    *out = json_number_value(v);
    return true;
}

bool rs_json_array(const json_t *obj, const char *key, json_t **out)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_array(v))
        return false;
    *out = v;
    return true;
}

json_t *rs_json_parse_object(const char *text, size_t len)
{
    json_error_t err;
    json_t *v = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
    if (v != NULL && !json_is_object(v)) {
        json_decref(v);
        return NULL;
    }
    return v;
}

static int dump_callback(const char *buffer, size_t size, void *data)
{
    return rs_buf_append(data, buffer, size);
}

int rs_json_dump(const json_t *v, rs_buf *out)
{
    return json_dump_callback(v, dump_callback, out,
                              JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
}

json_t *rs_json_error(const char *message)
{
    return json_pack("{s:s}", "error", message);
}
