/*
 * test_valid.c - unit tests for rs_valid: ids, search texts and emails,
 * especially the length limits and UTF-8 handling.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "rs_valid.h"

/* Fills out with n copies of c and a NUL; out must hold n + 1 bytes. */
static void repeat(char *out, char c, size_t n)
{
    memset(out, c, n);
    out[n] = '\0';
}

/* Fills out with n copies of the string unit; out must be big enough. */
static void repeat_str(char *out, const char *unit, size_t n)
{
    out[0] = '\0';
    for (size_t i = 0; i < n; i++)
        strcat(out, unit);
}

/* ---- rs_valid_id ---- */

static void test_id_accepts_allowed_chars(void **state)
{
    (void)state;
    assert_true(rs_valid_id("a"));
    assert_true(rs_valid_id("RB-01"));
    assert_true(rs_valid_id("user_name.42"));
    assert_true(rs_valid_id("AZaz09._-"));
    assert_true(rs_valid_id("..."));
    assert_true(rs_valid_id(".hidden"));
}

static void test_id_rejects_empty(void **state)
{
    (void)state;
    assert_false(rs_valid_id(""));
}

static void test_id_rejects_dot_and_dotdot(void **state)
{
    (void)state;
    assert_false(rs_valid_id("."));
    assert_false(rs_valid_id(".."));
}

static void test_id_length_boundary(void **state)
{
    (void)state;
    char s[RS_ID_MAX + 2];
    repeat(s, 'x', RS_ID_MAX);
    assert_int_equal(strlen(s), 64);
    assert_true(rs_valid_id(s));
    repeat(s, 'x', RS_ID_MAX + 1);
    assert_false(rs_valid_id(s));
}

static void test_id_rejects_other_chars(void **state)
{
    (void)state;
    assert_false(rs_valid_id("a b"));
    assert_false(rs_valid_id("a/b"));
    assert_false(rs_valid_id("../x"));
    assert_false(rs_valid_id("a%2F"));
    assert_false(rs_valid_id("a\tb"));
    assert_false(rs_valid_id("a'b"));
    assert_false(rs_valid_id("a@b"));
    assert_false(rs_valid_id("caf\xC3\xA9")); /* "café": not ASCII */
    assert_false(rs_valid_id("a\x7F"));
}

/* ---- rs_valid_text ---- */

static void test_text_accepts_ascii_words(void **state)
{
    (void)state;
    assert_true(rs_valid_text("robot"));
    assert_true(rs_valid_text("big robot, model 2"));
    assert_true(rs_valid_text("O'Brien"));
    assert_true(rs_valid_text(" "));
    assert_true(rs_valid_text("a.b_c-d"));
}

static void test_text_accepts_multibyte_utf8(void **state)
{
    (void)state;
    assert_true(rs_valid_text("caf\xC3\xA9"));             /* café (2-byte) */
    assert_true(rs_valid_text("\xE6\x97\xA5\xE6\x9C\xAC")); /* 日本 (3-byte) */
    assert_true(rs_valid_text("\xF0\x9D\x90\x80"));         /* U+1D400 (4-byte) */
    assert_true(rs_valid_text("\xD0\xA0\xD0\xBE\xD0\xB1\xD0\xBE\xD1\x82")); /* Робот */
}

static void test_text_rejects_empty(void **state)
{
    (void)state;
    assert_false(rs_valid_text(""));
}

static void test_text_rejects_ascii_punctuation(void **state)
{
    (void)state;
    assert_false(rs_valid_text("a/b"));
    assert_false(rs_valid_text("<script>"));
    assert_false(rs_valid_text("a\"b"));
    assert_false(rs_valid_text("a;b"));
    assert_false(rs_valid_text("a\nb"));
    assert_false(rs_valid_text("a\tb"));
    assert_false(rs_valid_text("50%"));
}

static void test_text_length_boundary_ascii(void **state)
{
    (void)state;
    char s[RS_TEXT_MAX + 2];
    repeat(s, 'a', RS_TEXT_MAX);
    assert_true(rs_valid_text(s));
    repeat(s, 'a', RS_TEXT_MAX + 1);
    assert_false(rs_valid_text(s));
}

static void test_text_length_counts_characters_not_bytes(void **state)
{
    (void)state;
    char s[4 * (RS_TEXT_MAX + 1) + 1];
    /* 64 two-byte characters = 128 bytes: allowed */
    repeat_str(s, "\xC3\xA9", RS_TEXT_MAX);
    assert_int_equal(strlen(s), 128);
    assert_true(rs_valid_text(s));
    /* 65 two-byte characters: too long */
    repeat_str(s, "\xC3\xA9", RS_TEXT_MAX + 1);
    assert_false(rs_valid_text(s));
    /* 64 four-byte characters = 256 bytes: allowed */
    repeat_str(s, "\xF0\x9F\x98\x80", RS_TEXT_MAX);
    assert_true(rs_valid_text(s));
    repeat_str(s, "\xF0\x9F\x98\x80", RS_TEXT_MAX + 1);
    assert_false(rs_valid_text(s));
}

