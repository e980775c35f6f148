/* clientset: the client side of a process, as the app's tool (clientset.h). */
#include "tools/clientset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base64.h"
#include "base/log.h"
#include "ws/tls.h"

/* One client of the set, and what its records are. */
struct path_client {
	struct client client;
	enum datatype type;
	size_t label_len;
	unsigned oneshot_told;		/* records refused after --oneshot ended it */
	struct recovery recovery;	/* its positions, its backlog */
};

static size_t cs_active(void *tool);

static struct path_client *member_of(struct client *c)
{
	return lws_container_of(c, struct path_client, client);
}

/*
 * --exit-at-end: once every path still open has had its backlog, and
 * stdout has it, the run ends.
 */
static void check_backlogs(struct clientset *s)
{
	if (!s->cfg->exit_at_end || app_phase(s->app) != PHASE_RUNNING)
		return;
	uint64_t written = app_output_written(s->app);
	size_t open = 0;
	for (size_t i = 0; i < s->n_members; i++) {
		struct path_client *m = s->members[i];
		if (!client_active(&m->client))
			continue;
		if (!recovery_backlog_written(&m->recovery, written))
			return;
		open++;
	}
	if (open)
		app_finish_output(s->app, s->cfg->rec.tagged
				  ? "every path's backlog is written (--exit-at-end)"
				  : "the backlog is written (--exit-at-end)");
}

static uint64_t member_message(void *owner, struct wsconn *conn, const unsigned char *p,
			       size_t n, bool binary)
{
	struct clientset *s = owner;
	struct path_client *m = member_of(lws_container_of(conn, struct client, conn));

	if (!m->client.positions)
		return app_take_message(s->app, conn, m->client.label, m->label_len, NULL,
					m->type, binary, p, n);
	bool was_live = m->recovery.live;
	uint64_t at = recovery_take(&m->recovery, s->app, &m->client, m->client.label,
				    m->label_len, m->type, p, n, binary);
	if (!was_live && m->recovery.live)
		check_backlogs(s);
	return at;
}

static void member_sent(void *owner, struct wsconn *conn)
{
	struct clientset *s = owner;
	(void)conn;
	app_pump(s->app);
}

static const struct wsconn_events member_events = {
	.message = member_message,
	.sent = member_sent,
};

static void on_opened(void *owner, struct client *c)
{
	struct clientset *s = owner;
	if (app_rx_paused(s->app))
		wsconn_rx_flow(&c->conn, false);
}

/* What the server's end of the stream left undelivered, sent or not. */
static void say_left(struct wsconn *conn, size_t left)
{
	size_t unsent = wsconn_unsent(conn), unconfirmed = left - unsent;
	const char *s = left == 1 ? "" : "s";

	if (!unconfirmed)
		wsconn_log(conn, LOG_WARN, "%zu record%s not sent: the server ended the stream",
			   left, s);
	else if (!unsent)
		wsconn_log(conn, LOG_WARN, "%zu record%s sent and not confirmed: the server "
			   "ended the stream", left, s);
	else
		wsconn_log(conn, LOG_WARN, "%zu records not delivered: the server ended the "
			   "stream (%zu sent and not confirmed, %zu not sent)", left,
			   unconfirmed, unsent);
}

/* The exit code of a refusal for good: 77 when not permitted, else 69. */
static int refusal_exit(int status)
{
	return status == 401 || status == 403 || status == 407 ? EXIT_NOPERM : EXIT_UNAVAILABLE;
}

