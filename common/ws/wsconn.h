/*
 * wsconn: one WebSocket session over a transport, either end.
 *
 * Its bounded queue of messages to send, under the --overflow policy,
 * which keeps each message sent until the peer confirms it: an rxws peer
 * acknowledges what it wrote out (delivery.h), any other peer answers a
 * ping sent after it, or the close handshake completes. A connection that
 * breaks leaves what it sent unconfirmed, unless the session resumes, and
 * then what the peer lacks is sent again. It also acknowledges what it
 * received, once its owner says it was written out;
 * sending them as frames (many small ones to a write, large ones in
 * fragments, compressed when permessage-deflate was agreed); reading
 * frames, putting messages back together up to --max-size, checking text
 * as UTF-8 at the first bad byte, inflating; answering every ping;
 * keepalive; and the close handshake (RFC 6455 7): echoing a peer's close,
 * waiting a bounded time for the answer to ours, failing the connection
 * with 1002, 1007 or 1009 when the peer breaks the protocol.
 *
 * Its owner (a client or a server's connection) feeds it the socket's
 * events and hears back through wsconn_events. The queue outlives the
 * socket, so a client keeps it across reconnects.
 */
#ifndef RXWS_WSCONN_H
#define RXWS_WSCONN_H

#include <libwebsockets.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/ring.h"
#include "base/stats.h"
#include "base/utf8.h"
#include "ws/deflate.h"
#include "ws/position.h"
#include "ws/transport.h"
#include "ws/wsframe.h"

/* What every connection of a process shares. */
struct wsconn_config {
	size_t queue_len;
	size_t max_size;
	double ping_interval, ping_timeout;	/* 0: no keepalive */
	struct stats *stats;
	/*
	 * The frames being written, one buffer for all: each write is framed
	 * and handed to the transport (which keeps what the socket does not
	 * take) before the next begins, so no connection needs its own.
	 */
	struct buf *frames;
	/*
	 * Connections given their first unsent message since the last
	 * wsconn_write_soon(): written then, from the loop, not in a writeable
	 * callback a poll later. NULL: each asks lws for a writeable callback.
	 */
	struct wsconn_soon *soon;
};

/* A list of connections to write before the loop polls (grows to the most listed at once). */
struct wsconn_soon {
	struct wsconn **conns;	/* NULL: one freed since it was listed */
	size_t n, cap;
};

struct wsconn;

struct wsconn_events {
	/*
	 * A whole message came. Returns where it ends in the output (stdout's
	 * byte count once it is written there), 0 when it is consumed now, or
	 * WSCONN_NOT_TAKEN when it was not taken: never acknowledged.
	 */
	uint64_t (*message)(void *owner, struct wsconn *c, const unsigned char *p,
			    size_t n, bool binary);
	/* Messages left the queue: there is room for more. */
	void (*sent)(void *owner, struct wsconn *c);
};

#define WSCONN_NOT_TAKEN UINT64_MAX

/* How a session resumes on a new connection (both ends speak delivery.h). */
struct wsconn_resume {
	uint64_t out_next;		/* the first of ours the peer lacks: sent again from it */
	uint64_t in_next;		/* the number of the peer's next message */
};

/* Marks in the output of received messages, to acknowledge them once written. */
#define WSCONN_MARKS 8

enum push_result {
	PUSH_QUEUED,		/* the queue took the reference */
	PUSH_FULL,		/* block: the caller keeps its reference */
	PUSH_DROPPED,		/* drop-newest: the reference was dropped */
	PUSH_CLOSE,		/* close: the caller should close this peer */
};

/* Where a connection stands in the closing handshake (RFC 6455 7). */
enum wsconn_state {
	WS_OPEN,
	WS_CLOSE_DUE,		/* ours goes once the message being sent is whole */
	WS_CLOSE_SENT,		/* ours is out: waiting for the peer's answer */
	WS_CLOSE_ANSWERING,	/* the peer's came first: ours answers it */
	WS_FAILING,		/* a protocol error: our close goes at once */
	WS_FAILED,		/* ... it went: the socket goes once flushed */
	WS_CLOSED,		/* both ways: the socket goes (once flushed) */
};

