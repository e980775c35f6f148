/*
 * client: one WebSocket client connection that keeps itself connected
 * (client.h).
 */
#include "ws/client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"

/* A connection that lived this long proves the server is back. */
#define STABLE_US LWS_US_PER_SEC

static int client_callback(struct lws *wsi, enum lws_callback_reasons reason,
			   void *user, void *in, size_t len);

const struct lws_protocols client_protocol = {
	.name = "rxws-client",
	.callback = client_callback,
	.tx_packet_size = 256 * 1024,
};

int client_init(struct client *c, const struct client_settings *set,
		const struct wsconn_events *ws_events, const struct client_events *ev,
		void *owner, const char *target, const char *label, const char *source)
{
	memset(c, 0, sizeof(*c));
	c->set = set;
	c->ev = ev;
	c->owner = owner;
	c->target = strdup(target);
	c->source = strdup(source);
	/* Its own path, without the query: the tag of what it receives. */
	c->label = label ? strdup(label) : strndup(target, strcspn(target, "?"));
	http_head_init(&c->proxy_answer);
	client_handshake_init(&c->handshake);
	if (!c->target || !c->source || !c->label ||
	    wsconn_init(&c->conn, set->ws, ws_events, owner, c->source, true)) {
		client_free(c);
		return -1;
	}
	c->conn.log_path = c->label;
	delivery_session_id(c->session, set->session, label);
	backoff_init(&c->backoff, set->retry_delay, set->retry_max);
	return 0;
}

void client_free(struct client *c)
{
	lws_sul_cancel(&c->sul_retry);
	lws_sul_cancel(&c->sul_attempt);
	wsconn_free(&c->conn);
	transport_free(&c->link);
	dial_free(&c->dial);
	http_head_free(&c->proxy_answer);
	client_handshake_free(&c->handshake);
	free(c->target);
	free(c->source);
	free(c->label);
	c->target = c->source = c->label = NULL;
}

bool client_active(const struct client *c)
{
	return c->state != CLIENT_IDLE && c->state != CLIENT_ENDED;
}

static bool attempting(const struct client *c)
{
	return c->state >= CLIENT_CONNECTING && c->state <= CLIENT_UPGRADING;
}

static void end(struct client *c, enum client_end why)
{
	lws_sul_cancel(&c->sul_retry);
	lws_sul_cancel(&c->sul_attempt);
	c->state = CLIENT_ENDED;
	c->ev->ended(c->owner, c, why);
}

static void on_attempt_timeout(lws_sorted_usec_list_t *sul)
{
	struct client *c = lws_container_of(sul, struct client, sul_attempt);

	if (!attempting(c) || !c->wsi)
		return;
	c->attempt_timed_out = true;
	lws_set_timeout(c->wsi, PENDING_TIMEOUT_AWAITING_SERVER_RESPONSE, LWS_TO_KILL_ASYNC);
}

static void attempt(struct client *c);

static void on_retry(lws_sorted_usec_list_t *sul)
{
	struct client *c = lws_container_of(sul, struct client, sul_retry);
	if (c->state == CLIENT_WAITING)
		attempt(c);
}

/* Schedules the next attempt, or gives up. */
static void retry_later(struct client *c, const char *why)
{
	const struct client_settings *set = c->set;

	/* The socket closes after this: its transport goes with the next attempt. */
	c->wsi = NULL;
	lws_sul_cancel(&c->sul_attempt);
	dial_free(&c->dial);
	if (c->closing_by_us || (wsconn_draining(&c->conn) && !wsconn_queued(&c->conn))) {
		end(c, CLIENT_END_BY_US);
		return;
	}
	if (set->retries >= 0 && c->failures > set->retries) {
		wsconn_log(&c->conn, LOG_ERROR, "cannot connect: %s (gave up after %ld attempt%s)",
		       why, c->failures, c->failures == 1 ? "" : "s");
		end(c, CLIENT_END_GAVE_UP);
		return;
	}
	lws_usec_t wait = (lws_usec_t)backoff_next_us(&c->backoff);
	wsconn_log(&c->conn, LOG_INFO, "%s; retrying in %.2f s", why,
	       (double)wait / LWS_US_PER_SEC);
	c->state = CLIENT_WAITING;
	lws_sul_schedule(set->ctx, 0, &c->sul_retry, on_retry, wait);
}

/*
 * A refusal that will not go away by retrying: a wrong token, path or
 * subprotocol, a request the server does not take. Not a timeout (408),
 * nor "too many requests" (429), nor anything of the server's own (5xx).
 */