static void on_ended(void *owner, struct client *c, enum client_end why)
{
	struct clientset *s = owner;
	struct app *a = s->app;
	size_t left = wsconn_queued(&c->conn);

	switch (why) {
	case CLIENT_END_BY_SERVER:
		if (left)
			say_left(&c->conn, left);
		wsconn_abandon(&c->conn, FATE_UNCONFIRMED, FATE_LOST);
		if (s->cfg->rec.tagged)
			break;
		/* Records it never read are not delivered either: 75 says so. */
		bool unread = !s->cfg->recv_only && !app_input_at_end(a);
		if (unread)
			wsconn_log(&c->conn, LOG_WARN, "the server ended the stream before the "
				   "end of standard input: the rest of it is not read");
		app_stop(a, left || unread ? EXIT_TEMPFAIL : EXIT_OK, 0);
		break;
	case CLIENT_END_BROKEN:
		wsconn_abandon(&c->conn, FATE_UNCONFIRMED, FATE_LOST);
		if (!s->cfg->rec.tagged)
			app_stop(a, EXIT_UNAVAILABLE, 0);
		else
			s->broken++;
		break;
	case CLIENT_END_GAVE_UP:
		if (left)
			log_at(LOG_ERROR, c->source, "%zu record%s not delivered",
			       left, left == 1 ? "" : "s");
		wsconn_abandon(&c->conn, FATE_UNCONFIRMED, FATE_LOST);
		if (!s->cfg->rec.tagged)
			app_stop(a, EXIT_UNAVAILABLE, 0);
		else
			s->gave_up++;	/* the others go on; the exit code says it */
		break;
	case CLIENT_END_REFUSED: {
		/* Said already (client.c); what it held is not delivered. */
		int code = refusal_exit(client_refusal(c));
		if (left)
			wsconn_log(&c->conn, LOG_ERROR, "%zu record%s not delivered: refused",
				   left, left == 1 ? "" : "s");
		wsconn_abandon(&c->conn, FATE_UNCONFIRMED, FATE_LOST);
		if (!s->cfg->rec.tagged)
			app_stop(a, code, 0);
		else if (!s->refused_exit || code == EXIT_NOPERM)
			s->refused_exit = code;	/* the others go on; the exit code says it */
		break;
	}
	case CLIENT_END_BY_US:
		break;
	}
	check_backlogs(s);
	/* -r: with every path ended, nothing can open one again (--oneshot: none may). */
	if (s->cfg->rec.tagged && (s->cfg->recv_only || s->cfg->oneshot) && !cs_active(s)) {
		bool unread = !s->cfg->recv_only && !app_input_at_end(a);
		if (unread && !s->broken && !s->gave_up && !s->refused_exit)
			log_warn("every path has ended before the end of standard input: "
				 "the rest of it is not read");
		app_stop(a, unread && !s->broken && !s->gave_up && !s->refused_exit ? EXIT_TEMPFAIL
										       : EXIT_OK, 0);
	}
	app_check_done(a);
}

static const struct client_events client_events = {
	.opened = on_opened,
	.ended = on_ended,
};

/* The URL's query may hold a token, its user part a password: logs do without. */
static char *source_for(const struct clientset *s, const char *path)
{
	const struct config *cfg = s->cfg;
	char *src;
	int n;

	if (cfg->name)
		n = asprintf(&src, "%s", cfg->name);
	else if (path)
		n = asprintf(&src, "%s:%s:%s", cfg->progname, s->url.shown, path);
	else
		n = asprintf(&src, "%s:%s", cfg->progname, s->url.shown);
	return n < 0 ? NULL : src;
}

/* Makes the client for a path (tagged) or for the URL (untagged). */
static struct client *add_client(struct clientset *s, const char *tag)
{
	struct path_client **list = realloc(s->members, (s->n_members + 1) * sizeof(*list));
	if (!list)
		return NULL;
	s->members = list;

	struct path_client *m = calloc(1, sizeof(*m));
	char *source = source_for(s, tag);
	char *path = NULL;
	if (!m || !source)
		goto fail;
	if (tag ? asprintf(&path, "%s%s%s", s->prefix, tag, s->query) < 0
		: !(path = strdup(s->url.path))) {
		path = NULL;
		goto fail;
	}
	if (client_init(&m->client, &s->settings, &member_events, &client_events, s, path,
			tag, source))
		goto fail;
	m->label_len = strlen(m->client.label);
	m->type = record_config_type_for(&s->cfg->rec, tag);
	recovery_start(&m->client, &s->starts, m->client.label);
	if (tag && pathmap_put(&s->by_path, tag, strlen(tag), m)) {
		client_free(&m->client);
		goto fail;
	}
	free(source);
	free(path);
	list[s->n_members++] = m;
	return &m->client;
fail:
	free(source);
	free(path);
	free(m);
	return NULL;
}

