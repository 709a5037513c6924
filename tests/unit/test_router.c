/*
 * test_router.c - unit tests for rs_router: the route table, path
 * parameters, method matching (405 with the Allow list, HEAD as GET),
 * per-segment percent-decoding, bad paths, parameter validation and
 * rs_percent_decode itself.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "rs_percent.h"
#include "rs_router.h"

static void h_list(rs_request *req) { (void)req; }
static void h_product(rs_request *req) { (void)req; }
static void h_delete_product(rs_request *req) { (void)req; }
static void h_add(rs_request *req) { (void)req; }
static void h_search(rs_request *req) { (void)req; }
static void h_root(rs_request *req) { (void)req; }
static void h_update(rs_request *req) { (void)req; }

/* A table like a real service's. */
static rs_router *new_shop_router(void)
{
    const rs_route routes[] = {
        {"GET", "/", h_root, RS_PARAM_ID, RS_RUN_WORKER},
        {"GET", "/products", h_list, RS_PARAM_ID, RS_RUN_WORKER},
        {"GET", "/product/:sku", h_product, RS_PARAM_ID, RS_RUN_WORKER},
        {"DELETE", "/product/:sku", h_delete_product, RS_PARAM_ID, RS_RUN_WORKER},
        {"GET", "/add/:id/:sku/:qty", h_add, RS_PARAM_ID, RS_RUN_WORKER},
        {"GET", "/search/:text", h_search, RS_PARAM_TEXT, RS_RUN_WORKER},
        {"PUT", "/update/:id", h_update, RS_PARAM_ID, RS_RUN_WORKER},
        {"POST", "/update/:id", h_update, RS_PARAM_ID, RS_RUN_WORKER},
    };
    rs_router *r = rs_router_new();
    assert_non_null(r);
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
        assert_int_equal(rs_router_add(r, &routes[i]), 0);
    return r;
}

/* Matches and returns the status; m is filled in. */
static rs_match_status match(const rs_router *r, const char *method,
                             const char *path, rs_match *m)
{
    memset(m, 0xAB, sizeof *m); /* catch fields the router forgets to set */
    rs_router_match(r, method, path, m);
    return m->status;
}

/* ---- matching and parameters ---- */

static void test_literal_route(void **state)
{
    (void)state;
    rs_router *r = new_shop_router();
    rs_match m;
    assert_int_equal(match(r, "GET", "/products", &m), RS_MATCH_OK);
    assert_non_null(m.route);
    assert_ptr_equal(m.route->handler, h_list);
    assert_int_equal(m.nparams, 0);
    assert_null(m.bad_param);
    rs_router_free(r);
}

static void test_root_route(void **state)
{
    (void)state;
    rs_router *r = new_shop_router();
    rs_match m;
    assert_int_equal(match(r, "GET", "/", &m), RS_MATCH_OK);
    assert_ptr_equal(m.route->handler, h_root);
    assert_int_equal(m.nparams, 0);
    rs_router_free(r);
}

static void test_single_param(void **state)
{
    (void)state;
    rs_router *r = new_shop_router();
    rs_match m;
    assert_int_equal(match(r, "GET", "/product/RB-01", &m), RS_MATCH_OK);
    assert_ptr_equal(m.route->handler, h_product);
    assert_int_equal(m.nparams, 1);
    assert_string_equal(m.names[0], "sku");
    assert_string_equal(m.values[0], "RB-01");
    assert_string_equal(rs_match_param(&m, "sku"), "RB-01");
    assert_null(rs_match_param(&m, "id"));
    rs_router_free(r);
}

static void test_several_params(void **state)
{
    (void)state;
    rs_router *r = new_shop_router();
    rs_match m;
    assert_int_equal(match(r, "GET", "/add/cart_7/K9/3", &m), RS_MATCH_OK);
    assert_ptr_equal(m.route->handler, h_add);
    assert_int_equal(m.nparams, 3);
    assert_string_equal(m.names[0], "id");
    assert_string_equal(m.names[1], "sku");
    assert_string_equal(m.names[2], "qty");
    assert_string_equal(rs_match_param(&m, "id"), "cart_7");
    assert_string_equal(rs_match_param(&m, "sku"), "K9");
    assert_string_equal(rs_match_param(&m, "qty"), "3");
    rs_router_free(r);
}

