#include "wsconn.h"

#include <string.h>
#include <sys/random.h>

#include "app.h"
#include "log.h"
#include "utf8.h"
#include "wsframe.h"

/* Large messages go out in fragments of this size. */
#define FRAGMENT (64u << 10)
/*
 * Small messages go out many to a write: framed here, sent as one buffer.
 * One send(2) a message would cost more than everything else together.
 */
#define BATCH_MESSAGE_MAX (16u << 10)
#define BATCH_BYTES (256u << 10)

/* Per writable callback, so one busy peer cannot starve the others. */
#define WRITE_BUDGET_MSGS 256
#define WRITE_BUDGET_BYTES (1u << 20)
/* A receive buffer that once held a huge message is not kept at that size. */
#define RX_KEEP_CAPACITY (1u << 20)

static const char *const policy_words[] = {
	[OVERFLOW_BLOCK] = "waiting",
	[OVERFLOW_DROP_OLDEST] = "dropping the oldest records",
	[OVERFLOW_DROP_NEWEST] = "dropping new records",
	[OVERFLOW_CLOSE] = "closing",
};

int wsconn_init(struct wsconn *c, struct app *app, const char *source,
		size_t queue_len, bool masks)
{
	memset(c, 0, sizeof(*c));
	c->app = app;
	c->masks = masks;
	c->source = source;
	c->type = app->cfg->datatype;
	c->rx.max = app->cfg->max_size;
	return ring_init(&c->queue, queue_len);
}

void wsconn_free(struct wsconn *c)
{
	ring_free(&c->queue);
	msg_unref(c->held);
	c->held = NULL;
	buf_free(&c->rx);
}

void wsconn_attach(struct wsconn *c, struct lws *wsi)
{
	c->wsi = wsi;
	c->rx.len = 0;
	c->close_pending = c->close_sent = c->flush_bounded = false;
	c->drop_after_close = c->pong_due = false;
	c->ping_due = c->ping_outstanding = false;
	c->last_heard = lws_now_usecs();
	if (app_rx_paused(c->app))
		lws_rx_flow_control(wsi, 0);
	if (!ring_empty(&c->queue) || c->close_when_empty)
		lws_callback_on_writable(wsi);
}

size_t wsconn_detach(struct wsconn *c)
{
	size_t lost = 0;

	c->wsi = NULL;
	msg_unref(c->held);
	c->held = NULL;
	/* A message lws has started on cannot be sent again whole. */
	if (c->head_started) {
		msg_unref(ring_pop(&c->queue));
		lost = 1;
		stat_add(&c->app->stats.lost, 1);
	}
	c->head_sent = 0;
	c->head_started = false;
	c->rx.len = 0;
	if (c->rx.cap > RX_KEEP_CAPACITY)
		buf_free(&c->rx);
	return lost;
}

size_t wsconn_queued(const struct wsconn *c)
{
	return c->queue.len;
}

static void note_drop(struct wsconn *c, enum overflow policy)
{
	if (!c->burst_drops++)
		log_at(LOG_WARN, c->source, "%s: queue full (--queue %zu): %s",
		       c->peer, c->queue.cap, policy_words[policy]);
	stat_add(&c->app->stats.dropped, 1);
}

enum push_result wsconn_push(struct wsconn *c, struct msg *m,
			     enum overflow policy)
{
	if (ring_full(&c->queue)) {
		switch (policy) {
		case OVERFLOW_BLOCK:
			return PUSH_FULL;
		case OVERFLOW_CLOSE:
			return PUSH_CLOSE;
		case OVERFLOW_DROP_NEWEST:
			note_drop(c, policy);
			msg_unref(m);
			return PUSH_DROPPED;
		case OVERFLOW_DROP_OLDEST:
			note_drop(c, policy);
			if (c->head_started)
				ring_drop_second(&c->queue);
			else
				msg_unref(ring_pop(&c->queue));
			if (ring_full(&c->queue)) {	/* a queue of one, busy */
				msg_unref(m);
				return PUSH_DROPPED;
			}
			break;
		}
	}
	if (ring_push(&c->queue, m)) {
		log_at(LOG_ERROR, c->source, "%s: out of memory for its queue", c->peer);
		stat_add(&c->app->stats.dropped, 1);
		msg_unref(m);
		return PUSH_DROPPED;
	}
	if (c->wsi)
		lws_callback_on_writable(c->wsi);
	return PUSH_QUEUED;
}

