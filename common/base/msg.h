/*
 * msg: one WebSocket message on its way out, shared by every connection it
 * is broadcast to (reference counted, loop thread only once published), and
 * ring: the bounded FIFO of messages a connection has waiting.
 *
 * A message is one allocation: header, optional tag, headroom, then the
 * payload, so a message is never copied between stdin and the socket.
 *
 * A stdin record's message keeps its ledger: what became of it (its fate:
 * the worst that happened to it at any of its destinations) is counted
 * there once, when its last reference goes. A message that goes without a
 * fate was not delivered: it counts as lost. So every record read is
 * counted exactly once, whatever path it took.
 */
#ifndef RXWS_MSG_H
#define RXWS_MSG_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum frame_kind { FRAME_TEXT, FRAME_BINARY };

/* What became of a record, from best to worst. */
enum msg_fate {
	FATE_PENDING,		/* not settled yet */
	FATE_DELIVERED,		/* confirmed: acknowledged, answered, or taken by the broker */
	FATE_DISCARDED,		/* no client on its path */
	FATE_DROPPED,		/* by the --overflow policy */
	FATE_UNCONFIRMED,	/* sent on a connection that broke: the peer may not have it */
	FATE_LOST,		/* never delivered: the run ended, the peer gave up, ... */
	FATE_COUNT,
};

/* The records read, and their fates. Any thread may count. */
struct ledger {
	atomic_uint_least64_t read;
	atomic_uint_least64_t settled[FATE_COUNT];
};

struct msg {
	unsigned refs;
	unsigned char fate;		/* enum msg_fate */
	struct ledger *ledger;		/* a stdin record's; NULL: not counted */
	enum frame_kind kind;
	uint64_t recno;		/* stdin record number, for messages */
	size_t len;
	size_t tag_len;
	char *tag;		/* NUL-terminated path, or NULL */
	unsigned char *payload;	/* with MSG_HEADROOM writable bytes before */
};

/* Payload left uninitialised; refs starts at 1. NULL when out of memory. */
struct msg *msg_new(const char *tag, size_t tag_len, size_t payload_len);
struct msg *msg_ref(struct msg *m);
void msg_unref(struct msg *m);
/* Records what happened to it at one destination (the worst one stays). */
void msg_settle(struct msg *m, enum msg_fate fate);
/* Counts a new stdin record in ledger. */
void msg_count(struct msg *m, struct ledger *ledger);
uint64_t ledger_get(struct ledger *l, enum msg_fate fate);
/* Records read and not settled yet. */
uint64_t ledger_pending(struct ledger *l);
/*
 * n records settled as from turn out to have met to (the broker lost
 * what it had acknowledged): the account moves them.
 */
void ledger_refate(struct ledger *l, enum msg_fate from, enum msg_fate to, uint64_t n);

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
/* Drops the i-th message from the head (0 < i < len), settled with fate. */
void ring_drop_at(struct ring *r, size_t i, enum msg_fate fate);
/* Drops the messages from the i-th on, settled with fate; how many. */
size_t ring_truncate(struct ring *r, size_t i, enum msg_fate fate);
/* Drops every message, settled with fate; returns how many there were. */
size_t ring_clear(struct ring *r, enum msg_fate fate);

#endif
