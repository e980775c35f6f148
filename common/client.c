#include "client.h"

#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "log.h"

/* A connection that lived this long proves the server is back. */
#define STABLE_US LWS_US_PER_SEC

/* Keepalive is ours (wsconn_tick): lws' own idle pings stay off. */
static const lws_retry_bo_t no_lws_keepalive = { 0 };

int client_init(struct client *c, struct app *app, const struct url *url,
		const char *path, const char *tag, const char *source,
		client_end_cb on_end, void *owner)
{
	memset(c, 0, sizeof(*c));
	c->app = app;
	c->url = url;
	c->on_end = on_end;
	c->owner = owner;
	c->path = strdup(path);
	c->source = strdup(source);
	/* Its own path, without the query: the tag of what it receives. */
	c->label = tag ? strdup(tag) : strndup(path, strcspn(path, "?"));
	if (!c->path || !c->source || !c->label ||
	    wsconn_init(&c->conn, app, c->source, app->cfg->queue_len, true)) {
		client_free(c);
		return -1;
	}
	c->conn.path = c->label;
	c->conn.path_len = strlen(c->label);
	c->conn.type = tag ? config_type_for(app->cfg, tag) : app->cfg->datatype;
	c->conn.own_frames = !url->tls && !app->cfg->compress;
	snprintf(c->conn.peer, sizeof(c->conn.peer), "server");
	backoff_init(&c->backoff, app->cfg->retry_delay, app->cfg->retry_max);
	return 0;
}

void client_free(struct client *c)
{
	lws_sul_cancel(&c->sul_retry);
	lws_sul_cancel(&c->sul_attempt);
	wsconn_free(&c->conn);
	handshake_free(&c->handshake);
	free(c->path);
	free(c->source);
	free(c->label);
	c->path = c->source = c->label = NULL;
}

bool client_active(const struct client *c)
{
	return c->state == CLIENT_CONNECTING || c->state == CLIENT_OPEN ||
	       c->state == CLIENT_WAITING;
}

static void end(struct client *c, enum client_end why)
{
	lws_sul_cancel(&c->sul_retry);
	lws_sul_cancel(&c->sul_attempt);
	c->state = CLIENT_ENDED;
	c->on_end(c, why);
}

static void on_attempt_timeout(lws_sorted_usec_list_t *sul)
{
	struct client *c = lws_container_of(sul, struct client, sul_attempt);

	if (c->state != CLIENT_CONNECTING || !c->wsi)
		return;
	c->attempt_timed_out = true;
	lws_set_timeout(c->wsi, PENDING_TIMEOUT_AWAITING_SERVER_RESPONSE,
			LWS_TO_KILL_ASYNC);
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
	const struct config *cfg = c->app->cfg;

	c->wsi = NULL;
	lws_sul_cancel(&c->sul_attempt);
	if (c->closing_by_us || (c->conn.close_when_empty && !wsconn_queued(&c->conn))) {
		end(c, CLIENT_END_BY_US);
		return;
	}
	if (cfg->retries >= 0 && c->failures > cfg->retries) {
		log_at(LOG_ERROR, c->source, "cannot connect: %s (gave up after %ld attempt%s)",
		       why, c->failures, c->failures == 1 ? "" : "s");
		end(c, CLIENT_END_GAVE_UP);
		return;
	}
	lws_usec_t wait = (lws_usec_t)backoff_next_us(&c->backoff);
	log_at(LOG_INFO, c->source, "%s; retrying in %.2f s", why,
	       (double)wait / LWS_US_PER_SEC);
	c->state = CLIENT_WAITING;
	lws_sul_schedule(c->app->ctx, 0, &c->sul_retry, on_retry, wait);
}

