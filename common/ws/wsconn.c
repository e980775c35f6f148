/* wsconn: one WebSocket session over a transport, either end (wsconn.h). */
#include "ws/wsconn.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "base/log.h"
#include "ws/delivery.h"

/* Large messages go out in fragments of this size. */
#define FRAGMENT (64u << 10)
/*
 * Small messages go out many to a write: framed here, sent as one buffer.
 * One send(2) a message would cost more than everything else together.
 */
#define BATCH_MESSAGE_MAX (16u << 10)
#define BATCH_BYTES (256u << 10)
#define BATCH_COUNT 1024
/* Room after a batch for a ping and an ack riding on its write. */
#define BATCH_CONTROL_ROOM (2 * (WS_HEAD_MAX + WS_CONTROL_MAX))

/* Per writable callback, so one busy peer cannot starve the others. */
#define WRITE_BUDGET_MSGS 1024
#define WRITE_BUDGET_BYTES (1u << 20)
/* Of a refusal's reason, what is kept for the log line. */
#define REFUSED_REASON_MAX 63

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

void wsconn_log(const struct wsconn *c, enum log_level level, const char *fmt, ...)
{
	struct log_subject about = {
		.peer = c->peer_address, .path = c->log_path,
		.close_code = c->state == WS_FAILING || c->state == WS_FAILED ||
			      c->state == WS_CLOSE_DUE ? c->close_code : 0,
	};
	va_list ap;

	va_start(ap, fmt);
	log_vabout(level, c->source, &about, fmt, ap);
	va_end(ap);
}

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
	c->peer = client ? "server" : "client";
	c->peer_address = "";
	c->queue_seq = 1;
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

/*
 * A buffer a connection holds only while it has something in it: made when
 * needed (NULL: no memory), given back whole.
 */
static struct buf *held(struct buf **b, size_t max)
{
	if (!*b && (*b = calloc(1, sizeof(**b))))
		(*b)->max = max;
	return *b;
}

/* A received message's limit: --max-size, and its position on rxws.pos. */
static size_t rx_max(const struct wsconn *c)
{
	return c->cfg->max_size + c->rx_extra;
}

static void drop_buf(struct buf **b)
{
	if (*b) {
		buf_free(*b);
		free(*b);
		*b = NULL;
	}
}

/* The marks in the output are all passed (or forgotten): their memory goes. */
static void drop_marks(struct wsconn *c)
{
	free(c->marks);
	c->marks = NULL;
	c->n_marks = 0;
}

static void forget_refusal(struct wsconn *c)
{
	c->refused_code = 0;
	free(c->refused_reason);
	c->refused_reason = NULL;
}

bool wsconn_peer_left(const struct wsconn *c)
{
	unsigned code = c->peer_close_code;

	return !c->client && c->end != WS_END_BROKEN &&
	       (code == WS_CLOSE_NORMAL || code == WS_CLOSE_GOING_AWAY || code == WS_CLOSE_NO_STATUS);
}

static void soon_forget(struct wsconn *c);

void wsconn_free(struct wsconn *c)
{
	soon_forget(c);
	if (c->overflowed)
		wsconn_abandon(c, FATE_DROPPED, FATE_DROPPED);
	else if (wsconn_peer_left(c))
		wsconn_abandon(c, FATE_DISCARDED, FATE_DISCARDED);
	else
		wsconn_abandon(c, FATE_UNCONFIRMED, FATE_LOST);
	ring_free(&c->queue);
	free_deflate(c);
	free(c->pongs);
	c->pongs = NULL;
	drop_marks(c);
	forget_refusal(c);
	wsframe_reader_free(&c->reader);
	drop_buf(&c->rx);
	drop_buf(&c->zbuf);
}

size_t wsconn_queued(const struct wsconn *c)
{
	return c->queue.len;
}

size_t wsconn_unsent(const struct wsconn *c)
{
	return c->queue.len - c->inflight;
}

uint64_t wsconn_first_held(const struct wsconn *c)
{
	return c->queue_seq;
}

uint64_t wsconn_received_count(const struct wsconn *c)
{
	return c->in_seq;
}

static void want_writeable(struct wsconn *c)
{
	if (c->link)
		lws_callback_on_writable(c->link->wsi);
}

static bool drained(const struct wsconn *c);

/* Its first frame is out: it cannot be dropped, and a close waits for it. */
static bool head_started(const struct wsconn *c)
{
	return c->head_sent != 0;
}

/* The peer has the first n messages: they leave the queue, delivered. */
static void confirm(struct wsconn *c, size_t n)
{
	if (n > c->inflight)
		n = c->inflight;
	for (size_t i = 0; i < n; i++) {
		struct msg *m = ring_pop(&c->queue);
		msg_done(m, FATE_DELIVERED);
	}
	c->queue_seq += n;
	c->inflight -= n;
	if (!n)
		return;
	if (c->drain && drained(c))
		want_writeable(c);
	if (c->ev->sent)
		c->ev->sent(c->owner, c);
}

/* What was sent up to delivery number seq is confirmed. */
static void confirm_upto(struct wsconn *c, uint64_t seq)
{
	if (seq >= c->queue_seq)
		confirm(c, (size_t)(seq - c->queue_seq + 1));
}

