/*
 * history: the last messages of each path of rxws-serve (--history N),
 * kept by reference for clients that ask for what they missed, within a
 * byte budget over all paths (--history-bytes) and an age (--history-age):
 * the oldest message of any path goes first (rxws(7), HISTORY AND
 * RECOVERY).
 *
 * A path's messages are kept by offset: from its oldest kept one, without
 * a hole. The order over all paths is a FIFO of (path, offset); a message
 * a path dropped for its own count leaves a stale slot there, skipped, and
 * the FIFO is compacted when those pile up. A path's history is embedded
 * in its owner's struct, which must outlive the slots that name it:
 * history_unused() says when none does.
 */
#ifndef RXWS_HISTORY_H
#define RXWS_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/msg.h"

/* What a kept message costs the budget beyond its payload. */
#define HISTORY_ENTRY_COST 64u

struct path_history {
	struct msg **ring;	/* offset first + i at ring[(head + i) % cap] */
	size_t cap, head, len;
	uint64_t first;		/* the offset of the oldest kept (when len) */
	unsigned gen;		/* cleared so many times: older slots are stale */
	size_t slots;		/* FIFO slots that name it, live or stale */
};

struct history_slot {
	struct path_history *ph;
	uint64_t off;
	uint64_t at_us;		/* when it was kept */
	unsigned gen;		/* ph's when it was kept */
};

struct history {
	size_t per_path;	/* --history: 0, off */
	size_t max_bytes;	/* --history-bytes */
	uint64_t max_age_us;	/* --history-age; 0: none */
	struct history_slot *fifo;	/* all paths, oldest first */
	size_t fifo_cap, fifo_head, fifo_len;
	size_t stale;		/* fifo slots whose message a path dropped */
	size_t bytes, messages;	/* kept, as the budget counts them */
	/* A path's history is empty and no slot names it: its owner may go. */
	void (*unused)(void *owner, struct path_history *ph);
	void *owner;
};

void history_init(struct history *h, size_t per_path, size_t max_bytes, double max_age);
/* Drops every message and slot (the paths are their owners'). */
void history_free(struct history *h);
static inline bool history_on(const struct history *h)
{
	return h->per_path != 0;
}

/*
 * Keeps m, whose pos is set, on ph, and lets older ones go past the
 * bounds. A pos that does not follow the path's last kept one starts its
 * history over from it (a new epoch, a gap in a broker's stream). -1: no
 * memory (not kept).
 */
int history_add(struct history *h, struct path_history *ph, struct msg *m, uint64_t now_us);
/* Lets go of what is older than --history-age. */
void history_expire(struct history *h, uint64_t now_us);
/* Drops the path's messages (its slots go stale). */
void history_clear_path(struct history *h, struct path_history *ph);

/* The message kept at offset off on ph, or NULL. */
struct msg *history_at(const struct path_history *ph, uint64_t off);
/* The oldest and newest offsets kept on ph; 0 when none. */
uint64_t history_first(const struct path_history *ph);
uint64_t history_last(const struct path_history *ph);
/* Nothing kept on ph and no slot names it. */
bool history_unused(const struct path_history *ph);
/* Its own memory, once unused. */
void history_path_free(struct path_history *ph);

#endif
