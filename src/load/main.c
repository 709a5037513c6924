/*
 * main.c - rs-load, the shop's load generator: reads the command line,
 * runs the load with a live progress line, then prints the summary, writes
 * the JSON and HTML reports and sets the exit code from the thresholds.
 *
 * Exit codes: 0 done and every threshold held; 99 a threshold missed;
 * 2 bad command line; 3 could not run (target unknown, out of memory).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"
#include "options.h"
#include "report.h"
#include "results.h"
#include "scenario.h"

#define EXIT_THRESHOLDS 99
#define EXIT_USAGE 2
#define EXIT_FAILED 3

static engine *running;

static void on_interrupt(int sig)
{
    (void)sig;
    if (running)
        engine_stop(running);
}

/* Thousands of connections need thousands of descriptors. */
static void raise_fd_limit(void)
{
    struct rlimit r;
    if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
        r.rlim_cur = r.rlim_max;
        setrlimit(RLIMIT_NOFILE, &r);
    }
}

static void handle_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_interrupt;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* Now in UTC, to the millisecond: the timeline's second 0 begins then, so
 * that its entries can be laid beside other clocks' events. */
static void utc_now(char *out, size_t len)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char seconds[24];
    strftime(seconds, sizeof seconds, "%Y-%m-%dT%H:%M:%S", &tm);
    int ms = (int)(ts.tv_nsec / 1000000) % 1000;
    snprintf(out, len, "%.19s.%03dZ", seconds, ms);
}

/* One line, rewritten each second while a terminal watches. */
static void show_progress(engine *e, const load_options *o)
{
    int live = !o->quiet && isatty(STDERR_FILENO);
    double total = options_total_duration(o);
    uint64_t last = 0;
    for (int tick = 1; !engine_done(e); tick++) {
        usleep(50000);
        if (!live || tick % 20 != 0)
            continue;
        uint64_t requests, errors, journeys;
        int64_t active;
        engine_live(e, &requests, &errors, &journeys, &active);
        fprintf(stderr, "\r\033[K%5.0fs/%.0fs  %s %lld  %llu req/s  %llu requests  %llu errors  %llu journeys",
                engine_elapsed(e), total, o->model == LOAD_MODEL_OPEN ? "in flight" : "VUs", (long long)active,
                (unsigned long long)(requests - last), (unsigned long long)requests,
                (unsigned long long)errors, (unsigned long long)journeys);
        last = requests;
    }
    if (live)
        fputs("\r\033[K", stderr);
}

static int write_reports(const load_options *o, const json_t *results)
{
    int rc = 0;
    if (o->json_path && report_write_json(results, o->json_path) < 0) {
        fprintf(stderr, "rs-load: cannot write %s: %s\n", o->json_path, strerror(errno));
        rc = -1;
    }
    if (o->html_path && report_write_html(results, o->html_path) < 0) {
        fprintf(stderr, "rs-load: cannot write %s: %s\n", o->html_path, strerror(errno));
        rc = -1;
    }
    return rc;
}

int main(int argc, char **argv)
{
    load_options o;
    char err[256];
    int parsed = options_parse(&o, argc, argv, err, sizeof err);
    if (parsed != 0) {
        if (parsed < 0)
            fprintf(stderr, "rs-load: %s\n", err);
        return parsed < 0 ? EXIT_USAGE : 0;
    }
    raise_fd_limit();
    handle_signals();

    engine *e = engine_create(&o);
    if (!e)
        return EXIT_FAILED;
    int nsteps;
    scenario_step_names(&nsteps);
    stats total;
    if (stats_init(&total, nsteps) < 0) {
        fprintf(stderr, "rs-load: out of memory\n");
        engine_free(e);
        return EXIT_FAILED;
    }
    char started[40];
    utc_now(started, sizeof started);
    running = e;
    int rc = engine_start(e);
    if (rc == 0)
        show_progress(e, &o);
    double duration_s;
    if (engine_join(e, &total, &duration_s) < 0 || rc < 0) {
        fprintf(stderr, "rs-load: the load could not run to the end (out of memory or threads)\n");
        rc = -1;
    }
    running = NULL;

    json_t *results = rc == 0 ? results_build(&o, &total, duration_s, started) : NULL;
    int exit_code = EXIT_FAILED;
    if (results) {
        report_print_summary(results, stdout);
        exit_code = write_reports(&o, results) < 0 ? EXIT_FAILED
                  : json_is_true(json_object_get(results, "passed")) ? 0 : EXIT_THRESHOLDS;
    } else if (rc == 0) {
        fprintf(stderr, "rs-load: out of memory building the results\n");
    }
    json_decref(results);
    stats_free(&total);
    engine_free(e);
    return exit_code;
}
