#include "clientset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static const struct lws_protocols clientset_protocols[] = {
	{ .name = "rxws", .callback = client_callback, .rx_buffer_size = 16 * 1024 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

static size_t cs_active(void *tool);

static void on_client_end(struct client *c, enum client_end why)
{
	struct clientset *s = c->owner;
	struct app *a = s->app;
	size_t left = wsconn_queued(&c->conn);

	switch (why) {
	case CLIENT_END_BY_SERVER:
		if (left)
			log_at(LOG_WARN, c->source,
			       "%zu record%s not sent: the server ended the stream",
			       left, left == 1 ? "" : "s");
		stat_add(&a->stats.lost, ring_clear(&c->conn.queue));
		if (!s->cfg->tagged)
			app_stop(a, EXIT_OK, 0);
		break;
	case CLIENT_END_GAVE_UP:
		if (left)
			log_at(LOG_ERROR, c->source, "%zu record%s not delivered",
			       left, left == 1 ? "" : "s");
		stat_add(&a->stats.lost, ring_clear(&c->conn.queue));
		if (!s->cfg->tagged)
			app_stop(a, EXIT_UNAVAILABLE, 0);
		else
			s->gave_up++;	/* the others go on; the exit code says it */
		break;
	case CLIENT_END_BY_US:
		break;
	}
	/* -r: with every path ended, nothing can open one again. */
	if (s->cfg->tagged && s->cfg->recv_only && !cs_active(s))
		app_stop(a, EXIT_OK, 0);
	app_check_done(a);
}

/* The URL's query may hold a token: logs do without it. */
static char *source_for(const struct config *cfg, const char *path)
{
	char *src;
	int n, url_len = (int)strcspn(cfg->url, "?");

	if (cfg->name)
		n = asprintf(&src, "%s", cfg->name);
	else if (path)
		n = asprintf(&src, "%s:%.*s:%s", cfg->progname, url_len, cfg->url, path);
	else
		n = asprintf(&src, "%s:%.*s", cfg->progname, url_len, cfg->url);
	return n < 0 ? NULL : src;
}

/* Makes the client for a path (tagged) or for the URL (untagged). */
static struct client *add_client(struct clientset *s, const char *tag)
{
	struct client **list = realloc(s->clients,
				       (s->n_clients + 1) * sizeof(*list));
	if (!list)
		return NULL;
	s->clients = list;

	struct client *c = malloc(sizeof(*c));
	char *source = source_for(s->cfg, tag);
	char *path = NULL;
	if (!c || !source)
		goto fail;
	if (tag ? asprintf(&path, "%s%s%s", s->prefix, tag, s->query) < 0
		: !(path = strdup(s->url.path))) {
		path = NULL;
		goto fail;
	}
	if (client_init(c, s->app, &s->url, path, tag, source, on_client_end, s))
		goto fail;
	if (tag && pathmap_put(&s->by_path, tag, strlen(tag), c)) {
		client_free(c);
		goto fail;
	}
	free(source);
	free(path);
	list[s->n_clients++] = c;
	return c;
fail:
	free(source);
	free(path);
	free(c);
	return NULL;
}

int clientset_init(struct clientset *s, struct app *app)
{
	memset(s, 0, sizeof(*s));
	s->app = app;
	s->cfg = app->cfg;
	pathmap_init(&s->by_path);

	const char *problem = url_parse(s->cfg->url, &s->url);
	if (problem) {
		fprintf(stderr, "%s: %s: %s\n", s->cfg->progname, s->cfg->url, problem);
		return EXIT_USAGE;
	}
	char *source = source_for(s->cfg, NULL);
	if (!source)
		return EXIT_SOFTWARE;
	log_set_source(source);
	free(source);

	if (!s->cfg->tagged)
		return add_client(s, NULL) ? -1 : EXIT_SOFTWARE;

	/*
	 * rxws-group: the URL's path is a prefix of every PATH (for servers
	 * behind a proxy under a prefix), its query goes after each.
	 */
	char *q = strchr(s->url.path, '?');
	s->query = q ? q : "";
	s->prefix = strndup(s->url.path, q ? (size_t)(q - s->url.path) : strlen(s->url.path));
	if (!s->prefix)
		return EXIT_SOFTWARE;
	size_t plen = strlen(s->prefix);
	while (plen && s->prefix[plen - 1] == '/')
		s->prefix[--plen] = '\0';
	for (size_t i = 0; i < s->cfg->n_paths; i++)
		if (!pathmap_get(&s->by_path, s->cfg->paths[i], strlen(s->cfg->paths[i])) &&
		    !add_client(s, s->cfg->paths[i]))
			return EXIT_SOFTWARE;
	return -1;
}

void clientset_start(struct clientset *s)
{
	for (size_t i = 0; i < s->n_clients; i++)
		client_start(s->clients[i]);
}

void clientset_free(struct clientset *s)
{
	for (size_t i = 0; i < s->n_clients; i++) {
		client_free(s->clients[i]);
		free(s->clients[i]);
	}
	free(s->clients);
	pathmap_free(&s->by_path);
	free(s->prefix);
	url_free(&s->url);
}

static struct client *client_for(struct clientset *s, struct msg *m)
{
	if (!m->tag)
		return s->clients[0];
	struct client *c = pathmap_get(&s->by_path, m->tag, m->tag_len);
	if (c)
		return c;
	if (s->n_clients >= s->cfg->max_paths) {
		char why[TAG_MAX + 64];
		snprintf(why, sizeof(why), "path %s would be over --max-paths (%zu)",
			 m->tag, s->cfg->max_paths);
		app_bad_record(s->app, m->recno, why);
		return NULL;
	}
	c = add_client(s, m->tag);
	if (!c)
		log_error("out of memory for the client of %s", m->tag);
	return c;
}

static enum deliver cs_deliver(void *tool, struct msg *m)
{
	struct clientset *s = tool;
	struct client *c = client_for(s, m);

	if (!c) {
		msg_unref(m);
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
		msg_unref(m);
		app_stop(s->app, EXIT_TEMPFAIL, LWS_CLOSE_STATUS_POLICY_VIOLATION);
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
	for (size_t i = 0; i < s->n_clients; i++)
		client_drain(s->clients[i], code);
}

static size_t cs_undelivered(void *tool)
{
	struct clientset *s = tool;
	size_t n = 0;
	for (size_t i = 0; i < s->n_clients; i++)
		n += wsconn_queued(&s->clients[i]->conn);
	return n;
}

static void cs_close_all(void *tool, int code)
{
	struct clientset *s = tool;
	for (size_t i = 0; i < s->n_clients; i++)
		client_close(s->clients[i], code);
}

static size_t cs_active(void *tool)
{
	struct clientset *s = tool;
	size_t n = 0;
	for (size_t i = 0; i < s->n_clients; i++)
		n += client_active(s->clients[i]);
	return n;
}

static void cs_rx_flow(void *tool, bool enable)
{
	struct clientset *s = tool;
	for (size_t i = 0; i < s->n_clients; i++)
		wsconn_rx_flow(&s->clients[i]->conn, enable);
}

static void cs_tick(void *tool, lws_usec_t now)
{
	struct clientset *s = tool;
	for (size_t i = 0; i < s->n_clients; i++)
		wsconn_tick(&s->clients[i]->conn, now);
}

static void cs_report_undelivered(void *tool)
{
	struct clientset *s = tool;
	if (!s->cfg->tagged)
		return;
	for (size_t i = 0; i < s->n_clients; i++) {
		size_t n = wsconn_queued(&s->clients[i]->conn);
		if (n)
			log_at(LOG_ERROR, s->clients[i]->source,
			       "%zu record%s not delivered", n, n == 1 ? "" : "s");
	}
}

const struct tool_ops clientset_ops = {
	.deliver = cs_deliver,
	.drain = cs_drain,
	.undelivered = cs_undelivered,
	.close_all = cs_close_all,
	.active = cs_active,
	.rx_flow = cs_rx_flow,
	.tick = cs_tick,
	.report_undelivered = cs_report_undelivered,
};

int clientset_main(enum tool tool, int argc, char **argv)
{
	struct config cfg;
	struct app app;
	struct clientset clients;
	int rc = config_parse(&cfg, tool, argc, argv);

	if (rc >= 0)
		goto out_config;
	log_setup(cfg.name ? cfg.name : cfg.progname, cfg.verbosity, cfg.log_format);
	if (app_init(&app, &cfg)) {
		rc = EXIT_SOFTWARE;
		goto out_config;
	}
	rc = clientset_init(&clients, &app);
	if (rc >= 0)
		goto out_clients;

	struct lws_context_creation_info info = { 0 };
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = clientset_protocols;
	if (clients.url.tls) {
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		info.client_ssl_ca_filepath = cfg.cacert;	/* else the system's */
	}
	if (!app_create_context(&app, &info)) {
		log_error("cannot create the event loop");
		rc = EXIT_SOFTWARE;
		goto out_clients;
	}
	app_set_tool(&app, &clientset_ops, &clients);
	clientset_start(&clients);
	rc = app_run(&app);
	if (rc == EXIT_OK && clients.gave_up) {
		log_error("%zu path%s gave up (--retries): records were lost",
			  clients.gave_up, clients.gave_up == 1 ? "" : "s");
		rc = EXIT_UNAVAILABLE;
	}

out_clients:
	clientset_free(&clients);
	app_free(&app);
out_config:
	config_free(&cfg);
	return rc;
}
