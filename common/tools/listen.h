/*
 * listen: rxws-serve's listening socket, as an lws context whose accepted
 * connections are raw sockets of one protocol (everything above the bytes
 * is rxws' own), on TCP (--host, --port) or a unix socket (--unix); and,
 * when it cannot listen, why, in the system's words.
 */
#ifndef RXWS_LISTEN_H
#define RXWS_LISTEN_H

#include <libwebsockets.h>

#include "app/options.h"

/*
 * Fills info to listen as cfg says, its connections bound to protocol.
 * addr holds the resolved address (info points into it). 0, or -1 with
 * the reason logged.
 */
int listen_prepare(const struct config *cfg, struct lws_context_creation_info *info,
		   const char *protocol, char *addr, size_t addr_size, int *family);
/* After the context could not be made: says why (logged). */
void listen_explain_failure(const struct config *cfg, const char *addr, int family);
/*
 * After the context is made: the TCP socket listens on addr alone. (Where
 * lws cannot list the interfaces, without netlink, it binds every address
 * instead of failing.) 0, or -1 with the reason logged.
 */
int listen_verify(const struct config *cfg, const char *addr, int family);

#endif