static enum ws_opcode opcode_of(const struct msg *m)
{
	return m->kind == FRAME_TEXT ? WS_TEXT : WS_BINARY;
}

/*
 * Sends one frame of our own: head, then the payload, masked when we are
 * the client. A whole frame per lws_write(), so lws' own control frames
 * can only come between ours.
 */
static int write_own_frame(struct wsconn *c, enum ws_opcode op, bool fin,
			   const unsigned char *p, size_t n)
{
	struct buf *b = &c->app->frames;
	unsigned char key[4];

	b->len = 0;
	if (buf_reserve(b, LWS_PRE + WS_HEAD_MAX + n))
		return -1;
	if (c->masks && getrandom(key, sizeof(key), 0) != (ssize_t)sizeof(key))
		return -1;
	size_t len = wsframe_write(b->data + LWS_PRE, op, fin, p, n,
				   c->masks ? key : NULL);
	return lws_write(c->wsi, b->data + LWS_PRE, len, LWS_WRITE_HTTP) < 0 ? -1 : 0;
}

/* Writes (part of) the head message; returns 1 when it is all sent. */
static int write_head(struct wsconn *c, struct msg *m)
{
	size_t left = m->len - c->head_sent;
	size_t n = left > FRAGMENT ? FRAGMENT : left;
	bool first = c->head_sent == 0, last = n == left;
	unsigned char *p = m->payload + c->head_sent;

	c->head_started = true;
	if (c->own_frames) {
		if (write_own_frame(c, first ? opcode_of(m) : WS_CONTINUATION, last, p, n))
			return -1;
		c->head_sent += n;
		return last;
	}

	unsigned char saved[LWS_PRE];
	int flags = lws_write_ws_flags(m->kind == FRAME_TEXT ? LWS_WRITE_TEXT
							      : LWS_WRITE_BINARY,
				       first, last);
	/*
	 * lws writes the frame header into the LWS_PRE bytes before p. Past
	 * the first fragment those are payload other peers still need.
	 */
	if (!first)
		memcpy(saved, p - LWS_PRE, LWS_PRE);
	int rc = lws_write(c->wsi, p, n, (enum lws_write_protocol)flags);
	if (!first)
		memcpy(p - LWS_PRE, saved, LWS_PRE);
	if (rc < 0)
		return -1;
	c->head_sent += n;
	return last;
}

/*
 * Writes the small messages at the head of the queue as frames of our
 * own, in one lws_write(). lws sends LWS_WRITE_HTTP data as it is; the
 * frames are whole, so lws' own control frames can only come between
 * them. Client frames are masked (RFC 6455 5.3) with keys from getrandom.
 * Returns how many messages went, or -1.
 */
static int write_batch(struct wsconn *c, size_t *budget)
{
	struct buf *b = &c->app->frames;
	unsigned char keys[4 * 256];
	size_t count = 0;

	b->len = 0;
	if (buf_reserve(b, LWS_PRE + BATCH_BYTES + 14))
		return -1;
	b->len = LWS_PRE;
	if (c->masks && getrandom(keys, sizeof(keys), 0) != (ssize_t)sizeof(keys))
		return -1;

	struct msg *m;
	size_t room = *budget < BATCH_BYTES ? *budget : BATCH_BYTES;
	/* The first message goes whatever the budget: the batch is never empty. */
	while ((m = ring_peek(&c->queue)) && m->len <= BATCH_MESSAGE_MAX &&
	       count < 256 &&
	       (!count || b->len - LWS_PRE + m->len + 14 <= room)) {
		const unsigned char *key = c->masks ? keys + 4 * count : NULL;
		b->len += wsframe_write(b->data + b->len, opcode_of(m), true,
					m->payload, m->len, key);
		stat_add(&c->app->stats.sent, 1);
		stat_add(&c->app->stats.bytes_sent, m->len);
		msg_unref(ring_pop(&c->queue));	/* its bytes are in the batch */
		count++;
	}
	size_t len = b->len - LWS_PRE;
	if (count && lws_write(c->wsi, b->data + LWS_PRE, len, LWS_WRITE_HTTP) < 0)
		return -1;
	*budget = len > *budget ? 0 : *budget - len;
	return (int)count;
}

