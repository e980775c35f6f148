/* server_session: rxws-serve's WebSocket clients and their sessions (server_session.h). */
#include "tools/server_session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "tools/metrics.h"
#include "tools/replay.h"

static uint64_t member_message(void *owner, struct wsconn *c, const unsigned char *p,
			       size_t n, bool binary)
{
	struct server *s = owner;
	struct member *m = lws_container_of(c, struct member, conn);

	return app_take_message(s->app, c, m->path->path, m->path->len, NULL, m->path->type,
				binary, p, n);
}

static void member_sent(void *owner, struct wsconn *c)
{
	struct server *s = owner;
	replay_refill(&s->clients, lws_container_of(c, struct member, conn));
	app_pump(s->app);
}

static const struct wsconn_events member_events = {
	.message = member_message,
	.sent = member_sent,
};

static struct session *session_of(struct member *m)
{
	return lws_container_of(m, struct session, member);
}

const char *server_conn_name(const struct server_conn *sc)
{
	if (sc->http)
		return sc->http->name;
	return sc->session && sc->session->name ? sc->session->name : "client";
}

/* Its --resume-timeout timer stops, and its memory goes. */
static void stop_expiry(struct session *ss)
{
	if (ss->expiry) {
		lws_sul_cancel(&ss->expiry->sul);
		free(ss->expiry);
		ss->expiry = NULL;
	}
}

/* Its server: the owner of its connection's session (wsconn_init). */
static struct server *server_of(const struct session *ss)
{
	return ss->member.conn.owner;
}

static void free_session(struct session *ss)
{
	stop_expiry(ss);
	wsconn_free(&ss->member.conn);
	free(ss->name);
	free(ss);
}

/* The session ends: what it still holds is not delivered. */
static void end_session(struct session *ss, const char *why)
{
	struct server *s = server_of(ss);
	struct wsconn *c = &ss->member.conn;
	size_t left = wsconn_queued(c);

	if (left && wsconn_peer_left(c))
		wsconn_log(c, LOG_INFO, "%s: %zu record%s it had not taken: discarded", c->peer,
			   left, left == 1 ? "" : "s");
	else if (left)
		wsconn_log(c, LOG_WARN, "%s: %zu record%s not delivered: %s", c->peer, left,
			   left == 1 ? "" : "s", why);
	wsconn_log(c, LOG_INFO, "%s disconnected from %s", c->peer, ss->member.path->path);
	c->log_path = NULL;	/* the path may go with its last member */
	stop_expiry(ss);
	if (ss->id[0])
		pathmap_del(&s->sessions, ss->id, DELIVERY_SESSION_LEN);
	broadcast_leave(&s->clients, &ss->member);
	free_session(ss);
	stat_add(&app_stats(s->app)->clients_now, (uint64_t)-1);
	app_check_done(s->app);
}

static void on_expired(lws_sorted_usec_list_t *sul)
{
	struct session *ss = lws_container_of(sul, struct session_expiry, sul)->ss;
	char why[96];

	if (!ss->member.away)
		return;
	snprintf(why, sizeof(why), "it did not come back within --resume-timeout (%g s)",
		 server_of(ss)->cfg->resume_timeout);
	end_session(ss, app_phase(server_of(ss)->app) == PHASE_RUNNING ? why : "the server is ending");
}

/*
 * Its timer goes off in `us`: made the first time (an away session's
 * only). -1: no memory for it.
 */
static int expire_in(struct session *ss, lws_usec_t us)
{
	if (!ss->expiry) {
		ss->expiry = calloc(1, sizeof(*ss->expiry));
		if (!ss->expiry)
			return -1;
		ss->expiry->ss = ss;
	}
	lws_sul_schedule(app_context(server_of(ss)->app), 0, &ss->expiry->sul, on_expired, us);
	return 0;
}

/* An away session that cannot catch up ends at the next turn of the loop. */
void session_expel(void *owner, struct member *m)
{
	struct session *ss = session_of(m);
	(void)owner;
	/* Away, it has its timer already: rescheduling it needs no memory. */
	if (expire_in(ss, 0))
		log_error("%s: out of memory to end its session: it ends at --resume-timeout",
			  ss->name ? ss->name : "client");
}

