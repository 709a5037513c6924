/*
 * test_config.c - unit tests for rs_config: the pure parsers
 * (rs_parse_long, rs_parse_bool, rs_parse_url_scheme) and the
 * environment readers, including the exit with status 2 on a bad value
 * (checked in a forked child), and rs_config_fail's one line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "rs_config.h"

/* ---- rs_parse_long ---- */

static void test_parse_long_accepts(void **state)
{
    (void)state;
    long v = -1;
    assert_int_equal(rs_parse_long("8080", 1, 65535, &v), 0);
    assert_int_equal(v, 8080);
    assert_int_equal(rs_parse_long("0", 0, 10, &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(rs_parse_long("-5", -10, 10, &v), 0);
    assert_int_equal(v, -5);
    assert_int_equal(rs_parse_long("+7", 0, 10, &v), 0);
    assert_int_equal(v, 7);
    assert_int_equal(rs_parse_long("007", 0, 10, &v), 0);
    assert_int_equal(v, 7);
}

static void test_parse_long_range_is_inclusive(void **state)
{
    (void)state;
    long v = 0;
    assert_int_equal(rs_parse_long("1", 1, 65535, &v), 0);
    assert_int_equal(v, 1);
    assert_int_equal(rs_parse_long("65535", 1, 65535, &v), 0);
    assert_int_equal(v, 65535);
    v = 42;
    assert_int_equal(rs_parse_long("0", 1, 65535, &v), -1);
    assert_int_equal(rs_parse_long("65536", 1, 65535, &v), -1);
    assert_int_equal(rs_parse_long("-1", 0, 10, &v), -1);
    assert_int_equal(v, 42);   /* untouched on failure */
}

static void test_parse_long_extremes(void **state)
{
    (void)state;
    long v = 0;
    char buf[64];
    snprintf(buf, sizeof buf, "%ld", LONG_MAX);
    assert_int_equal(rs_parse_long(buf, LONG_MIN, LONG_MAX, &v), 0);
    assert_true(v == LONG_MAX);
    snprintf(buf, sizeof buf, "%ld", LONG_MIN);
    assert_int_equal(rs_parse_long(buf, LONG_MIN, LONG_MAX, &v), 0);
    assert_true(v == LONG_MIN);
    /* overflow is an error, not a clamp */
    assert_int_equal(rs_parse_long("9223372036854775808", LONG_MIN, LONG_MAX, &v), -1);
    assert_int_equal(rs_parse_long("99999999999999999999999", LONG_MIN, LONG_MAX, &v), -1);
    assert_int_equal(rs_parse_long("-99999999999999999999999", LONG_MIN, LONG_MAX, &v), -1);
}

static void test_parse_long_rejects_garbage(void **state)
{
    (void)state;
    long v = 0;
    const char *bad[] = {
        "", " ", "abc", "12abc", "12 ", " 12", "\t12", "\n12", "\r12", "\v12",
        "1.5", "1e3", "0x10", "-", "+", "--1", "1,000", "١٢",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (rs_parse_long(bad[i], LONG_MIN, LONG_MAX, &v) != -1)
            fail_msg("rs_parse_long accepted \"%s\"", bad[i]);
    }
    assert_int_equal(rs_parse_long(NULL, 0, 10, &v), -1);
}

/* ---- rs_parse_bool ---- */

static void test_parse_bool_accepts(void **state)
{
    (void)state;
    const char *yes[] = {"1", "true", "yes", "on", "TRUE", "True", "YES", "On"};
    const char *no[] = {"0", "false", "no", "off", "FALSE", "False", "NO", "Off"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        bool b = false;
        if (rs_parse_bool(yes[i], &b) != 0 || b != true)
            fail_msg("rs_parse_bool(\"%s\") is not true", yes[i]);
    }
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
        bool b = true;
        if (rs_parse_bool(no[i], &b) != 0 || b != false)
            fail_msg("rs_parse_bool(\"%s\") is not false", no[i]);
    }
}

static void test_parse_bool_rejects(void **state)
{
    (void)state;
    const char *bad[] = {"", "2", "-1", "y", "n", "t", "f", "enabled", " true",
                         "true ", "yes!", "10", "00", "onn"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        bool b = true;
        if (rs_parse_bool(bad[i], &b) != -1)
            fail_msg("rs_parse_bool accepted \"%s\"", bad[i]);
        assert_true(b);   /* untouched */
    }
    bool b;
    assert_int_equal(rs_parse_bool(NULL, &b), -1);
}

/* ---- rs_parse_url_scheme ---- */

static void test_parse_url_accepts(void **state)
{
    (void)state;
    assert_int_equal(rs_parse_url_scheme("http://catalogue:8080", "http"), 0);
    assert_int_equal(rs_parse_url_scheme("http://localhost", "http"), 0);
    assert_int_equal(rs_parse_url_scheme("http://10.0.0.1:80/base", "http"), 0);
    assert_int_equal(rs_parse_url_scheme("redis://redis:6379", "redis"), 0);
    assert_int_equal(rs_parse_url_scheme("mysql://user:pass@mysql:3306/db", "mysql"), 0);
    assert_int_equal(rs_parse_url_scheme("amqp://guest:guest@rabbitmq:5672", "amqp"), 0);
    assert_int_equal(rs_parse_url_scheme("mongodb://mongo:27017/catalogue", "mongodb"), 0);
}

static void test_parse_url_rejects(void **state)
{
    (void)state;
    assert_int_equal(rs_parse_url_scheme(NULL, "http"), -1);
    assert_int_equal(rs_parse_url_scheme("", "http"), -1);
    assert_int_equal(rs_parse_url_scheme("catalogue:8080", "http"), -1);
    assert_int_equal(rs_parse_url_scheme("https://catalogue", "http"), -1);
    assert_int_equal(rs_parse_url_scheme("http://catalogue", "https"), -1);
    assert_int_equal(rs_parse_url_scheme("redis://redis:6379", "http"), -1);
    assert_int_equal(rs_parse_url_scheme("http:/catalogue", "http"), -1);
    assert_int_equal(rs_parse_url_scheme("http:catalogue", "http"), -1);
    assert_int_equal(rs_parse_url_scheme("http://", "http"), -1);
    assert_int_equal(rs_parse_url_scheme("http:///path", "http"), -1);
    assert_int_equal(rs_parse_url_scheme("http://cata logue", "http"), -1);
    assert_int_equal(rs_parse_url_scheme("http://catalogue\n", "http"), -1);
    assert_int_equal(rs_parse_url_scheme("http://cat\talogue", "http"), -1);
    assert_int_equal(rs_parse_url_scheme("http://cat\x7f", "http"), -1);
    assert_int_equal(rs_parse_url_scheme(" http://catalogue", "http"), -1);
}

/* ---- environment readers (in this process) ---- */

static void test_config_str(void **state)
{
    (void)state;
    unsetenv("RS_TEST_STR");
    assert_string_equal(rs_config_str("RS_TEST_STR", "dflt"), "dflt");
    assert_null(rs_config_str("RS_TEST_STR", NULL));
    setenv("RS_TEST_STR", "", 1);
    assert_string_equal(rs_config_str("RS_TEST_STR", "dflt"), "dflt");
    setenv("RS_TEST_STR", "value", 1);
    assert_string_equal(rs_config_str("RS_TEST_STR", "dflt"), "value");
    unsetenv("RS_TEST_STR");
}

static void test_config_int_default_and_value(void **state)
{
    (void)state;
    unsetenv("RS_TEST_INT");
    assert_int_equal(rs_config_int("RS_TEST_INT", 8080, 1, 65535), 8080);
    setenv("RS_TEST_INT", "", 1);
    assert_int_equal(rs_config_int("RS_TEST_INT", 8080, 1, 65535), 8080);
    setenv("RS_TEST_INT", "9090", 1);
    assert_int_equal(rs_config_int("RS_TEST_INT", 8080, 1, 65535), 9090);
    unsetenv("RS_TEST_INT");
}

static void test_config_bool_default_and_value(void **state)
{
    (void)state;
    unsetenv("RS_TEST_BOOL");
    assert_true(rs_config_bool("RS_TEST_BOOL", true));
    assert_false(rs_config_bool("RS_TEST_BOOL", false));
    setenv("RS_TEST_BOOL", "off", 1);
    assert_false(rs_config_bool("RS_TEST_BOOL", true));
    setenv("RS_TEST_BOOL", "Yes", 1);
    assert_true(rs_config_bool("RS_TEST_BOOL", false));
    unsetenv("RS_TEST_BOOL");
}

static void test_config_url_default_and_value(void **state)
{
    (void)state;
    unsetenv("RS_TEST_URL");
    assert_string_equal(rs_config_url("RS_TEST_URL", "http", "http://cart:8080"),
                        "http://cart:8080");
    assert_null(rs_config_url("RS_TEST_URL", "mongodb", NULL));
    setenv("RS_TEST_URL", "http://localhost:9000", 1);
    assert_string_equal(rs_config_url("RS_TEST_URL", "http", "http://cart:8080"),
                        "http://localhost:9000");
    unsetenv("RS_TEST_URL");
}

static void test_config_url_parts(void **state)
{
    (void)state;
    rs_url u;
    setenv("RS_TEST_URL", "mysql://shop:p%40ss@db.example:3307/cities", 1);
    rs_config_url_parts("RS_TEST_URL", "mysql", NULL, 3306, "mysql://...", &u);
    assert_string_equal(u.host, "db.example");
    assert_int_equal(u.port, 3307);
    assert_string_equal(u.user, "shop");
    assert_string_equal(u.password, "p@ss");
    assert_string_equal(u.path, "cities");
    rs_url_free(&u);
    assert_null(u.host);

    setenv("RS_TEST_URL", "redis://[::1]", 1);
    rs_config_url_parts("RS_TEST_URL", "redis", NULL, 6379, "redis://...", &u);
    assert_string_equal(u.host, "::1");
    assert_int_equal(u.port, 6379);
    assert_null(u.user);
    assert_null(u.password);
    assert_string_equal(u.path, "");
    rs_url_free(&u);

    unsetenv("RS_TEST_URL");
    rs_config_url_parts("RS_TEST_URL", "redis", "redis://cache:6390/2", 6379, "redis://...", &u);
    assert_string_equal(u.host, "cache");
    assert_int_equal(u.port, 6390);
    assert_string_equal(u.path, "2");
    rs_url_free(&u);
}

/* ---- exit status 2 on a bad value (in a child) ---- */

typedef enum { READ_INT, READ_BOOL, READ_URL, READ_URL_PARTS, FAIL } reader;

/* Forks a child that sets name=value and reads it with the given reader;
 * the child's stderr goes to err_fd (or /dev/null when -1). The child exits
 * 0 when the reader returns. FAIL calls rs_config_fail about the value
 * instead. Returns the child's wait status. */
static int run_child(reader which, const char *name, const char *value, int err_fd)
{
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = err_fd >= 0 ? err_fd : open("/dev/null", O_WRONLY);
        if (fd < 0 || dup2(fd, STDERR_FILENO) < 0)
            _exit(100);
        if (setenv(name, value, 1) != 0)
            _exit(101);
        if (which == READ_INT)
            (void)rs_config_int(name, 10, 1, 100);
        else if (which == READ_BOOL)
            (void)rs_config_bool(name, false);
        else if (which == READ_URL)
            (void)rs_config_url(name, "http", NULL);
        else if (which == FAIL)
            rs_config_fail("%s=\"%s\": expected at most %d", name, getenv(name), 3);
        else {
            rs_url url;
            rs_config_url_parts(name, "redis", "redis://x", 6379, "redis://host", &url);
            rs_url_free(&url);
        }
        _exit(0);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return status;
}

static void assert_exit_status(int status, int expect)
{
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), expect);
}

