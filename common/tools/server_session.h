/*
 * server_session: rxws-serve's WebSocket clients, each with its session:
 * with a client that acknowledges (delivery.h) a session outlives its
 * connection, its records waiting in its queue for --resume-timeout.
 * Shared by server.c (connections, requests) and server_session.c.
 */
#ifndef RXWS_SERVER_SESSION_H
#define RXWS_SERVER_SESSION_H

#include "tools/server.h"
#include "ws/http.h"
#include "ws/httpd.h"
#include "ws/transport.h"

enum conn_state {
	CONN_REQUEST,		/* reading an HTTP request */
	CONN_FILE,		/* sending a --static file */
	CONN_ANSWERED,		/* the last answer is out: the socket goes */
	CONN_WEBSOCKET,
};

struct session;

/*
 * A connection's name in log lines: "client HOST:PORT" ("client fd N" on
 * a unix socket; "client" when unknown). Its address is what follows
 * "client ": client_address() gives it.
 */
#define CLIENT_NAME_MAX 72
static inline const char *client_address(const char *name)
{
	return name[6] ? name + 7 : name + 6;
}

/* What a connection holds only while it speaks HTTP, before (or instead of) a WebSocket. */
struct conn_request {
	struct http_head head;
	struct httpd_file file;
	char name[CLIENT_NAME_MAX];
};

/*
 * lws allocates one per connection (per-session data) and zeroes it. An
 * idle WebSocket keeps it for its whole life: it is kept small, and what
 * HTTP needs is allocated apart, until the upgrade.
 */
struct server_conn {
	struct server *s;
	struct transport link;		/* its wsi too */
	enum conn_state state;
	bool keep_alive;
	struct conn_request *http;	/* NULL once it is a WebSocket */
	struct session *session;	/* once it is a WebSocket */
};

/* Its name in log lines. */
const char *server_conn_name(const struct server_conn *sc);

/* A WebSocket client and its session. */
struct session {
	struct member member;		/* its conn's owner is the server */
	struct server_conn *sc;		/* its connection; NULL while away */
	char *name;			/* its connection's (the last one's) */
	char id[DELIVERY_SESSION_LEN + 1];	/* "": the client does not acknowledge */
	uint64_t client_instance;
	struct session_expiry *expiry;	/* while away; NULL on a connection */
};

/* An away session's --resume-timeout (apart: a connected one has none). */
struct session_expiry {
	lws_sorted_usec_list_t sul;
	struct session *ss;
};

/* Why an opening handshake is refused rather than failed. */
struct refusal {
	int status;
	const char *why;
};

/*
 * The handshake of sc, admitted, becomes a client of path: a new session
 * or the one it resumes. 0; or -1, with *refusal set when the client is to
 * be refused with an HTTP status.
 */
int session_open(struct server_conn *sc, const char *path, size_t len,
		 const struct ws_agreement *agreed, struct refusal *refusal);
/* The handshake of sc resumes a session that waits for its client. */
bool session_comes_back(struct server_conn *sc);
/* sc's connection is gone: its session waits for it, or ends. */
void session_close(struct server_conn *sc);
/* broadcast's expel: an away session ends at the next turn of the loop. */
void session_expel(void *owner, struct member *m);
/* At exit, for broadcast_each: frees a session whose client is away. */
void session_free_away(struct member *m, void *arg);

#endif
