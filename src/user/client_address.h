/*
 * client_address.h - the address of the client a request came from.
 *
 * Behind the web gateway the TCP peer is the gateway, which appends the
 * address it got the request from to X-Forwarded-For. That last entry is
 * believed only when the peer is one of TRUSTED_PROXIES (addresses or
 * CIDR blocks, comma-separated; default loopback and the private ranges,
 * where the gateway runs; "none" believes no one). Earlier entries came
 * from the client itself and are never believed. Otherwise the client is
 * the TCP peer.
 */
#ifndef USER_CLIENT_ADDRESS_H
#define USER_CLIENT_ADDRESS_H

#include <stddef.h>

#include "rs_http.h"

#define CLIENT_ADDRESS_MAX 64

/* Reads TRUSTED_PROXIES; a bad value stops the service (exit code 2). */
void client_address_init(void);
/* The client's address as text ("" when unknown). */
void client_address(const rs_request *req, char out[CLIENT_ADDRESS_MAX]);

#endif