static bool permanent_refusal(int status)
{
	return status >= 400 && status < 500 && status != 408 && status != 425 && status != 429;
}

int client_refusal(const struct client *c)
{
	return c->refused;
}

void client_resume_after(struct client *c, const struct position *p)
{
	c->since = *p;
	c->has_since = true;
}

static void attempt_failed(struct client *c, const char *why)
{
	if (c->attempt_timed_out)
		snprintf(c->last_failure, sizeof(c->last_failure),
			 "no connection within %g s (--connect-timeout)", c->set->connect_timeout);
	else
		snprintf(c->last_failure, sizeof(c->last_failure), "%s", why);
	c->failures++;
	stat_add(&c->set->ws->stats->failed_attempts, 1);
	if (c->state == CLIENT_UPGRADING && permanent_refusal(c->handshake.answer.status)) {
		c->refused = c->handshake.answer.status;
		wsconn_log(&c->conn, LOG_ERROR, "%s; not trying again: a refusal does not "
			   "change by itself", c->last_failure);
		c->wsi = NULL;
		lws_sul_cancel(&c->sul_attempt);
		dial_free(&c->dial);
		end(c, CLIENT_END_REFUSED);
		return;
	}
	if (c->set->oneshot && !c->ever_opened && !c->closing_by_us) {
		wsconn_log(&c->conn, LOG_ERROR, "cannot connect: %s (--oneshot: one attempt)",
			   c->last_failure);
		c->wsi = NULL;
		lws_sul_cancel(&c->sul_attempt);
		dial_free(&c->dial);
		end(c, CLIENT_END_GAVE_UP);
		return;
	}
	retry_later(c, c->last_failure);
}

static struct lws_vhost *default_vhost(const struct client *c)
{
	return lws_get_vhost_by_name(c->set->ctx, "default");
}

/* The next address; its lines in JSON logs name it. */
static struct lws *dial(struct client *c, char *why, size_t why_len)
{
	struct lws *wsi = dial_next(&c->dial, default_vhost(c), client_protocol.name, c,
				    why, why_len);
	c->conn.peer_address = c->dial.where;
	return wsi;
}

static void attempt(struct client *c)
{
	const struct client_settings *set = c->set;
	const struct proxy *proxy = set->unix_socket ? NULL : set->proxy;
	char why[400];

	transport_free(&c->link);
	c->state = CLIENT_CONNECTING;
	c->attempt_timed_out = false;
	c->conn.peer_close_code = 0;
	wsconn_log(&c->conn, LOG_DEBUG, "connecting%s%s", proxy ? " through the proxy " : "",
	       proxy ? proxy->shown : "");
	lws_sul_schedule(set->ctx, 0, &c->sul_attempt, on_attempt_timeout,
			 (lws_usec_t)(set->connect_timeout * LWS_US_PER_SEC));
	if (dial_prepare(&c->dial, proxy ? proxy->host : set->url->host,
			 proxy ? proxy->port : set->url->port, set->unix_socket,
			 why, sizeof(why)) ||
	    !(c->wsi = dial(c, why, sizeof(why))))
		attempt_failed(c, why);
}

void client_start(struct client *c)
{
	c->closing_by_us = false;
	wsconn_undrain(&c->conn);
	c->failures = 0;
	backoff_reset(&c->backoff);
	attempt(c);
}

void client_drain(struct client *c, unsigned code)
{
	wsconn_drain(&c->conn, code);
	if (wsconn_queued(&c->conn))
		return;
	/* Nothing to send: no need to wait for a connection. */
	if (c->state == CLIENT_WAITING || c->state == CLIENT_IDLE)
		end(c, CLIENT_END_BY_US);
	else if (attempting(c))
		client_close(c, code);
}

void client_close(struct client *c, unsigned code)
{
	c->closing_by_us = true;
	c->close_code = code;
	switch (c->state) {
	case CLIENT_OPEN:
		if (code)
			wsconn_close(&c->conn, code, NULL);
		else
			lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
		break;
	case CLIENT_CONNECTING:
	case CLIENT_TUNNELING:
	case CLIENT_SECURING:
	case CLIENT_UPGRADING:
		if (c->wsi)
			lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
		break;
	case CLIENT_WAITING:
	case CLIENT_IDLE:
		end(c, CLIENT_END_BY_US);
		break;
	case CLIENT_ENDED:
		break;
	}
}

/* ---- The steps of an attempt ---- */

