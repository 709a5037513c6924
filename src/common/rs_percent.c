/*
 * rs_percent.c - decoding %XX escapes (see rs_percent.h).
 */
#include "rs_percent.h"

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int rs_percent_decode(char *s, int plus_is_space)
{
    char *out = s;
    for (const char *in = s; *in != '\0'; in++) {
        if (*in == '%') {
            int hi = hex_digit(in[1]);
            int lo = hi < 0 ? -1 : hex_digit(in[2]);
            if (lo < 0 || (hi == 0 && lo == 0))
                return -1;
            *out++ = (char)(hi * 16 + lo);
            in += 2;
        } else if (*in == '+' && plus_is_space) {
            *out++ = ' ';
        } else {
            *out++ = *in;
        }
    }
    *out = '\0';
    return 0;
}