static void test_config_int_bad_value_exits_2(void **state)
{
    (void)state;
    assert_exit_status(run_child(READ_INT, "RS_TEST_INT", "abc", -1), RS_EXIT_CONFIG);
    assert_exit_status(run_child(READ_INT, "RS_TEST_INT", "12x", -1), RS_EXIT_CONFIG);
    assert_exit_status(run_child(READ_INT, "RS_TEST_INT", "101", -1), RS_EXIT_CONFIG);
    assert_exit_status(run_child(READ_INT, "RS_TEST_INT", "0", -1), RS_EXIT_CONFIG);
    assert_exit_status(run_child(READ_INT, "RS_TEST_INT", " 5", -1), RS_EXIT_CONFIG);
}

static void test_config_int_good_value_returns(void **state)
{
    (void)state;
    assert_exit_status(run_child(READ_INT, "RS_TEST_INT", "100", -1), 0);
    assert_exit_status(run_child(READ_INT, "RS_TEST_INT", "1", -1), 0);
}

static void test_config_bool_bad_value_exits_2(void **state)
{
    (void)state;
    assert_exit_status(run_child(READ_BOOL, "RS_TEST_BOOL", "maybe", -1), RS_EXIT_CONFIG);
    assert_exit_status(run_child(READ_BOOL, "RS_TEST_BOOL", "2", -1), RS_EXIT_CONFIG);
    assert_exit_status(run_child(READ_BOOL, "RS_TEST_BOOL", "true", -1), 0);
}

