/*
 * test_otlp.c - unit tests for the OTLP JSON encoding (rs_otlp_encode): a
 * span's ids, kind, times, attributes and status as OTLP's JSON mapping
 * writes them, under its resource and scope; a root span without a
 * parent; text that is not UTF-8 replaced and control characters escaped;
 * long values cut to the span's room; and the key=value lists of
 * OTEL_RESOURCE_ATTRIBUTES and OTEL_EXPORTER_OTLP_HEADERS.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "rs_otlp.h"

static rs_span sample_span(void)
{
    rs_span s;
    memset(&s, 0, sizeof s);
    strcpy(s.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
    strcpy(s.span_id, "00f067aa0ba902b7");
    strcpy(s.parent_id, "1111111111111111");
    s.kind = RS_SPAN_SERVER;
    s.start_ns = 1700000000123456789ULL;
    s.end_ns = 1700000000223456789ULL;
    rs_span_set_name(&s, "GET", "/product/{sku}");
    rs_span_str(&s, "http.request.method", "GET");
    rs_span_int(&s, "http.response.status_code", 503);
    rs_span_str(&s, "url.path", "/product/\"x\"");
    s.status = RS_STATUS_ERROR;
    return s;
}

static json_t *encode(const rs_span *spans, size_t n)
{
    json_t *resource = rs_otlp_resource("catalogue", "deployment.environment.name=test");
    assert_non_null(resource);
    size_t len = 0;
    char *text = rs_otlp_encode(resource, spans, n, &len);
    assert_non_null(text);
    assert_int_equal(len, strlen(text));
    json_error_t err;
    json_t *doc = json_loads(text, 0, &err);
    assert_non_null(doc);
    free(text);
    json_decref(resource);
    return doc;
}

/* The value of key in an OTLP KeyValue list. */
static json_t *value_of(json_t *list, const char *key)
{
    size_t i;
    json_t *kv;
    json_array_foreach(list, i, kv) {
        if (strcmp(json_string_value(json_object_get(kv, "key")), key) == 0)
            return json_object_get(kv, "value");
    }
    return NULL;
}

static void test_encodes_a_span(void **state)
{
    (void)state;
    rs_span s = sample_span();
    json_t *doc = encode(&s, 1);
    json_t *rs = json_array_get(json_object_get(doc, "resourceSpans"), 0);
    json_t *rattrs = json_object_get(json_object_get(rs, "resource"), "attributes");
    assert_string_equal(json_string_value(json_object_get(value_of(rattrs, "service.name"), "stringValue")),
                        "catalogue");
    assert_string_equal(json_string_value(json_object_get(
                            value_of(rattrs, "deployment.environment.name"), "stringValue")), "test");
    json_t *ss = json_array_get(json_object_get(rs, "scopeSpans"), 0);
    assert_non_null(json_string_value(json_object_get(json_object_get(ss, "scope"), "name")));
    json_t *spans = json_object_get(ss, "spans");
    assert_int_equal(json_array_size(spans), 1);
    json_t *span = json_array_get(spans, 0);
    assert_string_equal(json_string_value(json_object_get(span, "traceId")), "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_string_equal(json_string_value(json_object_get(span, "spanId")), "00f067aa0ba902b7");
    assert_string_equal(json_string_value(json_object_get(span, "parentSpanId")), "1111111111111111");
    assert_string_equal(json_string_value(json_object_get(span, "name")), "GET /product/{sku}");
    assert_true(json_is_integer(json_object_get(span, "kind")));
    assert_int_equal(json_integer_value(json_object_get(span, "kind")), 2);
    /* 64-bit numbers are decimal strings in OTLP's JSON */
    assert_string_equal(json_string_value(json_object_get(span, "startTimeUnixNano")), "1700000000123456789");
    assert_string_equal(json_string_value(json_object_get(span, "endTimeUnixNano")), "1700000000223456789");
    json_t *attrs = json_object_get(span, "attributes");
    assert_int_equal(json_array_size(attrs), 3);
    assert_string_equal(json_string_value(json_object_get(value_of(attrs, "http.request.method"), "stringValue")), "GET");
    assert_string_equal(json_string_value(json_object_get(value_of(attrs, "http.response.status_code"), "intValue")), "503");
    assert_string_equal(json_string_value(json_object_get(value_of(attrs, "url.path"), "stringValue")), "/product/\"x\"");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(span, "status"), "code")), 2);
    json_decref(doc);
}

