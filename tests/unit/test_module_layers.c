/*
 * test_module_layers.c - the runtime's modules (src/common) include each
 * other in layers, never in a circle (docs/ARCHITECTURE.md).
 *
 * A module is a .c with the .h of the same name; a file without such a
 * pair (rs_http_conn.h, rs_http_request.c, rs_client_loop.c ...) belongs to
 * the module whose name is the longest prefix of its own. Module A
 * depends on module B when a file of A includes a header of B.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COMMON_DIR  RS_SOURCE_DIR "/src/common"
#define MAX_FILES   256
#define MAX_MODULES 128
#define STEM_MAX   64

typedef struct source_file {
    char name[STEM_MAX];     /* "rs_http.c" */
    char stem[STEM_MAX];     /* "rs_http" */
    bool is_header;
} source_file;

static source_file files[MAX_FILES];
static size_t nfiles;
static char modules[MAX_MODULES][STEM_MAX];
static size_t nmodules;
static bool depends[MAX_MODULES][MAX_MODULES];

static bool has_file(const char *stem, bool header)
{
    for (size_t i = 0; i < nfiles; i++)
        if (files[i].is_header == header && strcmp(files[i].stem, stem) == 0)
            return true;
    return false;
}

static size_t module_index(const char *name)
{
    for (size_t i = 0; i < nmodules; i++)
        if (strcmp(modules[i], name) == 0)
            return i;
    assert_true(nmodules < MAX_MODULES);
    snprintf(modules[nmodules], STEM_MAX, "%s", name);
    return nmodules++;
}

/* The module a file of this stem belongs to. */
static size_t module_of(const char *stem)
{
    if (has_file(stem, true) && has_file(stem, false))
        return module_index(stem);
    const char *best = stem;
    size_t best_len = 0;
    for (size_t i = 0; i < nfiles; i++) {
        const char *m = files[i].stem;
        size_t len = strlen(m);
        if (len > best_len && strncmp(stem, m, len) == 0 && stem[len] == '_' &&
            has_file(m, true) && has_file(m, false)) {
            best = m;
            best_len = len;
        }
    }
    return module_index(best);
}

static void read_files(void)
{
    DIR *dir = opendir(COMMON_DIR);
    assert_non_null(dir);
    struct dirent *e;
    nfiles = 0;
    while ((e = readdir(dir)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 3 || len >= STEM_MAX || e->d_name[len - 2] != '.' ||
            (e->d_name[len - 1] != 'c' && e->d_name[len - 1] != 'h'))
            continue;
        assert_true(nfiles < MAX_FILES);
        source_file *f = &files[nfiles++];
        memcpy(f->name, e->d_name, len + 1);   /* len < STEM_MAX, checked above */
        memcpy(f->stem, e->d_name, len - 2);
        f->stem[len - 2] = '\0';
        f->is_header = e->d_name[len - 1] == 'h';
    }
    closedir(dir);
}

/* Marks the edges of every '#include "x.h"' of a runtime header in f. */
static void read_includes(const source_file *f)
{
    char path[512], line[512];
    snprintf(path, sizeof path, "%s/%s", COMMON_DIR, f->name);
    FILE *in = fopen(path, "r");
    assert_non_null(in);
    size_t from = module_of(f->stem);
    while (fgets(line, sizeof line, in) != NULL) {
        char header[STEM_MAX];
        if (sscanf(line, " #include \"%63[^\".].h\"", header) != 1 || !has_file(header, true))
            continue;
        size_t to = module_of(header);
        if (to != from)
            depends[from][to] = true;
    }
    fclose(in);
}

static void read_graph(void)
{
    nmodules = 0;
    memset(depends, 0, sizeof depends);
    read_files();
    for (size_t i = 0; i < nfiles; i++)
        read_includes(&files[i]);
}

static bool depends_on(const char *a, const char *b)
{
    return depends[module_index(a)][module_index(b)];
}

/* Depth-first: a module met again while on the path closes a circle,
 * which is written into `circle`. */
static int mark[MAX_MODULES];   /* 0 unseen, 1 on the path, 2 done */
static size_t trail[MAX_MODULES];

static bool find_circle(size_t m, size_t depth, char *circle, size_t size)
{
    mark[m] = 1;
    trail[depth] = m;
    for (size_t n = 0; n < nmodules; n++) {
        if (!depends[m][n])
            continue;
        if (mark[n] == 1) {
            size_t at = 0, start = depth;
            while (trail[start] != n)
                start--;
            for (size_t i = start; i <= depth; i++)
                at += (size_t)snprintf(circle + at, size - at, "%s -> ", modules[trail[i]]);
            snprintf(circle + at, size - at, "%s", modules[n]);
            return true;
        }
        if (mark[n] == 0 && find_circle(n, depth + 1, circle, size))
            return true;
    }
    mark[m] = 2;
    return false;
}

/* The scan sees the runtime: its files, their modules, known edges. */
static void test_the_scan_sees_the_modules(void **state)
{
    (void)state;
    read_graph();
    assert_true(nfiles > 40);
    assert_true(depends_on("rs_log", "rs_config"));
    assert_true(depends_on("rs_http", "rs_workers"));      /* rs_http.c */
    assert_true(depends_on("rs_http", "rs_percent"));      /* rs_http_request.c */
    assert_true(depends_on("rs_client", "rs_loop"));       /* rs_client_loop.c */
    assert_true(depends_on("rs_service", "rs_http"));
    assert_false(depends_on("rs_http", "rs_http"));
}

static void test_no_module_depends_on_itself_through_others(void **state)
{
    (void)state;
    read_graph();
    memset(mark, 0, sizeof mark);
    char circle[1024] = "";
    for (size_t m = 0; m < nmodules; m++)
        if (mark[m] == 0 && find_circle(m, 0, circle, sizeof circle))
            fail_msg("modules in a circle: %s", circle);
}

/* The logger is below tracing: it reads the current trace only. */
static void test_logging_is_below_tracing(void **state)
{
    (void)state;
    read_graph();
    assert_true(depends_on("rs_log", "rs_trace_context"));
    assert_false(depends_on("rs_log", "rs_trace"));
    assert_false(depends_on("rs_log", "rs_otlp"));
    assert_false(depends_on("rs_otlp", "rs_trace"));
    assert_true(depends_on("rs_otlp", "rs_log"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_scan_sees_the_modules),
        cmocka_unit_test(test_no_module_depends_on_itself_through_others),
        cmocka_unit_test(test_logging_is_below_tracing),
    };
    return cmocka_run_group_tests_name("module_layers", tests, NULL, NULL);
}
