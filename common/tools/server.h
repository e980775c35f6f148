/*
 * server: rxws-serve as the app's tool.
 *
 * It listens (TCP on one address, or a unix socket; TLS with --cert), and
 * for each connection reads HTTP/1.1 requests: an opening handshake that
 * passes admission becomes a WebSocket client of its path (broadcast);
 * other requests get the --static files, 426 on a WebSocket path, or 404.
 * Each stdin record goes to every client of its path; what clients send
 * goes to stdout, tagged with their path when the server serves many.
 */
#ifndef RXWS_SERVER_H
#define RXWS_SERVER_H

#include <openssl/ssl.h>

#include "app/app.h"
#include "app/tool.h"
#include "broker/broker.h"
#include "tools/broadcast.h"
#include "ws/delivery.h"
#include "ws/handshake.h"

struct server {
	struct app *app;
	const struct config *cfg;
	struct lws_protocols protocol;	/* its user: this server */
	struct broadcast clients;
	struct wsconn_config ws;
	struct ws_policy policy;
	SSL_CTX *tls;			/* --cert: wss:// */
	char *static_root;		/* --static, resolved */
	char *source;
	struct buf scratch;		/* answers and file pieces being written */
	struct pathmap sessions;	/* acknowledged sessions by id: struct session */
	uint64_t instance;		/* this process, for delivery */
	double start_time;		/* seconds since the epoch (--metrics) */

	/* --broker (server_broker.c) */
	struct broker *broker;
	struct broker_config broker_cfg;
	struct ring broker_pending;	/* entries taken, not yet broadcast */
	bool broker_pumping;
	bool drain_deferred;		/* until our records came back */
	bool drain_timeout_paused;	/* Redis has them: no timeout meanwhile */
	int drain_code;
	bool broker_rx_paused;		/* PREFIX:in is full */
	uint64_t collect_bad;
};

/* rxws-serve: start with a zeroed struct server. */
extern const struct tool_kind server_kind;

/* What server_broker.c uses of the server. */
/* Every client of m's path gets it (DELIVERED), or it waits. */
enum deliver server_broadcast(struct server *s, struct msg *m);
void server_drain_clients(struct server *s, int close_code);
void server_rx_flow(struct server *s, bool enable);

/*
 * server_broker.c: the hooks through which the server uses the broker.
 * Each does nothing without --broker.
 */
int server_broker_start(struct server *s);
/* A stdin record under --broker: to Redis (full: DELIVER_LATER). */
enum deliver server_broker_deliver(struct server *s, struct msg *m);
/* Entries read from the stream: broadcast (or, --collect, written out). */
void server_broker_pump(void *tool);
/* Drains only once our own records came back; true when it took over. */
bool server_broker_drain(struct server *s, int close_code);
size_t server_broker_undelivered(struct server *s);
/* A client's message, for PREFIX:in with --broker-inbound. */
void server_broker_received(void *tool, const char *path, size_t path_len,
			    bool binary, const unsigned char *data, size_t len);
/* Reading clients stays off while PREFIX:in is full. */
bool server_broker_holds_rx(struct server *s);
void server_broker_finish(void *tool);
/*
 * The exit code, once the broker is stopped: 75 for a member that
 * appended records to a stream that was then reset (Redis lost it).
 */
int server_broker_verdict(struct server *s, int exit_code);

#endif
