/*
 * test_cart_scripts.c - unit tests for the cart's Lua scripts
 * (src/cart/cart_scripts.c): each argument the C side passes has a name,
 * the prelude binds the names to ARGV in the C order, and the bodies use
 * only those names (never a position, never the shipping SKU itself), so
 * that the two sides cannot drift apart. Redis runs them in tests/api.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>

#include <cmocka.h>

#include "cart_money.h"
#include "cart_scripts.h"

static const cart_script *const scripts[] = {&cart_add_script, &cart_update_script,
    &cart_shipping_script, &cart_rename_script, &cart_delete_script};
#define NSCRIPTS (sizeof scripts / sizeof scripts[0])

static int arg_index(const cart_script *s, const char *name, size_t len)
{
    for (int i = 0; i < s->nargs; i++)
        if (strlen(s->arg_names[i]) == len && strncmp(s->arg_names[i], name, len) == 0)
            return i;
    return -1;
}

static void test_every_argument_has_a_name(void **state)
{
    (void)state;
    for (size_t k = 0; k < NSCRIPTS; k++) {
        const cart_script *s = scripts[k];
        assert_true(s->nargs > 0);
        for (int i = 0; i < s->nargs; i++) {
            assert_non_null(s->arg_names[i]);
            assert_true(isalpha((unsigned char)s->arg_names[i][0]));
            assert_int_equal(arg_index(s, s->arg_names[i], strlen(s->arg_names[i])), i);
        }
    }
}

static void test_prelude_binds_names_in_the_c_order(void **state)
{
    (void)state;
    char *add = cart_script_source(&cart_add_script);
    assert_non_null(add);
    assert_non_null(strstr(add, "local SHIP = '" CART_SHIP_SKU "'\n"));
    assert_non_null(strstr(add, "local args = {sku = ARGV[1], name = ARGV[2], price = ARGV[3], "
                                "qty = ARGV[4], max_qty = ARGV[5], max_lines = ARGV[6], "
                                "ttl = ARGV[7], token = ARGV[8]}\n"));
    free(add);
    for (size_t k = 0; k < NSCRIPTS; k++) {
        char *src = cart_script_source(scripts[k]);
        assert_non_null(src);
        for (int i = 0; i < scripts[k]->nargs; i++) {
            char want[64];
            snprintf(want, sizeof want, "%s%s = ARGV[%d]", i == 0 ? "{" : ", ",
                     scripts[k]->arg_names[i], i + 1);
            assert_non_null(strstr(src, want));
        }
        assert_non_null(strstr(src, scripts[k]->body));
        free(src);
    }
}

static void test_bodies_name_their_arguments(void **state)
{
    (void)state;
    for (size_t k = 0; k < NSCRIPTS; k++) {
        const cart_script *s = scripts[k];
        assert_null(strstr(s->body, "ARGV"));
        assert_null(strstr(s->body, "'" CART_SHIP_SKU "'"));
        int used[16] = {0};
        assert_true(s->nargs <= 16);
        for (const char *p = strstr(s->body, "args."); p != NULL; p = strstr(p + 1, "args.")) {
            const char *name = p + 5;
            size_t len = 0;
            while (isalnum((unsigned char)name[len]) || name[len] == '_')
                len++;
            int i = arg_index(s, name, len);
            if (i < 0)
                fail_msg("%s script uses args.%.*s, which it is not passed", s->name, (int)len, name);
            used[i] = 1;
        }
        for (int i = 0; i < s->nargs; i++)
            if (!used[i])
                fail_msg("%s script is passed %s and never uses it", s->name, s->arg_names[i]);
    }
}

static void test_changing_scripts_take_a_token_last(void **state)
{
    (void)state;
    for (size_t k = 0; k < NSCRIPTS; k++)
        assert_string_equal(scripts[k]->arg_names[scripts[k]->nargs - 1], "token");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_argument_has_a_name),
        cmocka_unit_test(test_prelude_binds_names_in_the_c_order),
        cmocka_unit_test(test_bodies_name_their_arguments),
        cmocka_unit_test(test_changing_scripts_take_a_token_last),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