static void test_unmatched_is_not_found(void **state)
{
    (void)state;
    rs_router *r = new_shop_router();
    rs_match m;
    assert_int_equal(match(r, "GET", "/nothing", &m), RS_MATCH_NOT_FOUND);
    assert_null(m.route);
    assert_int_equal(match(r, "GET", "/product", &m), RS_MATCH_NOT_FOUND);
    assert_int_equal(match(r, "GET", "/product/a/b", &m), RS_MATCH_NOT_FOUND);
    assert_int_equal(match(r, "GET", "/Products", &m), RS_MATCH_NOT_FOUND);
    assert_int_equal(match(r, "GET", "/add/a/b", &m), RS_MATCH_NOT_FOUND);
    assert_int_equal(match(r, "POST", "/nothing", &m), RS_MATCH_NOT_FOUND);
    assert_string_equal(m.allow, "");
    rs_router_free(r);
}

static void test_literal_segment_is_decoded_before_compare(void **state)
{
    (void)state;
    rs_router *r = new_shop_router();
    rs_match m;
    assert_int_equal(match(r, "GET", "/%70roducts", &m), RS_MATCH_OK);
    assert_ptr_equal(m.route->handler, h_list);
    rs_router_free(r);
}

/* ---- methods ---- */

static void test_method_selects_route(void **state)
{
    (void)state;
    rs_router *r = new_shop_router();
    rs_match m;
    assert_int_equal(match(r, "DELETE", "/product/X1", &m), RS_MATCH_OK);
    assert_ptr_equal(m.route->handler, h_delete_product);
    assert_string_equal(rs_match_param(&m, "sku"), "X1");
    assert_int_equal(match(r, "GET", "/product/X1", &m), RS_MATCH_OK);
    assert_ptr_equal(m.route->handler, h_product);
    rs_router_free(r);
}

static void test_head_matches_get(void **state)
{
    (void)state;
    rs_router *r = new_shop_router();
    rs_match m;
    assert_int_equal(match(r, "HEAD", "/product/X1", &m), RS_MATCH_OK);
    assert_ptr_equal(m.route->handler, h_product);
    assert_string_equal(rs_match_param(&m, "sku"), "X1");
    /* HEAD does not match a route that only has PUT/POST */
    assert_int_equal(match(r, "HEAD", "/update/u1", &m), RS_MATCH_BAD_METHOD);
    rs_router_free(r);
}

static void test_wrong_method_lists_allowed(void **state)
{
    (void)state;
    rs_router *r = new_shop_router();
    rs_match m;
    assert_int_equal(match(r, "POST", "/product/X1", &m), RS_MATCH_BAD_METHOD);
    assert_null(m.route);
    assert_string_equal(m.allow, "GET, HEAD, DELETE, OPTIONS");
    rs_router_free(r);
}

static void test_wrong_method_without_get(void **state)
{
    (void)state;
    rs_router *r = new_shop_router();
    rs_match m;
    assert_int_equal(match(r, "GET", "/update/u1", &m), RS_MATCH_BAD_METHOD);
    assert_string_equal(m.allow, "PUT, POST, OPTIONS");
    assert_int_equal(match(r, "DELETE", "/products", &m), RS_MATCH_BAD_METHOD);
    assert_string_equal(m.allow, "GET, HEAD, OPTIONS");
    rs_router_free(r);
}

static void test_options_is_bad_method_with_allow(void **state)
{
    (void)state;
    rs_router *r = new_shop_router();
    rs_match m;
    assert_int_equal(match(r, "OPTIONS", "/products", &m), RS_MATCH_BAD_METHOD);
    assert_string_equal(m.allow, "GET, HEAD, OPTIONS");
    rs_router_free(r);
}

static void test_later_route_with_right_method_wins(void **state)
{
    (void)state;
    rs_router *r = new_shop_router();
    rs_match m;
    assert_int_equal(match(r, "POST", "/update/u1", &m), RS_MATCH_OK);
    assert_ptr_equal(m.route->handler, h_update);
    assert_string_equal(m.route->method, "POST");
    rs_router_free(r);
}

/* ---- percent-decoding ---- */

static void test_param_is_percent_decoded(void **state)
{
    (void)state;
    rs_router *r = new_shop_router();
    rs_match m;
    assert_int_equal(match(r, "GET", "/product/RB%2D01", &m), RS_MATCH_OK);
    assert_string_equal(rs_match_param(&m, "sku"), "RB-01");
    assert_int_equal(match(r, "GET", "/product/%61%62", &m), RS_MATCH_OK);
    assert_string_equal(rs_match_param(&m, "sku"), "ab");
    rs_router_free(r);
}