/* What the end of a connection confirms. */
enum wsconn_end {
	WS_END_BROKEN,		/* no close handshake (or none yet) */
	WS_END_CLEAN,		/* the close handshake completed */
	/*
	 * ... with the peer's close answering ours: it read all we sent
	 * before it. (A peer that closes first may not have read what was
	 * on its way.)
	 */
	WS_END_ANSWERED,
};

/* Our ping: keepalive, or (a peer that does not acknowledge) confirmation. */
enum wsconn_ping {
	WS_PING_NONE,
	WS_PING_DUE,		/* goes with the next write */
	WS_PING_AWAITED,	/* sent: its pong is awaited */
};

struct pong_queue;

/* A place in the output of a received message: acknowledged once written. */
struct wsconn_mark {
	uint64_t at, seq;
};

/*
 * Every connection has one, an idle one too: what only a message under way
 * needs (a message in pieces, its compressed form, pongs owed, marks in the
 * output, a refusal's reason, a control frame in pieces) is allocated when
 * there is something to hold and given back once it is done. Ordered to
 * leave no holes.
 */
struct wsconn {
	/*
	 * First, what a broadcast reads of every client for every record
	 * (open? full? first unsent?): one or two cache lines, not four.
	 */
	struct transport *link;		/* NULL while not connected */
	enum wsconn_state state;
	enum wsconn_ping ping;
	/*
	 * Not yet confirmed, oldest first: the first `inflight` were sent,
	 * the rest not. The head's delivery number is queue_seq; the message
	 * being sent is the first unsent.
	 */
	struct ring queue;
	size_t inflight;
	lws_usec_t full_since;		/* when its queue was first seen full; 0: not full */

	const struct wsconn_config *cfg;
	const struct wsconn_events *ev;
	void *owner;
	const char *source;		/* log source; NULL: the process' */
	/* Log lines' words for the peer, kept by the owner (set after init). */
	const char *peer;		/* who ("client 10.0.0.1:41234", "server") */
	const char *peer_address;	/* its address alone (JSON logs); "": none */
	const char *log_path;		/* its path (JSON logs) */

	uint64_t queue_seq;
	size_t head_sent;		/* bytes of its wire form already written */
	uint64_t resent;		/* messages sent again after a resume */
	uint64_t burst_drops;
	/*
	 * The peer closed saying a message was unacceptable (1003, 1007,
	 * 1009; 0: not), and its reason (NULL: none, or no memory for it):
	 * the one it lacks first is given up on resume.
	 */
	char *refused_reason;
	enum wsconn_end end;
	/* Close codes are 16 bits on the wire. */
	uint16_t refused_code;
	uint16_t close_code;		/* ours */
	uint16_t peer_close_code;	/* the peer's, when it closed first; 0: none */

	bool client;			/* our frames are masked */
	bool head_in_zbuf;		/* its wire form is in zbuf */
	bool head_compressed;		/* ... compressed (RSV1) */
	bool acks;			/* the peer acknowledges (delivery.h) */
	/*
	 * Closed by --overflow close: what it holds is dropped, whatever
	 * becomes of the connection, and its session ends.
	 */
	bool overflowed;
	/* Asked to close once all is sent (and confirmed): kept across connections. */
	bool drain;
	bool soon_listed;		/* on cfg->soon */
	bool rx_binary, rx_compressed;
	struct utf8_stream rx_utf8;
	unsigned char n_marks;		/* marks in use */

	struct wsframe_reader reader;
	struct buf *rx;			/* a message in pieces (or compressed) being received */
	struct deflate_stream *deflate;	/* NULL unless agreed */
	struct buf *zbuf;		/* a message's compressed (or large positioned) form */
	/*
	 * rxws.pos (position.h): messages go out after their position in
	 * this epoch (its path's); NULL: as they are.
	 */
	const char *pos_epoch;
	/*
	 * What a received message may have past --max-size: its position and
	 * a newline, on a connection of rxws.pos (set before attaching).
	 */
	size_t rx_extra;
	const char *close_reason;

	lws_usec_t last_heard, ping_asked_at;
	uint64_t pings;			/* pings sent: the last one's number */
	uint64_t ping_confirms;		/* what the last ping's pong confirms (0: nothing) */
	struct pong_queue *pongs;	/* pings waiting for their pong; NULL: none */

