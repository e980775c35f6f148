/*
 * client: one WebSocket client connection that keeps itself connected.
 *
 * It connects, and after a failure or a lost connection waits (backoff)
 * and connects again, keeping its queue: records that arrive meanwhile
 * are sent, in order, once it is back. A close with 1000 from the server
 * ends it for good, as does giving up after --retries failures in a row,
 * or being closed by us. Its owner hears of that through on_end.
 */
#ifndef RXWS_CLIENT_H
#define RXWS_CLIENT_H

#include <libwebsockets.h>

#include "backoff.h"
#include "handshake.h"
#include "url.h"
#include "wsconn.h"
#include "wsframe.h"

struct app;

enum client_state {
	CLIENT_IDLE,		/* not started, or done and restartable */
	CLIENT_CONNECTING,
	CLIENT_OPEN,
	CLIENT_WAITING,		/* for its next attempt */
	CLIENT_ENDED,
};

enum client_end {
	CLIENT_END_BY_SERVER,	/* the server closed with 1000 */
	CLIENT_END_GAVE_UP,	/* --retries failures in a row */
	CLIENT_END_BY_US,	/* we closed it */
};

struct client;
typedef void (*client_end_cb)(struct client *c, enum client_end why);

struct client {
	struct wsconn conn;
	struct app *app;
	const struct url *url;
	char *path;			/* path and query to ask for */
	char *label;			/* the path it is for (a group's tag) */
	char *source;			/* for logs */
	struct lws *wsi;		/* while connecting or open */
	enum client_state state;
	struct backoff backoff;
	long failures;			/* attempts failed in a row */
	bool ever_opened;
	bool closing_by_us;
	int close_code;			/* ours, when closing_by_us */
	bool attempt_timed_out;
	int peer_close_code;
	char certificate_problem[160];	/* why TLS refused it, for the log */
	lws_usec_t opened_at;
	lws_sorted_usec_list_t sul_retry, sul_attempt;
	/*
	 * Plain connections (ws://, no --compress: conn.own_frames) are lws
	 * raw sockets that speak WebSocket through us: lws 4.1 reads a
	 * client's frames a byte at a time, and that halved what a connection
	 * could carry.
	 */
	bool request_sent;
	struct handshake handshake;
	struct wsframe_reader frames;
	client_end_cb on_end;
	void *owner;
};

/* tag: the path of a group's client, whose records carry it (else NULL). */
int client_init(struct client *c, struct app *app, const struct url *url,
		const char *path, const char *tag, const char *source,
		client_end_cb on_end, void *owner);
void client_free(struct client *c);

void client_start(struct client *c);
/* Send the queue, then close with code; stop retrying once it is empty. */
void client_drain(struct client *c, int code);
/* Close now with code, or just stop retrying. */
void client_close(struct client *c, int code);
/* Connecting, open, or waiting to retry. */
bool client_active(const struct client *c);

/* The protocol callback every client connection uses. */
int client_callback(struct lws *wsi, enum lws_callback_reasons reason,
		    void *user, void *in, size_t len);

#endif
