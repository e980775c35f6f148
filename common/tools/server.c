/* server: rxws-serve as the app's tool (server.h). */
#include "tools/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "base/log.h"
#include "base/notify.h"
#include "tools/admission.h"
#include "tools/listen.h"
#include "tools/metrics.h"
#include "tools/replay.h"
#include "tools/server_session.h"
#include "ws/handshake.h"
#include "ws/httpd.h"
#include "ws/tls.h"

/* How long a refused or answered peer may take to go before we drop it. */
#define LINGER_SECS 2

static int server_callback(struct lws *wsi, enum lws_callback_reasons reason,
			   void *user, void *in, size_t len);

static const struct lws_protocols server_protocol = {
	.name = "rxws-server",
	.callback = server_callback,
	.per_session_data_size = sizeof(struct server_conn),
	.tx_packet_size = 256 * 1024,
};

/* Its name in log lines: "client HOST:PORT" (server_session.h). */
static void describe_peer(int fd, char name[CLIENT_NAME_MAX])
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[INET6_ADDRSTRLEN] = "?";

	if (fd < 0 || getpeername(fd, (struct sockaddr *)&ss, &sl)) {
		snprintf(name, CLIENT_NAME_MAX, "client");
	} else if (ss.ss_family == AF_INET) {
		struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
		inet_ntop(AF_INET, &v4->sin_addr, host, sizeof(host));
		snprintf(name, CLIENT_NAME_MAX, "client %s:%u", host, ntohs(v4->sin_port));
	} else if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
		inet_ntop(AF_INET6, &v6->sin6_addr, host, sizeof(host));
		snprintf(name, CLIENT_NAME_MAX, "client [%s]:%u", host, ntohs(v6->sin6_port));
	} else {
		snprintf(name, CLIENT_NAME_MAX, "client fd %d", fd);
	}
}

/*
 * A handshake's request memory (2 KiB) is given back at the upgrade while
 * what the connection keeps was allocated in between: the freed blocks
 * were split by smaller ones, and left holes (1.1 MB over 10,000 idle
 * clients). A few are kept for the next handshakes instead, so the heap
 * holds what clients keep, densely.
 */
static struct conn_request *request_take(struct server *s)
{
	struct conn_request *r = s->n_spare ? s->spare[--s->n_spare] : calloc(1, sizeof(*r));

	if (r) {
		http_head_reset(&r->head);
		r->head.raw.max = HTTP_HEAD_MAX;
		r->file.fd = -1;
	}
	return r;
}

static void request_free(struct conn_request *r)
{
	http_head_free(&r->head);
	free(r);
}

/* It speaks HTTP no more (a WebSocket now, or gone): its request's memory goes. */
static void end_http(struct server_conn *sc)
{
	struct conn_request *r = sc->http;

	if (!r)
		return;
	sc->http = NULL;
	httpd_file_close(&r->file);
	if (sc->s->n_spare < SPARE_REQUESTS && r->head.raw.cap <= SPARE_HEAD_MAX) {
		sc->s->spare[sc->s->n_spare++] = r;
		return;
	}
	request_free(r);
}