static void test_root_span_and_no_status(void **state)
{
    (void)state;
    rs_span spans[2] = {sample_span(), sample_span()};
    spans[1].parent_id[0] = '\0';
    spans[1].status = RS_STATUS_UNSET;
    spans[1].kind = RS_SPAN_CONSUMER;
    json_t *doc = encode(spans, 2);
    json_t *list = json_object_get(json_array_get(json_object_get(
        json_array_get(json_object_get(doc, "resourceSpans"), 0), "scopeSpans"), 0), "spans");
    assert_int_equal(json_array_size(list), 2);
    json_t *root = json_array_get(list, 1);
    assert_null(json_object_get(root, "parentSpanId"));
    assert_null(json_object_get(root, "status"));
    assert_int_equal(json_integer_value(json_object_get(root, "kind")), 5);
    json_decref(doc);
}

static void test_not_utf8_stays_valid_json(void **state)
{
    (void)state;
    rs_span s = sample_span();
    s.nattrs = 0;
    s.text_len = 0;
    rs_span_str(&s, "url.path", "/a\xff\xfe");
    rs_span_str(&s, "ctl", "tab\there\nnewline\\");
    json_t *doc = encode(&s, 1);
    json_t *attrs = json_object_get(json_array_get(json_object_get(json_array_get(json_object_get(
        json_array_get(json_object_get(doc, "resourceSpans"), 0), "scopeSpans"), 0), "spans"), 0), "attributes");
    assert_string_equal(json_string_value(json_object_get(value_of(attrs, "url.path"), "stringValue")), "(not UTF-8)");
    assert_string_equal(json_string_value(json_object_get(value_of(attrs, "ctl"), "stringValue")), "tab\there\nnewline\\");
    json_decref(doc);
}

static void test_long_values_are_cut(void **state)
{
    (void)state;
    rs_span s;
    memset(&s, 0, sizeof s);
    char big[2000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    rs_span_str(&s, "a", big);
    rs_span_str(&s, "b", "gone");   /* no room left */
    for (int i = 0; i < 20; i++)
        rs_span_int(&s, "n", i);
    assert_int_equal(s.nattrs, RS_SPAN_MAX_ATTRS);
    assert_int_equal(strlen(s.text + s.attrs[0].text_at), RS_SPAN_TEXT - 1);
    assert_true(s.attrs[1].is_int);
}

typedef struct collected {
    char text[512];
} collected;

static void collect(const char *key, const char *value, void *ctx)
{
    collected *c = ctx;
    size_t n = strlen(c->text);
    snprintf(c->text + n, sizeof c->text - n, "[%s|%s]", key, value);
}

static void test_pairs(void **state)
{
    (void)state;
    collected c = {""};
    assert_int_equal(rs_otlp_pairs(" a = 1 ,b=two%20words,, c=%3D%2c ", collect, &c), 0);
    assert_string_equal(c.text, "[a|1][b|two words][c|=,]");
    c.text[0] = '\0';
    assert_int_equal(rs_otlp_pairs("", collect, &c), 0);
    assert_int_equal(rs_otlp_pairs(NULL, collect, &c), 0);
    assert_string_equal(c.text, "");
    assert_int_equal(rs_otlp_pairs("novalue", collect, &c), -1);
    assert_int_equal(rs_otlp_pairs("=v", collect, &c), -1);
    assert_int_equal(rs_otlp_pairs("k=%zz", collect, &c), -1);
    assert_int_equal(rs_otlp_pairs("k=%4", collect, &c), -1);
}

static void test_resource_service_name_wins(void **state)
{
    (void)state;
    json_t *r = rs_otlp_resource("cart", "service.name=other,service.version=1.2");
    assert_non_null(r);
    assert_int_equal(json_array_size(r), 2);
    assert_string_equal(json_string_value(json_object_get(value_of(r, "service.name"), "stringValue")), "cart");
    assert_string_equal(json_string_value(json_object_get(value_of(r, "service.version"), "stringValue")), "1.2");
    json_decref(r);
    assert_null(rs_otlp_resource("cart", "broken"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encodes_a_span),
        cmocka_unit_test(test_root_span_and_no_status),
        cmocka_unit_test(test_not_utf8_stays_valid_json),
        cmocka_unit_test(test_long_values_are_cut),
        cmocka_unit_test(test_pairs),
        cmocka_unit_test(test_resource_service_name_wins),
    };
    return cmocka_run_group_tests_name("otlp", tests, NULL, NULL);
}
