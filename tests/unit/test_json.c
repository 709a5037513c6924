/*
 * test_json.c - unit tests for rs_json: the typed getters,
 * rs_json_parse_object (objects only) and rs_json_dump (compact output,
 * key order kept, number formatting).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "rs_json.h"

static json_t *parse(const char *text)
{
    return rs_json_parse_object(text, strlen(text));
}

/* Dumps v and checks the text is exactly expect. */
static void assert_dump(const json_t *v, const char *expect)
{
    rs_buf b = RS_BUF_INIT;
    assert_int_equal(rs_json_dump(v, &b), 0);
    assert_non_null(b.data);
    assert_string_equal(b.data, expect);
    assert_int_equal(b.len, strlen(expect));
    rs_buf_free(&b);
}

/* ---- getters ---- */

static void test_string_getter(void **state)
{
    (void)state;
    json_t *o = parse("{\"name\":\"robot\",\"n\":3,\"empty\":\"\"}");
    assert_non_null(o);
    const char *s = NULL;
    assert_true(rs_json_string(o, "name", &s));
    assert_string_equal(s, "robot");
    assert_true(rs_json_string(o, "empty", &s));
    assert_string_equal(s, "");
    s = "untouched";
    assert_false(rs_json_string(o, "n", &s));
    assert_false(rs_json_string(o, "missing", &s));
    assert_string_equal(s, "untouched");
    json_decref(o);
}

static void test_integer_getter(void **state)
{
    (void)state;
    json_t *o = parse("{\"qty\":42,\"neg\":-7,\"big\":9007199254740993,"
                      "\"real\":2.0,\"str\":\"5\",\"null\":null}");
    assert_non_null(o);
    long long n = 0;
    assert_true(rs_json_integer(o, "qty", &n));
    assert_int_equal(n, 42);
    assert_true(rs_json_integer(o, "neg", &n));
    assert_int_equal(n, -7);
    assert_true(rs_json_integer(o, "big", &n));
    assert_true(n == 9007199254740993LL);
    n = 99;
    assert_false(rs_json_integer(o, "real", &n));
    assert_false(rs_json_integer(o, "str", &n));
    assert_false(rs_json_integer(o, "null", &n));
    assert_false(rs_json_integer(o, "missing", &n));
    assert_int_equal(n, 99);
    json_decref(o);
}

static void test_number_getter_accepts_int_and_real(void **state)
{
    (void)state;
    json_t *o = parse("{\"i\":3,\"r\":12.5,\"s\":\"1.5\",\"b\":true}");
    assert_non_null(o);
    double d = 0;
    assert_true(rs_json_number(o, "i", &d));
    assert_true(d == 3.0);
    assert_true(rs_json_number(o, "r", &d));
    assert_true(d == 12.5);
    d = -1;
    assert_false(rs_json_number(o, "s", &d));
    assert_false(rs_json_number(o, "b", &d));
    assert_false(rs_json_number(o, "missing", &d));
    assert_true(d == -1);
    json_decref(o);
}

static void test_array_getter(void **state)
{
    (void)state;
    json_t *o = parse("{\"items\":[1,2,3],\"obj\":{},\"s\":\"[]\"}");
    assert_non_null(o);
    json_t *a = NULL;
    assert_true(rs_json_array(o, "items", &a));
    assert_non_null(a);
    assert_int_equal(json_array_size(a), 3);
    assert_int_equal(json_integer_value(json_array_get(a, 2)), 3);
    a = NULL;
    assert_false(rs_json_array(o, "obj", &a));
    assert_false(rs_json_array(o, "s", &a));
    assert_false(rs_json_array(o, "missing", &a));
    assert_null(a);
    json_decref(o);
}

static void test_getters_on_non_object(void **state)
{
    (void)state;
    json_t *arr = json_array();
    const char *s = NULL;
    long long n = 0;
    assert_false(rs_json_string(arr, "x", &s));
    assert_false(rs_json_integer(arr, "x", &n));
    assert_false(rs_json_string(NULL, "x", &s));
    json_decref(arr);
}

/* ---- rs_json_parse_object ---- */

static void test_parse_object_accepts_objects(void **state)
{
    (void)state;
    json_t *o = parse("{}");
    assert_non_null(o);
    assert_true(json_is_object(o));
    assert_int_equal(json_object_size(o), 0);
    json_decref(o);
    o = parse("  {\"a\": {\"b\": [true, null]}}\n");
    assert_non_null(o);
    assert_int_equal(json_object_size(o), 1);
    json_decref(o);
}

static void test_parse_object_uses_len(void **state)
{
    (void)state;
    const char *text = "{\"a\":1}garbage";
    json_t *o = rs_json_parse_object(text, 7);
    assert_non_null(o);
    long long n = 0;
    assert_true(rs_json_integer(o, "a", &n));
    assert_int_equal(n, 1);
    json_decref(o);
}

static void test_parse_object_rejects_non_objects(void **state)
{
    (void)state;
    assert_null(parse("[]"));
    assert_null(parse("[{\"a\":1}]"));
    assert_null(parse("\"text\""));
    assert_null(parse("42"));
    assert_null(parse("true"));
    assert_null(parse("null"));
}

