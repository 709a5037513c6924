/*
 * rs_peer.c - a peer service's addresses, taken in turn, and calls that
 * pass over the ones refusing connections (see rs_peer.h).
 */
#include "rs_peer.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_buf.h"
#include "rs_config.h"
#include "rs_time.h"

#define PASS_OVER_S 3.0

struct rs_peer {
    int                naddrs;
    char              *addrs[RS_PEER_MAX_ADDRS];
    _Atomic long long  refused_until_ms[RS_PEER_MAX_ADDRS];
    atomic_uint        turn;
};

static void bad_setting(const char *setting, const char *value)
{
    rs_config_fail("%s=\"%s\": expected one or more http:// URLs, comma-separated "
                   "(at most %d)", setting, value, RS_PEER_MAX_ADDRS);
}

static void out_of_memory(void)
{
    fprintf(stderr, "out of memory reading the peers' addresses\n");
    exit(1);
}

/* Splits the value into addresses, each without a trailing '/'. */
static void read_addresses(rs_peer *p, const char *setting, const char *value)
{
    char *copy = strdup(value);
    if (copy == NULL)
        out_of_memory();
    char *save = NULL;
    for (char *a = strtok_r(copy, ",", &save); a != NULL; a = strtok_r(NULL, ",", &save)) {
        while (*a == ' ')
            a++;
        size_t n = strlen(a);
        while (n > 0 && (a[n - 1] == '/' || a[n - 1] == ' '))
            a[--n] = '\0';
        if (p->naddrs == RS_PEER_MAX_ADDRS || rs_parse_url_scheme(a, "http") != 0) {
            free(copy);
            bad_setting(setting, value);
        }
        if ((p->addrs[p->naddrs++] = strdup(a)) == NULL)
            out_of_memory();
    }
    free(copy);
    if (p->naddrs == 0)
        bad_setting(setting, value);
}

rs_peer *rs_peer_config(const char *setting, const char *def)
{
    rs_peer *p = calloc(1, sizeof *p);
    if (p == NULL)
        out_of_memory();
    read_addresses(p, setting, rs_config_str(setting, def));
    return p;
}

void rs_peer_free(rs_peer *p)
{
    if (p == NULL)
        return;
    for (int i = 0; i < p->naddrs; i++)
        free(p->addrs[i]);
    free(p);
}

int rs_peer_count(const rs_peer *p)
{
    return p->naddrs;
}

const char *rs_peer_address(const rs_peer *p, int i)
{
    return p->addrs[i];
}

int rs_peer_pick(rs_peer *p, int not)
{
    unsigned start = atomic_fetch_add(&p->turn, 1);
    long long now = rs_now_ms();
    int fallback = -1;
    for (int k = 0; k < p->naddrs; k++) {
        int i = (int)((start + (unsigned)k) % (unsigned)p->naddrs);
        if (i == not)
            continue;
        if (atomic_load(&p->refused_until_ms[i]) <= now)
            return i;
        if (fallback < 0)
            fallback = i;
    }
    if (fallback >= 0)
        return fallback;
    return not >= 0 ? not : 0;
}

void rs_peer_refused(rs_peer *p, int i)
{
    atomic_store(&p->refused_until_ms[i], rs_now_ms() + (long long)(PASS_OVER_S * 1000.0));
}

rs_client_result rs_peer_call(rs_peer *p, const char *path, const rs_client_request *rq,
                              rs_client_response *out)
{
    rs_client_request call = *rq;
    if (p->naddrs > 1)
        call.no_retry = 1;
    rs_buf url = RS_BUF_INIT;
    rs_client_result result = RS_CLIENT_ERROR;
    int tried = -1;
    for (int attempt = 0; attempt < p->naddrs; attempt++) {
        tried = rs_peer_pick(p, tried);
        rs_buf_reset(&url);
        if (rs_buf_printf(&url, "%s%s", p->addrs[tried], path) != 0 || url.failed) {
            result = RS_CLIENT_ERROR;
            break;
        }
        call.url = url.data;
        rs_buf_free(&out->body);
        out->body = (rs_buf)RS_BUF_INIT;
        result = rs_client_call(&call, out);
        if (result != RS_CLIENT_CONNECT)
            break;
        rs_peer_refused(p, tried);
    }
    rs_buf_free(&url);
    return result;
}