static void test_encoded_slash_stays_in_segment(void **state)
{
    (void)state;
    rs_router *r = new_shop_router();
    rs_match m;
    /* "a%2Fb" is one segment "a/b", so it fits /product/:sku, and the id
     * check then refuses it. */
    assert_int_equal(match(r, "GET", "/product/a%2Fb", &m), RS_MATCH_BAD_PARAM);
    assert_string_equal(m.bad_param, "sku");
    assert_string_equal(rs_match_param(&m, "sku"), "a/b");
    rs_router_free(r);
}

static void test_text_param_accepts_spaces_and_utf8(void **state)
{
    (void)state;
    rs_router *r = new_shop_router();
    rs_match m;
    assert_int_equal(match(r, "GET", "/search/big%20robot", &m), RS_MATCH_OK);
    assert_ptr_equal(m.route->handler, h_search);
    assert_string_equal(rs_match_param(&m, "text"), "big robot");
    assert_int_equal(match(r, "GET", "/search/caf%C3%A9%20%E6%97%A5", &m), RS_MATCH_OK);
    assert_string_equal(rs_match_param(&m, "text"), "caf\xC3\xA9 \xE6\x97\xA5");
    assert_int_equal(match(r, "GET", "/search/O'Brien,%20Jr.", &m), RS_MATCH_OK);
    assert_string_equal(rs_match_param(&m, "text"), "O'Brien, Jr.");
    rs_router_free(r);
}

static void test_plus_is_not_space_in_path(void **state)
{
    (void)state;
    rs_router *r = new_shop_router();
    rs_match m;
    assert_int_equal(match(r, "GET", "/search/a+b", &m), RS_MATCH_BAD_PARAM);
    assert_string_equal(rs_match_param(&m, "text"), "a+b");
    assert_string_equal(m.bad_param, "text");
    rs_router_free(r);
}

static void test_text_param_rejects_invalid_utf8(void **state)
{
    (void)state;
    rs_router *r = new_shop_router();
    rs_match m;
    assert_int_equal(match(r, "GET", "/search/caf%C3", &m), RS_MATCH_BAD_PARAM);
    assert_string_equal(m.bad_param, "text");
    assert_int_equal(match(r, "GET", "/search/a%3Cb", &m), RS_MATCH_BAD_PARAM);
    assert_string_equal(m.bad_param, "text");
    rs_router_free(r);
}

static void test_id_param_rejects_space_and_utf8(void **state)
{
    (void)state;
    rs_router *r = new_shop_router();
    rs_match m;
    assert_int_equal(match(r, "GET", "/product/a%20b", &m), RS_MATCH_BAD_PARAM);
    assert_string_equal(m.bad_param, "sku");
    assert_int_equal(match(r, "GET", "/product/caf%C3%A9", &m), RS_MATCH_BAD_PARAM);
    assert_string_equal(m.bad_param, "sku");
    rs_router_free(r);
}

/* ---- bad paths ---- */

static void test_bad_path_nul_escape(void **state)
{
    (void)state;
    rs_router *r = new_shop_router();
    rs_match m;
    assert_int_equal(match(r, "GET", "/product/a%00b", &m), RS_MATCH_BAD_PATH);
    assert_null(m.route);
    assert_int_equal(match(r, "GET", "/product/%00", &m), RS_MATCH_BAD_PATH);
    rs_router_free(r);
}

static void test_bad_path_bad_escape(void **state)
{
    (void)state;
    rs_router *r = new_shop_router();
    rs_match m;
    assert_int_equal(match(r, "GET", "/product/%zz", &m), RS_MATCH_BAD_PATH);
    assert_int_equal(match(r, "GET", "/product/%4", &m), RS_MATCH_BAD_PATH);
    assert_int_equal(match(r, "GET", "/product/abc%", &m), RS_MATCH_BAD_PATH);
    assert_int_equal(match(r, "GET", "/product/%G1", &m), RS_MATCH_BAD_PATH);
    /* a bad escape anywhere spoils the path, even in an unmatched one */
    assert_int_equal(match(r, "GET", "/nothing/%", &m), RS_MATCH_BAD_PATH);
    rs_router_free(r);
}

