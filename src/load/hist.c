/*
 * hist.c - log-linear latency histograms (see hist.h).
 *
 * With H = 2^bits, a value v < 2H has bucket v. Otherwise, with m the
 * position of its highest bit and s = m - bits, it has bucket s*H + (v >> s):
 * v >> s lies in [H, 2H), so each power of two gets H buckets of width 2^s,
 * right after those of the power below.
 */
#include "hist.h"

#include <stdlib.h>
#include <string.h>

#define HIST_MAX_VALUE ((UINT64_C(1) << 37) - 1)

static int bucket_of(int bits, uint64_t v)
{
    uint64_t H = UINT64_C(1) << bits;
    if (v < 2 * H)
        return (int)v;
    int m = 63 - __builtin_clzll(v);
    int s = m - bits;
    return (int)((uint64_t)s * H + (v >> s));
}

/* The middle of bucket i, the value a percentile reads back. */
static uint64_t value_of(int bits, int i)
{
    uint64_t H = UINT64_C(1) << bits;
    if ((uint64_t)i < 2 * H)
        return (uint64_t)i;
    int s = (int)((uint64_t)i / H) - 1;
    uint64_t low = ((uint64_t)i - (uint64_t)s * H) << s;
    return low + ((UINT64_C(1) << s) >> 1);
}

int hist_init(hist *h, int bits)
{
    memset(h, 0, sizeof *h);
    h->bits = bits;
    h->nbuckets = bucket_of(bits, HIST_MAX_VALUE) + 1;
    h->buckets = calloc((size_t)h->nbuckets, sizeof *h->buckets);
    return h->buckets ? 0 : -1;
}

void hist_free(hist *h)
{
    free(h->buckets);
    h->buckets = NULL;
}

void hist_record(hist *h, uint64_t us)
{
    if (us > HIST_MAX_VALUE)
        us = HIST_MAX_VALUE;
    h->buckets[bucket_of(h->bits, us)]++;
    if (h->count == 0 || us < h->min)
        h->min = us;
    if (us > h->max)
        h->max = us;
    h->count++;
    h->sum += us;
}

int hist_merge(hist *into, const hist *from)
{
    if (into->bits != from->bits)
        return -1;
    if (from->count == 0)
        return 0;
    for (int i = 0; i < into->nbuckets; i++)
        into->buckets[i] += from->buckets[i];
    if (into->count == 0 || from->min < into->min)
        into->min = from->min;
    if (from->max > into->max)
        into->max = from->max;
    into->count += from->count;
    into->sum += from->sum;
    return 0;
}

uint64_t hist_percentile(const hist *h, double p)
{
    if (h->count == 0)
        return 0;
    if (p <= 0)
        return h->min;
    if (p >= 100)
        return h->max;
    uint64_t rank = (uint64_t)(p / 100.0 * (double)h->count + 0.999999);
    if (rank == 0)
        rank = 1;
    uint64_t seen = 0;
    for (int i = 0; i < h->nbuckets; i++) {
        seen += h->buckets[i];
        if (seen >= rank) {
            uint64_t v = value_of(h->bits, i);
            if (v < h->min)
                return h->min;
            return v > h->max ? h->max : v;
        }
    }
    return h->max;
}

double hist_mean(const hist *h)
{
    return h->count ? (double)h->sum / (double)h->count : 0.0;
}
