/*
 * rs_addr_table.h - how many connections each client address holds, for
 * the server's cap per address. Safe to use from several threads.
 */
#ifndef RS_ADDR_TABLE_H
#define RS_ADDR_TABLE_H

#include <sys/socket.h>

typedef struct rs_addr_table rs_addr_table;

/* A client address, IPv4 held as IPv4-mapped IPv6. */
typedef struct rs_addr {
    unsigned char bytes[16];
} rs_addr;

void rs_addr_from_sockaddr(const struct sockaddr *sa, rs_addr *out);

rs_addr_table *rs_addr_table_new(void);
void           rs_addr_table_free(rs_addr_table *t);
/* One more connection from a: the count that now holds, or 0 when out of
 * memory (nothing is then counted). */
unsigned       rs_addr_table_add(rs_addr_table *t, const rs_addr *a);
/* One connection less from a (counted by rs_addr_table_add). */
void           rs_addr_table_remove(rs_addr_table *t, const rs_addr *a);

#endif