/*
 * lws 4.1 does not report an empty pong (no RECEIVE_PONG callback comes
 * for it): the ping carries a few bytes for the pong to echo.
 */
static int send_ping(struct wsconn *c)
{
	unsigned char frame[LWS_PRE + 4] = { [LWS_PRE] = 'r', 'x', 'w', 's' };
	c->ping_due = false;
	if (c->own_frames)
		return write_own_frame(c, WS_PING, true, frame + LWS_PRE, 4);
	return lws_write(c->wsi, frame + LWS_PRE, 4, LWS_WRITE_PING) < 0 ? -1 : 0;
}

static int send_pong(struct wsconn *c)
{
	c->pong_due = false;
	return write_own_frame(c, WS_PONG, true, c->pong, c->pong_len);
}

/* How long a close we sent waits for the peer's answer. */
#define CLOSE_ANSWER_SECS 5

/*
 * Starts the close handshake. lws does it for its own frames: it may call
 * WRITEABLE again meanwhile, and returning -1 a second time would make it
 * drop the socket. With our own frames, we send the close frame and read
 * on until the peer answers it, unless the connection is failing.
 */
static int close_now(struct wsconn *c, int code, const char *reason)
{
	size_t reason_len = reason ? strlen(reason) : 0;

	c->close_sent = true;
	if (!c->own_frames) {
		lws_close_reason(c->wsi, (enum lws_close_status)code,
				 (unsigned char *)(uintptr_t)reason, reason_len);
		return -1;
	}
	unsigned char body[WS_CONTROL_MAX];
	size_t n = 0;
	if (code) {	/* none: an empty close, as an answer to one */
		body[0] = (unsigned char)(code >> 8);
		body[1] = (unsigned char)code;
		n = 2;
		if (reason_len > sizeof(body) - n)
			reason_len = sizeof(body) - n;
		if (reason_len)
			memcpy(body + n, reason, reason_len);
		n += reason_len;
	}
	if (write_own_frame(c, WS_CLOSE, true, body, n) || c->drop_after_close)
		return -1;
	lws_set_timeout(c->wsi, PENDING_TIMEOUT_CLOSE_ACK, CLOSE_ANSWER_SECS);
	return 0;
}

/*
 * Closing while lws still holds the tail of the last message would lose
 * the close frame: lws drains it first, in a bounded time.
 */
#define FLUSH_BOUND_SECS 5

static int close_after_flush(struct wsconn *c, int code, const char *reason)
{
	if (!lws_partial_buffered(c->wsi))
		return close_now(c, code, reason);
	if (!c->flush_bounded) {
		c->flush_bounded = true;
		lws_set_timeout(c->wsi, PENDING_TIMEOUT_CLOSE_SEND, FLUSH_BOUND_SECS);
	}
	lws_callback_on_writable(c->wsi);
	return 0;
}