	/* What we received: numbered, written out, acknowledged. */
	uint64_t in_seq, in_written, in_acked;
	struct wsconn_mark *marks;	/* WSCONN_MARKS of them, while n_marks; else NULL */
};

int wsconn_init(struct wsconn *c, const struct wsconn_config *cfg,
		const struct wsconn_events *ev, void *owner, const char *source,
		bool client);
void wsconn_free(struct wsconn *c);
/*
 * Writes what the connections on soon were given since the last call
 * (wsconn_config.soon), as far as their sockets take it at once; the rest
 * waits for a writeable callback. Call it before the loop polls.
 */
void wsconn_write_soon(struct wsconn_soon *soon);
void wsconn_soon_free(struct wsconn_soon *soon);

/*
 * The socket is up and the handshake done: frames flow. deflate: the
 * parameters agreed, or NULL. resume: how an acknowledged session goes on,
 * or NULL for a peer that does not acknowledge. -1: no memory.
 */
int wsconn_attach(struct wsconn *c, struct transport *link,
		  const struct deflate_params *deflate,
		  const struct wsconn_resume *resume);
/*
 * The socket is gone. What was sent is confirmed by a completed close
 * handshake; otherwise, with an acknowledging peer, kept to be sent again
 * when the session resumes; else settled as unconfirmed (how many is
 * returned, and logged).
 */
size_t wsconn_detach(struct wsconn *c);
/* Settles all it holds: what was sent with sent_fate, the rest with fate. */
void wsconn_abandon(struct wsconn *c, enum msg_fate sent_fate, enum msg_fate fate);

enum push_result wsconn_push(struct wsconn *c, struct msg *m, enum overflow policy);
/*
 * --overflow close: closes with 1008. What it has not begun to send is
 * dropped now (how many is returned); what it sent is dropped when the
 * connection ends, unless the peer confirmed it by then.
 */
size_t wsconn_close_overflowed(struct wsconn *c);
/* Messages not yet confirmed (sent or not). */
size_t wsconn_queued(const struct wsconn *c);
size_t wsconn_unsent(const struct wsconn *c);
/* For the delivery offer: the first we hold, and how many we received. */
uint64_t wsconn_first_held(const struct wsconn *c);
uint64_t wsconn_received_count(const struct wsconn *c);
/* The output has been written up to at: acknowledge what that covers. */
void wsconn_output_written(struct wsconn *c, uint64_t at);
bool wsconn_awaits_output(const struct wsconn *c);

/*
 * The socket's events. Each returns -1 when the socket should be closed
 * now, else 0. wsconn_bytes takes what the transport decrypted (its
 * signature is a transport_sink's, so it may be one).
 */
int wsconn_bytes(void *c, unsigned char *p, size_t n);
int wsconn_received(struct wsconn *c, unsigned char *in, size_t n);
int wsconn_writeable(struct wsconn *c);

/* Close at the next chance, with a code (after the message being sent). */
/* (Drain: an acknowledging peer must have confirmed everything first.) */
void wsconn_close(struct wsconn *c, unsigned code, const char *reason);
/* Send what is queued first, then close. */
void wsconn_drain(struct wsconn *c, unsigned code);
/* Whether it was asked to drain; a drain given up (the queue is kept). */
bool wsconn_draining(const struct wsconn *c);
void wsconn_undrain(struct wsconn *c);
/* Closed both ways: the socket goes now. */
bool wsconn_closed(const struct wsconn *c);
/*
 * A client (we are the server) left by its own clean close (1000, 1001,
 * or none): it chose not to take what was still on its way, which is
 * discarded, as for a client that was never there; not a failure.
 */
bool wsconn_peer_left(const struct wsconn *c);
/* Keepalive: ping a quiet peer, drop one that stopped answering. */
void wsconn_tick(struct wsconn *c, lws_usec_t now);
void wsconn_rx_flow(struct wsconn *c, bool enable);
/* Open, and not closing (asked per client of every broadcast: inline). */
static inline bool wsconn_open(const struct wsconn *c)
{
	return c->link && c->state == WS_OPEN;
}
/*
 * A line about this connection: its peer address, path and (once it
 * fails) close code are attributes of JSON logs; text lines say them in
 * the message.
 */
void wsconn_log(const struct wsconn *c, enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
