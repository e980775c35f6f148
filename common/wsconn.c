#include "wsconn.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "log.h"

/* Large messages go out in fragments of this size. */
#define FRAGMENT (64u << 10)
/*
 * Small messages go out many to a write: framed here, sent as one buffer.
 * One send(2) a message would cost more than everything else together.
 */
#define BATCH_MESSAGE_MAX (16u << 10)
#define BATCH_BYTES (256u << 10)
#define BATCH_COUNT 256

/* Per writable callback, so one busy peer cannot starve the others. */
#define WRITE_BUDGET_MSGS 256
#define WRITE_BUDGET_BYTES (1u << 20)
/* A buffer that once held a huge message is not kept at that size. */
#define KEEP_CAPACITY (1u << 20)

/* How long a close we sent waits for the peer's answer. */
#define CLOSE_ANSWER_SECS 5
/* How long the last bytes (a close frame) may take to leave. */
#define FLUSH_BOUND_SECS 5

/*
 * Pings not yet answered. RFC 6455 5.5.3 lets a pong answer only the
 * latest of several pings, but peers expect one each: a burst this long
 * is answered in full, and beyond it only the newest are.
 */
#define PONGS_MAX 16

struct pong_queue {
	unsigned char len[PONGS_MAX];
	unsigned char payload[PONGS_MAX][WS_CONTROL_MAX];
	unsigned head, count;
};

static const char *const policy_words[] = {
	[OVERFLOW_BLOCK] = "waiting",
	[OVERFLOW_DROP_OLDEST] = "dropping the oldest records",
	[OVERFLOW_DROP_NEWEST] = "dropping new records",
	[OVERFLOW_CLOSE] = "closing",
};

int wsconn_init(struct wsconn *c, const struct wsconn_config *cfg,
		const struct wsconn_events *ev, void *owner, const char *source,
		bool client)
{
	memset(c, 0, sizeof(*c));
	c->cfg = cfg;
	c->ev = ev;
	c->owner = owner;
	c->source = source;
	c->client = client;
	c->rx.max = cfg->max_size;
	c->reader.from_client = !client;
	c->reader.max_message = cfg->max_size;
	return ring_init(&c->queue, cfg->queue_len);
}

static void free_deflate(struct wsconn *c)
{
	if (c->deflate) {
		deflate_stream_free(c->deflate);
		free(c->deflate);
		c->deflate = NULL;
	}
}

void wsconn_free(struct wsconn *c)
{
	ring_free(&c->queue);
	free_deflate(c);
	free(c->pongs);
	c->pongs = NULL;
	buf_free(&c->rx);
	buf_free(&c->tx);
	buf_free(&c->zbuf);
}

int wsconn_attach(struct wsconn *c, struct transport *link,
		  const struct deflate_params *deflate)
{
	c->link = link;
	c->rx.len = 0;
	c->closing = WS_OPEN;
	c->close_pending = c->flushing = false;
	c->peer_close_code = 0;
	c->ping_due = c->ping_outstanding = false;
	c->last_heard = lws_now_usecs();
	c->reader.deflate = deflate != NULL;
	wsframe_reader_reset(&c->reader);
	free_deflate(c);
	if (deflate) {
		c->deflate = malloc(sizeof(*c->deflate));
		if (!c->deflate)
			return -1;
		deflate_stream_init(c->deflate, deflate, !c->client);
	}
	if (!ring_empty(&c->queue) || c->close_when_empty)
		lws_callback_on_writable(link->wsi);
	return 0;
}

static void shrink(struct buf *b)
{
	b->len = 0;
	if (b->cap > KEEP_CAPACITY)
		buf_free(b);
}

size_t wsconn_detach(struct wsconn *c)
{
	size_t lost = 0;

	c->link = NULL;
	/* A message whose first frame went cannot be sent again whole. */
	if (c->head_started) {
		msg_unref(ring_pop(&c->queue));
		lost = 1;
		stat_add(&c->cfg->stats->lost, 1);
	}
	c->head_sent = 0;
	c->head_started = c->head_compressed = false;
	if (c->pongs)
		c->pongs->count = 0;
	free_deflate(c);
	shrink(&c->rx);
	shrink(&c->tx);
	shrink(&c->zbuf);
	return lost;
}

size_t wsconn_queued(const struct wsconn *c)
{
	return c->queue.len;
}

bool wsconn_open(const struct wsconn *c)
{
	return c->link && c->closing == WS_OPEN && !c->close_pending;
}

static void want_writeable(struct wsconn *c)
{
	if (c->link)
		lws_callback_on_writable(c->link->wsi);
}

