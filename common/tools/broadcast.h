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

#include "base/pathmap.h"
#include "records/datatype.h"
#include "tools/history.h"
#include "ws/position.h"
#include "ws/wsconn.h"

/*
 * A path: its clients, and its messages' positions (rxws(7), HISTORY AND
 * RECOVERY). It lives while it has clients or messages kept; its epoch is
 * that of its life (or, --broker, of the stream).
 */
struct path_clients {
	char *path;
	size_t len;
	enum datatype type;		/* of the records on this path */
	lws_dll2_owner_t members;
	char epoch[POSITION_EPOCH_LEN + 1];
	uint64_t last;			/* the offset of its last message; 0: none yet */
	struct path_history hist;
};

/* One WebSocket client of the server. */
struct member {
	/* What a broadcast reads for every record, next to conn's own such fields. */
	lws_dll2_t node;
	struct path_clients *path;
	bool away;			/* gone for now, its session kept: records wait */
	/*
	 * The offset it is to get next from the history, while it catches
	 * up (it gets no live message meanwhile); 0: it is live.
	 */
	uint64_t replay_next;
	struct wsconn conn;
};

/* Discards not said yet: a few paths, the rest together. */
#define DISCARD_PATHS_MAX 16
struct discards {
	char path[DISCARD_PATHS_MAX][256];
	size_t path_len[DISCARD_PATHS_MAX];
	uint64_t count[DISCARD_PATHS_MAX];
	bool refused[DISCARD_PATHS_MAX];	/* no client may be on it (--allow-path) */
	bool kept[DISCARD_PATHS_MAX];		/* ... in the history, for one that comes */
	size_t n;
	uint64_t others;
	lws_usec_t last;
};

struct broadcast {
	const struct config *cfg;
	struct stats *stats;
	/* A member away too long to catch up: its owner ends it. */
	void (*expel)(void *owner, struct member *m);
	void *owner;
	struct pathmap paths;		/* path -> struct path_clients */
	size_t n_members;
	struct discards discards;
	struct history history;		/* --history */
	/*
	 * --broker: the positions are the stream's (its epoch, every path's;
	 * the offsets its entries carry); else each path numbers its own.
	 */
	bool broker_positions;
	char epoch[POSITION_EPOCH_LEN + 1];
	/*
	 * --broker: the member does not know yet where the stream stands, or
	 * is reading back its history; a client that asks must wait.
	 */
	bool behind;
};

void broadcast_init(struct broadcast *b, const struct config *cfg, struct stats *stats);
void broadcast_free(struct broadcast *b);

/*
 * What a path stands at for a client about to join it (which makes it):
 * the path, or, when it is not there yet, a stand-in with the epoch and
 * offset a new one would start with (its epoch: a new one's, unknown, or
 * the stream's).
 */
const struct path_clients *broadcast_path_view(const struct broadcast *b, const char *path,
					       size_t len, struct path_clients *stand_in);

/* Adds a member on path (its wsconn set up by the caller). -1: no memory. */
int broadcast_join(struct broadcast *b, struct member *m, const char *path, size_t len);
void broadcast_leave(struct broadcast *b, struct member *m);

/*
 * Gives a record to every client of path: true when it is taken (queued,
 * dropped by the policy, or discarded for want of a client), false when
 * it must wait (the caller keeps its reference and offers it again).
 */
bool broadcast_record(struct broadcast *b, struct msg *m, const char *path, size_t len);

/*
 * --broker: the stream's epoch, first known or new (Redis lost the
 * stream). Each path of another epoch starts over in it: its history
 * goes, its offsets start from the stream's.
 */
void broadcast_set_epoch(struct broadcast *b, const char *epoch);

/* Every so often: the history lets go of what passed --history-age. */
void broadcast_expire(struct broadcast *b, uint64_t now_us);

/* Calls fn for each member (which may leave meanwhile). */
void broadcast_each(struct broadcast *b, void (*fn)(struct member *m, void *arg),
		    void *arg);
/* Records queued, all members together. */
size_t broadcast_queued(struct broadcast *b);
/*
 * Says what was discarded since the last time: at most once a second, or
 * now (at the end) with now_or_never.
 */
void broadcast_report_discards(struct broadcast *b, lws_usec_t now, bool now_or_never);

#endif
