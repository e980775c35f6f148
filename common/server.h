/*
 * server: the server side of rxws-serve, as the app's tool.
 *
 * Listens (TCP on one address, or a unix socket), accepts WebSocket
 * clients on the paths it serves (one PATH, or any path --allow-path
 * lets in), and broadcasts each stdin record to every client of its path.
 * Each client has its own bounded queue; a client whose queue is full
 * meets the --overflow policy (close by default, so one slow client never
 * stalls the others). What clients send goes to stdout, tagged with their
 * path when the server serves many.
 */
#ifndef RXWS_SERVER_H
#define RXWS_SERVER_H

#include "app.h"
#include "pathmap.h"

struct server {
	struct app *app;
	const struct config *cfg;
	struct lws_vhost *vhost;
	struct pathmap paths;		/* path -> struct path_clients */
	size_t n_clients;
	char *source;
	char *static_root;		/* --static, resolved */
	struct lws_http_mount mount;
};

extern const struct tool_ops server_ops;

/* Creates the context and starts listening. Exit code, or -1 to go on. */
int server_start(struct server *s, struct app *app);
void server_free(struct server *s);

#endif
