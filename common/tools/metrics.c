/* metrics: the Prometheus text of rxws-serve --metrics (metrics.h). */
#include "tools/metrics.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/utf8.h"
#include "records/framing.h"

#ifndef RXWS_VERSION
#define RXWS_VERSION "0.0.0"
#endif

/*
 * The families without paths stay well under 64 KiB (about 60 families,
 * 200 statuses, 39 close codes at most); each path shown takes its name
 * (every byte escaped, at worst) and a line around it.
 */
#define METRICS_TEXT_MAX (64u * 1024 + (METRICS_TOP_PATHS + 1) * (2 * TAG_MAX + 128))

/* Close codes 1000 to 1015 have slots of their own; then these. */
enum { SLOT_3XXX = 16, SLOT_4XXX, SLOT_OTHER };

static size_t close_slot(unsigned code)
{
	if (code >= 1000 && code <= 1015)
		return code - 1000;
	if (code >= 3000 && code <= 3999)
		return SLOT_3XXX;
	if (code >= 4000 && code <= 4999)
		return SLOT_4XXX;
	return SLOT_OTHER;
}

void metrics_count_disconnect(struct stats *s, const struct wsconn *c)
{
	/* The peer's close is the one it sent first; ours, one we sent first. */
	if (c->peer_close_code)
		stat_add(&s->disconnects[CLOSED_BY_CLIENT][close_slot(c->peer_close_code)], 1);
	else if (c->state > WS_CLOSE_DUE)
		stat_add(&s->disconnects[CLOSED_BY_SERVER][close_slot(c->close_code)], 1);
	else
		stat_add(&s->broken, 1);
}

void metrics_count_refusal(struct stats *s, int status)
{
	if (status >= REFUSED_STATUS_MIN && status < REFUSED_STATUS_MIN + REFUSED_SLOTS)
		stat_add(&s->refused[status - REFUSED_STATUS_MIN], 1);
}

/* ---- The text ---- */

static int put(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || buf_reserve(b, (size_t)n + 1))
		return -1;
	va_start(ap, fmt);
	vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

/* A label value: backslash, double quote and line feed escaped. */
static int put_value(struct buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *esc = s[i] == '\\' ? "\\\\" : s[i] == '"' ? "\\\"" : s[i] == '\n' ? "\\n" : NULL;
		if (esc ? buf_append(b, esc, 2) : buf_append_byte(b, (unsigned char)s[i]))
			return -1;
	}
	return 0;
}

/*
 * HELP and TYPE: in format 0.0.4 both name the metric as its samples do,
 * so a counter's family is named with its _total.
 */
