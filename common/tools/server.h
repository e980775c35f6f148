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
#include "tools/broadcast.h"
#include "tools/server_broker.h"
#include "ws/delivery.h"
#include "ws/handshake.h"

/* Handshakes' request memory kept for the next ones (server.c says why). */
#define SPARE_REQUESTS 32
#define SPARE_HEAD_MAX 1024	/* a head's buffer up to this is kept with it */

struct server {
	struct app *app;
	const struct config *cfg;
	struct lws_protocols protocol;	/* its user: this server */
	struct broadcast clients;
	struct wsconn_config ws;
	struct wsconn_soon write_soon;	/* ws.soon */
	struct ws_policy policy;
	SSL_CTX *tls;			/* --cert: wss:// */
	char *static_root;		/* --static, resolved */
	char *source;
	struct buf scratch;		/* answers and file pieces being written */
	struct buf frames;		/* WebSocket frames being written (wsconn_config) */
	struct conn_request *spare[SPARE_REQUESTS];	/* SPARE_REQUESTS says why */
	size_t n_spare;
	struct pathmap sessions;	/* acknowledged sessions by id: struct session */
	uint64_t instance;		/* this process, for delivery */
	double start_time;		/* seconds since the epoch (--metrics) */

	struct server_broker broker;	/* --broker (server_broker.h) */
};

/* rxws-serve: start with a zeroed struct server. */
extern const struct tool_kind server_kind;

#endif
