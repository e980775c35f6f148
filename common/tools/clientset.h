/*
 * clientset: the client side of a process, as the app's tool.
 *
 * rxws-connect is a set of one client, untagged. rxws-group is a set of
 * one client per path of one server: records are routed by their tag, and
 * a path's client is made when its first record comes (--max-paths bounds
 * how many). Each client reconnects on its own. A path the server ended
 * (1000), or that gave up (--retries), opens again on its next record
 * (not under --oneshot, which ends the group with its last path).
 * With positions (recovery.h), each path resumes where it was; under
 * --exit-at-end the run ends once every path's backlog is written.
 */
#ifndef RXWS_CLIENTSET_H
#define RXWS_CLIENTSET_H

#include "app/app.h"
#include "app/tool.h"
#include "base/pathmap.h"
#include "base/url.h"
#include "tools/recovery.h"
#include "ws/client.h"
#include "ws/proxy.h"

struct path_client;

struct clientset {
	struct app *app;
	const struct config *cfg;
	struct url url;
	char *prefix;			/* group: the URL's path, before each PATH */
	const char *query;		/* group: the URL's query, after each PATH */
	size_t gave_up;			/* group: paths that gave up */
	size_t broken;			/* group: paths --oneshot ended badly */
	int refused_exit;		/* group: a path refused for good: its exit code */
	struct path_client **members;
	size_t n_members;
	struct pathmap by_path;		/* group: tag -> member */
	struct client_settings settings;
	struct wsconn_config ws;
	struct wsconn_soon write_soon;	/* ws.soon */
	struct buf frames;		/* WebSocket frames being written (wsconn_config) */
	struct proxy proxy;
	SSL_CTX *tls;
	char *authorization;		/* the Authorization header's value, or NULL */
	const char **protocols;		/* --no-ack with positions: --protocol, then rxws.pos */
	struct recovery_starts starts;	/* where each path starts (--state, --since, --last) */
};

/* rxws-connect and rxws-group: start with a zeroed struct clientset. */
extern const struct tool_kind clientset_kind;

#endif