static struct session *new_session(struct server *s, const char *path, size_t len,
				   const char *id, uint64_t first)
{
	struct session *ss = calloc(1, sizeof(*ss));

	if (!ss || wsconn_init(&ss->member.conn, &s->ws, &member_events, s, NULL, false)) {
		free(ss);
		return NULL;
	}
	ss->member.conn.queue_seq = first;
	if (id)
		memcpy(ss->id, id, DELIVERY_SESSION_LEN);
	if (broadcast_join(&s->clients, &ss->member, path, len))
		goto fail;
	if (id && pathmap_put(&s->sessions, ss->id, DELIVERY_SESSION_LEN, ss)) {
		broadcast_leave(&s->clients, &ss->member);
		goto fail;
	}
	stat_add(&app_stats(s->app)->clients_now, 1);
	stat_add(&app_stats(s->app)->clients_total, 1);
	return ss;
fail:
	free_session(ss);
	return NULL;
}

/*
 * The session goes on on a new connection, under its name: the old one
 * (if any) is let go. -1: no memory for the name.
 */
static int take_over(struct session *ss, struct server_conn *sc)
{
	struct server_conn *old = ss->sc;
	/* Its own copy, just as long as it is: the connection's goes at the upgrade. */
	char *name = strdup(server_conn_name(sc));

	if (!name)
		return -1;
	if (old) {
		log_info("%s: its session moves to %s", server_conn_name(old), name);
		old->session = NULL;
		metrics_count_disconnect(app_stats(server_of(ss)->app), &ss->member.conn);
		wsconn_detach(&ss->member.conn);
		lws_set_timeout(old->link.wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
	}
	free(ss->name);
	ss->name = name;
	ss->member.conn.peer = name;
	ss->member.conn.peer_address = client_address(name);
	stop_expiry(ss);
	ss->member.away = false;
	ss->sc = sc;
	sc->session = ss;
	return 0;
}

/*
 * The delivery offer of a client (delivery.h), answered: where the
 * session's numbering stands both ways. NULL session: a new one is made.
 */
static void settle_resume(struct server *s, const struct session *ss,
			  const struct delivery_offer *o, struct delivery_answer *a)
{
	/* Its messages: the same process resumes where we are; a new one where it is. */
	a->received = ss && ss->client_instance == o->instance
		? wsconn_received_count(&ss->member.conn) : o->first - 1;
	/*
	 * Ours: from what it has when it counts ours; from the first it has
	 * not acknowledged when it restarted (at least once); a new session
	 * goes on with the numbers it knows.
	 */
	if (o->peer == s->instance)
		a->next = o->received + 1;
	else
		a->next = ss ? wsconn_first_held(&ss->member.conn) : 1;
	a->instance = s->instance;
}

int session_open(struct server_conn *sc, const char *path, size_t len,
		 const struct ws_agreement *agreed, struct refusal *refusal)
{
	struct server *s = sc->s;
	struct delivery_offer offer;
	struct delivery_answer answer = { 0 };
	bool acks = !s->cfg->no_ack && delivery_offer_get(&sc->http->head, &offer);
	struct session *ss = acks ? pathmap_get(&s->sessions, offer.session,
						DELIVERY_SESSION_LEN) : NULL;
	struct buf extra = { 0 };

	if (ss && (ss->member.path->len != len || memcmp(ss->member.path->path, path, len))) {
		*refusal = (struct refusal){ 409, "that session is on another path" };
		return -1;
	}
	/* What it missed, if it asks (a session that resumes has its own queue). */
	struct replay_ask ask = { 0 };
	struct replay_plan plan;
	struct path_clients stand_in;
	const char *why;
	int status = 400;
	if (!ss && (replay_read_ask(&sc->http->head, &ask, &why) ||
		    replay_plan(&s->clients, broadcast_path_view(&s->clients, path, len, &stand_in),
				&ask, &plan, &status, &why))) {
		*refusal = (struct refusal){ status, why };
		return -1;
	}
	bool positions = !strcmp(agreed->protocol, POSITION_SUBPROTOCOL) || (acks && offer.pos);
	if (acks)
		settle_resume(s, ss, &offer, &answer);
	answer.pos = positions;
	bool resumed = ss != NULL;
	if (!ss && !(ss = new_session(s, path, len, acks ? offer.session : NULL,
				      acks ? answer.next : 1)))
		return -1;
	/* Again on its path, there now (a new one has its epoch now): as said above. */
	if (!resumed)
		replay_plan(&s->clients, ss->member.path, &ask, &plan, &status, &why);

	struct buf *b = &s->scratch;
	b->len = 0;
	int rc = -1;
	if (!buf_reserve(b, LWS_PRE) &&
	    !(acks && delivery_answer_put(&extra, &answer)) &&
	    !(!resumed && replay_headers(&extra, &plan)) &&
	    !buf_append_byte(&extra, '\0')) {
		b->len = LWS_PRE;
		rc = handshake_accept(b, &sc->http->head, agreed, (char *)extra.data);
	}
	buf_free(&extra);
	if (rc || transport_write(&sc->link, b->data + LWS_PRE, b->len - LWS_PRE) ||
	    take_over(ss, sc)) {
		/* A new session whose connection never had it would wait for nobody. */
		if (!resumed)
			end_session(ss, "its handshake failed");
		return -1;
	}

	stat_add(&app_stats(s->app)->connects, 1);
	stat_add(&app_stats(s->app)->resumes, resumed);
	if (acks)
		ss->client_instance = offer.instance;
	struct member *m = &ss->member;
	m->conn.log_path = m->path->path;
	sc->state = CONN_WEBSOCKET;
	lws_set_timeout(sc->link.wsi, NO_PENDING_TIMEOUT, 0);
	struct wsconn_resume resume = { .out_next = answer.next, .in_next = answer.received + 1 };
	uint64_t resent_before = m->conn.resent;
	if (wsconn_attach(&m->conn, &sc->link, agreed->deflate ? &agreed->deflate_params : NULL,
			  acks ? &resume : NULL))
		return -1;
	if (app_rx_paused(s->app))
		wsconn_rx_flow(&m->conn, false);
	m->conn.pos_epoch = positions ? m->path->epoch : NULL;
	if (!resumed)
		replay_start(&s->clients, m, &plan);

	char notes[256] = "";
	size_t n = 0;
	if (agreed->protocol[0])
		n += (size_t)snprintf(notes, sizeof(notes), ", subprotocol %s", agreed->protocol);
	if (acks && n < sizeof(notes))
		n += (size_t)snprintf(notes + n, sizeof(notes) - n, resumed ? ", resumed" : ", acknowledged");
	if (m->conn.resent > resent_before && n < sizeof(notes))
		snprintf(notes + n, sizeof(notes) - n, ", sending %llu again",
			 (unsigned long long)(m->conn.resent - resent_before));
	wsconn_log(&m->conn, LOG_INFO, "%s connected on %s (%u on this path%s)", ss->name,
		   m->path->path, m->path->members.count, notes);
	if (!resumed && s->cfg->wait_clients && s->clients.n_members == s->cfg->wait_clients) {
		log_info("%zu clients connected (--wait-clients): reading stdin",
			 s->clients.n_members);
		app_open_input(s->app);
	}
	return 0;
}

bool session_comes_back(struct server_conn *sc)
{
	struct delivery_offer offer;

	if (sc->s->cfg->no_ack || !delivery_offer_get(&sc->http->head, &offer))
		return false;
	struct session *ss = pathmap_get(&sc->s->sessions, offer.session, DELIVERY_SESSION_LEN);
	return ss && ss->member.away;
}

/* Its connection is gone: the session waits for it, or ends. */
void session_close(struct server_conn *sc)
{
	struct server *s = sc->s;
	struct session *ss = sc->session;
	struct wsconn *c = &ss->member.conn;

	sc->session = NULL;
	ss->sc = NULL;
	metrics_count_disconnect(app_stats(s->app), c);
	wsconn_detach(c);
	/* A client that refused a message comes back for the rest. */
	bool resumable = ss->id[0] && (c->end == WS_END_BROKEN || c->refused_code) && !c->overflowed &&
			 s->cfg->resume_timeout > 0 && app_phase(s->app) != PHASE_CLOSING;
	if (!resumable) {
		end_session(ss, c->end != WS_END_BROKEN ? "it closed" : "it is gone");
		return;
	}
	if (expire_in(ss, (lws_usec_t)(s->cfg->resume_timeout * LWS_US_PER_SEC))) {
		end_session(ss, "there is no memory to keep its session");
		return;
	}
	ss->member.away = true;
	wsconn_log(c, LOG_INFO, "%s is gone from %s: its session waits %g s (--resume-timeout)",
		   c->peer, ss->member.path->path, s->cfg->resume_timeout);
}

void session_free_away(struct member *m, void *arg)
{
	struct session *ss = session_of(m);
	(void)arg;
	/* Those on a connection ended with it; the away ones are left. */
	free_session(ss);
}