static void test_bad_path_dot_segments(void **state)
{
    (void)state;
    rs_router *r = new_shop_router();
    rs_match m;
    assert_int_equal(match(r, "GET", "/product/..", &m), RS_MATCH_BAD_PATH);
    assert_int_equal(match(r, "GET", "/product/.", &m), RS_MATCH_BAD_PATH);
    assert_int_equal(match(r, "GET", "/../products", &m), RS_MATCH_BAD_PATH);
    assert_int_equal(match(r, "GET", "/./products", &m), RS_MATCH_BAD_PATH);
    /* encoded dots decode to dot segments too */
    assert_int_equal(match(r, "GET", "/product/%2E%2E", &m), RS_MATCH_BAD_PATH);
    assert_int_equal(match(r, "GET", "/product/%2e", &m), RS_MATCH_BAD_PATH);
    assert_int_equal(match(r, "GET", "/product/.%2E", &m), RS_MATCH_BAD_PATH);
    rs_router_free(r);
}

static void test_bad_path_shape(void **state)
{
    (void)state;
    rs_router *r = new_shop_router();
    rs_match m;
    assert_int_equal(match(r, "GET", "", &m), RS_MATCH_BAD_PATH);
    assert_int_equal(match(r, "GET", "products", &m), RS_MATCH_BAD_PATH);
    rs_router_free(r);
}

static void test_path_length_limit(void **state)
{
    (void)state;
    rs_router *r = new_shop_router();
    rs_match m;
    char path[RS_PATH_MAX + 2];
    /* exactly RS_PATH_MAX bytes: routed (not found) */
    path[0] = '/';
    memset(path + 1, 'a', RS_PATH_MAX - 1);
    path[RS_PATH_MAX] = '\0';
    assert_int_equal(match(r, "GET", path, &m), RS_MATCH_NOT_FOUND);
    /* one byte more: refused */
    memset(path + 1, 'a', RS_PATH_MAX);
    path[RS_PATH_MAX + 1] = '\0';
    assert_int_equal(match(r, "GET", path, &m), RS_MATCH_BAD_PATH);
    rs_router_free(r);
}

/* ---- parameter validation ---- */

static void test_id_param_65_chars_is_bad_param(void **state)
{
    (void)state;
    rs_router *r = new_shop_router();
    rs_match m;
    char path[128];
    strcpy(path, "/product/");
    size_t base = strlen(path);
    memset(path + base, 'x', 64);
    path[base + 64] = '\0';
    assert_int_equal(match(r, "GET", path, &m), RS_MATCH_OK);
    assert_int_equal(strlen(rs_match_param(&m, "sku")), 64);
    memset(path + base, 'x', 65);
    path[base + 65] = '\0';
    assert_int_equal(match(r, "GET", path, &m), RS_MATCH_BAD_PARAM);
    assert_non_null(m.bad_param);
    assert_string_equal(m.bad_param, "sku");
    rs_router_free(r);
}

static void test_dotdot_slash_decoded_is_bad_param(void **state)
{
    (void)state;
    rs_router *r = new_shop_router();
    rs_match m;
    assert_int_equal(match(r, "GET", "/product/..%2Fx", &m), RS_MATCH_BAD_PARAM);
    assert_string_equal(m.bad_param, "sku");
    assert_string_equal(rs_match_param(&m, "sku"), "../x");
    rs_router_free(r);
}

static void test_bad_param_names_the_first_bad_one(void **state)
{
    (void)state;
    rs_router *r = new_shop_router();
    rs_match m;
    assert_int_equal(match(r, "GET", "/add/ok/bad%20sku/x%21", &m), RS_MATCH_BAD_PARAM);
    assert_string_equal(m.bad_param, "sku");
    assert_int_equal(match(r, "GET", "/add/ok/fine/x%21", &m), RS_MATCH_BAD_PARAM);
    assert_string_equal(m.bad_param, "qty");
    rs_router_free(r);
}

static void test_empty_param_is_bad_param(void **state)
{
    (void)state;
    rs_router *r = new_shop_router();
    rs_match m;
    assert_int_equal(match(r, "GET", "/product/", &m), RS_MATCH_BAD_PARAM);
    assert_string_equal(m.bad_param, "sku");
    rs_router_free(r);
}

/* ---- rs_router_add ---- */