static void test_config_url_bad_value_exits_2(void **state)
{
    (void)state;
    assert_exit_status(run_child(READ_URL, "RS_TEST_URL", "cart:8080", -1), RS_EXIT_CONFIG);
    assert_exit_status(run_child(READ_URL, "RS_TEST_URL", "redis://r:6379", -1), RS_EXIT_CONFIG);
    assert_exit_status(run_child(READ_URL, "RS_TEST_URL", "http://", -1), RS_EXIT_CONFIG);
    assert_exit_status(run_child(READ_URL, "RS_TEST_URL", "http://cart:8080", -1), 0);
}

static void test_config_url_parts_bad_value_exits_2(void **state)
{
    (void)state;
    assert_exit_status(run_child(READ_URL_PARTS, "RS_TEST_URL", "redis://", -1), RS_EXIT_CONFIG);
    assert_exit_status(run_child(READ_URL_PARTS, "RS_TEST_URL", "redis://h:99999", -1), RS_EXIT_CONFIG);
    assert_exit_status(run_child(READ_URL_PARTS, "RS_TEST_URL", "http://h", -1), RS_EXIT_CONFIG);
    assert_exit_status(run_child(READ_URL_PARTS, "RS_TEST_URL", "redis://h/?db=1", -1), RS_EXIT_CONFIG);
    assert_exit_status(run_child(READ_URL_PARTS, "RS_TEST_URL", "redis://h:6390/0", -1), 0);
}