static void note_drop(struct wsconn *c, enum overflow policy)
{
	if (!c->burst_drops++)
		log_at(LOG_WARN, c->source, "%s: queue full (--queue %zu): %s",
		       c->peer, c->queue.cap, policy_words[policy]);
	stat_add(&c->cfg->stats->dropped, 1);
}

enum push_result wsconn_push(struct wsconn *c, struct msg *m, enum overflow policy)
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
			/* Once compressed, a message is in the peer's context: it goes. */
			if (c->head_started || c->head_compressed)
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
		stat_add(&c->cfg->stats->dropped, 1);
		msg_unref(m);
		return PUSH_DROPPED;
	}
	want_writeable(c);
	return PUSH_QUEUED;
}

/* ---- Writing ---- */

/* Starts a batch of frames in c->tx, after lws' headroom. */
static int batch_start(struct wsconn *c, size_t room)
{
	c->tx.len = 0;
	if (buf_reserve(&c->tx, LWS_PRE + room))
		return -1;
	c->tx.len = LWS_PRE;
	return 0;
}

/* Appends one frame to the batch (room was reserved). */
static void batch_frame(struct wsconn *c, enum ws_opcode op, bool fin, bool compressed,
			const unsigned char *p, size_t n, const unsigned char *key)
{
	c->tx.len += wsframe_write(c->tx.data + c->tx.len, op, fin, compressed, p, n,
				   c->client ? key : NULL);
}

static int batch_send(struct wsconn *c)
{
	size_t n = c->tx.len - LWS_PRE;
	return n ? transport_write(c->link, c->tx.data + LWS_PRE, n) : 0;
}

static int mask_keys(struct wsconn *c, unsigned char *keys, size_t n)
{
	return c->client && getrandom(keys, n, 0) != (ssize_t)n ? -1 : 0;
}

/* Sends one control frame. */
static int send_control(struct wsconn *c, enum ws_opcode op, const unsigned char *p,
			size_t n)
{
	unsigned char key[4];

	if (mask_keys(c, key, sizeof(key)) || batch_start(c, WS_HEAD_MAX + n))
		return -1;
	batch_frame(c, op, true, false, p, n, key);
	return batch_send(c);
}

static int send_close(struct wsconn *c, unsigned code, const char *reason)
{
	unsigned char body[WS_CONTROL_MAX];
	size_t n = 0;

	/* No status (an empty close answered): an empty close. */
	if (code && code != WS_CLOSE_NO_STATUS) {
		size_t reason_len = reason ? strlen(reason) : 0;
		body[0] = (unsigned char)(code >> 8);
		body[1] = (unsigned char)code;
		if (reason_len > sizeof(body) - 2)
			reason_len = sizeof(body) - 2;
		memcpy(body + 2, reason, reason_len);
		n = 2 + reason_len;
	}
	return send_control(c, WS_CLOSE, body, n);
}

/* The socket goes once lws has sent what it holds, in a bounded time. */
static int flush_and_close(struct wsconn *c)
{
	if (!c->flushing) {
		c->flushing = true;
		transport_goodbye(c->link);
		lws_set_timeout(c->link->wsi, PENDING_TIMEOUT_CLOSE_SEND, FLUSH_BOUND_SECS);
	}
	if (!transport_choked(c->link))
		return -1;
	want_writeable(c);
	return 0;
}

static int send_pongs(struct wsconn *c)
{
	struct pong_queue *q = c->pongs;

	while (q && q->count) {
		unsigned i = q->head;
		if (send_control(c, WS_PONG, q->payload[i], q->len[i]))
			return -1;
		q->head = (q->head + 1) % PONGS_MAX;
		q->count--;
	}
	return 0;
}

/*
 * The head message's bytes on the wire: its payload, or its compressed
 * form (made once, when it is first looked at).
 */
static int wire_form(struct wsconn *c, struct msg *m, const unsigned char **p,
		     size_t *n, bool *compressed)
{
	if (!c->head_started && !c->head_sent && !c->head_compressed &&
	    c->deflate && m->len && deflate_can_compress(c->deflate)) {
		c->zbuf.len = 0;
		if (deflate_message(c->deflate, m->payload, m->len, &c->zbuf))
			return -1;
		c->head_compressed = true;
	}
	*compressed = c->head_compressed;
	*p = c->head_compressed ? c->zbuf.data : m->payload;
	*n = c->head_compressed ? c->zbuf.len : m->len;
	return 0;
}

static enum ws_opcode opcode_of(const struct msg *m)
{
	return m->kind == FRAME_TEXT ? WS_TEXT : WS_BINARY;
}

