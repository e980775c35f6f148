/* replay: a client's way back through the history (replay.h). */
#include "tools/replay.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/log.h"

/* The most ?last may ask for: more than any history keeps. */
#define LAST_MAX (1u << 24)

/* A parameter from the query, else from a header; false when neither has it. */
static bool ask_value(const struct http_head *r, const char *param, const char *header,
		      char *out, size_t size, bool *too_long)
{
	size_t len;
	const char *v;

	*too_long = false;
	if (http_query_param(r->target, r->target_len, param, out, size))
		return true;
	if (!(v = http_field(r, header, &len)))
		return false;
	if (len >= size) {
		*too_long = true;
		return true;
	}
	memcpy(out, v, len);
	out[len] = '\0';
	return true;
}

int replay_read_ask(const struct http_head *request, struct replay_ask *ask, const char **why)
{
	char since[POSITION_MAX + 8], last[24];
	bool long_since, long_last;
	bool has_since = ask_value(request, "since", "Rxws-Since", since, sizeof(since), &long_since);
	bool has_last = ask_value(request, "last", "Rxws-Last", last, sizeof(last), &long_last);

	memset(ask, 0, sizeof(*ask));
	if (has_since && has_last)
		return *why = "since and last: ask for one of them", -1;
	if (has_since) {
		if (long_since)
			return *why = "since: not a position: too long", -1;
		const char *wrong = position_parse(since, strlen(since), &ask->since);
		if (wrong) {
			static char reason[128];
			snprintf(reason, sizeof(reason), "since: %s", wrong);
			return *why = reason, -1;
		}
		ask->kind = REPLAY_SINCE;
	} else if (has_last) {
		char *end;
		unsigned long long n = long_last ? 0 : strtoull(last, &end, 10);
		if (long_last || !last[0] || *end || last[0] == '-' || last[0] == '+' || !n ||
		    n > LAST_MAX)
			return *why = "last: expected a count from 1 to 16777216", -1;
		ask->kind = REPLAY_LAST;
		ask->last = n;
	}
	return 0;
}

static struct position at(const char *epoch, uint64_t offset)
{
	struct position p;
	memcpy(p.epoch, epoch, POSITION_EPOCH_LEN + 1);
	p.offset = offset;
	return p;
}

/* What is missed from offset `from` of p's epoch on, up to what p keeps. */
static void trimmed(const struct path_clients *p, uint64_t from, struct replay_plan *plan)
{
	uint64_t first = history_first(&p->hist);
	uint64_t to = first ? first - 1 : p->last;

	plan->gap = true;
	plan->gap_from = at(p->epoch, from);
	plan->gap_to = at(p->epoch, to);
	plan->gap_count = to - from + 1;
	plan->count_known = true;
	plan->reason = "trimmed";
	plan->from = first;
}

int replay_plan(const struct broadcast *b, const struct path_clients *p,
		const struct replay_ask *ask, struct replay_plan *plan, int *status,
		const char **why)
{
	uint64_t first = history_first(&p->hist);

	memset(plan, 0, sizeof(*plan));
	plan->head = at(p->epoch, p->last);
	plan->asked = ask->kind != REPLAY_NONE;
	if (plan->asked && b->behind) {
		*status = 503;
		*why = "this member is still reading the broker's stream: ask again in a moment";
		return -1;
	}
	switch (ask->kind) {
	case REPLAY_NONE:
		return 0;
	case REPLAY_SINCE: {
		const struct position *s = &ask->since;
		if (strcmp(s->epoch, p->epoch)) {
			/* Another life of the path: what it missed of it is not known. */
			plan->gap = true;
			plan->gap_from = at(s->epoch, s->offset + 1);
			plan->gap_to = at(p->epoch, first ? first - 1 : p->last);
			plan->count_known = false;
			plan->reason = "epoch";
			plan->from = first;
			return 0;
		}
		if (s->offset > p->last) {
			/* Another member may be further on: this one has not read that far. */
			static char ahead[128];
			*status = b->broker_positions ? 503 : 400;
			snprintf(ahead, sizeof(ahead), b->broker_positions
				 ? "since: this member has not read that far yet (it is at %s:%" PRIu64 "): ask again in a moment"
				 : "since: ahead of the path's last message (%s:%" PRIu64 ")",
				 p->epoch, p->last);
			return *why = ahead, -1;
		}
		if (s->offset == p->last)
			return 0;	/* nothing missed: live */
		if (first && s->offset + 1 >= first)
			plan->from = s->offset + 1;
		else
			trimmed(p, s->offset + 1, plan);
		return 0;
	}
	case REPLAY_LAST: {
		if (!p->last)
			return 0;
		uint64_t from = p->last >= ask->last ? p->last - ask->last + 1 : 1;
		if (first && first <= from)
			plan->from = from;
		else
			trimmed(p, from, plan);
		return 0;
	}
	}
	return 0;
}

