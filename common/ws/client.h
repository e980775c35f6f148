/*
 * client: one WebSocket client connection that keeps itself connected.
 *
 * An attempt dials the server (or the proxy, then CONNECT through it),
 * starts TLS for wss://, and sends the opening handshake; once it is
 * accepted the session (wsconn) runs. After a failure or a lost
 * connection it waits (backoff) and tries again, keeping its queue:
 * records that arrive meanwhile are sent, in order, once it is back. A
 * close with 1000 from the server ends it for good, as does giving up
 * after --retries failures in a row, or being closed by us. Its owner
 * hears of that through client_events.
 *
 * Positions (rxws(7), HISTORY AND RECOVERY): a client that wants them asks
 * for them on each handshake (pos=1 in its delivery offer, or the
 * subprotocol rxws.pos that its owner offers), with where to start: after
 * its resume point (Rxws-Since), which its owner moves on as messages are
 * taken, or the last N (Rxws-Last) while it has none. A server that
 * resumes the session goes on where it was, and ignores the ask.
 */
#ifndef RXWS_CLIENT_H
#define RXWS_CLIENT_H

#include <libwebsockets.h>
#include <openssl/ssl.h>

#include "base/backoff.h"
#include "base/url.h"
#include "ws/delivery.h"
#include "ws/dial.h"
#include "ws/handshake.h"
#include "ws/http.h"
#include "ws/proxy.h"
#include "ws/transport.h"
#include "ws/wsconn.h"

/* What every client of a process shares. */
struct client_settings {
	struct lws_context *ctx;
	const struct url *url;
	const char *unix_socket;	/* --unix: the URL gives path and Host only */
	const struct proxy *proxy;	/* NULL: straight to the server */
	SSL_CTX *tls;			/* for wss:// */
	const struct wsconn_config *ws;
	double connect_timeout, retry_delay, retry_max;
	long retries;			/* -1: never give up */
	bool oneshot;			/* a connection that opened is not made again */
	struct ws_offer offer;		/* all but the target */
	bool acks;			/* offer acknowledged delivery (delivery.h) */
	uint64_t instance;		/* this process, for delivery */
	const char *session;		/* --session: a name that survives restarts */
	bool want_positions;		/* ask for them (pos=1 with acks) */
	bool need_positions;		/* ... and end (refused) when the server gives none */
};

enum client_state {
	CLIENT_IDLE,		/* not started, or done and restartable */
	CLIENT_CONNECTING,	/* TCP (or unix) connect */
	CLIENT_TUNNELING,	/* CONNECT sent to the proxy */
	CLIENT_SECURING,	/* TLS handshake */
	CLIENT_UPGRADING,	/* WebSocket handshake */
	CLIENT_OPEN,
	CLIENT_WAITING,		/* for its next attempt */
	CLIENT_ENDED,
};

enum client_end {
	CLIENT_END_BY_SERVER,	/* the server closed with 1000 */
	CLIENT_END_GAVE_UP,	/* --retries failures in a row */
	CLIENT_END_BROKEN,	/* --oneshot: the connection ended without 1000 */
	CLIENT_END_REFUSED,	/* a refusal that will not change by itself (client_refusal()) */
	CLIENT_END_BY_US,	/* we closed it */
};

struct client;

struct client_events {
	/* The session is open (a good moment to apply flow control). */
	void (*opened)(void *owner, struct client *c);
	void (*ended)(void *owner, struct client *c, enum client_end why);
};

struct client {
	struct wsconn conn;
	const struct client_settings *set;
	const struct client_events *ev;
	void *owner;
	char *target;			/* path and query to ask for */
	char *label;			/* the path it is for (a group's tag) */
	char *source;			/* for logs */
	struct lws *wsi;		/* while connecting or open */
	struct transport link;
	struct dial dial;
	struct http_head proxy_answer;
	struct client_handshake handshake;
	struct ws_agreement agreed;
	enum client_state state;
	struct backoff backoff;
	long failures;			/* attempts failed in a row */
	bool ever_opened;
	bool closing_by_us;
	unsigned close_code;		/* ours, when closing_by_us */
	bool attempt_timed_out;
	char last_failure[400];		/* why the last attempt failed */
	char session[DELIVERY_SESSION_LEN + 1];
	uint64_t server_instance;	/* the server process our count of its messages is from */
	int refused;			/* the status of a refusal for good; 0: none */
	bool positions;			/* this connection's messages come with positions */
	bool has_since;			/* its resume point: ask for what comes after it */
	struct position since;
	uint64_t last;			/* without one: ask for the last N; 0: live */
	lws_usec_t opened_at;
	lws_sorted_usec_list_t sul_retry, sul_attempt;
};

/* The protocol every client connection is adopted with. */
extern const struct lws_protocols client_protocol;

/* label: the path of a group's client, the tag of its records (else NULL). */
int client_init(struct client *c, const struct client_settings *set,
		const struct wsconn_events *ws_events, const struct client_events *ev,
		void *owner, const char *target, const char *label, const char *source);
void client_free(struct client *c);

void client_start(struct client *c);
/* Send the queue, then close with code; stop retrying once it is empty. */
void client_drain(struct client *c, unsigned code);
/* Close now with code, or (0) just let the connection go. */
void client_close(struct client *c, unsigned code);
/* Connecting, open, or waiting to retry. */
bool client_active(const struct client *c);
/* The HTTP status of the refusal that ended it (CLIENT_END_REFUSED); 0: none. */
int client_refusal(const struct client *c);
/* Where its next connection asks to start: after p (the one a message taken had). */
void client_resume_after(struct client *c, const struct position *p);

#endif
