/*
 * rs_log.c - JSON-lines logging on stdout (see rs_log.h).
 *
 * Each line is built with jansson and written with a single write(2), so
 * lines from different threads never interleave.
 */
#include "rs_log.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "rs_config.h"
#include "rs_trace_context.h"

static const char *service_name = "unknown";
static rs_log_level min_level = RS_INFO;
static bool access_log = true;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

int rs_log_parse_level(const char *s, rs_log_level *out)
{
    for (int i = RS_DEBUG; i <= RS_ERROR; i++) {
        if (strcasecmp(s, level_names[i]) == 0) {
            *out = (rs_log_level)i;
            return 0;
        }
    }
    return -1;
}

void rs_log_init(const char *service)
{
    service_name = service;
    const char *level = rs_config_str("LOG_LEVEL", "info");
    if (rs_log_parse_level(level, &min_level) != 0)
        rs_config_fail("LOG_LEVEL=\"%s\": expected one of debug, info, warn, error", level);
    access_log = rs_config_bool("ACCESS_LOG", true);
}

static void format_time(char *out, size_t size)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(out, size, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, size - n, ".%03ldZ", ts.tv_nsec / 1000000);
}

/* A line's fixed head: ts, level, service and the trace id (the given one,
 * else the current thread's, else none). NULL when out of memory. */
static json_t *new_line(rs_log_level level, const char *trace_id)
{
    char ts[40];
    format_time(ts, sizeof ts);
    json_t *obj = json_pack("{s:s,s:s,s:s}", "ts", ts, "level", level_names[level],
                            "service", service_name);
    const rs_trace *t = rs_trace_current();
    if (trace_id == NULL && t != NULL)
        trace_id = t->trace_id;
    if (obj != NULL && trace_id != NULL)
        json_object_set_new(obj, "trace_id", json_string(trace_id));
    return obj;
}

/* Writes the line and releases it. */
static void emit(json_t *obj)
{
    char line[4096];
    size_t n = json_dumpb(obj, line, sizeof line - 1,
                          JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
    json_decref(obj);
    if (n == 0 || n > sizeof line - 1) {
        static const char too_long[] = "{\"level\":\"error\",\"msg\":\"log line too long\"}";
        n = sizeof too_long - 1;
        memcpy(line, too_long, n);
    }
    line[n++] = '\n';
    ssize_t w = write(STDOUT_FILENO, line, n);
    (void)w;   /* nowhere to report a failed log write */
}

void rs_log(rs_log_level level, const char *fmt, ...)
{
    if (level < min_level)
        return;
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_t *obj = new_line(level, NULL);
    if (obj == NULL)
        return;
    json_t *text = json_string(msg);
    if (text == NULL)
        text = json_string("(message is not valid UTF-8)");
    json_object_set_new(obj, "msg", text);
    emit(obj);
}

void rs_log_request(const char *trace_id, const char *method,
                    const char *route, int status, double duration_ms)
{
    if (!access_log || RS_INFO < min_level)
        return;
    json_t *obj = new_line(RS_INFO, trace_id);
    if (obj == NULL)
        return;
    json_object_set_new(obj, "msg", json_string("request"));
    json_object_set_new(obj, "method", json_string(method));
    json_object_set_new(obj, "route", json_string(route));
    json_object_set_new(obj, "status", json_integer(status));
    json_object_set_new(obj, "duration_ms", json_real(duration_ms));
    emit(obj);
}