static void message_done(struct wsconn *c)
{
	struct msg *m = ring_pop(&c->queue);

	stat_add(&c->cfg->stats->sent, 1);
	stat_add(&c->cfg->stats->bytes_sent, m->len);
	msg_unref(m);
	c->head_sent = 0;
	c->head_started = c->head_compressed = false;
}

/*
 * Writes the small messages at the head of the queue as whole frames, in
 * one write; or, when the head is large, its next fragment. Returns how
 * many bytes went on the wire, or -1.
 */
static long write_some(struct wsconn *c, size_t budget)
{
	unsigned char keys[4 * BATCH_COUNT];
	size_t count = 0;
	struct msg *m;

	if (mask_keys(c, keys, sizeof(keys)) || batch_start(c, BATCH_BYTES + WS_HEAD_MAX))
		return -1;
	size_t room = budget < BATCH_BYTES ? budget : BATCH_BYTES;
	while ((m = ring_peek(&c->queue)) && count < BATCH_COUNT) {
		const unsigned char *p;
		size_t n;
		bool compressed;
		if (wire_form(c, m, &p, &n, &compressed))
			return -1;
		if (c->head_started || n > BATCH_MESSAGE_MAX)
			break;
		/* The first message goes whatever the budget: never an empty batch. */
		if (count && c->tx.len - LWS_PRE + n + WS_HEAD_MAX > room)
			break;
		batch_frame(c, opcode_of(m), true, compressed, p, n, keys + 4 * count);
		message_done(c);
		count++;
	}
	if (!count && (m = ring_peek(&c->queue))) {
		/* A large message: its next fragment, framed in the batch buffer. */
		const unsigned char *p;
		size_t n;
		bool compressed;
		if (wire_form(c, m, &p, &n, &compressed))
			return -1;
		size_t left = n - c->head_sent;
		size_t take = left > FRAGMENT ? FRAGMENT : left;
		bool first = !c->head_started, last = take == left;
		if (buf_reserve(&c->tx, take + WS_HEAD_MAX))
			return -1;
		batch_frame(c, first ? opcode_of(m) : WS_CONTINUATION, last,
			    first && compressed, p + c->head_sent, take, keys);
		c->head_started = true;
		c->head_sent += take;
		if (last)
			message_done(c);
	}
	long wrote = (long)(c->tx.len - LWS_PRE);
	return batch_send(c) ? -1 : wrote;
}

int wsconn_writeable(struct wsconn *c)
{
	if (!c->link)
		return 0;
	if (c->flushing)
		return flush_and_close(c);
	if (send_pongs(c))
		return -1;
	if (c->ping_due) {
		static const unsigned char ping[] = { 'r', 'x', 'w', 's' };
		c->ping_due = false;
		if (send_control(c, WS_PING, ping, sizeof(ping)))
			return -1;
	}

	switch (c->closing) {
	case WS_OPEN:
		break;
	case WS_CLOSE_ANSWERING:
		if (send_close(c, c->peer_close_code, NULL))
			return -1;
		c->closing = WS_CLOSED;
		return flush_and_close(c);
	case WS_FAILING:
		if (send_close(c, c->close_code, c->close_reason))
			return -1;
		return flush_and_close(c);
	case WS_CLOSE_SENT:
	case WS_CLOSED:
		return 0;
	}
	/* A close asked for goes after the message being sent, whole. */
	if (c->close_pending && !c->head_started) {
		c->close_pending = false;
		c->closing = WS_CLOSE_SENT;
		if (send_close(c, c->close_code, c->close_reason))
			return -1;
		lws_set_timeout(c->link->wsi, PENDING_TIMEOUT_CLOSE_ACK, CLOSE_ANSWER_SECS);
		return 0;
	}

	size_t budget = WRITE_BUDGET_BYTES;
	size_t before = c->queue.len;
	while (!ring_empty(&c->queue) && budget && before - c->queue.len < WRITE_BUDGET_MSGS) {
		long wrote = write_some(c, budget);
		if (wrote < 0) {
			log_at(LOG_INFO, c->source, "%s: write failed", c->peer);
			return -1;
		}
		budget = (size_t)wrote >= budget ? 0 : budget - (size_t)wrote;
		if (transport_choked(c->link))
			break;
	}
	bool sent_some = c->queue.len < before;

	if (!ring_empty(&c->queue) || c->close_pending) {
		want_writeable(c);
	} else {
		if (c->burst_drops) {
			log_at(LOG_WARN, c->source, "%s: %llu records dropped",
			       c->peer, (unsigned long long)c->burst_drops);
			c->burst_drops = 0;
		}
		if (c->close_when_empty) {
			c->close_pending = true;
			want_writeable(c);
		}
	}
	if (sent_some && c->ev->sent)
		c->ev->sent(c->owner, c);
	return 0;
}

