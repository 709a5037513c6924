/*
 * upstreams.c - the services behind the gateway and their addresses (see
 * upstreams.h).
 */
#include "upstreams.h"

#include <stdio.h>
#include <string.h>

#include "rs_peer.h"
#include "rs_service.h"
#include "rs_util.h"

struct upstream {
    const char *name;
    const char *setting;
    rs_peer    *peer;
};

static upstream services[] = {
    {.name = "catalogue", .setting = "CATALOGUE_URL"},
    {.name = "user",      .setting = "USER_URL"},
    {.name = "cart",      .setting = "CART_URL"},
    {.name = "shipping",  .setting = "SHIPPING_URL"},
    {.name = "ratings",   .setting = "RATINGS_URL"},
    {.name = "payment",   .setting = "PAYMENT_URL"},
};

void upstreams_init(void)
{
    for (size_t i = 0; i < RS_ARRAY_LEN(services); i++) {
        char def[64];
        snprintf(def, sizeof def, "http://%s:8080", services[i].name);
        services[i].peer = rs_peer_config(services[i].setting, def);
    }
}

void upstreams_free(void)
{
    for (size_t i = 0; i < RS_ARRAY_LEN(services); i++) {
        rs_peer_free(services[i].peer);
        services[i].peer = NULL;
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
    return rs_peer_count(u->peer);
}

const char *upstream_address(const upstream *u, int i)
{
    return rs_peer_address(u->peer, i);
}

int upstream_pick(upstream *u, int not)
{
    return rs_peer_pick(u->peer, not);
}

void upstream_refused(upstream *u, int i)
{
    rs_peer_refused(u->peer, i);
}
