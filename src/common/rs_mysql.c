/*
 * rs_mysql.c - per-thread MariaDB connections with backoff (see rs_mysql.h).
 */
#include "rs_mysql.h"

#include <errmsg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_config.h"
#include "rs_spans.h"
#include "rs_log.h"
#include "rs_monitor.h"
#include "rs_thread_conn.h"

static struct {
    char           *host, *user, *password, *database;
    unsigned        port;
    unsigned        timeout_s;
    int           (*prepare)(MYSQL *db, void *ctx);
    void           *ctx;
    rs_thread_conn  conns;       /* each thread's own */
    pthread_mutex_t lock;        /* guards prepared */
    bool            prepared;
    MYSQL          *probe_conn;  /* the monitor's own */
    rs_monitor     *monitor;
} my;

int rs_mysql_exec(MYSQL *db, const char *sql)
{
    if (mysql_query(db, sql) != 0) {
        rs_log(RS_ERROR, "mysql: %s", mysql_error(db));
        return -1;
    }
    MYSQL_RES *r = mysql_store_result(db);
    if (r != NULL)
        mysql_free_result(r);
    return 0;
}

static MYSQL *connect_db(void)
{
    MYSQL *db = mysql_init(NULL);
    if (db == NULL)
        return NULL;
    unsigned t = my.timeout_s;
    mysql_options(db, MYSQL_OPT_CONNECT_TIMEOUT, &t);
    mysql_options(db, MYSQL_OPT_READ_TIMEOUT, &t);
    mysql_options(db, MYSQL_OPT_WRITE_TIMEOUT, &t);
    mysql_options(db, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    if (mysql_real_connect(db, my.host, my.user, my.password, my.database, my.port, NULL, 0) == NULL) {
        rs_log(RS_WARN, "mysql: %s", mysql_error(db));
        mysql_close(db);
        return NULL;
    }
    pthread_mutex_lock(&my.lock);
    int rc = my.prepared ? 0 : my.prepare(db, my.ctx);
    if (rc == 0)
        my.prepared = true;
    pthread_mutex_unlock(&my.lock);
    if (rc != 0) {
        mysql_close(db);
        return NULL;
    }
    return db;
}

static void *open_conn(void *unused)
{
    (void)unused;
    return connect_db();
}

static void close_conn(void *db)
{
    mysql_close(db);
}

/* The monitor's probe: its own connection (the first one runs prepare),
 * pinged. */
static bool probe(void *ctx)
{
    (void)ctx;
    if (my.probe_conn == NULL)
        my.probe_conn = connect_db();
    if (my.probe_conn != NULL && mysql_ping(my.probe_conn) != 0) {
        rs_log(RS_WARN, "mysql: %s", mysql_error(my.probe_conn));
        mysql_close(my.probe_conn);
        my.probe_conn = NULL;
    }
    return my.probe_conn != NULL;
}

/* This thread's connection; NULL (at once) while the server is down. A
 * connection from before the last outage is replaced, not tried: its
 * server may have restarted, and a statement sent on it could be lost
 * in a way that cannot be safely repeated. */
static MYSQL *thread_conn(void)
{
    if (!rs_monitor_up(my.monitor))
        return NULL;
    MYSQL *db = rs_thread_conn_get(&my.conns, rs_monitor_outages(my.monitor));
    if (db == NULL)
        rs_monitor_report_failure(my.monitor);
    return db;
}

int rs_mysql_init(const char *default_url, int (*prepare)(MYSQL *db, void *ctx), void *ctx)
{
    rs_url url;
    rs_config_url_parts("MYSQL_URL", "mysql", default_url, 3306,
                        "mysql://user:password@host[:port]/database", &url);
    if (url.path[0] == '\0' || strchr(url.path, '/') != NULL)
        rs_config_fail("MYSQL_URL: name one database, as in mysql://user:password@host/shop");
    my.host = url.host;
    my.port = (unsigned)url.port;
    my.user = url.user != NULL ? url.user : strdup("root");
    my.password = url.password != NULL ? url.password : strdup("");
    my.database = url.path;
    rs_spans_datastore("mysql", my.host, (int)my.port, my.database);
    if (my.user == NULL || my.password == NULL) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    long timeout_ms = rs_config_int("MYSQL_TIMEOUT_MS", 2000, 100, 60000);
    my.timeout_s = (unsigned)((timeout_ms + 999) / 1000);
    my.prepare = prepare;
    my.ctx = ctx;
    if (mysql_library_init(0, NULL, NULL) != 0 ||
        rs_thread_conn_init(&my.conns, open_conn, close_conn, NULL) != 0)
        return -1;
    pthread_mutex_init(&my.lock, NULL);
    char name[300];
    snprintf(name, sizeof name, "mysql at %s:%u", my.host, my.port);
    my.monitor = rs_monitor_start(name, probe, NULL);
    return my.monitor != NULL ? 0 : -1;
}

void rs_mysql_shutdown(void)
{
    rs_monitor_stop(my.monitor);
    my.monitor = NULL;
    if (my.probe_conn != NULL)
        mysql_close(my.probe_conn);
    my.probe_conn = NULL;
    rs_thread_conn_destroy(&my.conns);
    pthread_mutex_destroy(&my.lock);
    free(my.host);
    free(my.user);
    free(my.password);
    free(my.database);
    mysql_library_end();
}

bool rs_mysql_up(void *unused)
{
    (void)unused;
    return rs_monitor_up(my.monitor);
}

/* The escapes of mysql_real_escape_string for utf8mb4, the only character
 * set the connections use; no connection needed. */
void rs_mysql_escape(char *to, const char *s)
{
    for (; *s != '\0'; s++) {
        switch (*s) {
        case '\n':   *to++ = '\\'; *to++ = 'n'; break;
        case '\r':   *to++ = '\\'; *to++ = 'r'; break;
        case '\x1a': *to++ = '\\'; *to++ = 'Z'; break;
        case '\\': case '\'': case '"':
            *to++ = '\\';
            *to++ = *s;
            break;
        default:
            *to++ = *s;
        }
    }
    *to = '\0';
}

int rs_mysql_query(const char *sql, rs_mysql_result *out)
{
    out->rows = NULL;
    out->affected = 0;
    int rc = RS_MYSQL_UNAVAILABLE;
    for (int attempt = 0; attempt < 2; attempt++) {
        MYSQL *db = thread_conn();
        if (db == NULL)
            return RS_MYSQL_UNAVAILABLE;
        if (mysql_query(db, sql) == 0) {
            out->rows = mysql_store_result(db);
            if (out->rows == NULL && mysql_field_count(db) != 0) {
                rs_log(RS_WARN, "mysql: %s", mysql_error(db));
                rs_thread_conn_drop(&my.conns);
                rc = RS_MYSQL_UNKNOWN;   /* rows were due and did not arrive */
                break;
            }
            out->affected = mysql_affected_rows(db);
            return 0;
        }
        unsigned err = mysql_errno(db);
        if (err < CR_MIN_ERROR || err > CR_MAX_ERROR)
            return (int)err;   /* the server refused this statement */
        rs_log(RS_WARN, "mysql: %s", mysql_error(db));
        rs_thread_conn_drop(&my.conns);
        if (err != CR_SERVER_GONE_ERROR) {
            rc = RS_MYSQL_UNKNOWN;   /* it may have been run: do not send it twice */
            break;
        }
    }
    rs_monitor_report_failure(my.monitor);
    return rc;
}

void rs_mysql_result_free(rs_mysql_result *r)
{
    if (r->rows != NULL)
        mysql_free_result(r->rows);
    r->rows = NULL;
}
