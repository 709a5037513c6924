/*
 * rs_valid.c - validation of ids, search texts and emails (see rs_valid.h).
 */
#include "rs_valid.h"

#include <string.h>

static bool is_id_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

bool rs_valid_id(const char *s)
{
    size_t n = 0;
    for (; s[n] != '\0'; n++) {
        if (n >= RS_ID_MAX || !is_id_char((unsigned char)s[n]))
            return false;
    }
    return n > 0 && strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

/* Length of the UTF-8 sequence starting at s (2..4), or 0 when invalid:
 * overlong forms, surrogates and code points past U+10FFFF are rejected. */
static size_t utf8_sequence(const unsigned char *s)
{
    unsigned char c = s[0];
    size_t len;
    unsigned int cp;
    if (c >= 0xC2 && c <= 0xDF) { len = 2; cp = c & 0x1Fu; }
    else if (c >= 0xE0 && c <= 0xEF) { len = 3; cp = c & 0x0Fu; }
    else if (c >= 0xF0 && c <= 0xF4) { len = 4; cp = c & 0x07u; }
    else return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0u) != 0x80u)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3Fu);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
        return 0;
    return len;
}

static bool is_text_ascii(unsigned char c)
{
    return is_id_char(c) || c == ' ' || c == '\'' || c == ',';
}

bool rs_valid_text(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t chars = 0;
    while (*p != '\0') {
        if (++chars > RS_TEXT_MAX)
            return false;
        if (*p < 0x80) {
            if (!is_text_ascii(*p))
                return false;
            p++;
            continue;
        }
        size_t len = utf8_sequence(p);
        if (len == 0)
            return false;
        p += len;
    }
    return chars > 0;
}

static bool is_local_char(unsigned char c)
{
    return is_id_char(c) || c == '+' || c == '\'';
}

static bool is_domain_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '.';
}

bool rs_valid_email(const char *s)
{
    size_t len = strlen(s);
    if (len < 3 || len > 254)
        return false;
    const char *at = strchr(s, '@');
    if (at == NULL || at == s || strchr(at + 1, '@') != NULL)
        return false;
    for (const char *p = s; p < at; p++)
        if (!is_local_char((unsigned char)*p))
            return false;
    const char *domain = at + 1;
    const char *dot = strrchr(domain, '.');
    if (dot == NULL || dot == domain || dot[1] == '\0')
        return false;
    if (domain[0] == '.' || domain[0] == '-' || strstr(domain, "..") != NULL)
        return false;
    for (const char *p = domain; *p != '\0'; p++)
        if (!is_domain_char((unsigned char)*p))
            return false;
    return true;
}