/* Writes a head we built (request or CONNECT) on the new connection. */
static int send_head(struct client *c, int (*build)(struct client *, struct buf *))
{
	struct buf *b = c->set->ws->frames;	/* no frame is being written yet */

	b->len = 0;
	if (buf_reserve(b, LWS_PRE))
		return -1;
	b->len = LWS_PRE;
	if (build(c, b))
		return -1;
	return transport_write(&c->link, b->data + LWS_PRE, b->len - LWS_PRE);
}

/* Rxws-Since after its resume point, or Rxws-Last; nothing to start live. */
static int put_ask(const struct client *c, struct buf *extra)
{
	char line[64 + POSITION_MAX];
	int n = 0;

	if (c->has_since) {
		char pos[POSITION_MAX];
		position_format(pos, c->since.epoch, c->since.offset);
		n = snprintf(line, sizeof(line), "Rxws-Since: %s\r\n", pos);
	} else if (c->last) {
		n = snprintf(line, sizeof(line), "Rxws-Last: %llu\r\n",
			     (unsigned long long)c->last);
	}
	return n < 0 || (size_t)n >= sizeof(line) ? -1 : buf_append(extra, line, (size_t)n);
}

static int build_upgrade(struct client *c, struct buf *b)
{
	struct ws_offer offer = c->set->offer;
	struct buf extra = { 0 };
	int rc = -1;

	offer.target = c->target;
	if (c->set->acks) {
		struct delivery_offer d = {
			.instance = c->set->instance,
			.peer = c->server_instance,
			.received = wsconn_received_count(&c->conn),
			.first = wsconn_first_held(&c->conn),
			.pos = c->set->want_positions,
		};
		memcpy(d.session, c->session, sizeof(d.session));
		if (delivery_offer_put(&extra, &d))
			goto out;
	}
	if (c->set->want_positions && put_ask(c, &extra))
		goto out;
	if (extra.len) {
		if (buf_append_byte(&extra, '\0'))
			goto out;
		offer.extra = (const char *)extra.data;
	}
	rc = handshake_request(&c->handshake, b, &offer);
out:
	buf_free(&extra);
	return rc;
}

static int build_connect(struct client *c, struct buf *b)
{
	return proxy_request(c->set->proxy, c->set->url->host, c->set->url->port, b);
}

static int upgrade(struct client *c)
{
	c->state = CLIENT_UPGRADING;
	wsconn_log(&c->conn, LOG_DEBUG, "handshake: asking for %s%s", c->label,
		   c->set->offer.deflate ? ", offering permessage-deflate" : "");
	if (send_head(c, build_upgrade)) {
		attempt_failed(c, "cannot send the handshake");
		return -1;
	}
	return 0;
}

/* The road to the server is open (directly, or through the proxy). */
static int secure_or_upgrade(struct client *c)
{
	if (!c->set->url->tls)
		return upgrade(c);
	c->state = CLIENT_SECURING;
	if (transport_start_tls(&c->link, c->set->tls, c->set->url->host)) {
		attempt_failed(c, "cannot start TLS");
		return -1;
	}
	return 0;
}

static int on_connected(struct client *c, struct lws *wsi)
{
	char why[400];

	if (!dial_connected(&c->dial, wsi, why, sizeof(why))) {
		if (!dial_more(&c->dial)) {
			attempt_failed(c, why);
			return -1;
		}
		/* The next address of the name, in a new connection. */
		wsconn_log(&c->conn, LOG_DEBUG, "%s: trying the next address", why);
		c->wsi = dial(c, why, sizeof(why));
		if (!c->wsi)
			attempt_failed(c, why);
		return -1;
	}
	lws_rx_flow_control(wsi, 1);
	transport_init(&c->link, wsi, false);
	if (c->set->proxy && !c->set->unix_socket) {
		c->state = CLIENT_TUNNELING;
		http_head_reset(&c->proxy_answer);
		if (send_head(c, build_connect)) {
			attempt_failed(c, "cannot send the CONNECT request");
			return -1;
		}
		return 0;
	}
	return secure_or_upgrade(c);
}

/*
 * --since, --last, --state and --exit-at-end need positions: a server
 * that gives none (not rxws-serve, or one whose acknowledgements are off
 * while ours are on) will not give them next time either.
 */
static void refuse_without_positions(struct client *c)
{
	snprintf(c->last_failure, sizeof(c->last_failure),
		 "the server gives no positions, which --since, --last, --state and "
		 "--exit-at-end need (rxws(7), HISTORY AND RECOVERY): it is not rxws-serve%s",
		 c->set->acks ? ", or it runs with --no-ack (then give --no-ack here too)" : "");
	wsconn_log(&c->conn, LOG_ERROR, "%s; not trying again", c->last_failure);
	lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
	c->wsi = NULL;
	dial_free(&c->dial);
	end(c, CLIENT_END_REFUSED);
}

