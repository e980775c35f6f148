/*
 * broadcast: the clients of rxws-serve by path, and a record's way to
 * every client of its path.
 *
 * Each client has its own bounded queue. A client is too slow, and meets
 * --overflow, only when its queue has stayed full for a second while
 * another client of the path has room: when all are full, stdin is just
 * faster than the network, and waiting (not reading stdin) loses nothing.
 */
#ifndef RXWS_BROADCAST_H
#define RXWS_BROADCAST_H

#include <libwebsockets.h>
#include <stdbool.h>

#include "datatype.h"
#include "pathmap.h"
#include "wsconn.h"

struct path_clients {
	char *path;
	size_t len;
	enum datatype type;		/* of the records on this path */
	lws_dll2_owner_t members;
};

/* One WebSocket client of the server. */
struct member {
	struct wsconn conn;
	lws_dll2_t node;
	struct path_clients *path;
};

struct broadcast {
	const struct config *cfg;
	struct stats *stats;
	struct pathmap paths;		/* path -> struct path_clients */
	size_t n_members;
};

void broadcast_init(struct broadcast *b, const struct config *cfg, struct stats *stats);
void broadcast_free(struct broadcast *b);

/* Adds a member on path (its wsconn set up by the caller). -1: no memory. */
int broadcast_join(struct broadcast *b, struct member *m, const char *path, size_t len);
void broadcast_leave(struct broadcast *b, struct member *m);

/*
 * Gives a record to every client of path: true when it is taken (queued,
 * dropped by the policy, or discarded for want of a client), false when
 * it must wait (the caller keeps its reference and offers it again).
 */
bool broadcast_record(struct broadcast *b, struct msg *m, const char *path, size_t len);

/* Calls fn for each member (which may leave meanwhile). */
void broadcast_each(struct broadcast *b, void (*fn)(struct member *m, void *arg),
		    void *arg);
/* Records queued, all members together. */
size_t broadcast_queued(struct broadcast *b);

#endif
