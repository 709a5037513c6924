/*
 * upstreams.c - the services behind the gateway and their addresses (see
 * upstreams.h).
 */
#include "upstreams.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_config.h"
#include "rs_service.h"

#define PASS_OVER_S 3.0

struct upstream {
    const char      *name;
    const char      *setting;
    int              naddrs;
    char            *addrs[UPSTREAM_MAX_ADDRS];
    _Atomic long long refused_until_ms[UPSTREAM_MAX_ADDRS];
    atomic_uint      turn;
};

static upstream services[] = {
    {.name = "catalogue", .setting = "CATALOGUE_URL"},
    {.name = "user",      .setting = "USER_URL"},
    {.name = "cart",      .setting = "CART_URL"},
    {.name = "shipping",  .setting = "SHIPPING_URL"},
    {.name = "ratings",   .setting = "RATINGS_URL"},
    {.name = "payment",   .setting = "PAYMENT_URL"},
};

static void bad_setting(const upstream *u, const char *value)
{
    fprintf(stderr, "configuration error: %s=\"%s\": expected one or more http:// URLs, "
            "comma-separated (at most %d)\n", u->setting, value, UPSTREAM_MAX_ADDRS);
    exit(RS_EXIT_CONFIG);
}

/* Splits the setting into addresses, each without a trailing '/'. */
static void read_addresses(upstream *u)
{
    char def[64];
    snprintf(def, sizeof def, "http://%s:8080", u->name);
    const char *value = rs_config_str(u->setting, def);
    char *copy = strdup(value);
    if (copy == NULL)
        exit(1);
    char *save = NULL;
    for (char *a = strtok_r(copy, ",", &save); a != NULL; a = strtok_r(NULL, ",", &save)) {
        while (*a == ' ')
            a++;
        size_t n = strlen(a);
        while (n > 0 && (a[n - 1] == '/' || a[n - 1] == ' '))
            a[--n] = '\0';
        if (u->naddrs == UPSTREAM_MAX_ADDRS || rs_parse_url_scheme(a, "http") != 0)
            bad_setting(u, value);
        if ((u->addrs[u->naddrs++] = strdup(a)) == NULL)
            exit(1);
    }
    free(copy);
    if (u->naddrs == 0)
        bad_setting(u, value);
}

void upstreams_init(void)
{
    for (size_t i = 0; i < RS_ARRAY_LEN(services); i++)
        read_addresses(&services[i]);
}

void upstreams_free(void)
{
    for (size_t i = 0; i < RS_ARRAY_LEN(services); i++) {
        for (int j = 0; j < services[i].naddrs; j++)
            free(services[i].addrs[j]);
        services[i].naddrs = 0;
    }
}

upstream *upstream_find(const char *service)
{
    for (size_t i = 0; i < RS_ARRAY_LEN(services); i++)
        if (strcmp(services[i].name, service) == 0)
            return &services[i];
    return NULL;
}

int upstream_count(const upstream *u)
{
    return u->naddrs;
}

const char *upstream_address(const upstream *u, int i)
{
    return u->addrs[i];
}

static long long now_ms(void)
{
    return (long long)(rs_now() * 1000.0);
}

int upstream_pick(upstream *u, int not)
{
    unsigned start = atomic_fetch_add(&u->turn, 1);
    long long now = now_ms();
    int fallback = -1;
    for (int k = 0; k < u->naddrs; k++) {
        int i = (int)((start + (unsigned)k) % (unsigned)u->naddrs);
        if (i == not)
            continue;
        if (atomic_load(&u->refused_until_ms[i]) <= now)
            return i;
        if (fallback < 0)
            fallback = i;
    }
    if (fallback >= 0)
        return fallback;
    return not >= 0 ? not : 0;
}

void upstream_refused(upstream *u, int i)
{
    atomic_store(&u->refused_until_ms[i], now_ms() + (long long)(PASS_OVER_S * 1000.0));
}
