/*
 * test_cart.c - unit tests for the cart's money and API form (src/cart/cart_money.c):
 * prices to cents, VAT included in a total, and rendering a stored cart.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <string.h>

#include <cmocka.h>

#include "cart_money.h"

static void test_prices_to_cents(void **state)
{
    (void)state;
    long long c;
    assert_int_equal(cart_price_to_cents(59.95, &c), 0);
    assert_int_equal(c, 5995);
    assert_int_equal(cart_price_to_cents(0.1 + 0.2, &c), 0);
    assert_int_equal(c, 30);
    assert_int_equal(cart_price_to_cents(1899.99, &c), 0);
    assert_int_equal(c, 189999);
    assert_int_equal(cart_price_to_cents(0, &c), 0);
    assert_int_equal(c, 0);
    assert_int_equal(cart_price_to_cents(-0.01, &c), -1);
    assert_int_equal(cart_price_to_cents(NAN, &c), -1);
    assert_int_equal(cart_price_to_cents(INFINITY, &c), -1);
    assert_int_equal(cart_price_to_cents(1e12, &c), -1);
}

static void test_tax_is_a_sixth_rounded_half_up(void **state)
{
    (void)state;
    assert_int_equal(cart_tax_cents(0), 0);
    assert_int_equal(cart_tax_cents(2), 0);      /* 0.333 */
    assert_int_equal(cart_tax_cents(3), 1);      /* 0.5 rounds up */
    assert_int_equal(cart_tax_cents(600), 100);
    assert_int_equal(cart_tax_cents(11990), 1998);   /* 119.90 → 19.983 */
    assert_int_equal(cart_tax_cents(220974), 36829); /* 2209.74 → 368.29 */
}

static double number(json_t *obj, const char *key)
{
    return json_number_value(json_object_get(obj, key));
}

static void test_render_sums_lines_exactly(void **state)
{
    (void)state;
    const char *stored =
        "{\"items\":[{\"sku\":\"A\",\"name\":\"Ay\",\"price\":10,\"qty\":3},"
        "{\"sku\":\"B\",\"name\":\"Bee\",\"price\":189999,\"qty\":7},"
        "{\"sku\":\"SHIP\",\"name\":\"shipping to X\",\"price\":1250,\"qty\":1}]}";
    char etag[CART_ETAG_MAX];
    json_t *cart = cart_render(stored, strlen(stored), etag);
    assert_non_null(cart);
    json_t *items = json_object_get(cart, "items");
    assert_int_equal(json_array_size(items), 3);
    json_t *b = json_array_get(items, 1);
    assert_string_equal(json_string_value(json_object_get(b, "sku")), "B");
    assert_string_equal(json_string_value(json_object_get(b, "name")), "Bee");
    assert_int_equal(json_integer_value(json_object_get(b, "qty")), 7);
    assert_true(number(b, "price") == 1899.99);
    assert_true(number(b, "subtotal") == 13299.93);
    /* 30 + 1329993 + 1250 cents */
    assert_true(number(cart, "total") == 13312.73);
    assert_true(number(cart, "tax") == 2218.79);   /* 1331273 / 6 = 221878.8 */
    json_decref(cart);
}

static void test_render_names_the_state_in_its_etag(void **state)
{
    (void)state;
    const char *stored =
        "{\"items\":[],\"token\":\"0123456789abcdef0123456789abcdef\",\"version\":7}";
    char etag[CART_ETAG_MAX];
    json_t *cart = cart_render(stored, strlen(stored), etag);
    assert_non_null(cart);
    assert_string_equal(etag, "\"0123456789abcdef0123456789abcdef.7\"");
    assert_null(json_object_get(cart, "token"));
    json_decref(cart);
    const char *old = "{\"items\":[]}";
    cart = cart_render(old, strlen(old), etag);
    assert_non_null(cart);
    assert_string_equal(etag, "");
    json_decref(cart);
}

static void test_render_empty_cart_written_by_lua(void **state)
{
    (void)state;
    const char *stored = "{\"items\":{}}";
    char etag[CART_ETAG_MAX];
    json_t *cart = cart_render(stored, strlen(stored), etag);
    assert_non_null(cart);
    assert_int_equal(json_array_size(json_object_get(cart, "items")), 0);
    assert_true(number(cart, "total") == 0);
    assert_true(number(cart, "tax") == 0);
    json_decref(cart);
}

static void test_render_refuses_malformed_carts(void **state)
{
    (void)state;
    const char *bad[] = {
        "", "[]", "{\"items\":5}", "{\"items\":{\"a\":1}}",
        "{\"items\":[{\"sku\":\"A\",\"name\":\"Ay\",\"price\":1.5,\"qty\":1}]}",
        "{\"items\":[{\"sku\":\"A\",\"name\":\"Ay\",\"price\":10,\"qty\":0}]}",
        "{\"items\":[{\"sku\":\"A\",\"name\":\"Ay\",\"price\":-1,\"qty\":1}]}",
        "{\"items\":[{\"sku\":\"A\",\"price\":10,\"qty\":1}]}",
    };
    char etag[CART_ETAG_MAX];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_null(cart_render(bad[i], strlen(bad[i]), etag));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prices_to_cents),
        cmocka_unit_test(test_tax_is_a_sixth_rounded_half_up),
        cmocka_unit_test(test_render_sums_lines_exactly),
        cmocka_unit_test(test_render_empty_cart_written_by_lua),
        cmocka_unit_test(test_render_names_the_state_in_its_etag),
        cmocka_unit_test(test_render_refuses_malformed_carts),
    };
    return cmocka_run_group_tests_name("cart", tests, NULL, NULL);
}