/* What was sent leaves the queue with fate; the unsent stay. */
static void settle_sent(struct wsconn *c, enum msg_fate fate)
{
	for (size_t i = 0; i < c->inflight; i++) {
		struct msg *m = ring_pop(&c->queue);
		msg_done(m, fate);
	}
	c->queue_seq += c->inflight;
	c->inflight = 0;
}

void wsconn_abandon(struct wsconn *c, enum msg_fate sent_fate, enum msg_fate fate)
{
	if (head_started(c))
		c->inflight++;
	ring_truncate(&c->queue, c->inflight, fate);
	settle_sent(c, sent_fate);
	c->head_sent = 0;
	c->head_compressed = c->head_in_zbuf = false;
	drop_buf(&c->zbuf);
}

/*
 * The peer refused a message for good (note_refusal), and the session
 * resumes: the first message it lacks is that one. It is given up, said
 * with its record number, and the stream goes on with the next. true
 * when there was one.
 */
static bool give_up_refused(struct wsconn *c)
{
	unsigned code = c->refused_code;
	const char *reason = c->refused_reason ? c->refused_reason : "";

	if (c->inflight >= c->queue.len) {
		forget_refusal(c);
		return false;
	}
	struct msg *m = ring_at(&c->queue, c->inflight);
	char record[48] = "a message";
	if (m->recno)
		snprintf(record, sizeof(record), "stdin record %llu", (unsigned long long)m->recno);
	wsconn_log(c, LOG_ERROR, "%s: %s (%zu bytes) refused with %u%s%s%s: not sent again",
		   c->peer, record, m->len, code, reason[0] ? " (" : "", reason,
		   reason[0] ? ")" : "");
	forget_refusal(c);
	ring_drop_at(&c->queue, c->inflight, FATE_LOST);
	return true;
}

int wsconn_attach(struct wsconn *c, struct transport *link,
		  const struct deflate_params *deflate,
		  const struct wsconn_resume *resume)
{
	c->link = link;
	drop_buf(&c->rx);
	c->state = WS_OPEN;
	c->end = WS_END_BROKEN;
	c->peer_close_code = 0;
	c->ping = WS_PING_NONE;
	c->ping_confirms = 0;
	c->last_heard = lws_now_usecs();
	c->reader.deflate = deflate != NULL;
	/* The receive buffer, made when a message comes in pieces, takes rx_max(). */
	c->reader.max_message = rx_max(c);
	wsframe_reader_reset(&c->reader);
	free_deflate(c);
	if (deflate) {
		c->deflate = malloc(sizeof(*c->deflate));
		if (!c->deflate)
			return -1;
		deflate_stream_init(c->deflate, deflate, !c->client);
	}
	c->acks = resume != NULL;
	if (resume) {
		/* The peer has what comes before out_next: it waits for its ack. */
		uint64_t have = resume->out_next > c->queue_seq ? resume->out_next - c->queue_seq : 0;
		size_t sent_before = c->inflight;
		c->inflight = have < c->queue.len ? (size_t)have : c->queue.len;
		if (c->refused_code && give_up_refused(c))
			sent_before--;	/* it was sent, and will not be again */
		if (sent_before > c->inflight) {
			c->resent += sent_before - c->inflight;
			stat_add(&c->cfg->stats->resent, sent_before - c->inflight);
		}
		/* Numbering goes on from the peer's next message. */
		if (resume->in_next - 1 != c->in_seq) {
			c->in_seq = c->in_written = resume->in_next - 1;
			drop_marks(c);
		}
		/*
		 * Our last ack may have gone down with the old connection (or
		 * with an attempt the peer had given up on): the peer waits for
		 * it, so it is sent again, at once. Acks are cumulative: one
		 * more is harmless.
		 */
		c->in_acked = 0;
	} else {
		/* Nothing is sent again: the refused message went unconfirmed. */
		forget_refusal(c);
		c->in_seq = c->in_written = c->in_acked = 0;
		drop_marks(c);
	}
	if (wsconn_unsent(c) || c->drain || (c->acks && c->in_written > c->in_acked))
		want_writeable(c);
	return 0;
}

size_t wsconn_detach(struct wsconn *c)
{
	size_t unconfirmed = 0;

	c->link = NULL;
	/* A message whose first frame went cannot be sent again whole: it counts as sent. */
	if (head_started(c)) {
		c->inflight++;
		c->head_sent = 0;
	}
	/* Its context is gone with the connection, and its position form with it. */
	c->head_compressed = c->head_in_zbuf = false;
	drop_buf(&c->zbuf);
	/*
	 * A peer that answered our close read all we sent before it; one that
	 * acknowledges says what it wrote out, and only that confirms.
	 */
	if (c->end == WS_END_ANSWERED && !c->acks)
		confirm(c, c->inflight);
	if (c->overflowed && c->inflight) {
		wsconn_log(c, LOG_WARN, "%s: %zu record%s sent and not confirmed: dropped "
			   "(--overflow close)", c->peer, c->inflight, c->inflight == 1 ? "" : "s");
		settle_sent(c, FATE_DROPPED);
	} else if (wsconn_peer_left(c) && c->inflight) {
		wsconn_log(c, LOG_INFO, "%s left (%u) before confirming %zu record%s: discarded",
			   c->peer, c->peer_close_code, c->inflight, c->inflight == 1 ? "" : "s");
		settle_sent(c, FATE_DISCARDED);
	} else if (!c->acks && c->inflight) {
		unconfirmed = c->inflight;
		wsconn_log(c, LOG_WARN,
			   "%s: %zu record%s sent on a connection that %s %s unconfirmed: "
			   "the peer may not have read %s", c->peer, unconfirmed,
			   unconfirmed == 1 ? "" : "s",
			   c->end != WS_END_BROKEN ? "the peer closed" : "broke",
			   unconfirmed == 1 ? "is" : "are", unconfirmed == 1 ? "it" : "them");
		settle_sent(c, FATE_UNCONFIRMED);
	}
	/* What it held for the connection goes with it. */
	free(c->pongs);
	c->pongs = NULL;
	free_deflate(c);
	wsframe_reader_free(&c->reader);
	drop_buf(&c->rx);
	return unconfirmed;
}

