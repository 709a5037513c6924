/*
 * rs_peer.h - where a peer service answers: one address or several.
 *
 * A setting such as CATALOGUE_URL holds one http:// base URL or several,
 * comma-separated (http://127.0.0.1:8081,http://127.0.0.1:9081), as when
 * `make run REPLICAS=2` runs two of each service; in Kubernetes it is the
 * one address of the peer's Service. Calls take the addresses in turn; an
 * address that refused a connection is passed over for a few seconds, and
 * the call goes to the next one (a refused connect sent nothing, so any
 * method may go again).
 */
#ifndef RS_PEER_H
#define RS_PEER_H

#include "rs_client.h"

#define RS_PEER_MAX_ADDRS 8

typedef struct rs_peer rs_peer;

/* Reads the setting (def when unset); a bad value is a configuration error
 * (exit RS_EXIT_CONFIG), out of memory exits too. Read once, at start. */
rs_peer    *rs_peer_config(const char *setting, const char *def);
void        rs_peer_free(rs_peer *p);

int         rs_peer_count(const rs_peer *p);
/* An address to try: the next in turn that is not passed over (or, when
 * all are, the next in turn), other than `not` (-1 for none) when there is
 * another. */
int         rs_peer_pick(rs_peer *p, int not);
const char *rs_peer_address(const rs_peer *p, int i);   /* no trailing '/' */
/* The address refused a connection: pass it over for a while. */
void        rs_peer_refused(rs_peer *p, int i);

/* rs_client_call to path (which starts with '/') at one of the peer's
 * addresses, and at the others in turn while connections are refused (rq's
 * url is not used). With one address, rs_client's own retry applies. */
rs_client_result rs_peer_call(rs_peer *p, const char *path, const rs_client_request *rq,
                              rs_client_response *out);

#endif