/* A line about a request: its peer, path and answer are JSON attributes. */
static void request_log(const struct server_conn *sc, enum log_level level,
			const char *path, int status, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void request_log(const struct server_conn *sc, enum log_level level,
			const char *path, int status, const char *fmt, ...)
{
	struct log_subject about = {
		.peer = client_address(server_conn_name(sc)), .path = path, .status = (unsigned)status,
	};
	va_list ap;

	va_start(ap, fmt);
	log_vabout(level, NULL, &about, fmt, ap);
	va_end(ap);
}

/* ---- HTTP: requests, refusals, files ---- */

/*
 * The last answer is written: the socket goes once it is sent and the peer
 * has had a moment to read it (closing at once, with bytes of the peer's
 * still unread, would reset the connection and lose the answer).
 */
static int linger(struct server_conn *sc)
{
	sc->state = CONN_ANSWERED;
	transport_goodbye(&sc->link);
	lws_set_timeout(sc->link.wsi, PENDING_TIMEOUT_CLOSE_SEND, LINGER_SECS);
	lws_callback_on_writable(sc->link.wsi);
	return 0;
}

/* Sends an answer; unless kept alive, the socket then goes. */
static int answer(struct server_conn *sc, int status, const char *extra, const char *text,
		  bool keep_alive)
{
	struct buf *b = &sc->s->scratch;
	bool head_only = sc->http->head.method_len == 4 && !memcmp(sc->http->head.method, "HEAD", 4);
	size_t text_len = strlen(text);
	char body[512];

	snprintf(body, sizeof(body), "%s\n", text);
	b->len = 0;
	if (buf_reserve(b, LWS_PRE))
		return -1;
	b->len = LWS_PRE;
	if (httpd_response(b, status, extra, "text/plain; charset=utf-8", body, text_len + 1,
			   head_only, keep_alive) ||
	    transport_write(&sc->link, b->data + LWS_PRE, b->len - LWS_PRE))
		return -1;
	return keep_alive ? 0 : linger(sc);
}

static int refuse(struct server_conn *sc, int status, const char *why, const char *path)
{
	static const char upgrade_headers[] = "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n";
	char shown[256];
	const char *extra = status == 426 ? upgrade_headers
			  : status == 405 ? "Allow: GET\r\n"
			  : status == 401 ? "WWW-Authenticate: Bearer\r\n" : NULL;

	request_log(sc, LOG_WARN, path, status, "%s: refused %s: %s (HTTP %d)", server_conn_name(sc),
		    path ? log_printable(path, shown, sizeof(shown)) : "a request", why, status);
	metrics_count_refusal(app_stats(sc->s->app), status);
	return answer(sc, status, extra, why, false);
}

static int upgrade_request(struct server_conn *sc, const char *path, long len)
{
	struct server *s = sc->s;
	struct ws_agreement agreed;
	char why[300];
	const char *reason = NULL;

	if (len < 0)
		return refuse(sc, 400, "the request target is not a path", NULL);
	/* Draining, a client away may still come back for what it lacks. */
	if (app_phase(s->app) == PHASE_CLOSING ||
	    (app_phase(s->app) == PHASE_DRAINING && !session_comes_back(sc)))
		return refuse(sc, 503, "shutting down", path);
	int status = handshake_check(&sc->http->head, &s->policy, &agreed, why, sizeof(why));
	if (status != 101)
		return refuse(sc, status, why, path);
	status = admission_check(s->cfg, &sc->http->head, path, (size_t)len,
				 s->clients.n_members, &reason);
	if (status)
		return refuse(sc, status, reason, path);
	request_log(sc, LOG_DEBUG, path, 101, "%s: handshake: HTTP 101%s%s%s%s", server_conn_name(sc),
		    agreed.deflate ? ", " : "", agreed.deflate ? agreed.deflate_answer : "",
		    agreed.protocol[0] ? ", subprotocol " : "", agreed.protocol);
	struct refusal refusal = { 0 };
	if (session_open(sc, path, (size_t)len, &agreed, &refusal))
		return refusal.status ? refuse(sc, refusal.status, refusal.why, path) : -1;
	end_http(sc);	/* a WebSocket now */
	return 0;
}

/* --metrics: the Prometheus text, for those with the token (if any). */
static int send_metrics(struct server_conn *sc, const char *path)
{
	struct server *s = sc->s;
	struct metrics_source src = {
		.stats = app_stats(s->app), .clients = &s->clients, .cfg = s->cfg,
		.start_time = s->start_time,
	};
	bool head = sc->http->head.method_len == 4 && !memcmp(sc->http->head.method, "HEAD", 4);
	struct buf text = { 0 }, *b = &s->scratch;
	int rc = -1;

	if (!admission_authorized(s->cfg, &sc->http->head))
		return refuse(sc, 401, "missing or wrong token", path);
	if (metrics_render(&text, &src)) {
		buf_free(&text);
		log_error("%s: GET /metrics: out of memory", server_conn_name(sc));
		return answer(sc, 500, NULL, "out of memory", false);
	}
	b->len = 0;
	if (buf_reserve(b, LWS_PRE))
		goto done;
	b->len = LWS_PRE;
	if (httpd_response(b, 200, NULL, METRICS_CONTENT_TYPE, text.data, text.len, head,
			   sc->keep_alive) ||
	    transport_write(&sc->link, b->data + LWS_PRE, b->len - LWS_PRE))
		goto done;
	rc = sc->keep_alive ? 0 : linger(sc);
done:
	buf_free(&text);
	return rc;
}

/*
 * --metrics: GET /metrics and /healthz, before any --static file of those
 * names. 1: not one of them.
 */
static int builtin_request(struct server_conn *sc, const char *path, size_t len)
{
	if (!sc->s->cfg->metrics)
		return 1;
	if (len == 8 && !memcmp(path, "/healthz", 8))
		return app_phase(sc->s->app) == PHASE_CLOSING
			? answer(sc, 503, NULL, "shutting down", false)
			: answer(sc, 200, NULL, "ok", sc->keep_alive);
	if (len == 8 && !memcmp(path, "/metrics", 8))
		return send_metrics(sc, path);
	return 1;
}

static int plain_request(struct server_conn *sc, const char *path, long len)
{
	struct server *s = sc->s;
	const struct http_head *r = &sc->http->head;
	bool get = r->method_len == 3 && !memcmp(r->method, "GET", 3);
	bool head = r->method_len == 4 && !memcmp(r->method, "HEAD", 4);

	if (len < 0)
		return answer(sc, 400, NULL, "the request target is not a path", false);
	if (!get && !head)
		return answer(sc, 405, "Allow: GET, HEAD\r\n", "only GET and HEAD are served", false);
	int rc = builtin_request(sc, path, (size_t)len);
	if (rc <= 0)
		return rc;
	if (s->static_root) {
		const char *type;
		off_t size;
		if (!httpd_open_static(s->static_root, path, &sc->http->file, &type, &size)) {
			struct buf *b = &s->scratch;
			b->len = 0;
			if (buf_reserve(b, LWS_PRE))
				return -1;
			b->len = LWS_PRE;
			if (httpd_response(b, 200, NULL, type, NULL, (size_t)size, true,
					   sc->keep_alive) ||
			    transport_write(&sc->link, b->data + LWS_PRE, b->len - LWS_PRE))
				return -1;
			if (head) {
				httpd_file_close(&sc->http->file);
				return sc->keep_alive ? 0 : linger(sc);
			}
			sc->state = CONN_FILE;
			lws_set_timeout(sc->link.wsi, NO_PENDING_TIMEOUT, 0);
			lws_callback_on_writable(sc->link.wsi);
			return 0;
		}
	}
	if (admission_path_served(s->cfg, path, (size_t)len))
		return answer(sc, 426, "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n",
			      "this is a WebSocket path: open it with a WebSocket client", false);
	return answer(sc, 404, NULL, s->static_root ? "not found"
						    : "this is a WebSocket server", sc->keep_alive);
}

/* A whole request head is in: what does it ask for? */
static int handle_request(struct server_conn *sc)
{
	const struct http_head *r = &sc->http->head;
	char path[TAG_MAX + 1];
	long len = http_target_path(r->target, r->target_len, path, sizeof(path));

	sc->keep_alive = r->minor_version >= 1 && !http_field_has_token(r, "Connection", "close");
	if (log_enabled(LOG_DEBUG))
		log_debug("%s: %.*s %.*s", server_conn_name(sc), (int)r->method_len, r->method,
			  (int)(r->target_len > 200 ? 200 : r->target_len), r->target);
	if (handshake_is_upgrade(r))
		return upgrade_request(sc, path, len);
	return plain_request(sc, path, len);
}

/* Plaintext from a peer: requests, then (after an upgrade) frames. */
static int plain_received(void *arg, unsigned char *p, size_t n)
{
	struct server_conn *sc = arg;

	while (n) {
		const char *why = NULL;
		size_t used = 0;

		switch (sc->state) {
		case CONN_WEBSOCKET:
			return wsconn_bytes(&sc->session->member.conn, p, n);
		case CONN_FILE:
			/* Pipelined requests are not served: this answer is the last. */
			sc->keep_alive = false;
			return 0;
		case CONN_ANSWERED:
			return 0;
		case CONN_REQUEST:
			break;
		}
		switch (http_head_feed(&sc->http->head, false, p, n, &used, &why)) {
		case HTTP_MORE:
			return 0;
		case HTTP_TOO_LARGE:
			return refuse(sc, 431, why, NULL) ? -1 : 1;
		case HTTP_MALFORMED:
			return refuse(sc, 400, why, NULL) ? -1 : 1;
		case HTTP_DONE:
			break;
		}
		if (handle_request(sc))
			return -1;
		p += used;
		n -= used;
		if (sc->state == CONN_REQUEST) {	/* answered, and kept alive */
			http_head_reset(&sc->http->head);
			lws_set_timeout(sc->link.wsi, PENDING_TIMEOUT_HTTP_KEEPALIVE_IDLE,
					(int)sc->s->cfg->handshake_timeout);
		}
	}
	return 0;
}

static int on_adopt(struct server *s, struct server_conn *sc, struct lws *wsi)
{
	sc->s = s;
	transport_init(&sc->link, wsi, true);
	sc->http = request_take(s);
	if (!sc->http)
		return -1;
	describe_peer(lws_get_socket_fd(wsi), sc->http->name);
	/* A peer that connects and says nothing, or too little, is dropped. */
	lws_set_timeout(wsi, PENDING_TIMEOUT_HTTP_KEEPALIVE_IDLE,
			(int)s->cfg->handshake_timeout);
	if (s->tls && transport_start_tls(&sc->link, s->tls, NULL))
		return -1;
	return 0;
}

static int on_received(struct server_conn *sc, unsigned char *in, size_t len)
{
	switch (transport_received(&sc->link, in, len, plain_received, sc)) {
	case TRANSPORT_OK:
	case TRANSPORT_READY:
		return 0;
	case TRANSPORT_STOPPED:
		if (sc->state == CONN_WEBSOCKET)
			return wsconn_closed(&sc->session->member.conn) ? -1 : 0;
		return sc->state == CONN_ANSWERED ? 0 : -1;
	case TRANSPORT_ENDED:
		return -1;
	case TRANSPORT_FAILED:
		request_log(sc, LOG_INFO, NULL, 0, "%s: %s", server_conn_name(sc), transport_problem(&sc->link));
		return -1;
	}
	return 0;
}

static int on_writeable(struct server_conn *sc)
{
	switch (sc->state) {
	case CONN_WEBSOCKET:
		return wsconn_writeable(&sc->session->member.conn);
	case CONN_FILE: {
		int rc = httpd_file_send(&sc->http->file, &sc->link, &sc->s->scratch);
		if (rc < 0)
			return -1;
		if (!rc) {
			lws_callback_on_writable(sc->link.wsi);
			return 0;
		}
		httpd_file_close(&sc->http->file);
		if (!sc->keep_alive)
			return linger(sc);
		/* The next request may come on this connection. */
		sc->state = CONN_REQUEST;
		http_head_reset(&sc->http->head);
		lws_set_timeout(sc->link.wsi, PENDING_TIMEOUT_HTTP_KEEPALIVE_IDLE,
				(int)sc->s->cfg->handshake_timeout);
		return 0;
	}
	case CONN_ANSWERED:
		if (transport_choked(&sc->link)) {
			lws_callback_on_writable(sc->link.wsi);
			return 0;
		}
		/* All sent: the peer reads it, then closes (or the timeout does). */
		shutdown(lws_get_socket_fd(sc->link.wsi), SHUT_WR);
		return 0;
	case CONN_REQUEST:
		return 0;
	}
	return 0;
}

static void on_closed(struct server_conn *sc)
{
	if (!sc->s)
		return;
	if (sc->session)
		session_close(sc);
	end_http(sc);
	transport_free(&sc->link);
	sc->s = NULL;
}

static int server_callback(struct lws *wsi, enum lws_callback_reasons reason,
			   void *user, void *in, size_t len)
{
	struct server_conn *sc = user;

	switch (reason) {
	case LWS_CALLBACK_RAW_ADOPT:
		return sc ? on_adopt(lws_get_protocol(wsi)->user, sc, wsi) : -1;
	case LWS_CALLBACK_RAW_RX:
		return sc && sc->s ? on_received(sc, in, len) : -1;
	case LWS_CALLBACK_RAW_WRITEABLE:
		return sc && sc->s ? on_writeable(sc) : 0;
	case LWS_CALLBACK_RAW_CLOSE:
		if (sc)
			on_closed(sc);
		break;
	default:
		break;
	}
	return 0;
}

/* ---- The tool ---- */

/* Stdin records and (--broker) stream entries both come this way. */
static enum deliver server_broadcast(void *server, struct msg *m)
{
	struct server *s = server;
	const char *path = m->tag ? m->tag : s->cfg->path;
	size_t len = m->tag ? m->tag_len : strlen(path);
	return broadcast_record(&s->clients, m, path, len) ? DELIVERED : DELIVER_LATER;
}

/* --broker: the stream's epoch; clients of rxws.pos on another are told. */
static void server_new_epoch(void *server, const char *epoch)
{
	struct server *s = server;
	replay_new_epoch(&s->clients, epoch);
}

static void server_caught_up(void *server)
{
	struct server *s = server;
	s->clients.behind = false;
}

static enum deliver sv_deliver(void *tool, struct msg *m)
{
	struct server *s = tool;
	if (server_broker_feeds(&s->broker))	/* stdin records go to Redis */
		return server_broker_deliver(&s->broker, m);
	return server_broadcast(s, m);
}

static void drain_one(struct member *m, void *code)
{
	wsconn_drain(&m->conn, *(unsigned *)code);
}

static void close_one(struct member *m, void *code)
{
	if (m->away)	/* it cannot come back now: ends at the next turn */
		session_expel(NULL, m);
	else if (*(unsigned *)code)
		wsconn_close(&m->conn, *(unsigned *)code, NULL);
	else if (m->conn.link)
		lws_set_timeout(m->conn.link->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

static void written_one(struct member *m, void *written)
{
	wsconn_output_written(&m->conn, *(uint64_t *)written);
}

static void rx_flow_one(struct member *m, void *enable)
{
	wsconn_rx_flow(&m->conn, *(bool *)enable);
}

static void tick_one(struct member *m, void *now)
{
	wsconn_tick(&m->conn, *(lws_usec_t *)now);
}

static void server_drain_clients(void *server, int code)
{
	struct server *s = server;
	unsigned c = (unsigned)code;
	broadcast_each(&s->clients, drain_one, &c);
}

static void sv_drain(void *tool, int code)
{
	struct server *s = tool;
	if (server_broker_drain(&s->broker, code))
		return;
	server_drain_clients(s, code);
}

static size_t sv_undelivered(void *tool)
{
	struct server *s = tool;
	return broadcast_queued(&s->clients) + server_broker_undelivered(&s->broker);
}

static void sv_close_all(void *tool, int code)
{
	struct server *s = tool;
	unsigned c = (unsigned)code;
	broadcast_each(&s->clients, close_one, &c);
}

static size_t sv_active(void *tool)
{
	struct server *s = tool;
	return s->clients.n_members;
}

static void server_rx_flow(void *server, bool enable)
{
	struct server *s = server;
	broadcast_each(&s->clients, rx_flow_one, &enable);
}

static void sv_rx_flow(void *tool, bool enable)
{
	struct server *s = tool;
	if (enable && server_broker_holds_rx(&s->broker))
		return;
	server_rx_flow(s, enable);
}

static void sv_tick(void *tool, lws_usec_t now)
{
	struct server *s = tool;
	broadcast_each(&s->clients, tick_one, &now);
	broadcast_report_discards(&s->clients, now, false);
	broadcast_expire(&s->clients, (uint64_t)now);
	server_broker_pump(&s->broker);	/* retries, failures */
}

static void sv_output_written(void *tool, uint64_t written)
{
	struct server *s = tool;
	broadcast_each(&s->clients, written_one, &written);
}

static void sv_pump(void *tool)
{
	struct server *s = tool;
	server_broker_pump(&s->broker);
}

static void sv_received(void *tool, const char *path, size_t path_len, bool binary,
			const unsigned char *data, size_t len)
{
	struct server *s = tool;
	server_broker_received(&s->broker, path, path_len, binary, data, len);
}

static void sv_finish(void *tool)
{
	struct server *s = tool;
	server_broker_finish(&s->broker);
}

static void sv_write_soon(void *tool)
{
	struct server *s = tool;
	wsconn_write_soon(&s->write_soon);
}

static const struct tool_ops server_ops = {
	.deliver = sv_deliver,
	.drain = sv_drain,
	.undelivered = sv_undelivered,
	.close_all = sv_close_all,
	.active = sv_active,
	.rx_flow = sv_rx_flow,
	.tick = sv_tick,
	.output_written = sv_output_written,
	.pump = sv_pump,
	.received = sv_received,
	.finish = sv_finish,
	.write_soon = sv_write_soon,
};

/* What the broker's part asks of the server. */
static const struct server_broker_ops broker_ops = {
	.broadcast = server_broadcast,
	.drain_clients = server_drain_clients,
	.rx_flow = server_rx_flow,
	.new_epoch = server_new_epoch,
	.caught_up = server_caught_up,
};

/*
 * The one line a newcomer needs to see it runs (quiet with -q): where it
 * listens, for which paths, and what it does with stdin and stdout.
 */
static void say_started(const struct config *cfg, int port)
{
	char where[300], url[300], does[200];
	const char *path = cfg->path ? cfg->path : "/";

	if (cfg->collect) {
		log_notice("collecting what the clients of every member send, through the broker "
			   "(--collect): listening nowhere");
		return;
	}
	if (cfg->unix_socket) {
		snprintf(where, sizeof(where), "listening on %s", cfg->unix_socket);
		snprintf(url, sizeof(url), "%s%s", path, cfg->path ? "" : " and any other path");
	} else {
		bool v6 = strchr(cfg->host, ':') != NULL;
		snprintf(where, sizeof(where), "listening on port %d of %s", port, cfg->host);
		snprintf(url, sizeof(url), "%s://%s%s%s:%d%s%s", cfg->cert ? "wss" : "ws",
			 v6 ? "[" : "", cfg->host, v6 ? "]" : "", port, path,
			 cfg->path ? "" : " and any other path");
	}
	const char *in = cfg->recv_only ? "stdin is not read"
		       : cfg->broker ? "stdin goes through the broker to every member's clients"
		       : cfg->path ? "stdin goes to its clients" : "stdin records go to the clients of their tag's path";
	const char *out = cfg->send_only ? "what clients send is discarded"
			: cfg->path ? "what they send to stdout" : "what clients send to stdout, tagged";
	snprintf(does, sizeof(does), "%s%s, %s", in,
		 cfg->wait_clients && !cfg->recv_only ? " once --wait-clients are on" : "", out);
	log_notice("%s (%s): %s", where, url, does);
}

/* The context and the listener: 0, or -1 with *exit_code (the reason logged). */
static int start(void *tool, struct app *app, int *exit_code)
{
	struct server *s = tool;
	const struct config *cfg = app_config(app);
	struct lws_context_creation_info info = { 0 };
	char addr[INET6_ADDRSTRLEN + 2] = "", why[300];
	int family = AF_UNSPEC;

	s->app = app;
	s->cfg = cfg;
	s->ws = (struct wsconn_config){
		.queue_len = cfg->queue_len, .max_size = cfg->rec.max_size,
		.ping_interval = cfg->ping_interval, .ping_timeout = cfg->ping_timeout,
		.stats = app_stats(app), .frames = &s->frames, .soon = &s->write_soon,
	};
	s->policy = (struct ws_policy){
		.protocols = cfg->protocols, .n_protocols = cfg->n_protocols,
		.own = POSITION_SUBPROTOCOL,
		.deflate = cfg->compress,
	};
	broadcast_init(&s->clients, cfg, app_stats(app));
	s->clients.expel = session_expel;
	s->clients.owner = s;
	pathmap_init(&s->sessions);
	s->instance = delivery_random();
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	s->start_time = (double)now.tv_sec + now.tv_nsec / 1e9;
	app_set_tool(app, &server_ops, s);

	*exit_code = EXIT_UNAVAILABLE;
	if (cfg->cert && !(s->tls = tls_server_context(cfg->cert, cfg->key, why, sizeof(why)))) {
		log_error("cannot serve wss://: %s", why);
		return -1;
	}
	if (cfg->static_dir) {
		s->static_root = realpath(cfg->static_dir, NULL);
		if (!s->static_root) {
			log_error("--static %s: %s", cfg->static_dir, strerror(errno));
			*exit_code = EXIT_USAGE;
			return -1;
		}
	}
	/* Its connections find the server through their protocol. */
	s->protocol = server_protocol;
	s->protocol.user = s;
	if (cfg->collect)	/* a collector listens nowhere */
		info.port = CONTEXT_PORT_NO_LISTEN;
	else if (listen_prepare(cfg, &info, server_protocol.name, addr, sizeof(addr), &family))
		return -1;
	if (!app_create_context(app, &info, &s->protocol)) {
		listen_explain_failure(cfg, addr, family);
		return -1;
	}
	if (!cfg->collect && listen_verify(cfg, addr, family))
		return -1;
	struct lws_vhost *vhost = lws_get_vhost_by_name(app_context(app), "default");
	int port = vhost ? lws_get_vhost_listen_port(vhost) : cfg->port;

	int rc;
	if (cfg->name)
		rc = asprintf(&s->source, "%s", cfg->name);
	else if (cfg->collect)
		rc = asprintf(&s->source, "rxws-serve:collect");
	else if (cfg->unix_socket)
		rc = asprintf(&s->source, "rxws-serve:%s", cfg->unix_socket);
	else
		rc = asprintf(&s->source, strchr(cfg->host, ':') ? "rxws-serve:[%s]:%d"
								 : "rxws-serve:%s:%d",
			      cfg->host, port);
	*exit_code = EXIT_SOFTWARE;
	if (rc < 0) {
		s->source = NULL;
		return -1;
	}
	log_set_source(s->source);
	if (server_broker_start(&s->broker, app, &broker_ops, s))
		return -1;
	say_started(cfg, port);
	/* A service manager (systemd, Type=notify) may start what needs us now. */
	notify_ready("listening as %s", s->source);
	return 0;
}

static void server_free(void *tool)
{
	struct server *s = tool;

	if (!s->app)	/* never started */
		return;
	server_broker_finish(&s->broker);
	/* Said now: the last second's discards have no tick to say them. */
	broadcast_report_discards(&s->clients, 0, true);
	broadcast_each(&s->clients, session_free_away, NULL);
	pathmap_free(&s->sessions);
	broadcast_free(&s->clients);
	tls_context_free(s->tls);
	buf_free(&s->scratch);
	buf_free(&s->frames);
	wsconn_soon_free(&s->write_soon);
	while (s->n_spare)
		request_free(s->spare[--s->n_spare]);
	free(s->static_root);
	free(s->source);
	s->source = NULL;
}

static int verdict(void *tool, int exit_code)
{
	struct server *s = tool;
	return server_broker_verdict(&s->broker, exit_code);
}

const struct tool_kind server_kind = {
	.start = start,
	.verdict = verdict,
	.free = server_free,
};
