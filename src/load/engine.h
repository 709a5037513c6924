/*
 * engine.h - runs the load: one thread per core, each with its own epoll
 * loop, its virtual users and their keep-alive HTTP/1.1 connections
 * (non-blocking sockets; answers parsed by http-parser).
 *
 * Closed model: each VU plays journeys back to back, a think time apart;
 * the number of VUs follows the stages. Open model: journeys start on
 * schedule at the staged rate whether or not earlier ones finished, each
 * on a free VU (a new one when none is free, up to --max-vus; past that
 * the journey is dropped and counted). The first request of an open-model
 * journey is timed from when it was due, not from when it was sent, so a
 * late start shows in the latency (no coordinated omission).
 */
#ifndef RS_LOAD_ENGINE_H
#define RS_LOAD_ENGINE_H

#include <stdint.h>

#include "options.h"
#include "stats.h"

typedef struct engine engine;

/* Resolves the target and prepares the threads' stats; NULL with a message
 * on stderr on failure. */
engine *engine_create(const load_options *o);

/* Starts the threads; the load runs for the whole of the stages. */
int  engine_start(engine *e);

/* Asks the threads to stop early (safe from a signal handler). */
void engine_stop(engine *e);

/* Live figures for the progress line, summed over the threads. */
void engine_live(engine *e, uint64_t *requests, uint64_t *errors, uint64_t *journeys, int64_t *active);

/* Seconds since the load began. */
double engine_elapsed(const engine *e);

/* Whether every thread has finished. */
int  engine_done(engine *e);

/* Waits for the threads and merges what they measured into out (which
 * must be initialised with stats_init). 0, or -1 when out of memory. */
int  engine_join(engine *e, stats *out, double *duration_s);

void engine_free(engine *e);

#endif
