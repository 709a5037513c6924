/*
 * rs_util.h - the one macro the runtime and the services share.
 */
#ifndef RS_UTIL_H
#define RS_UTIL_H

#include <stddef.h>

/* The number of elements of an array (not of a pointer). */
#define RS_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