static void test_add_rejects_malformed_patterns(void **state)
{
    (void)state;
    rs_router *r = rs_router_new();
    assert_non_null(r);
    rs_route bad[] = {
        {"GET", "product", h_list, RS_PARAM_ID, RS_RUN_WORKER},
        {"GET", NULL, h_list, RS_PARAM_ID, RS_RUN_WORKER},
        {"GET", "/a//b", h_list, RS_PARAM_ID, RS_RUN_WORKER},
        {"GET", "/a/", h_list, RS_PARAM_ID, RS_RUN_WORKER},
        {"GET", "/a/:", h_list, RS_PARAM_ID, RS_RUN_WORKER},
        {"GET", "/a/:1x", h_list, RS_PARAM_ID, RS_RUN_WORKER},
        {"GET", "/a/:b-c", h_list, RS_PARAM_ID, RS_RUN_WORKER},
        {"GET", "/:a/:b/:c/:d/:e/:f/:g/:h/:i", h_list, RS_PARAM_ID, RS_RUN_WORKER},
        {"GET", "/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16/17", h_list, RS_PARAM_ID, RS_RUN_WORKER},
        {NULL, "/ok", h_list, RS_PARAM_ID, RS_RUN_WORKER},
        {"GET", "/ok", NULL, RS_PARAM_ID, RS_RUN_WORKER},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(rs_router_add(r, &bad[i]), -1);
    rs_match m;
    assert_int_equal(match(r, "GET", "/ok", &m), RS_MATCH_NOT_FOUND);
    rs_router_free(r);
}

static void test_add_accepts_limits(void **state)
{
    (void)state;
    rs_router *r = rs_router_new();
    rs_route eight = {"GET", "/:a/:b/:c/:d/:e/:f/:g/:h9", h_list, RS_PARAM_ID, RS_RUN_WORKER};
    rs_route sixteen = {"GET", "/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16", h_root, RS_PARAM_ID, RS_RUN_WORKER};
    assert_int_equal(rs_router_add(r, &eight), 0);
    assert_int_equal(rs_router_add(r, &sixteen), 0);
    rs_match m;
    assert_int_equal(match(r, "GET", "/1/2/3/4/5/6/7/8", &m), RS_MATCH_OK);
    assert_int_equal(m.nparams, 8);
    assert_string_equal(rs_match_param(&m, "h9"), "8");
    assert_int_equal(match(r, "GET", "/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16", &m),
                     RS_MATCH_OK);
    assert_ptr_equal(m.route->handler, h_root);
    /* 17 segments cannot be split: a bad path */
    assert_int_equal(match(r, "GET", "/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16/17", &m),
                     RS_MATCH_BAD_PATH);
    rs_router_free(r);
}

static void test_add_rejects_too_many_routes(void **state)
{
    (void)state;
    rs_router *r = rs_router_new();
    rs_route route = {"GET", "/x", h_list, RS_PARAM_ID, RS_RUN_WORKER};
    int added = 0;
    for (int i = 0; i < 1000; i++) {
        if (rs_router_add(r, &route) != 0)
            break;
        added++;
    }
    assert_int_equal(added, 64);
    rs_router_free(r);
}

/* ---- rs_percent_decode ---- */

static void test_percent_decode(void **state)
{
    (void)state;
    char s[64];
    strcpy(s, "a%20b%2fc%2Fd");
    assert_int_equal(rs_percent_decode(s, 0), 0);
    assert_string_equal(s, "a b/c/d");
    strcpy(s, "a+b%2B");
    assert_int_equal(rs_percent_decode(s, 0), 0);
    assert_string_equal(s, "a+b+");
    strcpy(s, "a+b%2B");
    assert_int_equal(rs_percent_decode(s, 1), 0);
    assert_string_equal(s, "a b+");
    strcpy(s, "%C3%A9");
    assert_int_equal(rs_percent_decode(s, 0), 0);
    assert_string_equal(s, "\xC3\xA9");
    strcpy(s, "");
    assert_int_equal(rs_percent_decode(s, 0), 0);
    assert_string_equal(s, "");
}

static void test_percent_decode_rejects(void **state)
{
    (void)state;
    char s[16];
    strcpy(s, "%00");
    assert_int_equal(rs_percent_decode(s, 0), -1);
    strcpy(s, "%");
    assert_int_equal(rs_percent_decode(s, 0), -1);
    strcpy(s, "%A");
    assert_int_equal(rs_percent_decode(s, 0), -1);
    strcpy(s, "%xA");
    assert_int_equal(rs_percent_decode(s, 0), -1);
    strcpy(s, "%Ax");
    assert_int_equal(rs_percent_decode(s, 0), -1);
}

static void test_wildcard_matches_any_rest(void **state)
{
    (void)state;
    rs_router *r = rs_router_new();
    assert_non_null(r);
    rs_route api = {"GET", "/api/:service/*", h_list, RS_PARAM_ID, RS_RUN_WORKER};
    rs_route files = {"GET", "/*", h_root, RS_PARAM_ID, RS_RUN_WORKER};
    assert_int_equal(rs_router_add(r, &api), 0);
    assert_int_equal(rs_router_add(r, &files), 0);
    rs_match m;
    rs_router_match(r, "GET", "/api/cart/add/a/b/1", &m);
    assert_int_equal(m.status, RS_MATCH_OK);
    assert_ptr_equal(m.route->handler, h_list);
    assert_string_equal(rs_match_param(&m, "service"), "cart");
    rs_router_match(r, "GET", "/api/cart", &m);   /* the rest may be empty */
    assert_ptr_equal(m.route->handler, h_list);
    rs_router_match(r, "GET", "/", &m);
    assert_ptr_equal(m.route->handler, h_root);
    rs_router_match(r, "GET", "/css/site.css", &m);
    assert_ptr_equal(m.route->handler, h_root);
    rs_router_match(r, "GET", "/api/..%2Fx/y", &m);
    assert_int_equal(m.status, RS_MATCH_BAD_PARAM);
    rs_router_match(r, "GET", "/a/../b", &m);
    assert_int_equal(m.status, RS_MATCH_BAD_PATH);
    rs_router_match(r, "POST", "/css/site.css", &m);
    assert_int_equal(m.status, RS_MATCH_BAD_METHOD);
    rs_router_free(r);
}

static void test_wildcard_only_last(void **state)
{
    (void)state;
    rs_router *r = rs_router_new();
    assert_non_null(r);
    rs_route inner = {"GET", "/a/*/b", h_list, RS_PARAM_ID, RS_RUN_WORKER};
    assert_int_equal(rs_router_add(r, &inner), -1);
    rs_router_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wildcard_matches_any_rest),
        cmocka_unit_test(test_wildcard_only_last),
        cmocka_unit_test(test_literal_route),
        cmocka_unit_test(test_root_route),
        cmocka_unit_test(test_single_param),
        cmocka_unit_test(test_several_params),
        cmocka_unit_test(test_unmatched_is_not_found),
        cmocka_unit_test(test_literal_segment_is_decoded_before_compare),
        cmocka_unit_test(test_method_selects_route),
        cmocka_unit_test(test_head_matches_get),
        cmocka_unit_test(test_wrong_method_lists_allowed),
        cmocka_unit_test(test_wrong_method_without_get),
        cmocka_unit_test(test_options_is_bad_method_with_allow),
        cmocka_unit_test(test_later_route_with_right_method_wins),
        cmocka_unit_test(test_param_is_percent_decoded),
        cmocka_unit_test(test_encoded_slash_stays_in_segment),
        cmocka_unit_test(test_text_param_accepts_spaces_and_utf8),
        cmocka_unit_test(test_plus_is_not_space_in_path),
        cmocka_unit_test(test_text_param_rejects_invalid_utf8),
        cmocka_unit_test(test_id_param_rejects_space_and_utf8),
        cmocka_unit_test(test_bad_path_nul_escape),
        cmocka_unit_test(test_bad_path_bad_escape),
        cmocka_unit_test(test_bad_path_dot_segments),
        cmocka_unit_test(test_bad_path_shape),
        cmocka_unit_test(test_path_length_limit),
        cmocka_unit_test(test_id_param_65_chars_is_bad_param),
        cmocka_unit_test(test_dotdot_slash_decoded_is_bad_param),
        cmocka_unit_test(test_bad_param_names_the_first_bad_one),
        cmocka_unit_test(test_empty_param_is_bad_param),
        cmocka_unit_test(test_add_rejects_malformed_patterns),
        cmocka_unit_test(test_add_accepts_limits),
        cmocka_unit_test(test_add_rejects_too_many_routes),
        cmocka_unit_test(test_percent_decode),
        cmocka_unit_test(test_percent_decode_rejects),
    };
    return cmocka_run_group_tests_name("router", tests, NULL, NULL);
}