/* user:password in the URL: HTTP Basic; --auth-token-file: Bearer. */
static int authorization(struct clientset *s)
{
	struct buf b = { 0 };

	if (s->cfg->token) {
		if (asprintf(&s->authorization, "Bearer %s", s->cfg->token) < 0) {
			s->authorization = NULL;
			return -1;
		}
		return 0;
	}
	if (!s->url.userinfo)
		return 0;
	if (buf_append(&b, "Basic ", 6) ||
	    base64_put(&b, (const unsigned char *)s->url.userinfo, strlen(s->url.userinfo)) ||
	    buf_append_byte(&b, '\0')) {
		buf_free(&b);
		return -1;
	}
	s->authorization = (char *)b.data;
	return 0;
}

/* What every client of the set shares: where, how, through what. */
static int prepare_shared(struct clientset *s, int *exit_code)
{
	const struct config *cfg = s->cfg;
	char why[300];
	bool use_proxy = false;

	if (cfg->token && s->url.userinfo) {
		fprintf(stderr, "%s: give a user in the URL or --auth-token-file, not both\n",
			cfg->progname);
		*exit_code = EXIT_USAGE;
		return -1;
	}
	if (!cfg->unix_socket) {
		const char *problem = proxy_choose(cfg->proxy, cfg->noproxy, s->url.tls,
						   s->url.host, s->url.port, &s->proxy, &use_proxy);
		if (problem) {
			fprintf(stderr, "%s: proxy: %s\n", cfg->progname, problem);
			*exit_code = EXIT_USAGE;
			return -1;
		}
	}
	if (s->url.tls && !(s->tls = tls_client_context(cfg->cacert, cfg->insecure, why,
							   sizeof(why)))) {
		fprintf(stderr, "%s: %s\n", cfg->progname, why);
		*exit_code = EXIT_USAGE;
		return -1;
	}
	if (authorization(s)) {
		*exit_code = EXIT_SOFTWARE;
		return -1;
	}
	s->ws = (struct wsconn_config){
		.queue_len = cfg->queue_len, .max_size = cfg->rec.max_size,
		.ping_interval = cfg->ping_interval, .ping_timeout = cfg->ping_timeout,
		.stats = app_stats(s->app), .frames = &s->frames, .soon = &s->write_soon,
	};
	s->settings = (struct client_settings){
		.url = &s->url,
		.unix_socket = cfg->unix_socket,
		.proxy = use_proxy ? &s->proxy : NULL,
		.tls = s->tls,
		.ws = &s->ws,
		.connect_timeout = cfg->connect_timeout,
		.retry_delay = cfg->retry_delay,
		.retry_max = cfg->retry_max,
		.retries = cfg->retries,
		.oneshot = cfg->oneshot,
		.acks = !cfg->no_ack,
		.instance = delivery_random(),
		.session = cfg->session,
		.offer = {
			.host = s->url.host_header,
			.protocols = cfg->protocols,
			.n_protocols = cfg->n_protocols,
			.deflate = cfg->compress,
			.authorization = s->authorization,
			.headers = cfg->headers,
			.n_headers = cfg->n_headers,
		},
	};
	if (use_proxy)
		log_info("through the proxy %s", s->proxy.shown);
	return recovery_ask(&s->settings, cfg, &s->protocols);
}


static struct client *client_for(struct clientset *s, struct msg *m)
{
	if (!m->tag)
		return &s->members[0]->client;
	struct path_client *member = pathmap_get(&s->by_path, m->tag, m->tag_len);
	if (member)
		return &member->client;
	if (s->n_members >= s->cfg->max_paths) {
		char why[TAG_MAX + 64];
		snprintf(why, sizeof(why), "path %s would be over --max-paths (%zu)",
			 m->tag, s->cfg->max_paths);
		app_bad_record(s->app, m->recno, why);
		return NULL;
	}
	struct client *c = add_client(s, m->tag);
	if (!c)
		log_error("out of memory for the client of %s", m->tag);
	return c;
}