static void attempt(struct client *c)
{
	const struct config *cfg = c->app->cfg;
	struct lws_client_connect_info info = { 0 };
	char address[512];

	if (cfg->unix_socket) {
		snprintf(address, sizeof(address), "+%s", cfg->unix_socket);
		info.address = address;
		info.port = 0;
	} else {
		info.address = c->url->host;
		info.port = c->url->port;
	}
	info.context = c->app->ctx;
	info.path = c->path;
	info.host = c->url->host_header;
	/* Not a browser: no Origin, unless --header gives one. */
	if (c->url->tls) {
		info.ssl_connection = LCCSCF_USE_SSL;
		if (cfg->insecure)
			info.ssl_connection |= LCCSCF_ALLOW_SELFSIGNED | LCCSCF_ALLOW_EXPIRED |
					       LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK |
					       LCCSCF_ALLOW_INSECURE;
	}
	info.local_protocol_name = "rxws";
	if (c->conn.own_frames)
		info.method = "RAW";
	c->request_sent = false;
	info.userdata = c;
	info.pwsi = &c->wsi;
	info.retry_and_idle_policy = &no_lws_keepalive;

	c->state = CLIENT_CONNECTING;
	c->attempt_timed_out = false;
	c->peer_close_code = 0;
	c->certificate_problem[0] = '\0';
	log_at(LOG_DEBUG, c->source, "connecting");
	lws_sul_schedule(c->app->ctx, 0, &c->sul_attempt, on_attempt_timeout,
			 (lws_usec_t)(cfg->connect_timeout * LWS_US_PER_SEC));
	if (!lws_client_connect_via_info(&info) && c->state == CLIENT_CONNECTING) {
		c->failures++;
		retry_later(c, "cannot start a connection");
	}
}

void client_start(struct client *c)
{
	c->closing_by_us = false;
	c->conn.close_when_empty = false;
	c->failures = 0;
	backoff_reset(&c->backoff);
	attempt(c);
}

void client_drain(struct client *c, int code)
{
	wsconn_drain(&c->conn, code);
	if (wsconn_queued(&c->conn))
		return;
	/* Nothing to send: no need to wait for a connection. */
	if (c->state == CLIENT_WAITING || c->state == CLIENT_IDLE)
		end(c, CLIENT_END_BY_US);
	else if (c->state == CLIENT_CONNECTING)
		client_close(c, code);
}

void client_close(struct client *c, int code)
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

static void on_established(struct client *c, struct lws *wsi)
{
	lws_sul_cancel(&c->sul_attempt);
	c->state = CLIENT_OPEN;
	c->failures = 0;
	c->opened_at = lws_now_usecs();
	if (c->ever_opened)
		stat_add(&c->app->stats.reconnects, 1);
	c->ever_opened = true;
	log_at(LOG_INFO, c->source, "connected");
	wsconn_attach(&c->conn, wsi);
	if (c->closing_by_us)	/* it was still connecting when we closed */
		wsconn_close(&c->conn, c->close_code ? c->close_code
						      : LWS_CLOSE_STATUS_GOINGAWAY, NULL);
}

static void on_closed(struct client *c)
{
	size_t lost = wsconn_detach(&c->conn);
	bool stable = lws_now_usecs() - c->opened_at >= STABLE_US;

	if (lost)
		log_at(LOG_WARN, c->source, "%zu record%s lost in flight", lost,
		       lost == 1 ? "" : "s");
	if (c->closing_by_us || c->state == CLIENT_ENDED) {
		c->wsi = NULL;
		end(c, CLIENT_END_BY_US);
		return;
	}
	if (c->peer_close_code == LWS_CLOSE_STATUS_NORMAL) {
		log_at(LOG_INFO, c->source, "the server ended the stream (1000)");
		c->wsi = NULL;
		end(c, CLIENT_END_BY_SERVER);
		return;
	}
	/* A server that keeps closing at once must not be hammered. */
	if (stable)
		backoff_reset(&c->backoff);
	char why[64];
	if (c->peer_close_code)
		snprintf(why, sizeof(why), "closed by the server (%d)", c->peer_close_code);
	else
		snprintf(why, sizeof(why), "connection lost");
	retry_later(c, why);
}

/* --auth-token-file and --header, added to the handshake. */
static int append_headers(struct client *c, struct lws *wsi, void *in, size_t len)
{
	const struct config *cfg = c->app->cfg;
	unsigned char **p = in, *end = *p + len;

	if (cfg->token) {
		char value[4200];
		int n = snprintf(value, sizeof(value), "Bearer %s", cfg->token);
		if (lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_AUTHORIZATION,
						 (unsigned char *)value, n, p, end))
			return -1;
	}
	for (size_t i = 0; i < cfg->n_headers; i++) {
		const char *h = cfg->headers[i];
		const char *colon = strchr(h, ':');	/* checked by options */
		const char *value = colon + 1 + strspn(colon + 1, " \t");
		char name[256];
		snprintf(name, sizeof(name), "%.*s:", (int)(colon - h), h);
		if (lws_add_http_header_by_name(wsi, (unsigned char *)name,
						(unsigned char *)value,
						(int)strlen(value), p, end))
			return -1;
	}
	return 0;
}

