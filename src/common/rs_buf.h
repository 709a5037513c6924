/*
 * rs_buf.h - a growable byte buffer.
 *
 * Used to assemble response bodies and log lines without guessing sizes.
 * The contents are always NUL-terminated. Appends return 0, or -1 when
 * memory runs out (the buffer keeps what it had).
 */
#ifndef RS_BUF_H
#define RS_BUF_H

#include <stddef.h>

typedef struct rs_buf {
    char  *data;   /* NUL-terminated contents, NULL until the first append */
    size_t len;    /* bytes used, not counting the NUL */
    size_t cap;    /* bytes allocated */
    int    failed; /* an append ran out of memory since the last reset */
} rs_buf;

#define RS_BUF_INIT {NULL, 0, 0, 0}

int  rs_buf_append(rs_buf *b, const char *bytes, size_t len);
int  rs_buf_puts(rs_buf *b, const char *s);
int  rs_buf_put_uint(rs_buf *b, unsigned long long n);   /* in decimal */
int  rs_buf_printf(rs_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void rs_buf_reset(rs_buf *b);               /* empties, keeps the memory */
void rs_buf_free(rs_buf *b);                /* releases the memory */
char *rs_buf_steal(rs_buf *b, size_t *len); /* hands the memory to the caller */

#endif
