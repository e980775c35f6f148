/*
 * wsconn: what every WebSocket connection does, server or client side.
 *
 * Its bounded queue of messages to send, applied to the --overflow policy;
 * sending them as frames (large ones in fragments) when lws says the
 * socket is writable; putting received fragments back together up to
 * --max-size and checking each message against the path's datatype before
 * it goes to stdout; keepalive pings; closing with a code.
 * The queue outlives the socket, so a client keeps it across reconnects.
 */
#ifndef RXWS_WSCONN_H
#define RXWS_WSCONN_H

#include <libwebsockets.h>
#include <stdbool.h>

#include "buf.h"
#include "msg.h"
#include "options.h"

struct app;

enum push_result {
	PUSH_QUEUED,		/* the queue took the reference */
	PUSH_FULL,		/* block: the caller keeps its reference */
	PUSH_DROPPED,		/* drop-newest: the reference was dropped */
	PUSH_CLOSE,		/* close: the caller should close this peer */
};

struct wsconn {
	struct lws *wsi;		/* NULL while not connected */
	bool masks;			/* a client: its frames are masked */
	struct app *app;
	const char *source;		/* log source; NULL: the process' */
	char peer[128];			/* who, for log lines */
	const char *path;		/* its path: the tag of what it receives */
	size_t path_len;
	enum datatype type;

	struct ring queue;		/* head is the message being sent */
	size_t head_sent;		/* bytes of the head already written */
	bool head_started;		/* lws has seen (and may have masked) it */
	struct msg *held;		/* written last; lws may still read it */
	uint64_t burst_drops;
	lws_usec_t full_since;		/* when its queue was first seen full; 0: not full */

	struct buf rx;			/* message being received */
	bool rx_binary;

	bool close_pending, close_when_empty;
	bool close_sent;		/* lws is doing the close handshake */
	bool flush_bounded;		/* closing waits for lws to flush */
	int close_code;
	const char *close_reason;

	lws_usec_t last_heard, ping_asked_at;
	bool ping_due, ping_outstanding;

	/*
	 * Frames of our own, not lws' (a client's plain connection, set by its
	 * owner): we also answer pings and do the close handshake.
	 */
	bool own_frames;
	bool pong_due;
	bool drop_after_close;		/* failing: no answer to our close awaited */
	unsigned char pong_len;
	unsigned char pong[125];
};

/* masks: true for a client connection, whose frames must be masked. */
int wsconn_init(struct wsconn *c, struct app *app, const char *source,
		size_t queue_len, bool masks);
void wsconn_free(struct wsconn *c);

/* The socket is up (handshake done). */
void wsconn_attach(struct wsconn *c, struct lws *wsi);
/* The socket is gone; returns how many messages were lost in flight. */
size_t wsconn_detach(struct wsconn *c);

enum push_result wsconn_push(struct wsconn *c, struct msg *m,
			     enum overflow policy);
size_t wsconn_queued(const struct wsconn *c);

/* Protocol callback helpers: each returns -1 when lws should close. */
int wsconn_writeable(struct wsconn *c);
int wsconn_receive(struct wsconn *c, const void *in, size_t len);
/* With own frames: a piece of a message, a ping, a close, a broken frame. */
int wsconn_receive_piece(struct wsconn *c, const void *in, size_t len,
			 bool first, bool final, bool binary);
int wsconn_ping_received(struct wsconn *c, const void *payload, size_t len);
int wsconn_close_received(struct wsconn *c, int code);
/* Sends a close with code and drops the connection (RFC 6455 7.1.7). */
int wsconn_fail(struct wsconn *c, int code, const char *reason);
void wsconn_heard(struct wsconn *c);	/* a pong, or any sign of life */

/* Close at the next chance, with a code (after what is being sent). */
void wsconn_close(struct wsconn *c, int code, const char *reason);
/* Send what is queued first, then close. */
void wsconn_drain(struct wsconn *c, int code);
/* Keepalive: ping a quiet peer, drop one that stopped answering. */
void wsconn_tick(struct wsconn *c, lws_usec_t now);
void wsconn_rx_flow(struct wsconn *c, bool enable);

#endif
