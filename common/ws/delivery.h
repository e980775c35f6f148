/*
 * delivery: acknowledged, resumable streams between rxws tools: the wire
 * form (rxws(7), DELIVERY), which any other peer never sees or ignores.
 *
 * Each side numbers the messages it sends in a session 1, 2, 3... The
 * client offers, in its opening handshake,
 *
 *   Rxws-Delivery: 1; session=S; instance=I; peer=P; received=R; first=F
 *
 * S its session (random, or from --session), I its process, P the server
 * process whose messages R counts, F the first of its own it still holds.
 * A server that takes it answers
 *
 *   Rxws-Delivery: 1; instance=I'; received=R'; next=N
 *
 * I' its process, R' how many of the client's it has (the client sends
 * again from R'+1), N the number of its next message. From then on each
 * side acknowledges what it has written out (or consumed) with unsolicited
 * pongs, "rxws-ack N": cumulative, which RFC 6455 5.5.3 lets any peer
 * ignore. Without the header, nothing changes on the wire.
 */
#ifndef RXWS_DELIVERY_H
#define RXWS_DELIVERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "ws/http.h"

#define DELIVERY_HEADER "Rxws-Delivery"
#define DELIVERY_SESSION_LEN 32		/* hex digits */
#define DELIVERY_ACK_MAX 32		/* bytes of an ack's payload, at most */

/* What a client says about itself. */
struct delivery_offer {
	char session[DELIVERY_SESSION_LEN + 1];
	uint64_t instance;		/* its process */
	uint64_t peer;			/* the server process it heard from; 0: none */
	uint64_t received;		/* messages of that server's it has */
	uint64_t first;			/* its oldest message not acknowledged */
	bool pos;			/* it wants positions (rxws(7), HISTORY: pos=1) */
};

/* What the server answers. */
struct delivery_answer {
	uint64_t instance;		/* the server's process */
	uint64_t received;		/* messages of the client's it has */
	uint64_t next;			/* the number of its next message to the client */
	bool pos;			/* messages come with their positions (pos=1) */
};

/* A random number for a process or a session; never 0. */
uint64_t delivery_random(void);
/* A session id: random, or derived from a name (and a path) so a restart finds it. */
void delivery_session_id(char out[DELIVERY_SESSION_LEN + 1], const char *name,
			 const char *path);

/* Appends the header line (CRLF-ended). -1: no memory. */
int delivery_offer_put(struct buf *out, const struct delivery_offer *o);
int delivery_answer_put(struct buf *out, const struct delivery_answer *a);
/* Reads them from a head: false when absent or malformed. */
bool delivery_offer_get(const struct http_head *h, struct delivery_offer *o);
bool delivery_answer_get(const struct http_head *h, struct delivery_answer *a);

/* An ack's payload; its length. */
size_t delivery_ack_put(unsigned char out[DELIVERY_ACK_MAX], uint64_t count);
/* Whether a pong's payload is an ack, and what it acknowledges. */
bool delivery_ack_get(const unsigned char *p, size_t n, uint64_t *count);

#endif
