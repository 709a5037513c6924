/*
 * rs_log.h - structured logging: one JSON object per line on stdout.
 *
 * Every line has ts (RFC 3339, UTC, milliseconds), level, service and msg,
 * plus trace_id when the calling thread is serving a traced request.
 * rs_log_request writes the access-log line of one request; it is silent
 * when ACCESS_LOG=0. LOG_LEVEL (debug|info|warn|error) sets the threshold.
 */
#ifndef RS_LOG_H
#define RS_LOG_H

typedef enum { RS_DEBUG, RS_INFO, RS_WARN, RS_ERROR } rs_log_level;

void rs_log_init(const char *service);          /* reads LOG_LEVEL, ACCESS_LOG */
void rs_log(rs_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void rs_log_request(const char *trace_id, const char *method,
                    const char *route, int status, double duration_ms);
int  rs_log_parse_level(const char *s, rs_log_level *out);

#endif
