/*
 * ratings_cache.h - the ratings this replica has read lately.
 *
 * Every product view asks for its rating, and a rating changes only by a
 * vote: each replica keeps the ratings it has read for RATINGS_CACHE_MS
 * (default 1000 ms; 0 turns the cache off). A vote on this replica drops
 * that SKU's entry, so this replica's next read is fresh; a vote on
 * another replica is seen here within RATINGS_CACHE_MS, and so is a vote
 * whose outcome was unknown (504) that the database applied late. A read
 * that raced a vote (it began before the vote was dropped) is not kept.
 * While the database is out, what is kept is still answered until it
 * expires. At most
 * RATINGS_CACHE_MAX entries (default 10,000): when full, expired ones are
 * swept, and a read that still finds no room is answered, not kept.
 *
 * Threading: every call may come from any thread (one lock, held only to
 * look up, store or drop one entry).
 */
#ifndef RATINGS_CACHE_H
#define RATINGS_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "ratings_db.h"

void     ratings_cache_init(void);      /* reads the settings; once, at start */
void     ratings_cache_free(void);
/* The rating kept for sku, if it has not expired. */
bool     ratings_cache_get(const char *sku, rating *out);
/* What to hand to ratings_cache_put for a read about to start. */
uint64_t ratings_cache_epoch(void);
/* Keeps what a read that started at epoch found, unless a vote was
 * dropped since then. */
void     ratings_cache_put(const char *sku, const rating *r, uint64_t epoch);
/* Forgets sku: a vote for it was sent, whatever its outcome. */
void     ratings_cache_drop(const char *sku);

#endif