static void note_drop(struct wsconn *c, enum overflow policy)
{
	if (!c->burst_drops++)
		wsconn_log(c, LOG_WARN, "%s: queue full (--queue %zu): %s",
		       c->peer, c->queue.cap, policy_words[policy]);
}

/* The oldest message that may still be dropped: unsent, not begun. */
static size_t oldest_droppable(const struct wsconn *c)
{
	return c->inflight + (head_started(c) || c->head_in_zbuf ? 1 : 0);
}

/*
 * Listed to be written before the loop polls again. -1: not listed (no
 * list, not open, or no memory for it): it asks lws instead.
 */
static int soon_add(struct wsconn *c)
{
	struct wsconn_soon *s = c->cfg->soon;

	if (!s || !c->link || c->state != WS_OPEN)
		return -1;
	if (c->soon_listed)
		return 0;
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 16;
		struct wsconn **conns = realloc(s->conns, cap * sizeof(*conns));
		if (!conns)
			return -1;
		s->conns = conns;
		s->cap = cap;
	}
	s->conns[s->n++] = c;
	c->soon_listed = true;
	return 0;
}

static void soon_forget(struct wsconn *c)
{
	struct wsconn_soon *s = c->cfg ? c->cfg->soon : NULL;

	if (!c->soon_listed || !s)
		return;
	for (size_t i = 0; i < s->n; i++)
		if (s->conns[i] == c)
			s->conns[i] = NULL;
	c->soon_listed = false;
}

enum push_result wsconn_push(struct wsconn *c, struct msg *m, enum overflow policy)
{
	if (ring_full(&c->queue)) {
		size_t oldest = oldest_droppable(c);
		switch (policy) {
		case OVERFLOW_BLOCK:
			return PUSH_FULL;
		case OVERFLOW_CLOSE:
			return PUSH_CLOSE;
		case OVERFLOW_DROP_OLDEST:
			if (oldest < c->queue.len) {
				note_drop(c, policy);
				ring_drop_at(&c->queue, oldest, FATE_DROPPED);
				break;
			}
			/* All sent and waiting to be confirmed: the new one goes. */
			/* fall through */
		case OVERFLOW_DROP_NEWEST:
			note_drop(c, policy);
			msg_done(m, FATE_DROPPED);
			return PUSH_DROPPED;
		}
	}
	if (ring_push(&c->queue, m)) {
		wsconn_log(c, LOG_ERROR, "%s: out of memory for its queue", c->peer);
		msg_done(m, FATE_DROPPED);
		return PUSH_DROPPED;
	}
	/*
	 * Only the first message unsent asks lws: with more, a request is
	 * pending already (a writeable callback that leaves some unsent asks
	 * again). A broadcast pushes to every client, and asking for each
	 * message was a third of rxws-serve's instructions in a fan-out.
	 */
	if (wsconn_unsent(c) == 1 && soon_add(c))
		want_writeable(c);
	return PUSH_QUEUED;
}

size_t wsconn_close_overflowed(struct wsconn *c)
{
	size_t dropped = ring_truncate(&c->queue, oldest_droppable(c), FATE_DROPPED);

	c->overflowed = true;
	wsconn_close(c, WS_CLOSE_POLICY, "too slow");
	return dropped;
}

/* ---- Writing ---- */

/* Starts a batch of frames in the process' frame buffer, after lws' headroom. */
static int batch_start(struct wsconn *c, size_t room)
{
	struct buf *tx = c->cfg->frames;

	tx->len = 0;
	if (buf_reserve(tx, LWS_PRE + room + BATCH_CONTROL_ROOM))
		return -1;
	tx->len = LWS_PRE;
	return 0;
}

static int mask_key(struct wsconn *c, unsigned char key[4])
{
	return c->client && getrandom(key, 4, 0) != 4 ? -1 : 0;
}

/* Appends one frame to the batch (room was reserved). */
static void batch_frame(struct wsconn *c, enum ws_opcode op, bool fin, bool compressed,
			const unsigned char *p, size_t n, const unsigned char *key)
{
	struct buf *tx = c->cfg->frames;

	tx->len += wsframe_write(tx->data + tx->len, op, fin, compressed, p, n,
				 c->client ? key : NULL);
}

static int batch_control(struct wsconn *c, enum ws_opcode op, const unsigned char *p,
			 size_t n)
{
	unsigned char key[4];
	if (mask_key(c, key) || buf_reserve(c->cfg->frames, WS_HEAD_MAX + n))
		return -1;
	batch_frame(c, op, true, false, p, n, key);
	return 0;
}