int wsconn_writeable(struct wsconn *c)
{
	struct app *a = c->app;
	/*
	 * permessage-deflate: zlib goes on reading the buffer lws_write() was
	 * given after it returns (lws issues 1362, 1197), and lws asserts if
	 * it is written to again before that: one write per callback, and the
	 * message is held (c->held) until the next callback.
	 */
	bool one_write = a->cfg->compress;
	int budget_msgs = WRITE_BUDGET_MSGS;
	size_t budget_bytes = WRITE_BUDGET_BYTES;
	bool sent_some = false, wrote_any = false;

	msg_unref(c->held);
	c->held = NULL;

	if (c->close_sent)
		return 0;
	if (c->pong_due && send_pong(c))
		return -1;
	if (c->ping_due) {
		if (send_ping(c))
			return -1;
		if (one_write) {
			lws_callback_on_writable(c->wsi);
			return 0;
		}
	}
	if (c->close_pending)
		return close_after_flush(c, c->close_code, c->close_reason);

	struct msg *m;
	while ((m = ring_peek(&c->queue)) && budget_msgs && budget_bytes) {
		if (!one_write && !c->head_started && m->len <= BATCH_MESSAGE_MAX) {
			int n = write_batch(c, &budget_bytes);
			if (n < 0) {
				log_at(LOG_INFO, c->source, "%s: write failed", c->peer);
				return -1;
			}
			wrote_any = true;
			sent_some = true;
			budget_msgs -= n < budget_msgs ? n : budget_msgs;
			if (lws_send_pipe_choked(c->wsi))
				break;
			continue;
		}
		size_t before = c->head_sent;
		int rc = write_head(c, m);
		wrote_any = true;
		if (rc < 0) {
			log_at(LOG_INFO, c->source, "%s: write failed", c->peer);
			return -1;
		}
		size_t wrote = c->head_sent - before;
		budget_bytes = wrote > budget_bytes ? 0 : budget_bytes - wrote;
		if (rc == 1) {
			stat_add(&a->stats.sent, 1);
			stat_add(&a->stats.bytes_sent, m->len);
			msg_unref(c->held);
			c->held = ring_pop(&c->queue);
			c->head_sent = 0;
			c->head_started = false;
			budget_msgs--;
			sent_some = true;
		}
		if (one_write || lws_send_pipe_choked(c->wsi))
			break;
	}

	if (!ring_empty(&c->queue)) {
		lws_callback_on_writable(c->wsi);
	} else {
		if (c->burst_drops) {
			log_at(LOG_WARN, c->source, "%s: %llu records dropped",
			       c->peer, (unsigned long long)c->burst_drops);
			c->burst_drops = 0;
		}
		/*
		 * Not in the callback that wrote: with permessage-deflate, lws
		 * may still be draining the compressor, and writes in between
		 * (a close frame too) trip its assertion. It drains before it
		 * calls back.
		 */
		if (c->close_when_empty && one_write && wrote_any)
			lws_callback_on_writable(c->wsi);
		else if (c->close_when_empty)
			return close_after_flush(c, c->close_code, NULL);
	}
	if (sent_some)
		app_pump(a);
	return 0;
}

/* A whole message: to stdout, unless it is bad. -1 closes the connection. */
static int deliver(struct wsconn *c, const unsigned char *data, size_t len)
{
	struct app *a = c->app;

	stat_add(&a->stats.received, 1);
	stat_add(&a->stats.bytes_received, len);
	if (!c->rx_binary && !utf8_valid(data, len)) {
		/* RFC 6455 8.1: fail the connection. */
		stat_add(&a->stats.bad_received, 1);
		log_at(LOG_WARN, c->source,
		       "%s: text frame that is not UTF-8: closing with 1007", c->peer);
		return close_now(c, LWS_CLOSE_STATUS_INVALID_PAYLOAD, "invalid UTF-8");
	}
	if (a->cfg->send_only)
		return 0;
	const char *why = app_output(a, c->path, c->path_len, c->type,
				     c->rx_binary, data, len);
	if (why) {
		stat_add(&a->stats.bad_received, 1);
		log_at(LOG_WARN, c->source, "%s: %s: skipped", c->peer, why);
	}
	return 0;
}