/* ---- Reading ---- */

/* RFC 6455 7.1.7: fail the connection: our close with code, then the socket goes. */
static int fail(struct wsconn *c, unsigned code, const char *why)
{
	stat_add(&c->cfg->stats->bad_received, 1);
	log_at(LOG_WARN, c->source, "%s: %s: closing with %u", c->peer, why, code);
	c->closing = WS_FAILING;
	c->close_code = code;
	c->close_reason = code == WS_CLOSE_TOO_BIG ? "message too big"
			: code == WS_CLOSE_INVALID_PAYLOAD ? "invalid UTF-8"
			: "protocol error";
	c->rx.len = 0;
	/* Nothing more is read: what the peer sends now is not wanted. */
	lws_rx_flow_control(c->link->wsi, 0);
	want_writeable(c);
	return 1;
}

/* size: how much the message has, or declares, so far. */
static int too_large(struct wsconn *c, uint64_t size)
{
	char why[160];
	snprintf(why, sizeof(why), "message of %llu bytes or more is over --max-size (%zu)",
		 (unsigned long long)size, c->cfg->max_size);
	return fail(c, WS_CLOSE_TOO_BIG, why);
}

static int check_text(struct wsconn *c, const unsigned char *p, size_t n)
{
	if (c->rx_binary || utf8_stream_feed(&c->rx_utf8, p, n))
		return 0;
	return fail(c, WS_CLOSE_INVALID_PAYLOAD, "text that is not UTF-8");
}

static void deliver(struct wsconn *c, const unsigned char *p, size_t n)
{
	stat_add(&c->cfg->stats->received, 1);
	stat_add(&c->cfg->stats->bytes_received, n);
	c->ev->message(c->owner, c, p, n, c->rx_binary);
}

/* What a compressed message inflates to, piece by piece. */
static int inflated(void *arg, const unsigned char *p, size_t n)
{
	struct wsconn *c = arg;

	if (check_text(c, p, n))
		return 1;
	if (buf_append(&c->rx, p, n))
		return too_large(c, c->rx.len + n);
	return 0;
}

static int on_data(void *arg, const unsigned char *p, size_t n, bool first,
		   bool final, bool binary, bool compressed)
{
	struct wsconn *c = arg;

	/* The peer's close came first: nothing after it counts. */
	if (c->closing == WS_CLOSE_ANSWERING || c->closing == WS_CLOSED)
		return 0;
	if (first) {
		c->rx.len = 0;
		c->rx_binary = binary;
		c->rx_compressed = compressed;
		utf8_stream_init(&c->rx_utf8);
	}
	if (c->rx_compressed) {
		const char *why = NULL;
		int rc = inflate_piece(c->deflate, p, n, final, inflated, c, &why);
		if (rc < 0)
			return fail(c, WS_CLOSE_INVALID_PAYLOAD, why);
		if (rc)
			return rc;
	} else {
		if (check_text(c, p, n))
			return 1;
		/* Most messages come whole: no copy before they are used. */
		if (first && final) {
			if (!c->rx_binary && !utf8_stream_complete(&c->rx_utf8))
				return fail(c, WS_CLOSE_INVALID_PAYLOAD, "text that is not UTF-8");
			deliver(c, p, n);
			return 0;
		}
		if (buf_append(&c->rx, p, n))
			return too_large(c, c->rx.len + n);
	}
	if (!final)
		return 0;
	if (!c->rx_binary && !utf8_stream_complete(&c->rx_utf8))
		return fail(c, WS_CLOSE_INVALID_PAYLOAD, "text that is not UTF-8");
	deliver(c, c->rx.data, c->rx.len);
	shrink(&c->rx);
	return 0;
}

static void heard(struct wsconn *c)
{
	c->last_heard = lws_now_usecs();
	c->ping_outstanding = false;
}

static int queue_pong(struct wsconn *c, const unsigned char *p, size_t n)
{
	struct pong_queue *q = c->pongs;

	if (!q) {
		q = c->pongs = calloc(1, sizeof(*q));
		if (!q)
			return 0;	/* a pong is owed, not vital */
	}
	if (q->count == PONGS_MAX) {	/* the oldest is superseded */
		q->head = (q->head + 1) % PONGS_MAX;
		q->count--;
	}
	unsigned i = (q->head + q->count) % PONGS_MAX;
	memcpy(q->payload[i], p, n);
	q->len[i] = (unsigned char)n;
	q->count++;
	want_writeable(c);
	return 0;
}