static int batch_send(struct wsconn *c)
{
	struct buf *tx = c->cfg->frames;
	size_t n = tx->len - LWS_PRE;

	return n ? transport_write(c->link, tx->data + LWS_PRE, n) : 0;
}

/* Sends one control frame on its own. */
static int send_control(struct wsconn *c, enum ws_opcode op, const unsigned char *p,
			size_t n)
{
	if (batch_start(c, WS_HEAD_MAX + n) || batch_control(c, op, p, n))
		return -1;
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
		if (reason_len)	/* memcpy from NULL is undefined, even of 0 bytes */
			memcpy(body + 2, reason, reason_len);
		n = 2 + reason_len;
	}
	return send_control(c, WS_CLOSE, body, n);
}

/*
 * Our last close frame is written: the socket goes once lws has sent what
 * it holds, in a bounded time.
 */
static void start_flushing(struct wsconn *c)
{
	transport_goodbye(c->link);
	lws_set_timeout(c->link->wsi, PENDING_TIMEOUT_CLOSE_SEND, FLUSH_BOUND_SECS);
}

/* -1 once all is flushed: the socket goes. */
static int flushed(struct wsconn *c)
{
	if (!transport_choked(c->link))
		return -1;
	want_writeable(c);
	return 0;
}

/*
 * The answers owed, appended to the batch: pongs to the peer's pings, and
 * an ack of what was written out. They go before any data framed after
 * them (RFC 6455 5.5.3: "as soon as is practical"), between the fragments
 * of a long message if need be, so a peer's ping never waits behind
 * messages queued after it.
 */
static int batch_answers(struct wsconn *c)
{
	struct pong_queue *q = c->pongs;

	while (q && q->count) {
		unsigned i = q->head;
		if (batch_control(c, WS_PONG, q->payload[i], q->len[i]))
			return -1;
		q->head = (q->head + 1) % PONGS_MAX;
		q->count--;
	}
	/* All answered: the queue (2 KiB) is given back. */
	if (q) {
		free(q);
		c->pongs = NULL;
	}
	if (c->acks && c->in_written > c->in_acked) {
		unsigned char ack[DELIVERY_ACK_MAX];
		if (batch_control(c, WS_PONG, ack, delivery_ack_put(ack, c->in_written)))
			return -1;
		c->in_acked = c->in_written;
	}
	return 0;
}

/*
 * Our ping, when one is due: keepalive, or for a peer that does not
 * acknowledge, to confirm what was sent before it (so it goes after the
 * batch's data).
 */
static int batch_ping(struct wsconn *c)
{
	if (!c->acks && c->inflight && c->ping == WS_PING_NONE)
		c->ping = WS_PING_DUE;
	if (c->ping == WS_PING_DUE) {
		char ping[32];
		int n = snprintf(ping, sizeof(ping), "rxws %" PRIu64, ++c->pings);
		if (batch_control(c, WS_PING, (const unsigned char *)ping, (size_t)n))
			return -1;
		c->ping_confirms = c->inflight ? c->queue_seq + c->inflight - 1 : 0;
		c->ping_asked_at = lws_now_usecs();
		c->ping = WS_PING_AWAITED;
	}
	return 0;
}

/* Every control frame owed, with no data to ride on, in a write of its own. */
static int send_owed(struct wsconn *c)
{
	if (batch_start(c, 0) || batch_answers(c) || batch_ping(c))
		return -1;
	return batch_send(c);
}

/*
 * On a connection of rxws.pos (position.h), what m's frame starts with:
 * its position and a newline, or the newline alone for a message without
 * one (an entry another program appended to a broker's stream); its
 * length (0: a notice, or not rxws.pos).
 */
static size_t prefix_of(const struct wsconn *c, const struct msg *m,
			unsigned char out[POSITION_MAX + 1])
{
	if (!c->pos_epoch || m->notice)
		return 0;
	size_t n = m->pos ? position_format((char *)out, c->pos_epoch, m->pos) : 0;
	out[n++] = '\n';
	return n;
}

/*
 * The first unsent message's bytes on the wire: its payload, after the
 * prefix (pre, pre_n) of its position; or, for a compressed message or a
 * large positioned one, one form made once, when it is first looked at, in
 * zbuf (compressed: its prefix and payload together).
 */
static int wire_form(struct wsconn *c, struct msg *m, const unsigned char **p, size_t *n,
		     bool *compressed, unsigned char pre[POSITION_MAX + 1], size_t *pre_n)
{
	size_t plen = head_started(c) || c->head_in_zbuf ? 0 : prefix_of(c, m, pre);

	if (!head_started(c) && !c->head_in_zbuf) {
		bool compress = c->deflate && (m->len || plen) && deflate_can_compress(c->deflate);
		if (compress || (plen && m->len + plen > BATCH_MESSAGE_MAX)) {
			if (!held(&c->zbuf, 0))
				return -1;
			/* The positioned form, compressed or as it is (for the time of one call). */
			struct buf positioned = { 0 };
			const unsigned char *in = m->payload;
			size_t in_n = m->len;
			if (plen) {
				struct buf *into = compress ? &positioned : c->zbuf;
				into->len = 0;
				if (buf_append(into, pre, plen) || buf_append(into, m->payload, m->len)) {
					buf_free(&positioned);
					return -1;
				}
				in = into->data;
				in_n = into->len;
			}
			if (compress) {
				c->zbuf->len = 0;
				int rc = deflate_message(c->deflate, in, in_n, c->zbuf);
				buf_free(&positioned);
				if (rc)
					return -1;
			}
			c->head_in_zbuf = true;
			c->head_compressed = compress;
			plen = 0;
		}
	}
	*pre_n = plen;
	*compressed = c->head_compressed;
	*p = c->head_in_zbuf ? c->zbuf->data : m->payload;
	*n = c->head_in_zbuf ? c->zbuf->len : m->len;
	return 0;
}

