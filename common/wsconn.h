/*
 * wsconn: one WebSocket session over a transport, either end.
 *
 * Its bounded queue of messages to send, under the --overflow policy;
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

#include "buf.h"
#include "deflate.h"
#include "msg.h"
#include "stats.h"
#include "transport.h"
#include "utf8.h"
#include "wsframe.h"

/* What every connection of a process shares. */
struct wsconn_config {
	size_t queue_len;
	size_t max_size;
	double ping_interval, ping_timeout;	/* 0: no keepalive */
	struct stats *stats;
};

struct wsconn;

struct wsconn_events {
	/* A whole message came. */
	void (*message)(void *owner, struct wsconn *c, const unsigned char *p,
			size_t n, bool binary);
	/* Messages left the queue: there is room for more. */
	void (*sent)(void *owner, struct wsconn *c);
};

enum push_result {
	PUSH_QUEUED,		/* the queue took the reference */
	PUSH_FULL,		/* block: the caller keeps its reference */
	PUSH_DROPPED,		/* drop-newest: the reference was dropped */
	PUSH_CLOSE,		/* close: the caller should close this peer */
};

enum wsconn_closing {
	WS_OPEN,
	WS_CLOSE_SENT,		/* ours is out: waiting for the peer's answer */
	WS_CLOSE_ANSWERING,	/* the peer's came first: ours answers it */
	WS_FAILING,		/* a protocol error: our close, then the socket goes */
	WS_CLOSED,		/* both ways: the socket goes once flushed */
};

struct pong_queue;

struct wsconn {
	struct transport *link;		/* NULL while not connected */
	bool client;			/* our frames are masked */
	const struct wsconn_config *cfg;
	const struct wsconn_events *ev;
	void *owner;
	const char *source;		/* log source; NULL: the process' */
	char peer[128];			/* who, for log lines */

	struct ring queue;		/* head is the message being sent */
	size_t head_sent;		/* bytes of its wire form already written */
	bool head_started;		/* its first frame is out */
	bool head_compressed;		/* its wire form is in zbuf */
	uint64_t burst_drops;
	lws_usec_t full_since;		/* when its queue was first seen full; 0: not full */

	struct wsframe_reader reader;
	struct buf rx;			/* message being received */
	bool rx_binary, rx_compressed;
	struct utf8_stream rx_utf8;
	struct deflate_stream *deflate;	/* NULL unless agreed */
	struct buf tx;			/* frames being written */
	struct buf zbuf;		/* a message's compressed form */

	enum wsconn_closing closing;
	bool close_pending;		/* send a close at the next chance */
	bool close_when_empty;		/* ... once the queue is sent */
	unsigned close_code;		/* ours */
	const char *close_reason;
	unsigned peer_close_code;	/* the peer's, when it closed first; 0: none */
	bool flushing;			/* the socket goes once lws has sent all */

	lws_usec_t last_heard, ping_asked_at;
	bool ping_due, ping_outstanding;
	struct pong_queue *pongs;	/* pings waiting for their pong */
};

int wsconn_init(struct wsconn *c, const struct wsconn_config *cfg,
		const struct wsconn_events *ev, void *owner, const char *source,
		bool client);
void wsconn_free(struct wsconn *c);

/*
 * The socket is up and the handshake done: frames flow. deflate: the
 * parameters agreed, or NULL. -1: no memory.
 */
int wsconn_attach(struct wsconn *c, struct transport *link,
		  const struct deflate_params *deflate);
/* The socket is gone; returns how many messages were cut off mid-write. */
size_t wsconn_detach(struct wsconn *c);

enum push_result wsconn_push(struct wsconn *c, struct msg *m, enum overflow policy);
size_t wsconn_queued(const struct wsconn *c);

/*
 * The socket's events. Each returns -1 when the socket should be closed
 * now, else 0. wsconn_bytes takes what the transport decrypted (its
 * signature is a transport_sink's, so it may be one).
 */
int wsconn_bytes(void *c, unsigned char *p, size_t n);
int wsconn_received(struct wsconn *c, unsigned char *in, size_t n);
int wsconn_writeable(struct wsconn *c);

/* Close at the next chance, with a code (after the message being sent). */
void wsconn_close(struct wsconn *c, unsigned code, const char *reason);
/* Send what is queued first, then close. */
void wsconn_drain(struct wsconn *c, unsigned code);
/* Keepalive: ping a quiet peer, drop one that stopped answering. */
void wsconn_tick(struct wsconn *c, lws_usec_t now);
void wsconn_rx_flow(struct wsconn *c, bool enable);
/* Open, and not closing. */
bool wsconn_open(const struct wsconn *c);

#endif
