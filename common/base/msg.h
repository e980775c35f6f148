/*
 * msg: one WebSocket message on its way out, shared by every connection it
 * is broadcast to (reference counted, loop thread only once published).
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
	bool notice;			/* ours, not a record: sent as is (no position) */
	bool past;			/* read back from a broker's stream: kept, not sent */
	struct ledger *ledger;		/* a stdin record's; NULL: not counted */
	enum frame_kind kind;
	uint64_t recno;		/* stdin record number, for messages */
	uint64_t pos;		/* its offset on its path (rxws(7), HISTORY); 0: none */
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
/* Settles it with fate and lets go of the reference: a destination is done with it. */
void msg_done(struct msg *m, enum msg_fate fate);
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

#endif
