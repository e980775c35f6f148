/* server_broker: how rxws-serve uses the broker (server_broker.h). */
#include "tools/server_broker.h"

#include <inttypes.h>
#include <string.h>

#include "base/log.h"
#include "tools/history.h"
#include "ws/position.h"

/* Entries the loop holds between the hand-off and the clients. */
#define PENDING_MAX 256
/* Bad entries a collector logs one by one before it only counts them. */
#define COLLECT_BAD_LOGGED 10

int server_broker_start(struct server_broker *sb, struct app *app,
			const struct server_broker_ops *ops, void *server)
{
	const struct config *cfg = app_config(app);

	sb->app = app;
	sb->cfg = cfg;
	sb->ops = ops;
	sb->server = server;
	if (!cfg->broker)
		return 0;
	struct broker_role role = {
		.append_out = !cfg->recv_only && !cfg->collect,
		.append_in = cfg->broker_inbound && !cfg->send_only,
		.read_in = cfg->collect,
	};

	sb->broker_cfg = (struct broker_config){
		.url = &cfg->broker_url, .prefix = cfg->broker_prefix, .maxlen = cfg->broker_maxlen,
		.queue_len = cfg->queue_len, .path = cfg->path, .rec = &cfg->rec,
		.retry_delay = cfg->retry_delay, .retry_max = cfg->retry_max, .retries = cfg->retries,
		.history = cfg->history, .history_bytes = cfg->history ? cfg->history_bytes : 0,
		.history_entry_cost = HISTORY_ENTRY_COST,
	};
	ring_init(&sb->pending, PENDING_MAX);
	sb->broker = broker_start(&sb->broker_cfg, role, app_context(app), app_stats(app));
	return sb->broker ? 0 : -1;
}

bool server_broker_feeds(const struct server_broker *sb)
{
	return sb->broker != NULL;
}

enum deliver server_broker_deliver(struct server_broker *sb, struct msg *m)
{
	return broker_append_out(sb->broker, m) ? DELIVER_LATER : DELIVERED;
}

/* --collect: one entry of PREFIX:in to stdout (only PATH's, given one). */
static void collect_one(struct server_broker *sb, struct msg *m)
{
	struct app *a = sb->app;
	const char *path = sb->cfg->path;

	if (path && (m->tag_len != strlen(path) || memcmp(m->tag, path, m->tag_len)))
		return;
	enum datatype type = app_datatype_for(a, m->tag, m->tag_len);
	uint64_t at;
	const char *why = app_output(a, m->tag, m->tag_len, NULL, type,
				     m->kind == FRAME_BINARY, m->payload, m->len, &at);
	if (!why)
		return;
	stat_add(&app_stats(a)->broker_bad, 1);
	if (++sb->collect_bad <= COLLECT_BAD_LOGGED)
		log_warn("broker: entry for %s: %s; skipped%s", m->tag, why,
			 sb->collect_bad == COLLECT_BAD_LOGGED ? " (no more such lines)" : "");
}

/* Our records are all acknowledged and read back, and broadcast. */
static bool own_records_home(struct server_broker *sb)
{
	return !broker_undelivered(sb->broker) && !broker_waiting(sb->broker) &&
	       ring_empty(&sb->pending);
}

