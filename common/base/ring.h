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
/*
 * Every message broadcast passes through these once per client: inline,
 * and a slot's index wraps by a subtraction, not a division (a size need
 * not be a power of two: it stops at --queue).
 */
static inline size_t ring_slot(const struct ring *r, size_t i)
{
	size_t at = r->head + i;
	return at >= r->size ? at - r->size : at;
}
int ring_grow(struct ring *r);
/* Takes the caller's reference; the ring must not be full. -1: no memory. */
static inline int ring_push(struct ring *r, struct msg *m)
{
	if (r->len == r->size && ring_grow(r))
		return -1;
	r->slots[ring_slot(r, r->len)] = m;
	r->len++;
	return 0;
}
static inline struct msg *ring_peek(const struct ring *r)
{
	return r->len ? r->slots[r->head] : NULL;
}
/* The i-th message from the head (i < len). */
static inline struct msg *ring_at(const struct ring *r, size_t i)
{
	return r->slots[ring_slot(r, i)];
}
/* Returns the reference to the caller. */
static inline struct msg *ring_pop(struct ring *r)
{
	if (!r->len)
		return NULL;
	struct msg *m = r->slots[r->head];
	r->head = ring_slot(r, 1);
	r->len--;
	return m;
}
/* Drops the i-th message from the head (i < len), settled with fate. */
void ring_drop_at(struct ring *r, size_t i, enum msg_fate fate);
/* Drops the messages from the i-th on, settled with fate; how many. */
size_t ring_truncate(struct ring *r, size_t i, enum msg_fate fate);
/* Drops every message, settled with fate; returns how many there were. */
size_t ring_clear(struct ring *r, enum msg_fate fate);

#endif