static enum deliver cs_deliver(void *tool, struct msg *m)
{
	struct clientset *s = tool;
	struct client *c = client_for(s, m);

	if (!c) {	/* a bad record (logged): skipped by the rules */
		msg_done(m, FATE_DISCARDED);
		return DELIVERED;
	}
	if (c->state == CLIENT_ENDED && s->cfg->oneshot) {
		if (!member_of(c)->oneshot_told++)
			wsconn_log(&c->conn, LOG_WARN, "stdin record %llu: its path has ended "
				   "(--oneshot): not sent, nor the path's next records",
				   (unsigned long long)m->recno);
		msg_done(m, FATE_LOST);
		return DELIVERED;
	}
	/* A path the server ended, or new: (re)open it for this record. */
	if (c->state == CLIENT_IDLE || c->state == CLIENT_ENDED)
		client_start(c);

	switch (wsconn_push(&c->conn, m, s->cfg->overflow)) {
	case PUSH_FULL:
		return DELIVER_LATER;
	case PUSH_CLOSE:
		log_at(LOG_ERROR, c->source,
		       "queue full (--queue %zu, --overflow close): giving up",
		       s->cfg->queue_len);
		msg_done(m, FATE_DROPPED);
		app_stop(s->app, EXIT_TEMPFAIL, WS_CLOSE_POLICY);
		return DELIVERED;
	case PUSH_QUEUED:
	case PUSH_DROPPED:
		break;
	}
	return DELIVERED;
}

static void cs_drain(void *tool, int code)
{
	struct clientset *s = tool;
	for (size_t i = 0; i < s->n_members; i++)
		client_drain(&s->members[i]->client, (unsigned)code);
}

static size_t cs_undelivered(void *tool)
{
	struct clientset *s = tool;
	size_t n = 0;
	for (size_t i = 0; i < s->n_members; i++)
		n += wsconn_queued(&s->members[i]->client.conn);
	return n;
}

static void cs_close_all(void *tool, int code)
{
	struct clientset *s = tool;
	for (size_t i = 0; i < s->n_members; i++)
		client_close(&s->members[i]->client, (unsigned)code);
}

static size_t cs_active(void *tool)
{
	struct clientset *s = tool;
	size_t n = 0;
	for (size_t i = 0; i < s->n_members; i++)
		n += client_active(&s->members[i]->client);
	return n;
}

static void cs_rx_flow(void *tool, bool enable)
{
	struct clientset *s = tool;
	for (size_t i = 0; i < s->n_members; i++)
		wsconn_rx_flow(&s->members[i]->client.conn, enable);
}

static void cs_tick(void *tool, lws_usec_t now)
{
	struct clientset *s = tool;
	for (size_t i = 0; i < s->n_members; i++)
		wsconn_tick(&s->members[i]->client.conn, now);
}

static void cs_output_written(void *tool, uint64_t written)
{
	struct clientset *s = tool;
	for (size_t i = 0; i < s->n_members; i++)
		wsconn_output_written(&s->members[i]->client.conn, written);
	check_backlogs(s);
}

/* Per path, with the reason its last attempt failed: what a cron job's log needs. */
static int cs_report_undelivered(void *tool, const char *when)
{
	struct clientset *s = tool;
	for (size_t i = 0; i < s->n_members; i++) {
		struct client *c = &s->members[i]->client;
		size_t n = wsconn_queued(&c->conn);
		if (!n)
			continue;
		bool failed = c->last_failure[0] && c->state != CLIENT_OPEN;
		wsconn_log(&c->conn, LOG_ERROR, "%zu record%s not delivered %s%s%s", n,
			   n == 1 ? "" : "s", when, failed ? ": last attempt: " : "",
			   failed ? c->last_failure : "");
	}
	return 0;
}

static void cs_write_soon(void *tool)
{
	struct clientset *s = tool;
	wsconn_write_soon(&s->write_soon);
}

static const struct tool_ops clientset_ops = {
	.deliver = cs_deliver,
	.drain = cs_drain,
	.undelivered = cs_undelivered,
	.close_all = cs_close_all,
	.active = cs_active,
	.rx_flow = cs_rx_flow,
	.tick = cs_tick,
	.report_undelivered = cs_report_undelivered,
	.output_written = cs_output_written,
	.write_soon = cs_write_soon,
};