/* Says what a failed attempt is likely about, where lws is terse. */
static const char *hint_for(const struct client *c, const char *in)
{
	if (!in)
		return "";
	if (c->url->tls && strstr(in, "SSL"))
		return " (TLS failed: a certificate not trusted here (see --cacert), "
		       "a name that does not match, or no TLS on that port)";
	if (!c->url->tls && (strstr(in, "read failed") || strstr(in, "closed")))
		return " (if the server speaks TLS, use wss://)";
	if (strstr(in, "unauthorized"))
		return " (the server wants a token: see --auth-token-file)";
	if (strstr(in, "not 101"))
		return " (the server refused the handshake: its path, origin or"
		       " number of clients; its log says why)";
	return "";
}

static void attempt_failed(struct client *c, const char *why)
{
	char timed_out[128];

	if (c->attempt_timed_out) {
		snprintf(timed_out, sizeof(timed_out),
			 "no connection within %g s (--connect-timeout)",
			 c->app->cfg->connect_timeout);
		why = timed_out;
	}
	c->failures++;
	retry_later(c, why);
}

/* What to do about the reason OpenSSL gave for refusing a certificate. */
static const char *certificate_hint(int error)
{
	switch (error) {
	case X509_V_ERR_HOSTNAME_MISMATCH:
	case X509_V_ERR_IP_ADDRESS_MISMATCH:
		return "connect by a name or address it is for";
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
		return "its CA is not trusted here: see --cacert";
	case X509_V_ERR_CERT_HAS_EXPIRED:
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return "check the clocks, or renew it";
	default:
		return "see --cacert, or --insecure to skip the check";
	}
}

/* lws says only "SSL err 1" when the certificate is refused: keep why. */
static void note_certificate(struct client *c, X509_STORE_CTX *store)
{
	int error = X509_STORE_CTX_get_error(store);

	if (!c || c->app->cfg->insecure || c->certificate_problem[0])
		return;
	snprintf(c->certificate_problem, sizeof(c->certificate_problem),
		 "the server's certificate was refused: %s (%s)",
		 X509_verify_cert_error_string(error), certificate_hint(error));
}

/* in: lws' words for it. */
static void on_connection_error(struct client *c, const char *in)
{
	char why[512];

	if (c->certificate_problem[0])
		snprintf(why, sizeof(why), "%s", c->certificate_problem);
	else
		snprintf(why, sizeof(why), "%s%s", in && *in ? in : "connection failed",
			 hint_for(c, in));
	attempt_failed(c, why);
}

/* RFC 6455 7.1.7: fail the connection, saying why with 1002. */
static int protocol_error(struct client *c, const char *why)
{
	stat_add(&c->app->stats.bad_received, 1);
	log_at(LOG_WARN, c->source, "%s: %s: closing with 1002", c->conn.peer, why);
	return wsconn_fail(&c->conn, LWS_CLOSE_STATUS_PROTOCOL_ERR, "protocol error");
}

/* The frames of a plain connection, read by us. */
static int on_data(void *arg, const unsigned char *p, size_t n, bool first,
		   bool final, bool binary)
{
	struct client *c = arg;
	return wsconn_receive_piece(&c->conn, p, n, first, final, binary);
}

static int on_control(void *arg, enum ws_opcode op, const unsigned char *p, size_t n)
{
	struct client *c = arg;

	switch (op) {
	case WS_PING:
		return wsconn_ping_received(&c->conn, p, n);
	case WS_PONG:
		wsconn_heard(&c->conn);
		return 0;
	case WS_CLOSE:
		if (n == 1)
			return protocol_error(c, "a close frame of one byte");
		if (n >= 2 && !c->conn.close_sent)
			c->peer_close_code = p[0] << 8 | p[1];
		return wsconn_close_received(&c->conn, c->peer_close_code);
	default:
		return 0;
	}
}