static void on_established(struct client *c)
{
	struct delivery_answer answer;
	struct wsconn_resume resume;
	bool acks = c->set->acks && delivery_answer_get(&c->handshake.answer, &answer);

	lws_sul_cancel(&c->sul_attempt);
	c->positions = (acks && answer.pos) ||
		       !strcmp(c->agreed.protocol, POSITION_SUBPROTOCOL);
	if (c->set->need_positions && !c->positions) {
		refuse_without_positions(c);
		return;
	}
	c->state = CLIENT_OPEN;
	c->failures = 0;
	c->opened_at = lws_now_usecs();
	if (c->ever_opened)
		stat_add(&c->set->ws->stats->reconnects, 1);
	c->ever_opened = true;
	if (acks) {
		/* Its count of ours says what to send again; its next, how we number its. */
		resume = (struct wsconn_resume){ .out_next = answer.received + 1,
						 .in_next = answer.next };
		c->server_instance = answer.instance;
	}
	uint64_t resent_before = c->conn.resent;
	c->conn.rx_extra = c->positions ? POSITION_MAX : 0;
	if (wsconn_attach(&c->conn, &c->link,
			  c->agreed.deflate ? &c->agreed.deflate_params : NULL,
			  acks ? &resume : NULL)) {
		lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
		return;
	}
	char notes[256] = "";
	size_t n = 0;
	if (c->agreed.protocol[0])
		n += (size_t)snprintf(notes + n, sizeof(notes) - n, ", subprotocol %s",
				      c->agreed.protocol);
	if (acks && n < sizeof(notes))
		n += (size_t)snprintf(notes + n, sizeof(notes) - n, ", acknowledged");
	if (c->positions && n < sizeof(notes))
		n += (size_t)snprintf(notes + n, sizeof(notes) - n, ", with positions");
	if (c->conn.resent > resent_before && n < sizeof(notes))
		snprintf(notes + n, sizeof(notes) - n, ", sending %llu again",
			 (unsigned long long)(c->conn.resent - resent_before));
	wsconn_log(&c->conn, LOG_INFO, "connected%s%s%s", *notes ? " (" : "",
	       *notes ? notes + 2 : "", *notes ? ")" : "");
	if (c->ev->opened)
		c->ev->opened(c->owner, c);
	if (c->closing_by_us)	/* it was still connecting when we closed */
		wsconn_close(&c->conn, c->close_code ? c->close_code : WS_CLOSE_GOING_AWAY, NULL);
}

/* Plaintext from the server: the handshake's answer, then frames. */
static int plain_received(void *arg, unsigned char *p, size_t n)
{
	struct client *c = arg;
	char why[400];
	size_t used = 0;

	if (c->state == CLIENT_OPEN)
		return wsconn_bytes(&c->conn, p, n);
	if (c->state != CLIENT_UPGRADING) {
		attempt_failed(c, "the server spoke before the handshake");
		return -1;
	}
	switch (handshake_response(&c->handshake, p, n, &used, &c->set->offer, &c->agreed,
				   why, sizeof(why))) {
	case HANDSHAKE_MORE:
		return 0;
	case HANDSHAKE_FAILED:
		attempt_failed(c, why);
		return -1;
	case HANDSHAKE_DONE:
		break;
	}
	wsconn_log(&c->conn, LOG_DEBUG, "handshake: HTTP 101%s%s%s", c->agreed.deflate ?
		   ", permessage-deflate" : "", c->agreed.protocol[0] ? ", subprotocol " : "",
		   c->agreed.protocol);
	on_established(c);
	if (c->state != CLIENT_OPEN)	/* given up on at once */
		return -1;
	return used < n ? wsconn_bytes(&c->conn, p + used, n - used) : 0;
}

static int through_transport(struct client *c, unsigned char *p, size_t n)
{
	switch (transport_received(&c->link, p, n, plain_received, c)) {
	case TRANSPORT_OK:
		return 0;
	case TRANSPORT_READY:
		/* Frames cannot have come yet: the server waits for our request. */
		return upgrade(c);
	case TRANSPORT_STOPPED:
		return c->state == CLIENT_OPEN && !wsconn_closed(&c->conn) ? 0 : -1;
	case TRANSPORT_ENDED:
		return -1;
	case TRANSPORT_FAILED:
		if (attempting(c))
			attempt_failed(c, transport_problem(&c->link));
		else
			wsconn_log(&c->conn, LOG_INFO, "%s", transport_problem(&c->link));
		return -1;
	}
	return 0;
}