static int family(struct buf *b, const char *name, const char *type, const char *help)
{
	return put(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static int counter(struct buf *b, const char *name, const char *help, uint64_t v)
{
	return family(b, name, "counter", help) || put(b, "%s %" PRIu64 "\n", name, v);
}

static int gauge(struct buf *b, const char *name, const char *help, uint64_t v)
{
	return family(b, name, "gauge", help) || put(b, "%s %" PRIu64 "\n", name, v);
}

/* The clients now, seen in one pass over every session. */
struct path_rank {
	struct path_clients *p;
	size_t connected;
};

struct census {
	struct path_rank top[METRICS_TOP_PATHS];	/* busiest first */
	size_t n_top;
	size_t other;			/* connected on the paths not in top */
	size_t paths;			/* with a client connected */
	size_t connected, away;
	size_t queued, queue_max;
};

/* More clients first; among equals, the path that sorts first. */
static bool ranks_above(size_t n, const struct path_clients *p, const struct path_rank *r)
{
	if (n != r->connected)
		return n > r->connected;
	size_t common = p->len < r->p->len ? p->len : r->p->len;
	int c = memcmp(p->path, r->p->path, common);
	return c ? c < 0 : p->len < r->p->len;
}

static void rank(struct census *c, struct path_clients *p, size_t n)
{
	size_t i = c->n_top;

	if (i == METRICS_TOP_PATHS) {
		if (!ranks_above(n, p, &c->top[i - 1])) {
			c->other += n;
			return;
		}
		c->other += c->top[--i].connected;	/* the last one goes */
	} else {
		c->n_top++;
	}
	for (; i > 0 && ranks_above(n, p, &c->top[i - 1]); i--)
		c->top[i] = c->top[i - 1];
	c->top[i] = (struct path_rank){ p, n };
}

static void count_path(void *value, void *arg)
{
	struct path_clients *p = value;
	struct census *c = arg;
	size_t n = 0;

	lws_start_foreach_dll(struct lws_dll2 *, d, lws_dll2_get_head(&p->members)) {
		struct member *m = lws_container_of(d, struct member, node);
		size_t q = wsconn_queued(&m->conn);
		if (m->away)
			c->away++;
		else
			n++;
		c->queued += q;
		if (q > c->queue_max)
			c->queue_max = q;
	} lws_end_foreach_dll(d);
	c->connected += n;
	if (!n)
		return;
	c->paths++;
	/* Prometheus refuses a scrape with a label that is not UTF-8. */
	if (!utf8_valid((const unsigned char *)p->path, p->len))
		c->other += n;
	else
		rank(c, p, n);
}

static int clients(struct buf *b, const struct metrics_source *src)
{
	struct census c = { 0 };

	pathmap_each(&src->clients->paths, count_path, &c);
	if (gauge(b, "rxws_clients", "WebSocket clients connected now.", c.connected) ||
	    family(b, "rxws_path_clients", "gauge",
		   "WebSocket clients connected now, per path: the 20 busiest paths, then \"other\" for the rest."))
		return -1;
	for (size_t i = 0; i < c.n_top; i++)
		if (put(b, "rxws_path_clients{path=\"") ||
		    put_value(b, c.top[i].p->path, c.top[i].p->len) ||
		    put(b, "\"} %zu\n", c.top[i].connected))
			return -1;
	return put(b, "rxws_path_clients{path=\"other\"} %zu\n", c.other) ||
	       gauge(b, "rxws_paths", "Paths with a client connected now.", c.paths) ||
	       gauge(b, "rxws_sessions_away",
		     "Sessions of acknowledging clients that are gone and may come back (--resume-timeout).",
		     c.away) ||
	       gauge(b, "rxws_queued_messages",
		     "Messages queued for clients now, sent or not, until confirmed: all clients together.",
		     c.queued) ||
	       gauge(b, "rxws_queue_longest_messages",
		     "The longest queue of a client now, in messages.", c.queue_max) ||
	       gauge(b, "rxws_queue_capacity_messages",
		     "How many messages each client may have queued (--queue).", src->cfg->queue_len);
}

static void slot_name(size_t slot, char *out, size_t len)
{
	if (slot < SLOT_3XXX)
		snprintf(out, len, "%zu", 1000 + slot);
	else
		snprintf(out, len, "%s", slot == SLOT_3XXX ? "3xxx" : slot == SLOT_4XXX ? "4xxx" : "other");
}

static int connections(struct buf *b, struct stats *s)
{
	static const char *const by[CLOSED_BY_COUNT] = { "client", "server" };
	char code[16];

	if (counter(b, "rxws_connects_total",
		    "WebSocket handshakes accepted, sessions resumed included.", stat_get(&s->connects)) ||
	    counter(b, "rxws_resumes_total",
		    "WebSocket handshakes that resumed a session (acknowledging clients).",
		    stat_get(&s->resumes)) ||
	    family(b, "rxws_disconnects_total", "counter",
		   "WebSocket connections ended: by=\"client\" with the client's close code, "
		   "by=\"server\" with ours, by=\"none\" for a connection gone without a close."))
		return -1;
	for (int who = 0; who < CLOSED_BY_COUNT; who++)
		for (size_t slot = 0; slot < CLOSE_CODE_SLOTS; slot++) {
			uint64_t n = stat_get(&s->disconnects[who][slot]);
			slot_name(slot, code, sizeof(code));
			if (n && put(b, "rxws_disconnects_total{by=\"%s\",code=\"%s\"} %" PRIu64 "\n",
				     by[who], code, n))
				return -1;
		}
	uint64_t broken = stat_get(&s->broken);
	if (broken && put(b, "rxws_disconnects_total{by=\"none\",code=\"none\"} %" PRIu64 "\n", broken))
		return -1;
	if (family(b, "rxws_refused_total", "counter",
		   "Requests refused, by HTTP status: WebSocket handshakes, malformed requests, "
		   "GET /metrics without the token."))
		return -1;
	for (int i = 0; i < REFUSED_SLOTS; i++) {
		uint64_t n = stat_get(&s->refused[i]);
		if (n && put(b, "rxws_refused_total{status=\"%d\"} %" PRIu64 "\n",
			     REFUSED_STATUS_MIN + i, n))
			return -1;
	}
	return 0;
}

static int records(struct buf *b, struct stats *s)
{
	static const char *const fates[FATE_COUNT] = {
		[FATE_DELIVERED] = "delivered", [FATE_DISCARDED] = "discarded",
		[FATE_DROPPED] = "dropped", [FATE_UNCONFIRMED] = "unconfirmed",
		[FATE_LOST] = "lost",
	};
	struct ledger *l = &s->ledger;

	if (counter(b, "rxws_records_read_total", "Records read from stdin.",
		    atomic_load_explicit(&l->read, memory_order_relaxed)) ||
	    family(b, "rxws_records_total", "counter",
		   "Records read from stdin, by what became of them, each counted once when settled "
		   "(rxws(7), DELIVERY)."))
		return -1;
	for (int f = FATE_DELIVERED; f < FATE_COUNT; f++)
		if (put(b, "rxws_records_total{fate=\"%s\"} %" PRIu64 "\n", fates[f],
			ledger_get(l, (enum msg_fate)f)))
			return -1;
	return gauge(b, "rxws_records_pending", "Records read from stdin and not settled yet.",
		     ledger_pending(l)) ||
	       counter(b, "rxws_stdin_bytes_total", "Bytes read from stdin.",
		       stat_get(&s->bytes_in)) ||
	       counter(b, "rxws_stdin_bad_records_total", "Bad stdin records, skipped.",
		       stat_get(&s->bad_in)) ||
	       counter(b, "rxws_messages_sent_total",
		       "Messages sent to clients (a record for three clients is three).",
		       stat_get(&s->sent)) ||
	       counter(b, "rxws_sent_bytes_total", "Bytes of the messages sent to clients.",
		       stat_get(&s->bytes_sent)) ||
	       counter(b, "rxws_messages_resent_total",
		       "Messages sent again to a client that resumed its session.", stat_get(&s->resent)) ||
	       counter(b, "rxws_messages_received_total", "Messages received from clients.",
		       stat_get(&s->received)) ||
	       counter(b, "rxws_received_bytes_total", "Bytes of the messages received from clients.",
		       stat_get(&s->bytes_received)) ||
	       counter(b, "rxws_messages_bad_total",
		       "Messages from clients refused: of the wrong kind for their path, not UTF-8, too big.",
		       stat_get(&s->bad_received)) ||
	       counter(b, "rxws_stdout_records_total", "Records written to stdout.",
		       stat_get(&s->records_out)) ||
	       counter(b, "rxws_stdout_bytes_total", "Bytes of the messages written to stdout as records.",
		       stat_get(&s->bytes_out));
}

/* --history (rxws(7), HISTORY AND RECOVERY). */
static int history(struct buf *b, struct stats *s)
{
	return gauge(b, "rxws_history_messages", "Messages kept in the history, over all paths.",
		     stat_get(&s->history_messages)) ||
	       gauge(b, "rxws_history_bytes",
		     "What the history holds, as its bound (--history-bytes) counts it.",
		     stat_get(&s->history_bytes)) ||
	       counter(b, "rxws_replays_total", "Clients that asked for what they missed (since, last).",
		       stat_get(&s->replays)) ||
	       counter(b, "rxws_gaps_reported_total",
		       "Gaps told to clients: what they asked for was no longer kept.",
		       stat_get(&s->gaps_reported));
}

static int broker(struct buf *b, struct stats *s)
{
	if (!s->broker)
		return 0;
	return counter(b, "rxws_broker_appended_total", "Records appended to Redis (XADD acknowledged).",
		       stat_get(&s->broker_appended)) ||
	       counter(b, "rxws_broker_read_total", "Stream entries read from Redis and handed on.",
		       stat_get(&s->broker_read)) ||
	       counter(b, "rxws_broker_duplicates_total", "Copies of a retried XADD, dropped.",
		       stat_get(&s->broker_duplicates)) ||
	       counter(b, "rxws_broker_gaps_total", "Gaps in the stream: entries trimmed before they were read, or lost with a reset.",
		       stat_get(&s->broker_gaps)) ||
	       counter(b, "rxws_broker_lost_total", "Records lost in gaps, or never appended.",
		       stat_get(&s->broker_lost)) ||
	       counter(b, "rxws_broker_bad_total", "Bad stream entries, skipped.",
		       stat_get(&s->broker_bad)) ||
	       counter(b, "rxws_broker_reconnects_total", "Reconnects to Redis.",
		       stat_get(&s->broker_reconnects)) ||
	       counter(b, "rxws_broker_resets_total",
		       "Times the stream was found reset: Redis lost it (restarted empty, the key deleted).",
		       stat_get(&s->broker_resets));
}

/* lws 4.1 says "4.1.6-" and its build's hash, if any, after the dash. */
static int build_info(struct buf *b)
{
	const char *lws = lws_get_library_version();
	size_t n = strcspn(lws, "- ");

	return family(b, "rxws_build_info", "gauge",
		      "The version of rxws, and of libwebsockets, as labels; always 1.") ||
	       put(b, "rxws_build_info{version=\"") || put_value(b, RXWS_VERSION, strlen(RXWS_VERSION)) ||
	       put(b, "\",libwebsockets=\"") || put_value(b, lws, n) || put(b, "\"} 1\n");
}

int metrics_render(struct buf *out, const struct metrics_source *src)
{
	if (!out->max)
		out->max = out->len + METRICS_TEXT_MAX;
	if (build_info(out) ||
	    family(out, "rxws_start_time_seconds", "gauge",
		   "When the process started, in seconds since the Unix epoch.") ||
	    put(out, "rxws_start_time_seconds %.3f\n", src->start_time) ||
	    records(out, src->stats) || clients(out, src) || connections(out, src->stats) ||
	    history(out, src->stats) || broker(out, src->stats))
		return -1;
	return 0;
}