static enum ws_opcode opcode_of(const struct msg *m)
{
	return m->kind == FRAME_TEXT ? WS_TEXT : WS_BINARY;
}

/* The first unsent message is all on the wire: it waits for confirmation. */
/* Counted by the caller: an atomic add a message was a tenth of B3's time. */
struct sent_count {
	uint64_t messages, bytes;
};

static void message_sent(struct wsconn *c, const struct msg *m, struct sent_count *n)
{
	if (log_enabled(LOG_DEBUG))
		wsconn_log(c, LOG_DEBUG, "%s: sent a %s message of %zu bytes%s (number %llu)", c->peer,
			 m->kind == FRAME_TEXT ? "text" : "binary", m->len,
			 c->head_compressed ? ", compressed" : "",
			 (unsigned long long)(c->queue_seq + c->inflight));
	n->messages++;
	n->bytes += m->len;
	c->inflight++;
	c->head_sent = 0;
	if (c->head_in_zbuf)
		drop_buf(&c->zbuf);	/* its wire form is gone: memory given back */
	c->head_compressed = c->head_in_zbuf = false;
}

/*
 * Writes the small unsent messages as whole frames, in one write; or, when
 * the first is large, its next fragment; with the control frames owed
 * riding on the same write: the answers first, our ping last. Returns how
 * many bytes of data went, or -1.
 */
static long write_some(struct wsconn *c, size_t budget)
{
	unsigned char keys[4 * BATCH_COUNT];
	struct buf *tx = c->cfg->frames;
	size_t count = 0;
	struct sent_count sent = { 0, 0 };

	/* A mask per frame this batch can hold, no more: a dialogue's frame takes 4 bytes. */
	size_t unsent = wsconn_unsent(c);
	size_t n_keys = 4 * (unsent < 1 ? 1 : unsent < BATCH_COUNT ? unsent : BATCH_COUNT);
	if ((c->client && getrandom(keys, n_keys, 0) != (ssize_t)n_keys) ||
	    batch_start(c, BATCH_BYTES + WS_HEAD_MAX) || batch_answers(c))
		return -1;
	size_t answers = tx->len - LWS_PRE;
	size_t room = budget < BATCH_BYTES ? budget : BATCH_BYTES;
	while (c->inflight < c->queue.len && count < BATCH_COUNT) {
		struct msg *m = ring_at(&c->queue, c->inflight);
		const unsigned char *p;
		unsigned char pre[POSITION_MAX + 1];
		size_t n, pre_n;
		bool compressed;
		if (wire_form(c, m, &p, &n, &compressed, pre, &pre_n))
			return -1;
		if (head_started(c) || n + pre_n > BATCH_MESSAGE_MAX)
			break;
		/* The first message goes whatever the budget: never an empty batch. */
		if (count && tx->len - LWS_PRE + pre_n + n + WS_HEAD_MAX > room)
			break;
		tx->len += wsframe_write2(tx->data + tx->len, opcode_of(m), true, compressed,
					  pre, pre_n, p, n, c->client ? keys + 4 * count : NULL);
		message_sent(c, m, &sent);
		count++;
	}
	if (!count && c->inflight < c->queue.len) {
		/* A large message: its next fragment, framed in the batch buffer. */
		struct msg *m = ring_at(&c->queue, c->inflight);
		const unsigned char *p;
		unsigned char pre[POSITION_MAX + 1];
		size_t n, pre_n;
		bool compressed;
		/* (A large positioned message is whole in zbuf: no prefix here.) */
		if (wire_form(c, m, &p, &n, &compressed, pre, &pre_n))
			return -1;
		size_t left = n - c->head_sent;
		size_t take = left > FRAGMENT ? FRAGMENT : left;
		bool first = !head_started(c), last = take == left;
		if (buf_reserve(tx, take + WS_HEAD_MAX))
			return -1;
		batch_frame(c, first ? opcode_of(m) : WS_CONTINUATION, last,
			    first && compressed, p + c->head_sent, take, keys);
		c->head_sent += take;
		if (last)
			message_sent(c, m, &sent);
	}
	stat_add(&c->cfg->stats->sent, sent.messages);
	stat_add(&c->cfg->stats->bytes_sent, sent.bytes);
	long wrote = (long)(tx->len - LWS_PRE - answers);
	if (batch_ping(c))
		return -1;
	return batch_send(c) ? -1 : wrote;
}

/*
 * Drained: nothing unsent, and with an acknowledging peer, all confirmed
 * both ways: it confirmed ours, and what it sent us is written out and
 * acknowledged, since no ack may follow our close. A stdout that does not
 * move holds the close, as it holds the process's exit.
 */
static bool drained(const struct wsconn *c)
{
	return !wsconn_unsent(c) &&
	       !(c->acks && (c->inflight || c->n_marks || c->in_written > c->in_acked));
}

