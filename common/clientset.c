#include "clientset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static const struct lws_protocols clientset_protocols[] = {
	{ "rxws", client_callback, 0, 16 * 1024, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

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
		if (!s->cfg->tagged)
			app_stop(a, EXIT_OK, 0);
		break;
	case CLIENT_END_GAVE_UP:
		if (left)
			log_at(LOG_ERROR, c->source, "%zu record%s not delivered",
			       left, left == 1 ? "" : "s");
		if (!s->cfg->tagged)
			app_stop(a, EXIT_UNAVAILABLE, 0);
		break;
	case CLIENT_END_BY_US:
		break;
	}
	app_check_done(a);
}

static char *source_for(const struct config *cfg, const char *path)
{
	char *src;
	int n;

	if (cfg->name)
		n = asprintf(&src, "%s", cfg->name);
	else if (path)
		n = asprintf(&src, "%s:%s:%s", cfg->progname, cfg->url, path);
	else
		n = asprintf(&src, "%s:%s", cfg->progname, cfg->url);
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
	if (!c || !source)
		goto fail;
	const char *path = tag ? tag : s->url.path;
	if (client_init(c, s->app, &s->url, path, tag, source, on_client_end, s))
		goto fail;
	if (tag && pathmap_put(&s->by_path, tag, strlen(tag), c)) {
		client_free(c);
		goto fail;
	}
	free(source);
	list[s->n_clients++] = c;
	return c;
fail:
	free(source);
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
	if (s->url.tls) {
		fprintf(stderr, "%s: wss:// is not supported yet\n", s->cfg->progname);
		return EXIT_USAGE;
	}
	char *source = source_for(s->cfg, NULL);
	if (!source)
		return EXIT_SOFTWARE;
	log_set_source(source);
	free(source);

	if (!s->cfg->tagged)
		return add_client(s, NULL) ? -1 : EXIT_SOFTWARE;
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
		stat_add(&s->app->stats.bad_in, 1);
		log_warn("stdin record %llu: path %s would be over --max-paths (%zu); skipped",
			 (unsigned long long)m->recno, m->tag, s->cfg->max_paths);
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

const struct tool_ops clientset_ops = {
	.deliver = cs_deliver,
	.drain = cs_drain,
	.undelivered = cs_undelivered,
	.close_all = cs_close_all,
	.active = cs_active,
	.rx_flow = cs_rx_flow,
	.tick = cs_tick,
};

int clientset_main(enum tool tool, int argc, char **argv)
{
	struct config cfg;
	struct app app;
	struct clientset clients;
	int rc = config_parse(&cfg, tool, argc, argv);

	if (rc >= 0)
		goto out_config;
	log_setup(cfg.progname, cfg.verbosity, cfg.log_format);
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
	if (!app_create_context(&app, &info)) {
		log_error("cannot create the event loop");
		rc = EXIT_SOFTWARE;
		goto out_clients;
	}
	app_set_tool(&app, &clientset_ops, &clients);
	clientset_start(&clients);
	rc = app_run(&app);

out_clients:
	clientset_free(&clients);
	app_free(&app);
out_config:
	config_free(&cfg);
	return rc;
}
