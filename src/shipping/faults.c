/*
 * faults.c - memory-pressure fault knobs (see faults.h). The blocks are
 * written to, so that they count in the resident set, not only in the
 * address space.
 */
#include "faults.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK_SIZE (25u * 1024 * 1024)

typedef struct block {
    struct block *next;
} block;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static block *held;
static long count;

static void reply_count(rs_request *req, long n)
{
    rs_reply_json(req, 200, json_pack("{s:i}", "blocks", (int)n));
}

void hold_memory(rs_request *req)
{
    block *b = malloc(BLOCK_SIZE);
    if (b == NULL) {
        rs_reply_error(req, 503, "out of memory");
        return;
    }
    memset(b, 0xA5, BLOCK_SIZE);
    pthread_mutex_lock(&lock);
    b->next = held;
    held = b;
    long n = ++count;
    pthread_mutex_unlock(&lock);
    reply_count(req, n);
}

void faults_release(void)
{
    pthread_mutex_lock(&lock);
    while (held != NULL) {
        block *next = held->next;
        free(held);
        held = next;
    }
    count = 0;
    pthread_mutex_unlock(&lock);
}

void free_memory(rs_request *req)
{
    faults_release();
    reply_count(req, 0);
}