static int on_close_frame(struct wsconn *c, const unsigned char *p, size_t n)
{
	unsigned code = 0, fail_code;
	const char *why = wsframe_close_parse(p, n, &code, &fail_code);

	if (why)
		return fail(c, fail_code, why);
	if (c->closing == WS_CLOSE_SENT) {	/* the answer to ours */
		c->closing = WS_CLOSED;
		return -1;
	}
	c->peer_close_code = code;
	log_at(LOG_DEBUG, c->source, "%s closes with %u", c->peer, code);
	c->closing = WS_CLOSE_ANSWERING;
	want_writeable(c);
	return 1;
}

static int on_control(void *arg, enum ws_opcode op, const unsigned char *p, size_t n)
{
	struct wsconn *c = arg;

	heard(c);
	switch (op) {
	case WS_PING:
		return c->closing == WS_OPEN ? queue_pong(c, p, n) : 0;
	case WS_CLOSE:
		return on_close_frame(c, p, n);
	default:
		return 0;	/* a pong: a sign of life, nothing more */
	}
}

int wsconn_bytes(void *arg, unsigned char *p, size_t n)
{
	struct wsconn *c = arg;
	static const struct wsframe_sink sink = { on_data, on_control, NULL };
	struct wsframe_sink s = sink;
	const char *why = NULL;

	if (c->closing != WS_OPEN && c->closing != WS_CLOSE_SENT)
		return 0;
	s.arg = c;
	switch (wsframe_read(&c->reader, p, n, &s, &why)) {
	case WSFRAME_OK:
		return 0;
	case WSFRAME_STOPPED:
		/* -1 from a sink: close now; 1: the state says what comes next. */
		return c->closing == WS_CLOSED ? -1 : 0;
	case WSFRAME_TOO_BIG:
		too_large(c, c->reader.message_len);
		return 0;
	case WSFRAME_BAD:
		fail(c, WS_CLOSE_PROTOCOL_ERROR, why);
		return 0;
	}
	return 0;
}

int wsconn_received(struct wsconn *c, unsigned char *in, size_t n)
{
	heard(c);
	switch (transport_received(c->link, in, n, wsconn_bytes, c)) {
	case TRANSPORT_OK:
	case TRANSPORT_READY:
		return 0;
	case TRANSPORT_STOPPED:
		return c->closing == WS_CLOSED ? -1 : 0;
	case TRANSPORT_ENDED:
		return -1;
	case TRANSPORT_FAILED:
		log_at(LOG_INFO, c->source, "%s: %s", c->peer, c->link->problem);
		return -1;
	}
	return 0;
}

/* ---- Closing, keepalive, flow ---- */

void wsconn_close(struct wsconn *c, unsigned code, const char *reason)
{
	if (c->closing != WS_OPEN)
		return;
	c->close_pending = true;
	c->close_code = code;
	c->close_reason = reason;
	want_writeable(c);
}

void wsconn_drain(struct wsconn *c, unsigned code)
{
	c->close_when_empty = true;
	c->close_code = code;
	c->close_reason = NULL;
	want_writeable(c);
}

void wsconn_tick(struct wsconn *c, lws_usec_t now)
{
	const struct wsconn_config *cfg = c->cfg;

	if (!c->link || cfg->ping_interval <= 0 || c->closing != WS_OPEN)
		return;
	if (c->ping_outstanding) {
		lws_usec_t limit = (lws_usec_t)(cfg->ping_timeout * LWS_US_PER_SEC);
		if (limit > 0 && now - c->ping_asked_at >= limit) {
			log_at(LOG_WARN, c->source,
			       "%s: no answer to a ping in %g s: dropping the connection",
			       c->peer, cfg->ping_timeout);
			c->ping_outstanding = false;
			lws_set_timeout(c->link->wsi, PENDING_TIMEOUT_WS_PONG_CHECK_GET_PONG,
					LWS_TO_KILL_ASYNC);
		}
		return;
	}
	if (now - c->last_heard >= (lws_usec_t)(cfg->ping_interval * LWS_US_PER_SEC)) {
		/* The clock starts now, even if the socket is too full to send. */
		c->ping_due = c->ping_outstanding = true;
		c->ping_asked_at = now;
		want_writeable(c);
	}
}

void wsconn_rx_flow(struct wsconn *c, bool enable)
{
	if (c->link && c->closing != WS_FAILING)
		lws_rx_flow_control(c->link->wsi, enable);
}
