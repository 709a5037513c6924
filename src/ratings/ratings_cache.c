/*
 * ratings_cache.c - the ratings this replica has read lately (see
 * ratings_cache.h): a hash table of SKUs, each with its rating and the
 * time it expires, under one mutex.
 */
#include "ratings_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "rs_config.h"
#include "rs_metrics.h"
#include "rs_time.h"

#define BUCKETS 4096
#define SKU_MAX 64

typedef struct entry {
    struct entry *next;
    char          sku[SKU_MAX + 1];
    rating        value;
    double        expires;      /* rs_now() seconds */
} entry;

static struct {
    pthread_mutex_t lock;
    entry          *buckets[BUCKETS];
    size_t          count;
    size_t          max;
    double          ttl_s;      /* 0: off */
    uint64_t        epoch;      /* drops so far */
    rs_metric      *lookups;
} cache = {.lock = PTHREAD_MUTEX_INITIALIZER};

void ratings_cache_init(void)
{
    cache.ttl_s = (double)rs_config_int("RATINGS_CACHE_MS", 1000, 0, 3600000) / 1000.0;
    cache.max = (size_t)rs_config_int("RATINGS_CACHE_MAX", 10000, 1, 10000000);
    cache.lookups = rs_counter("ratings_cache_lookups_total",
        "Rating reads by where they were answered from: hit (this replica's cache) or miss.",
        "outcome");
}

void ratings_cache_free(void)
{
    for (size_t b = 0; b < BUCKETS; b++) {
        while (cache.buckets[b] != NULL) {
            entry *e = cache.buckets[b];
            cache.buckets[b] = e->next;
            free(e);
        }
    }
    cache.count = 0;
}

static size_t bucket_of(const char *sku)
{
    uint32_t h = 2166136261u;   /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)sku; *p != '\0'; p++)
        h = (h ^ *p) * 16777619u;
    return h % BUCKETS;
}

/* The link that points at sku's entry (or at NULL where it would go). */
static entry **find(const char *sku)
{
    entry **at = &cache.buckets[bucket_of(sku)];
    while (*at != NULL && strcmp((*at)->sku, sku) != 0)
        at = &(*at)->next;
    return at;
}

static void unlink_entry(entry **at)
{
    entry *e = *at;
    *at = e->next;
    free(e);
    cache.count--;
}

/* Frees every expired entry. */
static void sweep(double now)
{
    for (size_t b = 0; b < BUCKETS; b++)
        for (entry **at = &cache.buckets[b]; *at != NULL;)
            if ((*at)->expires <= now)
                unlink_entry(at);
            else
                at = &(*at)->next;
}

static void count_lookup(bool hit)
{
    const char *labels[] = {hit ? "hit" : "miss"};
    rs_counter_add(cache.lookups, labels, 1);
}

bool ratings_cache_get(const char *sku, rating *out)
{
    if (cache.ttl_s <= 0)
        return false;
    bool hit = false;
    pthread_mutex_lock(&cache.lock);
    entry **at = find(sku);
    if (*at != NULL && (*at)->expires > rs_now()) {
        *out = (*at)->value;
        hit = true;
    }
    pthread_mutex_unlock(&cache.lock);
    count_lookup(hit);
    return hit;
}

uint64_t ratings_cache_epoch(void)
{
    pthread_mutex_lock(&cache.lock);
    uint64_t epoch = cache.epoch;
    pthread_mutex_unlock(&cache.lock);
    return epoch;
}

/* An entry for sku, the one there or a new one; NULL when there is no room. */
static entry *slot_for(entry **at, const char *sku, double now)
{
    if (*at != NULL)
        return *at;
    if (cache.count >= cache.max) {
        sweep(now);
        at = find(sku);
        if (cache.count >= cache.max)
            return NULL;
    }
    entry *e = malloc(sizeof *e);
    if (e == NULL)
        return NULL;
    strcpy(e->sku, sku);
    e->next = NULL;
    *at = e;
    cache.count++;
    return e;
}

void ratings_cache_put(const char *sku, const rating *r, uint64_t epoch)
{
    if (cache.ttl_s <= 0 || strlen(sku) > SKU_MAX)
        return;
    pthread_mutex_lock(&cache.lock);
    double now = rs_now();
    entry *e = cache.epoch == epoch ? slot_for(find(sku), sku, now) : NULL;
    if (e != NULL) {
        e->value = *r;
        e->expires = now + cache.ttl_s;
    }
    pthread_mutex_unlock(&cache.lock);
}

void ratings_cache_drop(const char *sku)
{
    pthread_mutex_lock(&cache.lock);
    cache.epoch++;
    entry **at = find(sku);
    if (*at != NULL)
        unlink_entry(at);
    pthread_mutex_unlock(&cache.lock);
}