static int read_frames(struct client *c, const unsigned char *p, size_t n)
{
	const struct wsframe_sink sink = { on_data, on_control, c };
	const char *why = NULL;

	switch (wsframe_read(&c->frames, p, n, &sink, &why)) {
	case WSFRAME_OK:
		return 0;
	case WSFRAME_STOPPED:
		return -1;
	case WSFRAME_BAD:
		break;
	}
	return protocol_error(c, why);
}

/* Bytes of a plain connection: the handshake's answer, then frames. */
static int raw_received(struct client *c, struct lws *wsi, const unsigned char *p,
			size_t n)
{
	if (c->state == CLIENT_OPEN)
		return read_frames(c, p, n);
	if (c->state != CLIENT_CONNECTING)
		return -1;

	const unsigned char *rest = NULL;
	size_t rest_len = 0;
	char why[300];
	switch (handshake_response(&c->handshake, p, n, &rest, &rest_len, why,
				   sizeof(why))) {
	case HANDSHAKE_MORE:
		return 0;
	case HANDSHAKE_FAILED:
		attempt_failed(c, why);
		return -1;
	case HANDSHAKE_DONE:
		break;
	}
	handshake_free(&c->handshake);	/* rest points into p, not into it */
	wsframe_reader_init(&c->frames);
	on_established(c, wsi);
	return rest_len ? read_frames(c, rest, rest_len) : 0;
}

static int send_request(struct client *c, struct lws *wsi)
{
	struct buf *b = &c->app->frames;

	c->request_sent = true;
	b->len = 0;
	if (buf_reserve(b, LWS_PRE))
		goto no_memory;
	b->len = LWS_PRE;
	if (handshake_request(&c->handshake, b, c->url->host_header, c->path, c->app->cfg))
		goto no_memory;
	return lws_write(wsi, b->data + LWS_PRE, b->len - LWS_PRE, LWS_WRITE_HTTP) < 0 ? -1 : 0;

no_memory:
	attempt_failed(c, "out of memory for the handshake");
	return -1;
}

/* The socket is gone: a failed attempt (why), or an open connection's end. */
static void on_gone(struct client *c, const char *why)
{
	if (c && c->state == CLIENT_CONNECTING)
		on_connection_error(c, why);
	else if (c && c->state == CLIENT_OPEN)
		on_closed(c);
}

int client_callback(struct lws *wsi, enum lws_callback_reasons reason,
		    void *user, void *in, size_t len)
{
	struct client *c = user;
	struct app *a = lws_context_user(lws_get_context(wsi));

	switch (reason) {
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		app_wake(a);
		break;
	case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
		return c ? append_headers(c, wsi, in, len) : 0;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		on_established(c, wsi);
		break;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		if (c && c->state == CLIENT_CONNECTING)
			on_connection_error(c, in);
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		return wsconn_receive(&c->conn, in, len);
	case LWS_CALLBACK_CLIENT_RECEIVE_PONG:
		wsconn_heard(&c->conn);
		break;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		return wsconn_writeable(&c->conn);
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		if (c && len >= 2) {
			const unsigned char *p = in;
			c->peer_close_code = p[0] << 8 | p[1];
		}
		break;
	case LWS_CALLBACK_CLIENT_CLOSED:
		if (c && c->state == CLIENT_OPEN)
			on_closed(c);
		break;
	case LWS_CALLBACK_OPENSSL_PERFORM_SERVER_CERT_VERIFICATION:
		/* Here user is OpenSSL's X509_STORE_CTX, and len its verdict. */
		if (!len)
			note_certificate(lws_wsi_user(wsi), user);
		return 0;
	case LWS_CALLBACK_RAW_CONNECTED:
		lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_RAW_WRITEABLE:
		if (c->state == CLIENT_CONNECTING)
			return c->request_sent ? 0 : send_request(c, wsi);
		return wsconn_writeable(&c->conn);
	case LWS_CALLBACK_RAW_RX:
		return raw_received(c, wsi, in, len);
	case LWS_CALLBACK_RAW_CLOSE:
		on_gone(c, "the connection closed during the handshake");
		break;
	case LWS_CALLBACK_WSI_DESTROY:
		/* Not every way a wsi dies says so above (a killed attempt). */
		on_gone(c, "connection aborted");
		break;
	default:
		break;
	}
	return 0;
}
