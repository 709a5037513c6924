/*
 * rs_valid.h - validation of untrusted text from paths and bodies.
 *
 * An id (SKU, user name, cart id, category) is 1..64 characters of
 * [A-Za-z0-9._-] and is not "." or "..". A search text is 1..64 characters
 * of valid UTF-8: letters and digits of any script, spaces, and . _ - ' ,
 * An email has a local part, one '@' and a dotted domain, 3..254 bytes.
 */
#ifndef RS_VALID_H
#define RS_VALID_H

#include <stdbool.h>

#define RS_ID_MAX   64
#define RS_TEXT_MAX 64

bool rs_valid_id(const char *s);
bool rs_valid_text(const char *s);
bool rs_valid_email(const char *s);

#endif