int replay_headers(struct buf *out, const struct replay_plan *plan)
{
	char line[256], a[POSITION_MAX], b[POSITION_MAX], count[24] = "?";

	if (!plan->asked)
		return 0;
	position_format(a, plan->head.epoch, plan->head.offset);
	int n = snprintf(line, sizeof(line), "Rxws-Position: %s\r\n", a);
	if (n < 0 || buf_append(out, line, (size_t)n))
		return -1;
	if (!plan->gap)
		return 0;
	position_format(a, plan->gap_from.epoch, plan->gap_from.offset);
	position_format(b, plan->gap_to.epoch, plan->gap_to.offset);
	if (plan->count_known)
		snprintf(count, sizeof(count), "%" PRIu64, plan->gap_count);
	n = snprintf(line, sizeof(line), "Rxws-Gap: from=%s; to=%s; count=%s; reason=%s\r\n",
		     a, b, count, plan->reason);
	return n < 0 ? -1 : buf_append(out, line, (size_t)n);
}

/* A notice of rxws.pos into m's queue (room was checked, or it is new). */
static void notice(struct member *m, const char *text, size_t n)
{
	struct msg *msg = msg_new(NULL, 0, n);

	if (!msg)
		return;		/* a notice is owed, not vital */
	memcpy(msg->payload, text, n);
	msg->kind = FRAME_TEXT;
	msg->notice = true;
	wsconn_push(&m->conn, msg, OVERFLOW_BLOCK);
}

static bool speaks_positions(const struct member *m)
{
	return m->conn.pos_epoch != NULL;
}

/* A gap, said: in its log, counted, and as a notice to a client of rxws.pos. */
static void say_gap(struct broadcast *b, struct member *m, const struct position *from,
		    const struct position *to, uint64_t count, bool known, const char *why)
{
	char text[POSITION_NOTICE_MAX], shown[24] = "an unknown number of";

	stat_add(&b->stats->gaps_reported, 1);
	if (known)
		snprintf(shown, sizeof(shown), "%" PRIu64, count);
	wsconn_log(&m->conn, LOG_WARN, "%s: %s message%s of %s it asked for %s not kept (%s): "
		   "a gap, said", m->conn.peer, shown, known && count == 1 ? "" : "s",
		   m->path->path, known && count == 1 ? "is" : "are", why);
	if (speaks_positions(m))
		notice(m, text, position_notice_gap(text, from->epoch, from->offset, to->epoch,
						    to->offset, count, known, why));
}

void replay_start(struct broadcast *b, struct member *m, const struct replay_plan *plan)
{
	char text[POSITION_NOTICE_MAX];

	if (plan->asked)
		stat_add(&b->stats->replays, 1);
	if (speaks_positions(m))
		notice(m, text, position_notice_head(text, plan->head.epoch, plan->head.offset));
	if (plan->gap)
		say_gap(b, m, &plan->gap_from, &plan->gap_to, plan->gap_count, plan->count_known,
			plan->reason);
	m->replay_next = plan->from;
	if (!m->replay_next && speaks_positions(m))
		notice(m, text, position_notice_live(text, m->path->epoch, m->path->last));
	replay_refill(b, m);
}

void replay_refill(struct broadcast *b, struct member *m)
{
	struct path_clients *p = m->path;
	char text[POSITION_NOTICE_MAX];

	while (m->replay_next && !ring_full(&m->conn.queue)) {
		uint64_t next = m->replay_next;
		if (next > p->last) {
			/* Caught up: what comes now comes live, with no seam. */
			m->replay_next = 0;
			if (speaks_positions(m))
				notice(m, text, position_notice_live(text, p->epoch, p->last));
			return;
		}
		if (!history_has(&p->hist, next)) {
			/* The history let go of what it had still to get. */
			uint64_t first = history_first(&p->hist);
			uint64_t to = first ? first - 1 : p->last;
			struct position from = at(p->epoch, next), upto = at(p->epoch, to);
			say_gap(b, m, &from, &upto, to - next + 1, true, "trimmed");
			m->replay_next = first ? first : p->last + 1;
			continue;
		}
		struct msg *msg = history_copy(&p->hist, next);
		if (!msg)
			return;		/* no memory now: again when it has room */
		wsconn_push(&m->conn, msg, OVERFLOW_BLOCK);
		m->replay_next++;
	}
}

struct epoch_change {
	struct broadcast *b;
	const char *epoch;
};

static void tell_epoch(struct member *m, void *arg)
{
	struct epoch_change *e = arg;
	struct path_clients *p = m->path;
	char text[POSITION_NOTICE_MAX];

	if (!memcmp(p->epoch, e->epoch, POSITION_EPOCH_LEN) || !p->last)
		return;
	m->replay_next = 0;
	struct position from = at(p->epoch, p->last + 1), to = at(e->epoch, 0);
	to.epoch[POSITION_EPOCH_LEN] = '\0';
	say_gap(e->b, m, &from, &to, 0, false, "epoch");
	if (speaks_positions(m))
		notice(m, text, position_notice_live(text, e->epoch, 0));
}

void replay_new_epoch(struct broadcast *b, const char *epoch)
{
	struct epoch_change e = { b, epoch };

	broadcast_each(b, tell_epoch, &e);
	broadcast_set_epoch(b, epoch);
}
