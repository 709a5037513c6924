/*
 * hist.h - latency histograms in microseconds.
 *
 * Log-linear buckets: values below 2^(bits+1) are counted exactly, larger
 * ones in 2^bits buckets per power of two, so a percentile read back is
 * within 1/2^bits of the true value (bits 6: under 1.6%; bits 3, used for
 * the per-second timeline, under 12.5%). Count, sum, min and max are exact.
 * Values up to 2^37 us (38 hours) are kept; larger ones count as that.
 */
#ifndef RS_LOAD_HIST_H
#define RS_LOAD_HIST_H

#include <stdint.h>

typedef struct hist {
    int       bits;     /* precision: 2^bits buckets per power of two */
    int       nbuckets;
    uint64_t *buckets;
    uint64_t  count;
    uint64_t  sum;
    uint64_t  min;
    uint64_t  max;
} hist;

int      hist_init(hist *h, int bits);   /* 0, or -1 when out of memory */
void     hist_free(hist *h);
void     hist_record(hist *h, uint64_t us);
int      hist_merge(hist *into, const hist *from);  /* same bits; 0 or -1 */
uint64_t hist_percentile(const hist *h, double p);  /* p in 0..100; 0 when empty */
double   hist_mean(const hist *h);

#endif