int wsconn_writeable(struct wsconn *c)
{
	if (!c->link)
		return 0;

	switch (c->state) {
	case WS_OPEN:
		break;
	case WS_CLOSE_DUE:
		/* A close asked for goes after the message being sent, whole. */
		if (head_started(c))
			break;
		c->state = WS_CLOSE_SENT;
		if (send_owed(c) || send_close(c, c->close_code, c->close_reason))
			return -1;
		lws_set_timeout(c->link->wsi, PENDING_TIMEOUT_CLOSE_ACK, CLOSE_ANSWER_SECS);
		return 0;
	case WS_CLOSE_ANSWERING:
		/* Acks of what was written first, then the close that answers. */
		if (send_owed(c) || send_close(c, c->peer_close_code, NULL))
			return -1;
		c->state = WS_CLOSED;
		c->end = WS_END_CLEAN;
		start_flushing(c);
		return flushed(c);
	case WS_FAILING:
		if (send_close(c, c->close_code, c->close_reason))
			return -1;
		c->state = WS_FAILED;
		start_flushing(c);
		return flushed(c);
	case WS_CLOSE_SENT:
		/* Until the answer comes, pongs and acks are still owed. */
		return send_owed(c);
	case WS_FAILED:
	case WS_CLOSED:
		return flushed(c);
	}

	size_t budget = WRITE_BUDGET_BYTES;
	size_t before = c->inflight;
	bool wrote = false;
	while (wsconn_unsent(c) && budget && c->inflight - before < WRITE_BUDGET_MSGS) {
		long n = write_some(c, budget);
		if (n < 0) {
			wsconn_log(c, LOG_INFO, "%s: write failed", c->peer);
			return -1;
		}
		wrote = true;
		budget = (size_t)n >= budget ? 0 : budget - (size_t)n;
		/* (A poll(2): asked only when there is more to write.) */
		if (wsconn_unsent(c) && transport_choked(c->link))
			break;
	}
	/* Owed control frames with no data to ride on. */
	if (!wrote && send_owed(c))
		return -1;

	if (wsconn_unsent(c) || c->state == WS_CLOSE_DUE) {
		want_writeable(c);
	} else {
		if (c->burst_drops) {
			wsconn_log(c, LOG_WARN, "%s: %llu records dropped",
			       c->peer, (unsigned long long)c->burst_drops);
			c->burst_drops = 0;
		}
		if (c->drain && drained(c)) {
			c->state = WS_CLOSE_DUE;
			want_writeable(c);
		}
	}
	return 0;
}