void server_broker_pump(struct server_broker *sb)
{
	struct app *a = sb->app;

	if (!sb->broker || sb->pumping)
		return;
	const char *failure = broker_failure(sb->broker);
	if (failure && app_phase(a) != PHASE_CLOSING) {
		log_error("%s", failure);
		app_stop(a, EXIT_UNAVAILABLE, LWS_CLOSE_STATUS_GOINGAWAY);
		return;
	}
	if (app_phase(a) == PHASE_CLOSING)
		return;

	sb->pumping = true;
	while (app_phase(a) != PHASE_CLOSING) {
		if (ring_empty(&sb->pending) &&
		    !broker_take(sb->broker, &sb->pending))
			break;
		struct msg *m = ring_peek(&sb->pending);
		if (m->notice && !m->tag) {	/* the stream's epoch, or caught up */
			char epoch[POSITION_EPOCH_LEN + 1];
			memcpy(epoch, m->payload, m->len == POSITION_EPOCH_LEN ? m->len : 0);
			epoch[POSITION_EPOCH_LEN] = '\0';
			if (!sb->cfg->collect && m->len == POSITION_EPOCH_LEN)
				sb->ops->new_epoch(sb->server, epoch);
			else if (!sb->cfg->collect)
				sb->ops->caught_up(sb->server);
			msg_unref(ring_pop(&sb->pending));
			continue;
		}
		if (sb->cfg->collect) {
			/* stdout is behind: the stream waits in Redis, not in memory. */
			if (app_rx_paused(a))
				break;
			collect_one(sb, m);
			msg_unref(ring_pop(&sb->pending));
			continue;
		}
		if (sb->ops->broadcast(sb->server, m) == DELIVER_LATER)
			break;	/* the clients call app_pump() when they have room */
		ring_pop(&sb->pending);	/* the clients hold it now */
	}
	sb->pumping = false;

	if (sb->rx_paused && !broker_in_full(sb->broker)) {
		sb->rx_paused = false;
		if (!app_rx_paused(a))
			sb->ops->rx_flow(sb->server, true);
	}
	if (sb->drain_deferred) {
		broker_want_wake(sb->broker);	/* before looking: no wake-up missed */
		if (own_records_home(sb)) {
			sb->drain_deferred = false;
			if (sb->drain_timeout_paused)
				app_drain_timeout_restart(a);
			sb->ops->drain_clients(sb->server, sb->drain_code);
		} else if (!sb->drain_timeout_paused && !broker_unacked(sb->broker)) {
			/*
			 * Redis has every record: they are delivered. Serving
			 * the stream to our clients takes what it takes, as
			 * for any member; --drain-timeout is for what Redis
			 * does not acknowledge, and for our clients' queues.
			 */
			sb->drain_timeout_paused = true;
			app_drain_timeout_pause(a);
		}
	}
	if (app_phase(a) == PHASE_DRAINING)
		app_check_done(a);
}

bool server_broker_drain(struct server_broker *sb, int close_code)
{
	if (!sb->broker || sb->cfg->collect)
		return false;
	sb->drain_deferred = true;
	sb->drain_code = close_code;
	server_broker_pump(sb);
	return true;
}

size_t server_broker_undelivered(struct server_broker *sb)
{
	if (!sb->broker || sb->cfg->collect)
		return 0;
	return broker_undelivered(sb->broker) + broker_waiting(sb->broker) +
	       sb->pending.len;
}

void server_broker_received(struct server_broker *sb, const char *path, size_t path_len,
			    bool binary, const unsigned char *data, size_t len)
{
	if (!sb->broker || !sb->cfg->broker_inbound)
		return;
	broker_append_in(sb->broker, path, path_len, binary, data, len);
	if (!sb->rx_paused && broker_in_full(sb->broker)) {
		/* Redis is slower than the clients: let TCP push back. */
		sb->rx_paused = true;
		sb->ops->rx_flow(sb->server, false);
	}
}

bool server_broker_holds_rx(const struct server_broker *sb)
{
	return sb->rx_paused;
}

int server_broker_verdict(struct server_broker *sb, int exit_code)
{
	struct stats *st = app_stats(sb->app);

	if (exit_code != EXIT_OK || !sb->cfg->broker || sb->cfg->recv_only || sb->cfg->collect ||
	    !stat_get(&st->broker_resets) || !stat_get(&st->ledger.read))
		return exit_code;
	log_error("the broker's stream was reset while this member appended to it: "
		  "what it appended may not have reached every member");
	return EXIT_TEMPFAIL;
}

void server_broker_finish(struct server_broker *sb)
{
	if (!sb->broker)
		return;
	broker_stop(sb->broker);
	sb->broker = NULL;
	ring_free(&sb->pending);
}
