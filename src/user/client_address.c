/*
 * client_address.c - whom to believe about the client's address (see
 * client_address.h).
 */
#include "client_address.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rs_config.h"

#define MAX_TRUSTED 32
#define DEFAULT_TRUSTED "127.0.0.0/8,::1,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7"

/* An address as 16 bytes: IPv4 as an IPv4-mapped IPv6 address. */
typedef struct block {
    unsigned char addr[16];
    unsigned      prefix;    /* bits that must match, 0 to 128 */
} block;

static block    trusted[MAX_TRUSTED];
static unsigned ntrusted;

/* Parses an IPv4 or IPv6 literal into 16 bytes; the bits it has (32 or
 * 128, as an IPv6 prefix), or 0 when it is neither. */
static unsigned parse_address(const char *text, unsigned char out[16])
{
    struct in_addr v4;
    if (inet_pton(AF_INET, text, &v4) == 1) {
        memset(out, 0, 10);
        out[10] = out[11] = 0xff;
        memcpy(out + 12, &v4, 4);
        return 32;
    }
    return inet_pton(AF_INET6, text, out) == 1 ? 128 : 0;
}

/* "a.b.c.d", "a.b.c.d/n", "x::y" or "x::y/n" into b; -1 when malformed. */
static int parse_block(const char *text, block *b)
{
    char addr[INET6_ADDRSTRLEN + 8];
    if (strlen(text) >= sizeof addr)
        return -1;
    strcpy(addr, text);
    char *slash = strchr(addr, '/');
    if (slash != NULL)
        *slash = '\0';
    unsigned bits = parse_address(addr, b->addr);
    if (bits == 0)
        return -1;
    b->prefix = 128;
    if (slash != NULL) {
        char *end;
        unsigned long n = strtoul(slash + 1, &end, 10);
        if (slash[1] == '\0' || *end != '\0' || n > bits)
            return -1;
        b->prefix = (unsigned)n + (128 - bits);
    }
    return 0;
}

static bool in_block(const block *b, const unsigned char addr[16])
{
    unsigned full = b->prefix / 8, rest = b->prefix % 8;
    if (memcmp(b->addr, addr, full) != 0)
        return false;
    if (rest == 0)
        return true;
    unsigned char mask = (unsigned char)(0xff << (8 - rest));
    return (b->addr[full] & mask) == (addr[full] & mask);
}

void client_address_init(void)
{
    const char *value = rs_config_str("TRUSTED_PROXIES", DEFAULT_TRUSTED);
    ntrusted = 0;
    if (strcasecmp(value, "none") == 0)
        return;
    char *copy = strdup(value);
    if (copy == NULL) {
        fprintf(stderr, "out of memory reading TRUSTED_PROXIES\n");
        exit(RS_EXIT_CONFIG);
    }
    char *save = NULL;
    for (char *item = strtok_r(copy, ", ", &save); item != NULL; item = strtok_r(NULL, ", ", &save)) {
        if (ntrusted == MAX_TRUSTED || parse_block(item, &trusted[ntrusted]) != 0) {
            free(copy);
            rs_config_fail("TRUSTED_PROXIES=\"%s\": expected \"none\" or at most %d IPv4 or "
                           "IPv6 addresses or CIDR blocks, comma-separated", value, MAX_TRUSTED);
        }
        ntrusted++;
    }
    free(copy);
}

static bool is_trusted(const char *peer)
{
    unsigned char addr[16];
    if (parse_address(peer, addr) == 0)
        return false;
    for (unsigned i = 0; i < ntrusted; i++)
        if (in_block(&trusted[i], addr))
            return true;
    return false;
}

/* The last entry of an X-Forwarded-For value, if it is an address. */
static bool last_forwarded(const char *xff, char out[CLIENT_ADDRESS_MAX])
{
    const char *comma = strrchr(xff, ',');
    const char *start = comma != NULL ? comma + 1 : xff;
    start += strspn(start, " \t");
    size_t len = strcspn(start, " \t");
    if (len == 0 || len >= CLIENT_ADDRESS_MAX || start[len + strspn(start + len, " \t")] != '\0')
        return false;
    char entry[CLIENT_ADDRESS_MAX];
    memcpy(entry, start, len);
    entry[len] = '\0';
    unsigned char addr[16];
    if (parse_address(entry, addr) == 0)
        return false;
    memcpy(out, entry, len + 1);
    return true;
}

void client_address(const rs_request *req, char out[CLIENT_ADDRESS_MAX])
{
    rs_req_client_ip(req, out, CLIENT_ADDRESS_MAX);
    const char *xff = rs_req_header(req, "X-Forwarded-For");
    if (xff != NULL && is_trusted(out))
        (void)last_forwarded(xff, out);
}
