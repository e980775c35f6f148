#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "wsconn.h"

struct path_clients {
	char *path;
	size_t len;
	enum datatype type;
	lws_dll2_owner_t clients;
};

/* lws allocates one per connection (per-session data) and zeroes it. */
struct server_client {
	struct wsconn conn;
	lws_dll2_t node;
	struct path_clients *path;
	bool joined;
};

static int server_callback(struct lws *wsi, enum lws_callback_reasons reason,
			   void *user, void *in, size_t len);

static const struct lws_protocols server_protocols[] = {
	{ .name = "rxws", .callback = server_callback,
	  .per_session_data_size = sizeof(struct server_client),
	  .rx_buffer_size = 16 * 1024 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

/* Keepalive is ours (wsconn_tick): lws' own idle pings stay off. */
static const lws_retry_bo_t no_lws_keepalive = { 0 };

static struct server *server_of(struct lws *wsi)
{
	struct app *a = lws_context_user(lws_get_context(wsi));
	return a->tool;
}

static void describe_peer(struct lws *wsi, char *out, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[INET6_ADDRSTRLEN] = "?";
	int fd = lws_get_socket_fd(wsi);

	if (fd < 0 || getpeername(fd, (struct sockaddr *)&ss, &sl)) {
		snprintf(out, len, "client");
		return;
	}
	if (ss.ss_family == AF_INET) {
		struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
		inet_ntop(AF_INET, &v4->sin_addr, host, sizeof(host));
		snprintf(out, len, "client %s:%u", host, ntohs(v4->sin_port));
	} else if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
		inet_ntop(AF_INET6, &v6->sin6_addr, host, sizeof(host));
		snprintf(out, len, "client [%s]:%u", host, ntohs(v6->sin6_port));
	} else {
		snprintf(out, len, "client fd %d", fd);
	}
}

/* The request's path (no query), or -1 when there is none. */
static int request_path(struct lws *wsi, char *out, int len)
{
	int n = lws_hdr_copy(wsi, out, len, WSI_TOKEN_GET_URI);
	return n > 0 ? n : -1;
}

static const char *status_text(int status)
{
	switch (status) {
	case HTTP_STATUS_BAD_REQUEST: return "Bad Request";
	case HTTP_STATUS_UNAUTHORIZED: return "Unauthorized";
	case HTTP_STATUS_FORBIDDEN: return "Forbidden";
	case HTTP_STATUS_NOT_FOUND: return "Not Found";
	default: return "Service Unavailable";
	}
}

/*
 * Answers a refused upgrade with a plain HTTP/1.1 status. lws'
 * lws_return_http_status() says HTTP/1.0 at this point of the handshake,
 * which WebSocket clients reject as no valid response.
 */
static int refuse(struct lws *wsi, int status, const char *why)
{
	unsigned char buf[LWS_PRE + 512];
	char *p = (char *)buf + LWS_PRE;
	int n = snprintf(p, 512,
			 "HTTP/1.1 %d %s\r\n%sContent-Type: text/plain\r\n"
			 "Content-Length: %zu\r\nConnection: close\r\n\r\n%s\n",
			 status, status_text(status),
			 status == HTTP_STATUS_UNAUTHORIZED ? "WWW-Authenticate: Bearer\r\n" : "",
			 strlen(why) + 1, why);
	if (n > 0 && n < 512)
		lws_write(wsi, (unsigned char *)p, (size_t)n, LWS_WRITE_HTTP_HEADERS);
	return 1;
}

/* Compares in a time that does not depend on where they differ. */
static bool token_matches(const char *given, size_t len, const char *want)
{
	size_t want_len = strlen(want);
	volatile unsigned char diff = len != want_len;
	for (size_t i = 0; i < want_len; i++)
		diff |= (unsigned char)(want[i] ^ (i < len ? given[i] : 0));
	return !diff;
}

/* Authorization: Bearer TOKEN, or ?token=TOKEN (browsers cannot set headers). */
static bool authorized(const struct config *cfg, struct lws *wsi)
{
	char buf[4200];
	int n = lws_hdr_copy(wsi, buf, sizeof(buf), WSI_TOKEN_HTTP_AUTHORIZATION);
	if (n > 7 && !strncasecmp(buf, "Bearer ", 7))
		return token_matches(buf + 7, (size_t)n - 7, cfg->token);
	const char *q = lws_get_urlarg_by_name(wsi, "token=", buf, sizeof(buf));
	return q && token_matches(q, strlen(q), cfg->token);
}

/* No Origin header: not a browser, nothing to check. */
static bool origin_allowed(const struct config *cfg, struct lws *wsi)
{
	char origin[512];
	if (!cfg->n_origins || lws_hdr_copy(wsi, origin, sizeof(origin), WSI_TOKEN_ORIGIN) <= 0)
		return true;
	for (size_t i = 0; i < cfg->n_origins; i++)
		if (!strcasecmp(origin, cfg->origins[i]))
			return true;
	return false;
}

/* Why a handshake is refused, as an HTTP status; 0 to accept it. */
static int refusal(struct server *s, struct lws *wsi, const char *path,
		   size_t len, const char **why)
{
	const struct config *cfg = s->cfg;

	if (s->app->phase != PHASE_RUNNING) {
		*why = "shutting down";
		return HTTP_STATUS_SERVICE_UNAVAILABLE;
	}
	if (cfg->token && !authorized(cfg, wsi)) {
		*why = "missing or wrong token";
		return HTTP_STATUS_UNAUTHORIZED;
	}
	if (!origin_allowed(cfg, wsi)) {
		*why = "origin not allowed (--origin)";
		return HTTP_STATUS_FORBIDDEN;
	}
	if ((*why = tag_problem(path, len))) {
		return HTTP_STATUS_BAD_REQUEST;
	}
	if (cfg->path ? strcmp(path, cfg->path) != 0
		      : !config_path_allowed(cfg, path)) {
		*why = "path not served";
		return HTTP_STATUS_NOT_FOUND;
	}
	if (cfg->max_clients && s->n_clients >= cfg->max_clients) {
		*why = "--max-clients reached";
		return HTTP_STATUS_SERVICE_UNAVAILABLE;
	}
	return 0;
}

static int confirm_upgrade(struct server *s, struct lws *wsi)
{
	char path[TAG_MAX + 1], peer[96], shown[256];
	const char *why = "no path";
	int status = HTTP_STATUS_BAD_REQUEST;
	int n = request_path(wsi, path, sizeof(path));

	if (n >= 0)
		status = refusal(s, wsi, path, (size_t)n, &why);
	if (!status)
		return 0;
	describe_peer(wsi, peer, sizeof(peer));
	log_warn("%s: refused %s: %s (HTTP %d)", peer,
		 n >= 0 ? log_printable(path, shown, sizeof(shown)) : "?", why, status);
	return refuse(wsi, status, why);
}

static struct path_clients *path_get(struct server *s, const char *path,
				     size_t len)
{
	struct path_clients *p = pathmap_get(&s->paths, path, len);
	if (p)
		return p;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->path = strndup(path, len);
	p->len = len;
	p->type = config_type_for(s->cfg, p->path);
	if (!p->path || pathmap_put(&s->paths, path, len, p)) {
		free(p->path);
		free(p);
		return NULL;
	}
	return p;
}

static void path_put(struct server *s, struct path_clients *p)
{
	if (p->clients.count)
		return;
	pathmap_del(&s->paths, p->path, p->len);
	free(p->path);
	free(p);
}

static int on_established(struct server *s, struct server_client *sc,
			  struct lws *wsi)
{
	char path[TAG_MAX + 1];
	int n = request_path(wsi, path, sizeof(path));

	if (n < 0 || wsconn_init(&sc->conn, s->app, NULL, s->cfg->queue_len, false))
		return -1;
	sc->path = path_get(s, path, (size_t)n);
	if (!sc->path) {
		wsconn_free(&sc->conn);
		return -1;
	}
	sc->joined = true;
	lws_dll2_add_tail(&sc->node, &sc->path->clients);
	s->n_clients++;
	stat_add(&s->app->stats.clients_now, 1);
	stat_add(&s->app->stats.clients_total, 1);

	struct wsconn *c = &sc->conn;
	c->type = sc->path->type;
	c->path = sc->path->path;
	c->path_len = sc->path->len;
	describe_peer(wsi, c->peer, sizeof(c->peer));
	wsconn_attach(c, wsi);
	log_info("%s connected on %s (%u on this path)", c->peer,
		 sc->path->path, sc->path->clients.count);

	if (s->cfg->wait_clients && s->n_clients == s->cfg->wait_clients) {
		log_info("%zu clients connected (--wait-clients): reading stdin",
			 s->n_clients);
		app_open_input(s->app);
	}
	return 0;
}

static void on_closed(struct server *s, struct server_client *sc)
{
	if (!sc->joined)
		return;
	struct wsconn *c = &sc->conn;
	size_t left = wsconn_queued(c);

	wsconn_detach(c);
	/* When the process is closing, app_stop() counted them already. */
	if (left && s->app->phase != PHASE_CLOSING) {
		log_info("%s: %zu queued record%s not delivered", c->peer, left,
			 left == 1 ? "" : "s");
		stat_add(&s->app->stats.lost, left);
	}
	log_info("%s disconnected from %s", c->peer, sc->path->path);
	lws_dll2_remove(&sc->node);
	path_put(s, sc->path);
	wsconn_free(c);
	sc->joined = false;
	s->n_clients--;
	stat_add(&s->app->stats.clients_now, (uint64_t)-1);
	app_check_done(s->app);
}

static int server_callback(struct lws *wsi, enum lws_callback_reasons reason,
			   void *user, void *in, size_t len)
{
	struct server_client *sc = user;
	struct server *s;

	switch (reason) {
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		app_wake(lws_context_user(lws_get_context(wsi)));
		break;
	case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
		return confirm_upgrade(server_of(wsi), wsi);
	case LWS_CALLBACK_HTTP:
		/* A plain HTTP request outside --static (or without it). */
		if (lws_return_http_status(wsi, HTTP_STATUS_NOT_FOUND,
					   "this is a WebSocket server"))
			return -1;
		return lws_http_transaction_completed(wsi) ? -1 : 0;
	case LWS_CALLBACK_ESTABLISHED:
		return on_established(server_of(wsi), sc, wsi);
	case LWS_CALLBACK_RECEIVE:
		return wsconn_receive(&sc->conn, in, len);
	case LWS_CALLBACK_RECEIVE_PONG:
		wsconn_heard(&sc->conn);
		break;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return wsconn_writeable(&sc->conn);
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		if (len >= 2)
			log_debug("%s closes with %d", sc->conn.peer,
				  ((const unsigned char *)in)[0] << 8 |
				  ((const unsigned char *)in)[1]);
		break;
	case LWS_CALLBACK_CLOSED:
		s = server_of(wsi);
		if (sc)
			on_closed(s, sc);
		break;
	default:
		/* --static: lws serves the files; its defaults do the rest. */
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
	return 0;
}

static void close_too_slow(struct server *s, struct path_clients *p,
			   struct wsconn *c)
{
	size_t dropped = ring_clear(&c->queue);
	stat_add(&s->app->stats.dropped, dropped + 1);
	log_warn("%s on %s is too slow (--queue %zu full): closing with 1008",
		 c->peer, p->path, s->cfg->queue_len);
	wsconn_close(c, LWS_CLOSE_STATUS_POLICY_VIOLATION, "too slow");
}

/*
 * A client whose queue is full is given this long to catch up before it
 * meets --overflow: a healthy client on a busy machine can fall behind for
 * a moment, and judging it at once would drop what it was about to read.
 */
#define SLOW_GRACE_US (1 * LWS_US_PER_SEC)

/* Counts c as full, and as lagging once it has been full for the grace. */
static void note_fullness(struct wsconn *c, lws_usec_t now, size_t *full,
			  size_t *lagging)
{
	if (!ring_full(&c->queue)) {
		c->full_since = 0;
		return;
	}
	(*full)++;
	if (!c->full_since)
		c->full_since = now;
	else if (now - c->full_since >= SLOW_GRACE_US)
		(*lagging)++;
}

/*
 * Every client of the record's path gets it, or it waits. A client is too
 * slow (and meets --overflow) only when its queue has stayed full for
 * SLOW_GRACE_US while another on the path has room: when all are full,
 * stdin is just faster than the network, and waiting loses nothing.
 * Stdin records and (--broker) stream entries both come this way.
 */
enum deliver server_broadcast(struct server *s, struct msg *m)
{
	const char *path = m->tag ? m->tag : s->cfg->path;
	size_t len = m->tag ? m->tag_len : strlen(path);
	struct path_clients *p = pathmap_get(&s->paths, path, len);
	enum overflow policy = s->cfg->overflow;
	size_t open = 0, full = 0, lagging = 0;
	lws_usec_t now = lws_now_usecs();

	if (p) {
		lws_start_foreach_dll(struct lws_dll2 *, d, lws_dll2_get_head(&p->clients)) {
			struct wsconn *c = &lws_container_of(d, struct server_client, node)->conn;
			if (!c->close_pending) {
				open++;
				note_fullness(c, now, &full, &lagging);
			}
		} lws_end_foreach_dll(d);
	}
	if (!open) {
		stat_add(&s->app->stats.discarded, 1);
		msg_unref(m);
		return DELIVERED;
	}
	if (full && (policy == OVERFLOW_BLOCK || full == open || lagging < full))
		return DELIVER_LATER;

	lws_start_foreach_dll(struct lws_dll2 *, d, lws_dll2_get_head(&p->clients)) {
		struct wsconn *c = &lws_container_of(d, struct server_client, node)->conn;
		if (!c->close_pending &&
		    wsconn_push(c, msg_ref(m), policy) == PUSH_CLOSE) {
			msg_unref(m);
			close_too_slow(s, p, c);
		}
	} lws_end_foreach_dll(d);
	msg_unref(m);
	return DELIVERED;
}

static enum deliver sv_deliver(void *tool, struct msg *m)
{
	struct server *s = tool;
	if (s->broker)	/* broker hook: stdin records go to Redis */
		return server_broker_deliver(s, m);
	return server_broadcast(s, m);
}

struct each_ctx {
	void (*fn)(struct wsconn *c, const void *arg);
	const void *arg;
	size_t queued;
};

static void each_client_of_path(void *value, void *arg)
{
	struct path_clients *p = value;
	struct each_ctx *e = arg;

	lws_start_foreach_dll_safe(struct lws_dll2 *, d, d1, lws_dll2_get_head(&p->clients)) {
		struct server_client *sc = lws_container_of(d, struct server_client, node);
		if (e->fn)
			e->fn(&sc->conn, e->arg);
		e->queued += wsconn_queued(&sc->conn);
	} lws_end_foreach_dll_safe(d, d1);
}

/* Calls fn for every client; returns how many records they have queued. */
static size_t for_each_client(struct server *s,
			      void (*fn)(struct wsconn *c, const void *arg),
			      const void *arg)
{
	struct each_ctx e = { fn, arg, 0 };
	pathmap_each(&s->paths, each_client_of_path, &e);
	return e.queued;
}

static void drain_one(struct wsconn *c, const void *code)
{
	wsconn_drain(c, *(const int *)code);
}

static void close_one(struct wsconn *c, const void *code)
{
	if (*(const int *)code)
		wsconn_close(c, *(const int *)code, NULL);
	else if (c->wsi)
		lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

static void rx_flow_one(struct wsconn *c, const void *enable)
{
	wsconn_rx_flow(c, *(const bool *)enable);
}

static void tick_one(struct wsconn *c, const void *now)
{
	wsconn_tick(c, *(const lws_usec_t *)now);
}

void server_drain_clients(struct server *s, int code)
{
	for_each_client(s, drain_one, &code);
}

static void sv_drain(void *tool, int code)
{
	if (server_broker_drain(tool, code))	/* broker hook */
		return;
	server_drain_clients(tool, code);
}

static size_t sv_undelivered(void *tool)
{
	return for_each_client(tool, NULL, 0) +
	       server_broker_undelivered(tool);	/* broker hook */
}

static void sv_close_all(void *tool, int code)
{
	for_each_client(tool, close_one, &code);
}

static size_t sv_active(void *tool)
{
	struct server *s = tool;
	return s->n_clients;
}

void server_rx_flow(struct server *s, bool enable)
{
	for_each_client(s, rx_flow_one, &enable);
}

static void sv_rx_flow(void *tool, bool enable)
{
	if (enable && server_broker_holds_rx(tool))	/* broker hook */
		return;
	server_rx_flow(tool, enable);
}

static void sv_tick(void *tool, lws_usec_t now)
{
	for_each_client(tool, tick_one, &now);
	server_broker_pump(tool);	/* broker hook: retries, failures */
}

const struct tool_ops server_ops = {
	.deliver = sv_deliver,
	.drain = sv_drain,
	.undelivered = sv_undelivered,
	.close_all = sv_close_all,
	.active = sv_active,
	.rx_flow = sv_rx_flow,
	.tick = sv_tick,
	/* broker hooks */
	.pump = server_broker_pump,
	.received = server_broker_received,
	.finish = server_broker_finish,
};

/*
 * Resolves --host to one numeric address. lws 4.1 ignores an IPv4 literal
 * as its interface unless IPv6 is off (lws issue 2290): so IPv4 goes with
 * LWS_SERVER_OPTION_DISABLE_IPV6.
 */
static int resolve_host(const char *host, char *out, size_t len, int *family)
{
	struct addrinfo hints = { .ai_flags = AI_PASSIVE, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res;
	int rc = getaddrinfo(host, NULL, &hints, &res);
	if (rc)
		return rc;
	*family = res->ai_family;
	const void *addr = res->ai_family == AF_INET
		? (const void *)&((struct sockaddr_in *)res->ai_addr)->sin_addr
		: (const void *)&((struct sockaddr_in6 *)res->ai_addr)->sin6_addr;
	inet_ntop(res->ai_family, addr, out, (socklen_t)len);
	freeaddrinfo(res);
	return 0;
}

/* lws cannot say why a bind failed: try it ourselves for the message. */
static const char *bind_problem(int family, const char *addr, int port)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t sl;
	if (family == AF_INET) {
		struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
		inet_pton(AF_INET, addr, &v4->sin_addr);
		sl = sizeof(*v4);
	} else {
		struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
		inet_pton(AF_INET6, addr, &v6->sin6_addr);
		sl = sizeof(*v6);
	}
	int fd = socket(family, SOCK_STREAM, 0);
	if (fd < 0)
		return strerror(errno);
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	const char *problem = bind(fd, (struct sockaddr *)&ss, sl) ? strerror(errno) : NULL;
	close(fd);
	return problem ? problem : "unknown error";
}

/*
 * lws removes whatever is at a unix socket's path before it binds: a
 * socket that a live server still answers on must be left alone.
 */
static bool unix_socket_in_use(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sa.sun_path))
		return false;
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	bool live = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return live;
}

int server_start(struct server *s, struct app *app)
{
	const struct config *cfg = app->cfg;
	struct lws_context_creation_info info = { 0 };
	char addr[INET6_ADDRSTRLEN + 2];
	int family = AF_UNSPEC;

	memset(s, 0, sizeof(*s));
	s->app = app;
	s->cfg = cfg;
	pathmap_init(&s->paths);
	app_set_tool(app, &server_ops, s);

	info.protocols = server_protocols;
	info.retry_and_idle_policy = &no_lws_keepalive;
	info.options = LWS_SERVER_OPTION_FAIL_UPON_UNABLE_TO_BIND;
	/* A peer that connects and says nothing, or too little, is dropped. */
	info.timeout_secs = (unsigned)cfg->handshake_timeout;
	info.timeout_secs_ah_idle = (unsigned)cfg->handshake_timeout;
	if (cfg->collect) {	/* broker hook: a collector listens nowhere */
		info.port = CONTEXT_PORT_NO_LISTEN;
	} else if (cfg->unix_socket) {
		if (unix_socket_in_use(cfg->unix_socket)) {
			log_error("cannot listen on %s: another server is listening there",
				  cfg->unix_socket);
			return EXIT_UNAVAILABLE;
		}
		info.options |= LWS_SERVER_OPTION_UNIX_SOCK;
		info.iface = cfg->unix_socket;
		info.port = 0;
	} else {
		int rc = resolve_host(cfg->host, addr, sizeof(addr), &family);
		if (rc) {
			log_error("cannot listen on %s: %s", cfg->host, gai_strerror(rc));
			return EXIT_UNAVAILABLE;
		}
		if (family == AF_INET)
			info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
		/* The unspecified address means every address: no iface. */
		bool any = !strcmp(addr, "0.0.0.0") || !strcmp(addr, "::");
		info.iface = any ? NULL : addr;
		info.port = cfg->port;
	}

	if (cfg->cert) {
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		info.ssl_cert_filepath = cfg->cert;
		info.ssl_private_key_filepath = cfg->key;
	}
	if (cfg->static_dir) {
		s->static_root = realpath(cfg->static_dir, NULL);
		if (!s->static_root) {
			log_error("--static %s: %s", cfg->static_dir, strerror(errno));
			return EXIT_USAGE;
		}
		s->mount = (struct lws_http_mount){
			.mountpoint = "/", .mountpoint_len = 1,
			.origin = s->static_root, .def = "index.html",
			.origin_protocol = LWSMPRO_FILE,
		};
		info.mounts = &s->mount;
	}

	if (!app_create_context(app, &info)) {
		if (cfg->cert)
			log_error("cannot start: is %s a certificate and %s its key (PEM)? or is the port busy?",
				  cfg->cert, cfg->key);
		else if (cfg->unix_socket)
			log_error("cannot listen on %s", cfg->unix_socket);
		else
			log_error("cannot listen on %s port %d: %s", cfg->host, cfg->port,
				  bind_problem(family, addr, cfg->port));
		return EXIT_UNAVAILABLE;
	}
	s->vhost = lws_get_vhost_by_name(app->ctx, "default");

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
			      cfg->host, s->vhost ? lws_get_vhost_listen_port(s->vhost) : cfg->port);
	if (rc < 0)
		return EXIT_SOFTWARE;
	log_set_source(s->source);
	if (cfg->broker && server_broker_start(s))	/* broker hook */
		return EXIT_SOFTWARE;
	if (cfg->collect)
		log_info("collecting through the broker");
	else if (cfg->unix_socket)
		log_info("listening on %s", cfg->unix_socket);
	else if (cfg->port == 0)
		log_notice("listening on port %d", lws_get_vhost_listen_port(s->vhost));
	else
		log_info("listening");
	return -1;
}

void server_free(struct server *s)
{
	server_broker_finish(s);	/* broker hook */
	pathmap_free(&s->paths);
	free(s->static_root);
	free(s->source);
	s->source = NULL;
}
