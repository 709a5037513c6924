/*
 * recent.c - a ring of the last order ids (see recent.h), under one lock.
 */
#include "recent.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define RECENT_SIZE 8192
#define ID_MAX      64      /* rs_valid_id: at most 64 characters */

static struct {
    pthread_mutex_t lock;
    size_t          next;
    char            ids[RECENT_SIZE][ID_MAX + 1];
} recent;

void recent_init(void)
{
    pthread_mutex_init(&recent.lock, NULL);
}

void recent_cleanup(void)
{
    pthread_mutex_destroy(&recent.lock);
}

static char *find(const char *id)
{
    for (size_t i = 0; i < RECENT_SIZE; i++)
        if (recent.ids[i][0] != '\0' && strcmp(recent.ids[i], id) == 0)
            return recent.ids[i];
    return NULL;
}

bool recent_take(const char *id)
{
    pthread_mutex_lock(&recent.lock);
    bool fresh = find(id) == NULL;
    if (fresh) {
        snprintf(recent.ids[recent.next], ID_MAX + 1, "%s", id);
        recent.next = (recent.next + 1) % RECENT_SIZE;
    }
    pthread_mutex_unlock(&recent.lock);
    return fresh;
}