static void test_text_rejects_invalid_utf8(void **state)
{
    (void)state;
    assert_false(rs_valid_text("\xC3"));             /* truncated */
    assert_false(rs_valid_text("caf\xC3"));          /* truncated at end */
    assert_false(rs_valid_text("\xC3\x28"));         /* bad continuation */
    assert_false(rs_valid_text("\xA9"));             /* lone continuation */
    assert_false(rs_valid_text("\xC0\xAF"));         /* overlong '/' */
    assert_false(rs_valid_text("\xC1\xBF"));         /* overlong */
    assert_false(rs_valid_text("\xE0\x80\xAF"));     /* overlong 3-byte */
    assert_false(rs_valid_text("\xF0\x80\x80\xAF")); /* overlong 4-byte */
    assert_false(rs_valid_text("\xED\xA0\x80"));     /* surrogate U+D800 */
    assert_false(rs_valid_text("\xF4\x90\x80\x80")); /* U+110000 */
    assert_false(rs_valid_text("\xF5\x80\x80\x80")); /* bad lead byte */
    assert_false(rs_valid_text("\xFF"));
    assert_false(rs_valid_text("\xE6\x97"));         /* truncated 3-byte */
}

static void test_text_accepts_utf8_boundaries(void **state)
{
    (void)state;
    assert_true(rs_valid_text("\xC2\x80" "a"));      /* U+0080 */
    assert_true(rs_valid_text("\xE0\xA0\x80"));      /* U+0800 */
    assert_true(rs_valid_text("\xED\x9F\xBF"));      /* U+D7FF */
    assert_true(rs_valid_text("\xEE\x80\x80"));      /* U+E000 */
    assert_true(rs_valid_text("\xF4\x8F\xBF\xBF"));  /* U+10FFFF */
}

/* ---- rs_valid_email ---- */

static void test_email_accepts_ordinary(void **state)
{
    (void)state;
    assert_true(rs_valid_email("user@example.com"));
    assert_true(rs_valid_email("first.last+tag@mail.example.co.uk"));
    assert_true(rs_valid_email("o'neil@ex-ample.org"));
    assert_true(rs_valid_email("a@b.c"));
}

static void test_email_rejects_structure(void **state)
{
    (void)state;
    assert_false(rs_valid_email(""));
    assert_false(rs_valid_email("ab"));
    assert_false(rs_valid_email("userexample.com"));
    assert_false(rs_valid_email("@example.com"));
    assert_false(rs_valid_email("a@@example.com"));
    assert_false(rs_valid_email("a@b@example.com"));
    assert_false(rs_valid_email("user@localhost"));
    assert_false(rs_valid_email("user@example."));
    assert_false(rs_valid_email("user@.example.com"));
    assert_false(rs_valid_email("user@-example.com"));
    assert_false(rs_valid_email("user@example..com"));
    assert_false(rs_valid_email("user@"));
}

static void test_email_rejects_bad_chars(void **state)
{
    (void)state;
    assert_false(rs_valid_email("us er@example.com"));
    assert_false(rs_valid_email("user@exa mple.com"));
    assert_false(rs_valid_email("user@exa_mple.com"));
    assert_false(rs_valid_email("us\"er@example.com"));
    assert_false(rs_valid_email("user@ex\xC3\xA9.com"));
    assert_false(rs_valid_email("us\xC3\xA9r@example.com"));
    assert_false(rs_valid_email("user@example.com\n"));
}

static void test_email_length_boundary(void **state)
{
    (void)state;
    char s[300];
    /* local part + "@example.com" (12 bytes) */
    repeat(s, 'a', 254 - 12);
    strcat(s, "@example.com");
    assert_int_equal(strlen(s), 254);
    assert_true(rs_valid_email(s));
    repeat(s, 'a', 255 - 12);
    strcat(s, "@example.com");
    assert_int_equal(strlen(s), 255);
    assert_false(rs_valid_email(s));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_id_accepts_allowed_chars),
        cmocka_unit_test(test_id_rejects_empty),
        cmocka_unit_test(test_id_rejects_dot_and_dotdot),
        cmocka_unit_test(test_id_length_boundary),
        cmocka_unit_test(test_id_rejects_other_chars),
        cmocka_unit_test(test_text_accepts_ascii_words),
        cmocka_unit_test(test_text_accepts_multibyte_utf8),
        cmocka_unit_test(test_text_rejects_empty),
        cmocka_unit_test(test_text_rejects_ascii_punctuation),
        cmocka_unit_test(test_text_length_boundary_ascii),
        cmocka_unit_test(test_text_length_counts_characters_not_bytes),
        cmocka_unit_test(test_text_rejects_invalid_utf8),
        cmocka_unit_test(test_text_accepts_utf8_boundaries),
        cmocka_unit_test(test_email_accepts_ordinary),
        cmocka_unit_test(test_email_rejects_structure),
        cmocka_unit_test(test_email_rejects_bad_chars),
        cmocka_unit_test(test_email_length_boundary),
    };
    return cmocka_run_group_tests_name("valid", tests, NULL, NULL);
}