static int too_large(struct wsconn *c, size_t len)
{
	stat_add(&c->app->stats.bad_received, 1);
	log_at(LOG_WARN, c->source,
	       "%s: message of %zu bytes or more is over --max-size (%zu): closing with 1009",
	       c->peer, len, c->app->cfg->max_size);
	c->rx.len = 0;
	return close_now(c, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, "message too big");
}

int wsconn_receive_piece(struct wsconn *c, const void *in, size_t len,
			 bool first, bool final, bool binary)
{
	wsconn_heard(c);
	if (c->close_sent)	/* what comes after our close is not wanted */
		return 0;
	if (first) {
		c->rx.len = 0;
		c->rx_binary = binary;
		/* Most messages come whole: no copy before stdout. */
		if (final) {
			if (len > c->rx.max)
				return too_large(c, len);
			return deliver(c, in, len);
		}
	}
	if (buf_append(&c->rx, in, len))
		return too_large(c, c->rx.len + len);
	int rc = 0;
	if (final) {
		rc = deliver(c, c->rx.data, c->rx.len);
		c->rx.len = 0;
		if (c->rx.cap > RX_KEEP_CAPACITY)
			buf_free(&c->rx);
	}
	return rc;
}

int wsconn_receive(struct wsconn *c, const void *in, size_t len)
{
	struct lws *wsi = c->wsi;
	return wsconn_receive_piece(c, in, len, lws_is_first_fragment(wsi),
				    lws_is_final_fragment(wsi), lws_frame_is_binary(wsi));
}

int wsconn_ping_received(struct wsconn *c, const void *payload, size_t len)
{
	wsconn_heard(c);
	memcpy(c->pong, payload, len);
	c->pong_len = (unsigned char)len;
	c->pong_due = true;
	lws_callback_on_writable(c->wsi);
	return 0;
}

int wsconn_fail(struct wsconn *c, int code, const char *reason)
{
	c->drop_after_close = true;
	return close_now(c, code, reason);
}

int wsconn_close_received(struct wsconn *c, int code)
{
	if (c->close_sent)	/* the answer to ours */
		return -1;
	return wsconn_fail(c, code, NULL);
}

void wsconn_heard(struct wsconn *c)
{
	c->last_heard = lws_now_usecs();
	c->ping_outstanding = false;
}

void wsconn_close(struct wsconn *c, int code, const char *reason)
{
	c->close_pending = true;
	c->close_code = code;
	c->close_reason = reason;
	if (c->wsi)
		lws_callback_on_writable(c->wsi);
}

void wsconn_drain(struct wsconn *c, int code)
{
	c->close_when_empty = true;
	c->close_code = code;
	if (c->wsi)
		lws_callback_on_writable(c->wsi);
}

void wsconn_tick(struct wsconn *c, lws_usec_t now)
{
	const struct config *cfg = c->app->cfg;

	if (!c->wsi || cfg->ping_interval <= 0)
		return;
	if (c->ping_outstanding) {
		lws_usec_t limit = (lws_usec_t)(cfg->ping_timeout * LWS_US_PER_SEC);
		if (limit > 0 && now - c->ping_asked_at >= limit) {
			log_at(LOG_WARN, c->source,
			       "%s: no answer to a ping in %g s: dropping the connection",
			       c->peer, cfg->ping_timeout);
			c->ping_outstanding = false;
			lws_set_timeout(c->wsi, PENDING_TIMEOUT_WS_PONG_CHECK_GET_PONG,
					LWS_TO_KILL_ASYNC);
		}
		return;
	}
	if (now - c->last_heard >= (lws_usec_t)(cfg->ping_interval * LWS_US_PER_SEC)) {
		/* The clock starts now, even if the socket is too full to send. */
		c->ping_due = c->ping_outstanding = true;
		c->ping_asked_at = now;
		lws_callback_on_writable(c->wsi);
	}
}

void wsconn_rx_flow(struct wsconn *c, bool enable)
{
	if (c->wsi)
		lws_rx_flow_control(c->wsi, enable);
}
