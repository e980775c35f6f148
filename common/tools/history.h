/*
 * history: the last messages of each path of rxws-serve (--history N),
 * kept for clients that ask for what they missed, within a byte budget
 * over all paths (--history-bytes) and an age (--history-age): the oldest
 * message of any path goes first (rxws(7), HISTORY AND RECOVERY).
 *
 * Messages are copied, one after the other, into a log of blocks of 64
 * KiB: each kept message is a head (its path, offset, time, kind, length)
 * and its payload. Kept by reference instead, every record would stay a
 * malloc'd block of its own for as long as the history holds it, and a
 * server that keeps 100,000 of them ran B1 at half its rate: each new
 * record landed in memory long out of the caches. Written in order, the
 * log is what the caches and the prefetcher like best, and the budget's
 * order (the oldest of any path first) is the log's own: it goes from
 * its start.
 *
 * A path indexes its messages by offset, from its oldest kept one,
 * without a hole: a ring of pointers into the log. A message a path lets
 * go for its own count (--history N) is marked dead where it lies; its
 * room comes back when the start of the log passes it, or when dead room
 * outgrows the kept, and the kept are copied into new blocks (so the log
 * holds at most twice --history-bytes, and a block). A path's history
 * is embedded in its owner's struct, which must outlive the heads that
 * name it: history_unused() says when none does.
 */
#ifndef RXWS_HISTORY_H
#define RXWS_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/msg.h"

/*
 * What a kept message costs the budget beyond its payload: its head in
 * the log, its padding and its place in the path's index, at most.
 */
#define HISTORY_ENTRY_COST 48u

struct path_history {
	unsigned char **index;	/* offset first + i at index[(head + i) % cap] */
	size_t cap, head, len;
	uint64_t first;		/* the offset of the oldest kept (when len) */
	size_t in_log;		/* heads in the log that name it, live or dead */
};

struct history_block;

struct history {
	size_t per_path;	/* --history: 0, off */
	size_t max_bytes;	/* --history-bytes */
	uint64_t max_age_us;	/* --history-age; 0: none */
	struct history_block *oldest, *newest;
	size_t start;		/* where the log starts in the oldest block */
	struct history_block *spare;	/* an emptied block, for the next */
	size_t bytes, messages;	/* kept, as the budget counts them */
	size_t dead;		/* the log's room held by messages let go, as counted */
	/* A path's history is empty and no head names it: its owner may go. */
	void (*unused)(void *owner, struct path_history *ph);
	void *owner;
};

void history_init(struct history *h, size_t per_path, size_t max_bytes, double max_age);
/* Drops every message (the paths are their owners'). */
void history_free(struct history *h);
static inline bool history_on(const struct history *h)
{
	return h->per_path != 0;
}

/*
 * Keeps a copy of m, whose pos is set, on ph, and lets older ones go past
 * the bounds. A pos that does not follow the path's last kept one starts
 * its history over from it (a new epoch, a gap in a broker's stream). -1:
 * no memory (not kept).
 */
int history_add(struct history *h, struct path_history *ph, const struct msg *m,
		uint64_t now_us);
/* Lets go of what is older than --history-age. */
void history_expire(struct history *h, uint64_t now_us);
/* Drops the path's messages (their room comes back as the log moves on). */
void history_clear_path(struct history *h, struct path_history *ph);

/* Whether the message at offset off of ph is kept. */
bool history_has(const struct path_history *ph, uint64_t off);
/* A new message with a copy of the one kept at off (history_has()); NULL: no memory. */
struct msg *history_copy(const struct path_history *ph, uint64_t off);
/* The oldest and newest offsets kept on ph; 0 when none. */
uint64_t history_first(const struct path_history *ph);
uint64_t history_last(const struct path_history *ph);
/* Nothing kept on ph and no head names it. */
bool history_unused(const struct path_history *ph);
/* Its own memory, once unused. */
void history_path_free(struct path_history *ph);

#endif