static void test_parse_object_rejects_garbage_and_empty(void **state)
{
    (void)state;
    assert_null(parse(""));
    assert_null(parse("   "));
    assert_null(rs_json_parse_object("{}", 0));
    assert_null(parse("{"));
    assert_null(parse("{\"a\":}"));
    assert_null(parse("{'a':1}"));
    assert_null(parse("{\"a\":1,}"));
    assert_null(parse("{\"a\":1} x"));
    assert_null(parse("{\"a\":1}{}"));
    assert_null(parse("not json"));
}

static void test_parse_object_rejects_duplicate_keys(void **state)
{
    (void)state;
    assert_null(parse("{\"a\":1,\"a\":2}"));
}

/* ---- rs_json_dump ---- */

static void test_dump_compact_keeps_key_order(void **state)
{
    (void)state;
    json_t *o = json_object();
    json_object_set_new(o, "zeta", json_integer(1));
    json_object_set_new(o, "alpha", json_string("a b"));
    json_object_set_new(o, "mid", json_true());
    json_object_set_new(o, "list", json_pack("[i,n,s]", 2, "x"));
    json_object_set_new(o, "obj", json_object());
    assert_dump(o, "{\"zeta\":1,\"alpha\":\"a b\",\"mid\":true,"
                   "\"list\":[2,null,\"x\"],\"obj\":{}}");
    json_decref(o);
}

static void test_dump_parsed_object_round_trip(void **state)
{
    (void)state;
    json_t *o = parse("{ \"b\" : 1 ,\n \"a\" : [ 1 , 2 ], \"c\" : { \"y\": 0, \"x\": -3 } }");
    assert_non_null(o);
    assert_dump(o, "{\"b\":1,\"a\":[1,2],\"c\":{\"y\":0,\"x\":-3}}");
    json_decref(o);
}

static void test_dump_appends_to_buffer(void **state)
{
    (void)state;
    rs_buf b = RS_BUF_INIT;
    assert_int_equal(rs_buf_puts(&b, "body="), 0);
    json_t *o = json_pack("{s:i}", "n", 5);
    assert_int_equal(rs_json_dump(o, &b), 0);
    assert_string_equal(b.data, "body={\"n\":5}");
    json_decref(o);
    rs_buf_free(&b);
}

static void test_dump_number_formatting(void **state)
{
    (void)state;
    json_t *v = json_real(12.5);
    assert_dump(v, "12.5");
    json_decref(v);
    v = json_real(0.1);
    assert_dump(v, "0.1");
    json_decref(v);
    v = json_real(19.99);
    assert_dump(v, "19.99");
    json_decref(v);
    v = json_real(0.1 + 0.2);
    assert_dump(v, "0.3");
    json_decref(v);
    v = json_real(-2.25);
    assert_dump(v, "-2.25");
    json_decref(v);
    v = json_integer(-42);
    assert_dump(v, "-42");
    json_decref(v);
}

static void test_dump_numbers_inside_object(void **state)
{
    (void)state;
    json_t *o = json_pack("{s:f,s:f,s:I}", "price", 12.5, "tax", 0.1,
                          "qty", (json_int_t)3);
    assert_dump(o, "{\"price\":12.5,\"tax\":0.1,\"qty\":3}");
    json_decref(o);
}

static void test_dump_escapes_strings(void **state)
{
    (void)state;
    json_t *o = json_pack("{s:s}", "k", "a\"b\\c\nd");
    assert_dump(o, "{\"k\":\"a\\\"b\\\\c\\nd\"}");
    json_decref(o);
}

static void test_error_object(void **state)
{
    (void)state;
    json_t *e = rs_json_error("not found");
    assert_non_null(e);
    const char *s = NULL;
    assert_true(rs_json_string(e, "error", &s));
    assert_string_equal(s, "not found");
    assert_dump(e, "{\"error\":\"not found\"}");
    json_decref(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_string_getter),
        cmocka_unit_test(test_integer_getter),
        cmocka_unit_test(test_number_getter_accepts_int_and_real),
        cmocka_unit_test(test_array_getter),
        cmocka_unit_test(test_getters_on_non_object),
        cmocka_unit_test(test_parse_object_accepts_objects),
        cmocka_unit_test(test_parse_object_uses_len),
        cmocka_unit_test(test_parse_object_rejects_non_objects),
        cmocka_unit_test(test_parse_object_rejects_garbage_and_empty),
        cmocka_unit_test(test_parse_object_rejects_duplicate_keys),
        cmocka_unit_test(test_dump_compact_keeps_key_order),
        cmocka_unit_test(test_dump_parsed_object_round_trip),
        cmocka_unit_test(test_dump_appends_to_buffer),
        cmocka_unit_test(test_dump_number_formatting),
        cmocka_unit_test(test_dump_numbers_inside_object),
        cmocka_unit_test(test_dump_escapes_strings),
        cmocka_unit_test(test_error_object),
    };
    return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