/* The child's stderr, in msg; returns its wait status. */
static int child_message(reader which, const char *name, const char *value, char msg[512])
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    int status = run_child(which, name, value, fds[1]);
    close(fds[1]);
    size_t used = 0;
    ssize_t n;
    while (used < 511 && (n = read(fds[0], msg + used, 511 - used)) > 0)
        used += (size_t)n;
    msg[used] = '\0';
    close(fds[0]);
    return status;
}

static void test_config_error_message_names_variable(void **state)
{
    (void)state;
    char msg[512];
    assert_exit_status(child_message(READ_INT, "RS_TEST_PORT", "eighty", msg), RS_EXIT_CONFIG);
    assert_string_equal(msg, "configuration error: RS_TEST_PORT=\"eighty\": "
                             "expected an integer from 1 to 100\n");
}

static void test_config_fail_prints_one_line_and_exits_2(void **state)
{
    (void)state;
    char msg[512];
    assert_exit_status(child_message(FAIL, "RS_TEST_MAX", "9", msg), RS_EXIT_CONFIG);
    assert_string_equal(msg, "configuration error: RS_TEST_MAX=\"9\": expected at most 3\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_long_accepts),
        cmocka_unit_test(test_parse_long_range_is_inclusive),
        cmocka_unit_test(test_parse_long_extremes),
        cmocka_unit_test(test_parse_long_rejects_garbage),
        cmocka_unit_test(test_parse_bool_accepts),
        cmocka_unit_test(test_parse_bool_rejects),
        cmocka_unit_test(test_parse_url_accepts),
        cmocka_unit_test(test_parse_url_rejects),
        cmocka_unit_test(test_config_str),
        cmocka_unit_test(test_config_int_default_and_value),
        cmocka_unit_test(test_config_bool_default_and_value),
        cmocka_unit_test(test_config_url_default_and_value),
        cmocka_unit_test(test_config_url_parts),
        cmocka_unit_test(test_config_int_bad_value_exits_2),
        cmocka_unit_test(test_config_int_good_value_returns),
        cmocka_unit_test(test_config_bool_bad_value_exits_2),
        cmocka_unit_test(test_config_url_bad_value_exits_2),
        cmocka_unit_test(test_config_url_parts_bad_value_exits_2),
        cmocka_unit_test(test_config_error_message_names_variable),
        cmocka_unit_test(test_config_fail_prints_one_line_and_exits_2),
    };
    return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
