/*
 * ring: the bounded FIFO of messages a connection (or a hand-over) has
 * waiting, and what --overflow makes of one more when it is full.
 */
#ifndef RXWS_RING_H
#define RXWS_RING_H

#include <stdbool.h>
#include <stddef.h>

#include "base/msg.h"

/* What a full queue does with one more message (--overflow). */
enum overflow {
	OVERFLOW_BLOCK,
	OVERFLOW_DROP_OLDEST,
	OVERFLOW_DROP_NEWEST,
	OVERFLOW_CLOSE,
};

/* Slots are allocated as the queue fills, so idle peers cost little. */
struct ring {
	struct msg **slots;
	size_t cap;		/* the limit (--queue) */
	size_t size;		/* slots allocated */
	size_t head, len;
};

int ring_init(struct ring *r, size_t cap);
void ring_free(struct ring *r);	/* drops every reference it holds: lost */
static inline bool ring_full(const struct ring *r) { return r->len == r->cap; }
static inline bool ring_empty(const struct ring *r) { return r->len == 0; }
/* Takes the caller's reference; the ring must not be full. -1: no memory. */
int ring_push(struct ring *r, struct msg *m);
struct msg *ring_peek(const struct ring *r);
/* The i-th message from the head (i < len). */
struct msg *ring_at(const struct ring *r, size_t i);
/* Returns the reference to the caller. */
struct msg *ring_pop(struct ring *r);
/* Drops the i-th message from the head (i < len), settled with fate. */
void ring_drop_at(struct ring *r, size_t i, enum msg_fate fate);
/* Drops the messages from the i-th on, settled with fate; how many. */
size_t ring_truncate(struct ring *r, size_t i, enum msg_fate fate);
/* Drops every message, settled with fate; returns how many there were. */
size_t ring_clear(struct ring *r, enum msg_fate fate);

#endif
