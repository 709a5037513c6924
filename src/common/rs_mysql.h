/*
 * rs_mysql.h - MySQL/MariaDB for the services that use it (over libmariadb).
 *
 * rs_mysql_init reads MYSQL_URL (mysql://user:password@host[:port]/database)
 * and MYSQL_TIMEOUT_MS. Each thread keeps its own connection
 * (rs_thread_conn.h), replaced after an outage rather than tried. The
 * first connection of the process runs the service's prepare callback
 * (schema, seed), once, before the service listens when the server is
 * there. A monitor thread (rs_monitor.h) watches the server: while it is
 * down, calls fail at once, and rs_mysql_up tells /ready.
 *
 * rs_mysql_query runs one statement on this thread's connection: it
 * returns 0, the server's error number for a statement the server refused
 * (a duplicate key, say), RS_MYSQL_UNAVAILABLE when it was not run, or
 * RS_MYSQL_UNKNOWN when it was sent and no answer came (the server hung or
 * died meanwhile): it may have been run, and a write's caller answers 504
 * "outcome unknown". A connection that had died while idle is replaced and
 * the statement sent again, but only when the server cannot have received
 * it.
 */
#ifndef RS_MYSQL_H
#define RS_MYSQL_H

#include <mysql.h>
#include <stdbool.h>
#include <stddef.h>

#define RS_MYSQL_UNAVAILABLE (-1)
#define RS_MYSQL_UNKNOWN     (-2)

typedef struct rs_mysql_result {
    MYSQL_RES         *rows;          /* NULL for statements without rows */
    unsigned long long affected;
} rs_mysql_result;

/* 0, or -1 when the client library cannot start. default_url serves when
 * MYSQL_URL is unset. prepare runs on the first connection and returns 0
 * when the database is ready for the service. */
int  rs_mysql_init(const char *default_url, int (*prepare)(MYSQL *db, void *ctx), void *ctx);
void rs_mysql_shutdown(void);
bool rs_mysql_up(void *unused);

/* Writes s, escaped for a quoted SQL string, into a buffer of at least
 * 2 * strlen(s) + 1 bytes. */
void rs_mysql_escape(char *to, const char *s);
int  rs_mysql_query(const char *sql, rs_mysql_result *out);
void rs_mysql_result_free(rs_mysql_result *r);
/* For prepare callbacks: one statement on the given handle; 0 or -1 (logged). */
int  rs_mysql_exec(MYSQL *db, const char *sql);

#endif
