/*
 * msg: one WebSocket message on its way out, shared by every connection it
 * is broadcast to (reference counted, loop thread only once published), and
 * ring: the bounded FIFO of messages a connection has waiting.
 *
 * A message is one allocation: header, optional tag, LWS_PRE bytes of
 * headroom that libwebsockets writes the frame header into, then the
 * payload, so a message is never copied between stdin and the socket.
 */
#ifndef RXWS_MSG_H
#define RXWS_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum frame_kind { FRAME_TEXT, FRAME_BINARY };

struct msg {
	unsigned refs;
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
void ring_free(struct ring *r);	/* drops every reference it holds */
static inline bool ring_full(const struct ring *r) { return r->len == r->cap; }
static inline bool ring_empty(const struct ring *r) { return r->len == 0; }
/* Takes the caller's reference; the ring must not be full. -1: no memory. */
int ring_push(struct ring *r, struct msg *m);
struct msg *ring_peek(const struct ring *r);
/* Returns the reference to the caller. */
struct msg *ring_pop(struct ring *r);
/* Drops the message after the head (the head is being sent). */
void ring_drop_second(struct ring *r);
/* Drops every message; returns how many there were. */
size_t ring_clear(struct ring *r);

#endif
