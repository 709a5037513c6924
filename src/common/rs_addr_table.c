/*
 * rs_addr_table.c - connections per client address (see rs_addr_table.h):
 * a hash table with chaining under one mutex, touched once when a
 * connection opens and once when it closes.
 */
#include "rs_addr_table.h"

#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NBUCKETS 1024

typedef struct entry {
    struct entry *next;
    rs_addr       addr;
    unsigned      count;
} entry;

struct rs_addr_table {
    pthread_mutex_t lock;
    entry          *buckets[NBUCKETS];
};

void rs_addr_from_sockaddr(const struct sockaddr *sa, rs_addr *out)
{
    memset(out, 0, sizeof *out);
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *v4 = (const struct sockaddr_in *)sa;
        out->bytes[10] = 0xff;
        out->bytes[11] = 0xff;
        memcpy(out->bytes + 12, &v4->sin_addr, 4);
    } else if (sa->sa_family == AF_INET6) {
        memcpy(out->bytes, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
    }
}

rs_addr_table *rs_addr_table_new(void)
{
    rs_addr_table *t = calloc(1, sizeof *t);
    if (t != NULL)
        pthread_mutex_init(&t->lock, NULL);
    return t;
}

void rs_addr_table_free(rs_addr_table *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < NBUCKETS; i++) {
        while (t->buckets[i] != NULL) {
            entry *next = t->buckets[i]->next;
            free(t->buckets[i]);
            t->buckets[i] = next;
        }
    }
    pthread_mutex_destroy(&t->lock);
    free(t);
}

static size_t bucket_of(const rs_addr *a)
{
    uint32_t h = 2166136261u;   /* FNV-1a */
    for (size_t i = 0; i < sizeof a->bytes; i++) {
        h ^= a->bytes[i];
        h *= 16777619u;
    }
    return h % NBUCKETS;
}

unsigned rs_addr_table_add(rs_addr_table *t, const rs_addr *a)
{
    size_t b = bucket_of(a);
    unsigned count = 0;
    pthread_mutex_lock(&t->lock);
    entry *e = t->buckets[b];
    while (e != NULL && memcmp(&e->addr, a, sizeof *a) != 0)
        e = e->next;
    if (e == NULL && (e = calloc(1, sizeof *e)) != NULL) {
        e->addr = *a;
        e->next = t->buckets[b];
        t->buckets[b] = e;
    }
    if (e != NULL)
        count = ++e->count;
    pthread_mutex_unlock(&t->lock);
    return count;
}

void rs_addr_table_remove(rs_addr_table *t, const rs_addr *a)
{
    size_t b = bucket_of(a);
    pthread_mutex_lock(&t->lock);
    entry **link = &t->buckets[b];
    while (*link != NULL && memcmp(&(*link)->addr, a, sizeof *a) != 0)
        link = &(*link)->next;
    entry *e = *link;
    if (e != NULL && --e->count == 0) {
        *link = e->next;
        free(e);
    }
    pthread_mutex_unlock(&t->lock);
}
