/*
 * server_broker: how rxws-serve uses the broker (--broker), as hooks the
 * server calls: stdin records go to Redis instead of to the clients; what
 * the stream brings goes to the clients with the server's broadcast (or,
 * --collect, to stdout); what clients send also goes to PREFIX:in with
 * --broker-inbound; at the end of stdin the clients are drained only once
 * our own records came back through the stream.
 */
#include "tools/server.h"

#include <inttypes.h>
#include <string.h>

#include "base/log.h"

/* Entries the loop holds between the hand-off and the clients. */
#define PENDING_MAX 256
/* Bad entries a collector logs one by one before it only counts them. */
#define COLLECT_BAD_LOGGED 10

int server_broker_start(struct server *s)
{
	const struct config *cfg = s->cfg;
	struct broker_role role = {
		.append_out = !cfg->recv_only && !cfg->collect,
		.append_in = cfg->broker_inbound && !cfg->send_only,
		.read_in = cfg->collect,
	};

	s->broker_cfg = (struct broker_config){
		.url = &cfg->broker_url, .prefix = cfg->broker_prefix, .maxlen = cfg->broker_maxlen,
		.queue_len = cfg->queue_len, .path = cfg->path, .rec = &cfg->rec,
		.retry_delay = cfg->retry_delay, .retry_max = cfg->retry_max, .retries = cfg->retries,
	};
	ring_init(&s->broker_pending, PENDING_MAX);
	s->broker = broker_start(&s->broker_cfg, role, app_context(s->app), app_stats(s->app));
	return s->broker ? 0 : -1;
}

enum deliver server_broker_deliver(struct server *s, struct msg *m)
{
	return broker_append_out(s->broker, m) ? DELIVER_LATER : DELIVERED;
}

/* --collect: one entry of PREFIX:in to stdout (only PATH's, given one). */
static void collect_one(struct server *s, struct msg *m)
{
	struct app *a = s->app;
	const char *path = s->cfg->path;

	if (path && (m->tag_len != strlen(path) || memcmp(m->tag, path, m->tag_len)))
		return;
	enum datatype type = app_datatype_for(a, m->tag, m->tag_len);
	uint64_t at;
	const char *why = app_output(a, m->tag, m->tag_len, type,
				     m->kind == FRAME_BINARY, m->payload, m->len, &at);
	if (!why)
		return;
	stat_add(&app_stats(a)->broker_bad, 1);
	if (++s->collect_bad <= COLLECT_BAD_LOGGED)
		log_warn("broker: entry for %s: %s; skipped%s", m->tag, why,
			 s->collect_bad == COLLECT_BAD_LOGGED ? " (no more such lines)" : "");
}

/* Our records are all acknowledged and read back, and broadcast. */
static bool own_records_home(struct server *s)
{
	return !broker_undelivered(s->broker) && !broker_waiting(s->broker) &&
	       ring_empty(&s->broker_pending);
}

void server_broker_pump(void *tool)
{
	struct server *s = tool;
	struct app *a = s->app;

	if (!s->broker || s->broker_pumping)
		return;
	const char *failure = broker_failure(s->broker);
	if (failure && app_phase(a) != PHASE_CLOSING) {
		log_error("%s", failure);
		app_stop(a, EXIT_UNAVAILABLE, LWS_CLOSE_STATUS_GOINGAWAY);
		return;
	}
	if (app_phase(a) == PHASE_CLOSING)
		return;

	s->broker_pumping = true;
	while (app_phase(a) != PHASE_CLOSING) {
		if (ring_empty(&s->broker_pending) &&
		    !broker_take(s->broker, &s->broker_pending))
			break;
		struct msg *m = ring_peek(&s->broker_pending);
		if (s->cfg->collect) {
			/* stdout is behind: the stream waits in Redis, not in memory. */
			if (app_rx_paused(a))
				break;
			collect_one(s, m);
			msg_unref(ring_pop(&s->broker_pending));
			continue;
		}
		if (server_broadcast(s, m) == DELIVER_LATER)
			break;	/* the clients call app_pump() when they have room */
		ring_pop(&s->broker_pending);	/* the clients hold it now */
	}
	s->broker_pumping = false;

	if (s->broker_rx_paused && !broker_in_full(s->broker)) {
		s->broker_rx_paused = false;
		if (!app_rx_paused(a))
			server_rx_flow(s, true);
	}
	if (s->drain_deferred) {
		broker_want_wake(s->broker);	/* before looking: no wake-up missed */
		if (own_records_home(s)) {
			s->drain_deferred = false;
			if (s->drain_timeout_paused)
				app_drain_timeout_restart(a);
			server_drain_clients(s, s->drain_code);
		} else if (!s->drain_timeout_paused && !broker_unacked(s->broker)) {
			/*
			 * Redis has every record: they are delivered. Serving
			 * the stream to our clients takes what it takes, as
			 * for any member; --drain-timeout is for what Redis
			 * does not acknowledge, and for our clients' queues.
			 */
			s->drain_timeout_paused = true;
			app_drain_timeout_pause(a);
		}
	}
	if (app_phase(a) == PHASE_DRAINING)
		app_check_done(a);
}

bool server_broker_drain(struct server *s, int close_code)
{
	if (!s->broker || s->cfg->collect)
		return false;
	s->drain_deferred = true;
	s->drain_code = close_code;
	server_broker_pump(s);
	return true;
}

size_t server_broker_undelivered(struct server *s)
{
	if (!s->broker || s->cfg->collect)
		return 0;
	return broker_undelivered(s->broker) + broker_waiting(s->broker) +
	       s->broker_pending.len;
}

void server_broker_received(void *tool, const char *path, size_t path_len,
			    bool binary, const unsigned char *data, size_t len)
{
	struct server *s = tool;

	if (!s->broker || !s->cfg->broker_inbound)
		return;
	broker_append_in(s->broker, path, path_len, binary, data, len);
	if (!s->broker_rx_paused && broker_in_full(s->broker)) {
		/* Redis is slower than the clients: let TCP push back. */
		s->broker_rx_paused = true;
		server_rx_flow(s, false);
	}
}

bool server_broker_holds_rx(struct server *s)
{
	return s->broker_rx_paused;
}

int server_broker_verdict(struct server *s, int exit_code)
{
	struct stats *st = app_stats(s->app);

	if (exit_code != EXIT_OK || !s->cfg->broker || s->cfg->recv_only || s->cfg->collect ||
	    !stat_get(&st->broker_resets) || !stat_get(&st->ledger.read))
		return exit_code;
	log_error("the broker's stream was reset while this member appended to it: "
		  "what it appended may not have reached every member");
	return EXIT_TEMPFAIL;
}

void server_broker_finish(void *tool)
{
	struct server *s = tool;

	if (!s->broker)
		return;
	broker_stop(s->broker);
	s->broker = NULL;
	ring_free(&s->broker_pending);
}
