/*
 * hash_memory.c - regions of memory for argon2 (see hash_memory.h).
 */
#include "hash_memory.h"

#include <argon2.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "rs_time.h"

#define IDLE_RELEASE_S 3

typedef struct region {
    uint8_t *memory;     /* NULL when not mapped */
    size_t   bytes;
    bool     busy;
    double   last_used;  /* rs_now() */
} region;

static region         *regions;
static int             nregions;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void unmap(region *r)
{
    munmap(r->memory, r->bytes);
    r->memory = NULL;
    r->bytes = 0;
}

/* Gives back the regions no hash has used for a while. */
static void *release_idle_regions(void *unused)
{
    (void)unused;
    for (;;) {
        sleep(1);
        double now = rs_now();
        pthread_mutex_lock(&lock);
        for (int i = 0; i < nregions; i++)
            if (regions[i].memory && !regions[i].busy && now - regions[i].last_used >= IDLE_RELEASE_S)
                unmap(&regions[i]);
        pthread_mutex_unlock(&lock);
    }
    return NULL;
}

int hash_memory_init(int count)
{
    regions = calloc((size_t)count, sizeof *regions);
    if (!regions)
        return -1;
    nregions = count;
    pthread_t releaser;
    if (pthread_create(&releaser, NULL, release_idle_regions, NULL) != 0)
        return -1;
    pthread_detach(releaser);
    return 0;
}

/* A free region of the right size, mapping it when needed; NULL if none. */
static region *free_region(size_t bytes)
{
    region *unmapped = NULL;
    for (int i = 0; i < nregions; i++) {
        region *r = &regions[i];
        if (r->busy)
            continue;
        if (r->memory && r->bytes == bytes)
            return r;
        if (!unmapped)
            unmapped = r;
    }
    if (!unmapped)
        return NULL;
    if (unmapped->memory)
        unmap(unmapped);       /* mapped for another size */
    void *m = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (m == MAP_FAILED)
        return NULL;
    unmapped->memory = m;
    unmapped->bytes = bytes;
    return unmapped;
}

int hash_memory_take(uint8_t **memory, size_t bytes)
{
    pthread_mutex_lock(&lock);
    region *r = free_region(bytes);
    if (r)
        r->busy = true;
    pthread_mutex_unlock(&lock);
    if (!r)
        return ARGON2_MEMORY_ALLOCATION_ERROR;
    *memory = r->memory;
    return ARGON2_OK;
}

void hash_memory_give(uint8_t *memory, size_t bytes)
{
    (void)bytes;
    pthread_mutex_lock(&lock);
    for (int i = 0; i < nregions; i++) {
        if (regions[i].memory == memory) {
            regions[i].busy = false;
            regions[i].last_used = rs_now();
        }
    }
    pthread_mutex_unlock(&lock);
}
