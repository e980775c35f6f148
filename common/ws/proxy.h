/*
 * proxy: whether and how a client reaches its server through an HTTP
 * proxy, as curl decides it: --proxy, else https_proxy (wss://) or
 * http_proxy (ws://), else all_proxy (either in capitals too, but
 * http_proxy); --noproxy, else no_proxy, lists hosts to reach directly
 * ("*", names, domain suffixes, addresses, address/prefix). The tunnel is
 * opened with CONNECT, with Basic credentials from the proxy URL's user
 * part; TLS, when wanted, runs inside it.
 */
#ifndef RXWS_PROXY_H
#define RXWS_PROXY_H

#include <stdbool.h>

#include "base/buf.h"
#include "ws/http.h"

struct proxy {
	char *host;			/* without brackets */
	int port;
	char *authorization;		/* "Basic ...", or NULL */
	char *shown;			/* host:port, for logs (never the password) */
};

/*
 * Settles the proxy for a server at host:port (tls: wss://). explicit is
 * --proxy (NULL: look at the environment; "": none), noproxy --noproxy
 * (NULL: no_proxy). Returns NULL with *use saying whether to use one
 * (then out is filled), or why a proxy setting is unusable.
 */
const char *proxy_choose(const char *explicit, const char *noproxy, bool tls,
			 const char *host, int port, struct proxy *out, bool *use);
void proxy_free(struct proxy *p);

/* Appends the CONNECT request for host:port. -1: no memory. */
int proxy_request(const struct proxy *p, const char *host, int port, struct buf *out);
/* NULL when the proxy's answer opened the tunnel, or why not. */
const char *proxy_answer_problem(const struct http_head *answer, char *why, size_t size);

/* Whether a noproxy list (comma-separated) covers host. Exposed for tests. */
bool proxy_host_excluded(const char *list, const char *host);

#endif
