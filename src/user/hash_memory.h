/*
 * hash_memory.h - the memory argon2 works in: one region per hash running at
 * once, mapped with its pages already present, reused while hashes keep
 * coming, and given back to the system after a few idle seconds.
 *
 * Each hash needs 19 MiB for a moment. From malloc, every worker thread's
 * arena would keep such a block for good; mapped afresh for every hash, the
 * page faults would cost more than the hash. The regions do neither.
 */
#ifndef USER_HASH_MEMORY_H
#define USER_HASH_MEMORY_H

#include <stddef.h>
#include <stdint.h>

/* Prepares room for `regions` hashes at once. 0, or -1. */
int  hash_memory_init(int regions);

/* argon2's allocate and free callbacks (argon2_context.allocate_cbk and
 * free_cbk). Allocation returns ARGON2_OK or ARGON2_MEMORY_ALLOCATION_ERROR. */
int  hash_memory_take(uint8_t **memory, size_t bytes);
void hash_memory_give(uint8_t *memory, size_t bytes);

#endif
