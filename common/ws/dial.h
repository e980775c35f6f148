/*
 * dial: opening a client's TCP or unix-socket connection without blocking
 * the loop, and saying why it failed in the words of the system.
 *
 * The name is resolved (getaddrinfo: it blocks, as lws' own connect would;
 * its message is kept when it fails), then each address is tried in turn:
 * a non-blocking connect(2), its socket adopted into lws as a raw socket
 * with reading paused, so that a failed connect leaves its reason in
 * SO_ERROR for us rather than in a read lws would make.
 */
#ifndef RXWS_DIAL_H
#define RXWS_DIAL_H

#include <libwebsockets.h>
#include <netdb.h>
#include <stdbool.h>

struct dial {
	struct addrinfo *addresses, *next;
	char where[256];		/* host:port or the socket's path, for messages */
	const char *unix_path;
};

/*
 * Resolves host (or takes the unix socket path). 0, or -1 with why.
 */
int dial_prepare(struct dial *d, const char *host, int port, const char *unix_path,
		 char *why, size_t size);
/*
 * Starts connecting to the next address; the lws connection is adopted
 * into vhost with owner as its opaque user data. NULL, with why, when no
 * address is left or none could be started.
 */
struct lws *dial_next(struct dial *d, struct lws_vhost *vhost, const char *protocol,
		      void *owner, char *why, size_t size);
/*
 * On the first writable event: whether the connect succeeded; if not, why
 * (from SO_ERROR). Also when lws closes a connection still connecting.
 */
bool dial_connected(struct dial *d, struct lws *wsi, char *why, size_t size);
bool dial_more(const struct dial *d);
void dial_free(struct dial *d);

#endif
