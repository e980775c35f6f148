/*
 * replay: what a client of rxws-serve that asks for what it missed gets
 * (rxws(7), HISTORY AND RECOVERY): its ask, read from the handshake
 * (?since=POS, ?last=N, or the headers Rxws-Since and Rxws-Last); the plan
 * (where its replay starts, where the path stands, the gap if there is
 * one), said in the 101; and the replay itself, fed from the history into
 * its queue as that drains, with the notices of rxws.pos, until it is
 * live.
 */
#ifndef RXWS_REPLAY_H
#define RXWS_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "tools/broadcast.h"
#include "ws/http.h"
#include "ws/position.h"

enum replay_kind { REPLAY_NONE, REPLAY_SINCE, REPLAY_LAST };

struct replay_ask {
	enum replay_kind kind;
	struct position since;
	uint64_t last;
};

struct replay_plan {
	bool asked;
	struct position head;		/* where the path stands */
	uint64_t from;			/* the first offset to send from the history; 0: none */
	bool gap;
	struct position gap_from, gap_to;
	uint64_t gap_count;
	bool count_known;
	const char *reason;		/* "trimmed" or "epoch" */
};

/* The ask of a handshake: 0; or -1 with *why, a 400's reason. */
int replay_read_ask(const struct http_head *request, struct replay_ask *ask, const char **why);
/*
 * The plan for a client of p (broadcast_path_view): 0; or -1 with the
 * refusal's *status and *why: 400, a position ahead of the path's; 503,
 * a member of a broker that has not read the stream that far yet.
 */
int replay_plan(const struct broadcast *b, const struct path_clients *p,
		const struct replay_ask *ask, struct replay_plan *plan, int *status,
		const char **why);
/* The 101's header lines for the plan (Rxws-Position, Rxws-Gap), when it asked. */
int replay_headers(struct buf *out, const struct replay_plan *plan);
/*
 * The member, just attached, starts on the plan: the notices of rxws.pos
 * (when it speaks it), then its replay as its queue has room.
 */
void replay_start(struct broadcast *b, struct member *m, const struct replay_plan *plan);
/*
 * --broker: the stream's epoch, first known or new. The paths start over
 * in it; a client of rxws.pos on a path that had messages is told the
 * gap (of a size nobody knows), and one catching up goes live.
 */
void replay_new_epoch(struct broadcast *b, const char *epoch);
/* Its queue has room: more of its replay (nothing when it is live). */
void replay_refill(struct broadcast *b, struct member *m);

#endif