/* The URL, and the clients known at start: 0, or -1 with *exit_code. */
static int make_clients(struct clientset *s, int *exit_code)
{
	const char *problem = url_parse(s->cfg->url, &s->url);
	if (problem) {
		char shown[256];
		fprintf(stderr, "%s: %s: %s\n", s->cfg->progname,
			log_printable(s->cfg->url, shown, sizeof(shown)), problem);
		*exit_code = EXIT_USAGE;
		return -1;
	}
	*exit_code = EXIT_SOFTWARE;
	char *source = source_for(s, NULL);
	if (!source)
		return -1;
	log_set_source(source);
	free(source);
	if (prepare_shared(s, exit_code) ||
	    recovery_starts_open(&s->starts, s->cfg, s->app, s->url.path, exit_code))
		return -1;
	if (!s->cfg->rec.tagged)
		return add_client(s, NULL) ? 0 : -1;

	/*
	 * rxws-group: the URL's path is a prefix of every PATH (for servers
	 * behind a proxy under a prefix), its query goes after each.
	 */
	char *q = strchr(s->url.path, '?');
	s->query = q ? q : "";
	s->prefix = strndup(s->url.path, q ? (size_t)(q - s->url.path) : strlen(s->url.path));
	if (!s->prefix)
		return -1;
	size_t plen = strlen(s->prefix);
	while (plen && s->prefix[plen - 1] == '/')
		s->prefix[--plen] = '\0';
	for (size_t i = 0; i < s->cfg->n_paths; i++)
		if (!pathmap_get(&s->by_path, s->cfg->paths[i], strlen(s->cfg->paths[i])) &&
		    !add_client(s, s->cfg->paths[i]))
			return -1;
	return 0;
}

static int start(void *tool, struct app *app, int *exit_code)
{
	struct clientset *s = tool;

	s->app = app;
	s->cfg = app_config(app);
	pathmap_init(&s->by_path);
	if (make_clients(s, exit_code))
		return -1;

	struct lws_context_creation_info info = { 0 };
	info.port = CONTEXT_PORT_NO_LISTEN;
	if (!app_create_context(app, &info, &client_protocol)) {
		log_error("cannot create the event loop");
		*exit_code = EXIT_SOFTWARE;
		return -1;
	}
	app_set_tool(app, &clientset_ops, s);
	s->settings.ctx = app_context(app);
	for (size_t i = 0; i < s->n_members; i++)
		client_start(&s->members[i]->client);
	return 0;
}

/* rxws-group: a path that gave up, or ended badly, makes the run fail. */
static int verdict(void *tool, int exit_code)
{
	struct clientset *s = tool;

	if (exit_code == EXIT_OK && s->refused_exit) {
		log_error("a path was refused for good: its records were lost");
		return s->refused_exit;
	}
	if (exit_code == EXIT_OK && s->gave_up) {
		log_error("%zu path%s gave up (--retries): records were lost",
			  s->gave_up, s->gave_up == 1 ? "" : "s");
		return EXIT_UNAVAILABLE;
	}
	if (exit_code == EXIT_OK && s->broken) {
		log_error("%zu path%s ended without a normal close (--oneshot)",
			  s->broken, s->broken == 1 ? "" : "s");
		return EXIT_UNAVAILABLE;
	}
	return exit_code;
}

static void clientset_free(void *tool)
{
	struct clientset *s = tool;

	for (size_t i = 0; i < s->n_members; i++) {
		client_free(&s->members[i]->client);
		free(s->members[i]);
	}
	free(s->members);
	buf_free(&s->frames);
	wsconn_soon_free(&s->write_soon);
	pathmap_free(&s->by_path);
	recovery_starts_free(&s->starts);
	free(s->protocols);
	free(s->prefix);
	free(s->authorization);
	proxy_free(&s->proxy);
	tls_context_free(s->tls);
	url_free(&s->url);
}

const struct tool_kind clientset_kind = {
	.start = start,
	.verdict = verdict,
	.free = clientset_free,
};
