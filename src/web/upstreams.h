/*
 * upstreams.h - where each service behind the gateway answers.
 *
 * <SERVICE>_URL holds one address or several, comma-separated
 * (CART_URL=http://127.0.0.1:8083,http://127.0.0.1:9083): each service is
 * an rs_peer. Requests take the addresses in turn; one that refused a
 * connection is passed over for a few seconds.
 */
#ifndef WEB_UPSTREAMS_H
#define WEB_UPSTREAMS_H

typedef struct upstream upstream;

void        upstreams_init(void);                /* reads the *_URL settings */
void        upstreams_free(void);
upstream   *upstream_find(const char *service);  /* NULL for an unknown name */
int         upstream_count(const upstream *u);
/* An address to try: the next in turn that is not passed over (or, when
 * all are, the next in turn), other than `not` (-1 for none) when there is
 * another. */
int         upstream_pick(upstream *u, int not);
const char *upstream_address(const upstream *u, int i);
/* The address refused a connection: pass it over for a while. */
void        upstream_refused(upstream *u, int i);

#endif