/* The proxy's answer to CONNECT; what follows it is the server's. */
static int tunnel_received(struct client *c, unsigned char *p, size_t n)
{
	const char *problem = NULL;
	char why[400];
	size_t used = 0;

	switch (http_head_feed(&c->proxy_answer, true, p, n, &used, &problem)) {
	case HTTP_MORE:
		return 0;
	case HTTP_TOO_LARGE:
	case HTTP_MALFORMED:
		snprintf(why, sizeof(why), "the proxy %s answered CONNECT wrongly: %s",
			 c->set->proxy->shown, problem);
		attempt_failed(c, why);
		return -1;
	case HTTP_DONE:
		break;
	}
	if (proxy_answer_problem(&c->proxy_answer, why, sizeof(why))) {
		attempt_failed(c, why);
		return -1;
	}
	wsconn_log(&c->conn, LOG_DEBUG, "tunnel open through %s", c->set->proxy->shown);
	if (secure_or_upgrade(c))
		return -1;
	return used < n ? through_transport(c, p + used, n - used) : 0;
}

/* The socket is gone: a failed attempt, or an open connection's end. */
static void on_gone(struct client *c)
{
	char why[400];

	if (c->state == CLIENT_CONNECTING) {
		if (dial_connected(&c->dial, c->wsi, why, sizeof(why)))
			snprintf(why, sizeof(why), "the connection to %s closed", c->dial.where);
		if (dial_more(&c->dial) && !c->attempt_timed_out && !c->closing_by_us) {
			c->wsi = dial(c, why, sizeof(why));
			if (c->wsi)
				return;
		}
		attempt_failed(c, why);
		return;
	}
	if (attempting(c)) {
		attempt_failed(c, c->state == CLIENT_TUNNELING
				  ? "the proxy closed the connection"
				  : c->set->url->tls
				  ? "the connection closed during the handshake"
				  : "the connection closed during the handshake"
				    " (if the server speaks TLS, use wss://)");
		return;
	}
	if (c->state != CLIENT_OPEN)
		return;

	wsconn_detach(&c->conn);
	bool stable = lws_now_usecs() - c->opened_at >= STABLE_US;
	unsigned code = c->conn.peer_close_code;

	transport_free(&c->link);
	dial_free(&c->dial);
	c->wsi = NULL;
	if (c->closing_by_us) {
		end(c, CLIENT_END_BY_US);
		return;
	}
	if (code == WS_CLOSE_NORMAL) {
		wsconn_log(&c->conn, LOG_INFO, "the server ended the stream (1000)");
		end(c, CLIENT_END_BY_SERVER);
		return;
	}
	if (code && code != WS_CLOSE_NO_STATUS)
		snprintf(c->last_failure, sizeof(c->last_failure), "closed by the server (%u)", code);
	else if (code)
		snprintf(c->last_failure, sizeof(c->last_failure), "closed by the server");
	else
		snprintf(c->last_failure, sizeof(c->last_failure), "connection lost");
	if (c->set->oneshot) {
		wsconn_log(&c->conn, LOG_WARN, "%s: not connecting again (--oneshot)",
			   c->last_failure);
		end(c, CLIENT_END_BROKEN);
		return;
	}
	/* A server that keeps closing at once must not be hammered. */
	if (stable)
		backoff_reset(&c->backoff);
	retry_later(c, c->last_failure);
}

static int client_callback(struct lws *wsi, enum lws_callback_reasons reason,
			   void *user, void *in, size_t len)
{
	struct client *c = lws_get_opaque_user_data(wsi);

	(void)user;
	if (!c || c->wsi != wsi)
		return 0;	/* an attempt we already gave up on */
	switch (reason) {
	case LWS_CALLBACK_RAW_WRITEABLE:
		if (c->state == CLIENT_CONNECTING)
			return on_connected(c, wsi);
		return c->state == CLIENT_OPEN ? wsconn_writeable(&c->conn) : 0;
	case LWS_CALLBACK_RAW_RX:
		if (c->state == CLIENT_TUNNELING)
			return tunnel_received(c, in, len);
		if (attempting(c) || c->state == CLIENT_OPEN)
			return through_transport(c, in, len);
		return -1;
	case LWS_CALLBACK_RAW_CLOSE:
		on_gone(c);
		break;
	default:
		break;
	}
	return 0;
}