void wsconn_write_soon(struct wsconn_soon *soon)
{
	/* (What writing lists again is written in this pass too: n is read anew.) */
	for (size_t i = 0; i < soon->n; i++) {
		struct wsconn *c = soon->conns[i];
		if (!c)
			continue;
		c->soon_listed = false;
		if (!c->link)
			continue;
		/*
		 * What lws still holds goes first, when the socket can take
		 * it: more now would only pile up behind it.
		 */
		if (c->state != WS_OPEN || transport_buffered(c->link)) {
			want_writeable(c);
			continue;
		}
		if (wsconn_writeable(c) < 0)
			lws_set_timeout(c->link->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
	}
	soon->n = 0;
}

void wsconn_soon_free(struct wsconn_soon *soon)
{
	free(soon->conns);
	*soon = (struct wsconn_soon){ 0 };
}

/* ---- Reading ---- */

/* RFC 6455 7.1.7: fail the connection: our close with code, then the socket goes. */
static int fail(struct wsconn *c, unsigned code, const char *why)
{
	stat_add(&c->cfg->stats->bad_received, 1);
	c->state = WS_FAILING;
	c->close_code = code;
	wsconn_log(c, LOG_WARN, "%s: %s: closing with %u", c->peer, why, code);
	c->close_reason = code == WS_CLOSE_TOO_BIG ? "message too big"
			: code == WS_CLOSE_INVALID_PAYLOAD ? "invalid UTF-8"
			: code == WS_CLOSE_INTERNAL ? "internal error"
			: "protocol error";
	drop_buf(&c->rx);
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

/* Where a received message ends in the output: acknowledged once written. */
/* What we received is written out (or consumed) up to seq: an ack is due. */
static void written_upto(struct wsconn *c, uint64_t seq)
{
	bool was_due = c->in_written > c->in_acked;

	c->in_written = seq;
	if (c->acks && !was_due && seq > c->in_acked)
		want_writeable(c);
}

/* -1: no memory for the marks. */
static int mark_output(struct wsconn *c, uint64_t at)
{
	/* Not taken (past --count): this one, and so none after it, is acknowledged. */
	if (at == WSCONN_NOT_TAKEN)
		return 0;
	/* Consumed behind output still on its way: acknowledged with it. */
	if (!at && c->n_marks)
		at = c->marks[c->n_marks - 1].at;
	if (!at) {
		written_upto(c, c->in_seq);
		return 0;
	}
	/* Held while output is on its way, given back when it is all written. */
	if (!c->marks && !(c->marks = malloc(WSCONN_MARKS * sizeof(*c->marks))))
		return -1;
	if (c->n_marks == WSCONN_MARKS) {
		/* Full: the last mark moves on (the ack comes a little later). */
		c->marks[WSCONN_MARKS - 1].at = at;
		c->marks[WSCONN_MARKS - 1].seq = c->in_seq;
	} else {
		c->marks[c->n_marks].at = at;
		c->marks[c->n_marks].seq = c->in_seq;
		c->n_marks++;
	}
	return 0;
}

void wsconn_output_written(struct wsconn *c, uint64_t at)
{
	unsigned done = 0;

	while (done < c->n_marks && c->marks[done].at <= at)
		done++;
	if (!done)
		return;
	uint64_t seq = c->marks[done - 1].seq;
	memmove(c->marks, c->marks + done, (c->n_marks - done) * sizeof(c->marks[0]));
	c->n_marks = (unsigned char)(c->n_marks - done);
	if (!c->n_marks)
		drop_marks(c);
	written_upto(c, seq);
}

bool wsconn_awaits_output(const struct wsconn *c)
{
	return c->n_marks != 0;
}

/* 0, or what fail() returns: no memory to note where it is in the output. */
static int hand_on(struct wsconn *c, const unsigned char *p, size_t n)
{
	stat_add(&c->cfg->stats->received, 1);
	stat_add(&c->cfg->stats->bytes_received, n);
	c->in_seq++;
	if (log_enabled(LOG_DEBUG))
		wsconn_log(c, LOG_DEBUG, "%s: received a %s message of %zu bytes%s (number %llu)",
			 c->peer, c->rx_binary ? "binary" : "text", n,
			 c->rx_compressed ? ", compressed" : "", (unsigned long long)c->in_seq);
	if (mark_output(c, c->ev->message(c->owner, c, p, n, c->rx_binary)))
		return fail(c, WS_CLOSE_INTERNAL, "out of memory to acknowledge a message");
	return 0;
}

/* What a compressed message inflates to, piece by piece. */
static int inflated(void *arg, const unsigned char *p, size_t n)
{
	struct wsconn *c = arg;
	size_t max = rx_max(c);
	size_t have = c->rx ? c->rx->len : 0;
	size_t room = max > have ? max - have : 0;

	/*
	 * The first fault in the message decides how it fails, whatever the
	 * pieces inflate came in: text up to --max-size is checked first.
	 */
	if (check_text(c, p, n < room ? n : room))
		return 1;
	if (n > room || !held(&c->rx, max) || buf_append(c->rx, p, n))
		return too_large(c, have + n);
	return 0;
}

static int on_data(void *arg, const unsigned char *p, size_t n, bool first,
		   bool final, bool binary, bool compressed)
{
	struct wsconn *c = arg;

	/* The peer's close came first: nothing after it counts. */
	if (c->state == WS_CLOSE_ANSWERING || c->state == WS_CLOSED)
		return 0;
	if (first) {
		if (c->rx)
			c->rx->len = 0;
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
			return hand_on(c, p, n);
		}
		if (!held(&c->rx, rx_max(c)) || buf_append(c->rx, p, n))
			return too_large(c, (c->rx ? c->rx->len : 0) + n);
	}
	if (!final)
		return 0;
	if (!c->rx_binary && !utf8_stream_complete(&c->rx_utf8))
		return fail(c, WS_CLOSE_INVALID_PAYLOAD, "text that is not UTF-8");
	static const unsigned char nothing[1];
	int rc = c->rx ? hand_on(c, c->rx->data ? c->rx->data : nothing, c->rx->len)
		       : hand_on(c, nothing, 0);
	drop_buf(&c->rx);	/* held while the message came: given back */
	return rc;
}

static void heard(struct wsconn *c)
{
	c->last_heard = lws_now_usecs();
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

/* A pong: an ack, or the answer to our last ping, or nothing we asked for. */
static void on_pong(struct wsconn *c, const unsigned char *p, size_t n)
{
	uint64_t count;
	char expected[32];

	if (c->acks && delivery_ack_get(p, n, &count)) {
		confirm_upto(c, count);
		return;
	}
	int k = snprintf(expected, sizeof(expected), "rxws %" PRIu64, c->pings);
	if (c->ping == WS_PING_AWAITED && (size_t)k == n && !memcmp(p, expected, n)) {
		c->ping = WS_PING_NONE;
		if (!c->acks && c->ping_confirms)
			confirm_upto(c, c->ping_confirms);
		/* More was sent meanwhile: the next ping confirms it. */
		if (!c->acks && c->inflight)
			want_writeable(c);
	}
}

/*
 * A close that says a message itself was unacceptable (too big, not
 * UTF-8, a kind it does not take): sent again, it would be refused again.
 * Its reason is kept for the log line that gives the message up.
 */
static void note_refusal(struct wsconn *c, unsigned code, const unsigned char *p, size_t n)
{
	if (code != WS_CLOSE_TOO_BIG && code != WS_CLOSE_INVALID_PAYLOAD &&
	    code != WS_CLOSE_UNSUPPORTED)
		return;
	forget_refusal(c);
	c->refused_code = code;
	size_t len = n > 2 ? n - 2 : 0;
	if (len > REFUSED_REASON_MAX)
		len = REFUSED_REASON_MAX;
	/* Without memory for it, the log line goes without the reason. */
	if (!len || !(c->refused_reason = malloc(len + 1)))
		return;
	for (size_t i = 0; i < len; i++)	/* for a log line: printable only */
		c->refused_reason[i] = p[2 + i] >= 0x20 && p[2 + i] < 0x7f ? (char)p[2 + i] : '?';
	c->refused_reason[len] = '\0';
}

static int on_close_frame(struct wsconn *c, const unsigned char *p, size_t n)
{
	unsigned code = 0, fail_code;
	const char *why = wsframe_close_parse(p, n, &code, &fail_code);

	if (why)
		return fail(c, fail_code, why);
	note_refusal(c, code, p, n);
	if (c->state == WS_CLOSE_SENT) {	/* the answer to ours, or its own */
		c->state = WS_CLOSED;
		/*
		 * An answer echoes our code (or none, or "going away"); a code
		 * of failure (1009, ...) was sent before ours arrived, about
		 * something it refused, and confirms nothing.
		 */
		bool answered = code == c->close_code || code == WS_CLOSE_NORMAL ||
				code == WS_CLOSE_GOING_AWAY || code == WS_CLOSE_NO_STATUS;
		c->end = answered ? WS_END_ANSWERED : WS_END_CLEAN;
		if (!answered)
			wsconn_log(c, LOG_INFO, "%s closes with %u", c->peer, code);
		return -1;
	}
	c->peer_close_code = code;
	wsconn_log(c, LOG_DEBUG, "%s closes with %u%s", c->peer, code,
		 code == WS_CLOSE_NO_STATUS ? " (no status)" : "");
	c->state = WS_CLOSE_ANSWERING;
	want_writeable(c);
	return 1;
}

static int on_control(void *arg, enum ws_opcode op, const unsigned char *p, size_t n)
{
	struct wsconn *c = arg;

	switch (op) {
	case WS_PING:
		return c->state == WS_OPEN || c->state == WS_CLOSE_DUE ? queue_pong(c, p, n) : 0;
	case WS_PONG:
		on_pong(c, p, n);
		return 0;
	case WS_CLOSE:
		return on_close_frame(c, p, n);
	default:
		return 0;
	}
}

int wsconn_bytes(void *arg, unsigned char *p, size_t n)
{
	struct wsconn *c = arg;
	static const struct wsframe_sink sink = { on_data, on_control, NULL };
	struct wsframe_sink s = sink;
	const char *why = NULL;

	heard(c);
	if (c->state != WS_OPEN && c->state != WS_CLOSE_DUE && c->state != WS_CLOSE_SENT)
		return 0;
	s.arg = c;
	switch (wsframe_read(&c->reader, p, n, &s, &why)) {
	case WSFRAME_OK:
		return 0;
	case WSFRAME_STOPPED:
		/* -1 from a sink: close now; 1: the state says what comes next. */
		return c->state == WS_CLOSED ? -1 : 0;
	case WSFRAME_TOO_BIG:
		too_large(c, c->reader.message_len);
		return 0;
	case WSFRAME_BAD:
		fail(c, WS_CLOSE_PROTOCOL_ERROR, why);
		return 0;
	case WSFRAME_NO_MEMORY:
		fail(c, WS_CLOSE_INTERNAL, why);
		return 0;
	}
	return 0;
}

/* ---- Closing, keepalive, flow ---- */

void wsconn_close(struct wsconn *c, unsigned code, const char *reason)
{
	if (c->state != WS_OPEN && c->state != WS_CLOSE_DUE)
		return;
	c->state = WS_CLOSE_DUE;
	c->close_code = code;
	c->close_reason = reason;
	want_writeable(c);
}

void wsconn_drain(struct wsconn *c, unsigned code)
{
	c->drain = true;
	c->close_code = code;
	c->close_reason = NULL;
	want_writeable(c);
}

bool wsconn_draining(const struct wsconn *c)
{
	return c->drain;
}

void wsconn_undrain(struct wsconn *c)
{
	c->drain = false;
}

bool wsconn_closed(const struct wsconn *c)
{
	return c->state == WS_CLOSED;
}

void wsconn_tick(struct wsconn *c, lws_usec_t now)
{
	const struct wsconn_config *cfg = c->cfg;

	if (!c->link || (c->state != WS_OPEN && c->state != WS_CLOSE_DUE))
		return;
	if (c->ping == WS_PING_AWAITED) {
		lws_usec_t limit = (lws_usec_t)(cfg->ping_timeout * LWS_US_PER_SEC);
		if (cfg->ping_interval > 0 && limit > 0 && now - c->ping_asked_at >= limit &&
		    now - c->last_heard >= limit) {
			wsconn_log(c, LOG_WARN,
			       "%s: no answer to a ping in %g s: dropping the connection",
			       c->peer, cfg->ping_timeout);
			c->ping = WS_PING_NONE;
			lws_set_timeout(c->link->wsi, PENDING_TIMEOUT_WS_PONG_CHECK_GET_PONG,
					LWS_TO_KILL_ASYNC);
		}
		return;
	}
	if (cfg->ping_interval <= 0)
		return;
	if (now - c->last_heard >= (lws_usec_t)(cfg->ping_interval * LWS_US_PER_SEC)) {
		/* The clock starts now, even if the socket is too full to send. */
		c->ping = WS_PING_DUE;
		want_writeable(c);
	}
}

void wsconn_rx_flow(struct wsconn *c, bool enable)
{
	if (c->link && c->state != WS_FAILING && c->state != WS_FAILED)
		lws_rx_flow_control(c->link->wsi, enable);
}
