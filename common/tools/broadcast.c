/*
 * broadcast: the clients of rxws-serve by path, and a record's way to every
 * client of its path (broadcast.h).
 */
#include "tools/broadcast.h"

#include <stdlib.h>
#include <string.h>

#include "app/options.h"
#include "base/log.h"
#include "tools/admission.h"

/*
 * A client whose queue is full is given this long to catch up before it
 * meets --overflow: a healthy client on a busy machine can fall behind for
 * a moment, and judging it at once would drop what it was about to read.
 */
#define SLOW_GRACE_US (1 * LWS_US_PER_SEC)

static void free_path(void *value, void *arg)
{
	struct path_clients *p = value;
	(void)arg;
	history_path_free(&p->hist);
	free(p->path);
	free(p);
}

/* A path goes once it has neither clients nor messages kept. */
static void path_maybe_gone(struct broadcast *b, struct path_clients *p)
{
	if (p->members.count || !history_unused(&p->hist))
		return;
	pathmap_del(&b->paths, p->path, p->len);
	free_path(p, NULL);
}

static void history_unused_path(void *owner, struct path_history *ph)
{
	struct path_clients *p = lws_container_of(ph, struct path_clients, hist);
	path_maybe_gone(owner, p);
}

void broadcast_init(struct broadcast *b, const struct config *cfg, struct stats *stats)
{
	memset(b, 0, sizeof(*b));
	b->cfg = cfg;
	b->stats = stats;
	pathmap_init(&b->paths);
	history_init(&b->history, cfg->history, cfg->history_bytes, cfg->history_age);
	b->broker_positions = cfg->broker != NULL;
	b->behind = b->broker_positions;
	memset(b->epoch, '0', POSITION_EPOCH_LEN);	/* until the stream's is known */
	b->history.unused = history_unused_path;
	b->history.owner = b;
}

void broadcast_free(struct broadcast *b)
{
	history_free(&b->history);
	pathmap_each(&b->paths, free_path, NULL);
	pathmap_free(&b->paths);
}

static struct path_clients *path_get(struct broadcast *b, const char *path, size_t len)
{
	struct path_clients *p = pathmap_get(&b->paths, path, len);
	if (p)
		return p;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->path = strndup(path, len);
	p->len = len;
	p->type = p->path ? record_config_type_for(&b->cfg->rec, p->path) : DATATYPE_STRING;
	/* A new life of the path: a new epoch (or the stream's). */
	if (b->broker_positions)
		memcpy(p->epoch, b->epoch, POSITION_EPOCH_LEN + 1);
	else if (position_new_epoch(p->epoch))
		snprintf(p->epoch, sizeof(p->epoch), "%016llx", (unsigned long long)(uintptr_t)p);
	if (!p->path || pathmap_put(&b->paths, path, len, p)) {
		free(p->path);
		free(p);
		return NULL;
	}
	return p;
}

const struct path_clients *broadcast_path_view(const struct broadcast *b, const char *path,
					       size_t len, struct path_clients *stand_in)
{
	const struct path_clients *p = pathmap_get(&b->paths, path, len);

	if (p)
		return p;
	memset(stand_in, 0, sizeof(*stand_in));
	if (b->broker_positions)
		memcpy(stand_in->epoch, b->epoch, POSITION_EPOCH_LEN + 1);
	return stand_in;
}

int broadcast_join(struct broadcast *b, struct member *m, const char *path, size_t len)
{
	m->path = path_get(b, path, len);
	if (!m->path)
		return -1;
	lws_dll2_add_tail(&m->node, &m->path->members);
	b->n_members++;
	return 0;
}

void broadcast_leave(struct broadcast *b, struct member *m)
{
	struct path_clients *p = m->path;

	lws_dll2_remove(&m->node);
	b->n_members--;
	m->path = NULL;
	path_maybe_gone(b, p);
}

/*
 * What it has not been sent is dropped now, with the new record; what it
 * was sent, when the connection ends, unless confirmed by then.
 */
static void close_too_slow(struct broadcast *b, struct path_clients *p, struct wsconn *c)
{
	size_t sent = c->inflight;
	size_t dropped = wsconn_close_overflowed(c) + 1;
	log_warn("%s on %s is too slow (--queue %zu full): closing with 1008, %zu record%s dropped"
		 "%s", c->peer, p->path, b->cfg->queue_len, dropped, dropped == 1 ? "" : "s",
		 sent ? " and those sent and not yet confirmed" : "");
	struct member *m = lws_container_of(c, struct member, conn);
	if (m->away)
		b->expel(b->owner, m);
}

/*
 * Records for a path with no client are discarded (as rxplus did), and
 * said: at most a line per path per second, with the count.
 */
static void note_discard(struct broadcast *b, const char *path, size_t len, bool kept)
{
	struct discards *d = &b->discards;
	size_t i = 0;

	while (i < d->n && !(d->path_len[i] == len && !memcmp(d->path[i], path, len)))
		i++;
	if (i == d->n) {
		if (d->n == DISCARD_PATHS_MAX || len >= sizeof(d->path[0])) {
			d->others++;
			return;
		}
		memcpy(d->path[i], path, len);
		d->path_len[i] = len;
		d->count[i] = 0;
		d->kept[i] = false;
		d->refused[i] = !admission_path_served(b->cfg, path, len);
		d->n++;
	}
	d->count[i]++;
	d->kept[i] |= kept;
}

void broadcast_report_discards(struct broadcast *b, lws_usec_t now, bool now_or_never)
{
	struct discards *d = &b->discards;

	if ((!d->n && !d->others) || (!now_or_never && now - d->last < LWS_US_PER_SEC))
		return;
	d->last = now;
	for (size_t i = 0; i < d->n; i++)
		log_warn("%llu record%s for %.*s discarded: %s",
			 (unsigned long long)d->count[i], d->count[i] == 1 ? "" : "s",
			 (int)d->path_len[i], d->path[i],
			 d->refused[i] ? "not allowed by --allow-path, so no client can be on it"
				       : d->kept[i] ? "no client on the path (kept in the history)"
						    : "no client on the path");
	if (d->others)
		log_warn("%llu record%s for other paths discarded: no client on them",
			 (unsigned long long)d->others, d->others == 1 ? "" : "s");
	d->n = 0;
	d->others = 0;
}

/*
 * The clock, read once per record and only when needed: a record that
 * finds no full queue and no history does not read it (on some virtual
 * machines a clock_gettime costs more than the rest of a record's way).
 */
static lws_usec_t clock_now(lws_usec_t *now)
{
	if (!*now)
		*now = lws_now_usecs();
	return *now;
}

/* Counts c as full, and as lagging once it has been full for the grace. */
static void note_fullness(struct wsconn *c, lws_usec_t *now, size_t *full, size_t *lagging)
{
	if (!ring_full(&c->queue)) {
		if (c->full_since)	/* (no write to every client's memory per record) */
			c->full_since = 0;
		return;
	}
	(*full)++;
	if (!c->full_since)
		c->full_since = clock_now(now);
	else if (clock_now(now) - c->full_since >= SLOW_GRACE_US)
		(*lagging)++;
}

/* A member that takes live messages now (one catching up takes them from the history). */
static bool takes_live(const struct member *m)
{
	return (wsconn_open(&m->conn) || m->away) && !m->replay_next;
}

/*
 * The message's position on p (the next offset, unless the broker gave it
 * one), and a place in the history: it is taken, so this happens once.
 */
static void number_and_keep(struct broadcast *b, struct path_clients *p, struct msg *m,
			    lws_usec_t *now)
{
	if (!m->pos && b->broker_positions)
		return;		/* an entry another program appended: live only */
	if (!m->pos)
		m->pos = p->last + 1;
	p->last = m->pos;
	if (!history_on(&b->history))
		return;
	history_add(&b->history, &p->hist, m, (uint64_t)clock_now(now));
	stat_set(&b->stats->history_messages, b->history.messages);
	stat_set(&b->stats->history_bytes, b->history.bytes);
}

static void start_over(void *value, void *arg)
{
	struct path_clients *p = value;
	struct broadcast *b = arg;

	if (!memcmp(p->epoch, b->epoch, POSITION_EPOCH_LEN))
		return;
	history_clear_path(&b->history, &p->hist);
	p->last = 0;
	memcpy(p->epoch, b->epoch, POSITION_EPOCH_LEN + 1);
}

void broadcast_set_epoch(struct broadcast *b, const char *epoch)
{
	memcpy(b->epoch, epoch, POSITION_EPOCH_LEN);
	b->epoch[POSITION_EPOCH_LEN] = '\0';
	pathmap_each(&b->paths, start_over, b);
	stat_set(&b->stats->history_messages, b->history.messages);
	stat_set(&b->stats->history_bytes, b->history.bytes);
}

void broadcast_expire(struct broadcast *b, uint64_t now_us)
{
	history_expire(&b->history, now_us);
	stat_set(&b->stats->history_messages, b->history.messages);
	stat_set(&b->stats->history_bytes, b->history.bytes);
}

bool broadcast_record(struct broadcast *b, struct msg *m, const char *path, size_t len)
{
	struct path_clients *p = pathmap_get(&b->paths, path, len);
	enum overflow policy = b->cfg->overflow;
	size_t open = 0, full = 0, lagging = 0;
	lws_usec_t now = 0;	/* not read yet */
	size_t catching_up = 0;

	/* With a history, a path with no client yet keeps its messages for one. */
	if (!p && history_on(&b->history) && !m->notice)
		p = path_get(b, path, len);
	if (p && m->past) {
		/* From before this member started: for the history only. */
		number_and_keep(b, p, m, &now);
		msg_unref(m);
		return true;
	}
	if (p) {
		lws_start_foreach_dll(struct lws_dll2 *, d, lws_dll2_get_head(&p->members)) {
			struct member *m = lws_container_of(d, struct member, node);
			if (takes_live(m)) {
				open++;
				note_fullness(&m->conn, &now, &full, &lagging);
			} else if (m->replay_next) {
				catching_up++;
			}
		} lws_end_foreach_dll(d);
	}
	if (!open) {
		/* Those catching up get it from the history: no discard to say. */
		if (!m->past && !catching_up)
			note_discard(b, path, len, p && history_on(&b->history));
		if (p)
			number_and_keep(b, p, m, &now);
		msg_done(m, FATE_DISCARDED);
		return true;
	}
	if (full && (policy == OVERFLOW_BLOCK || full == open || lagging < full))
		return false;

	number_and_keep(b, p, m, &now);
	lws_start_foreach_dll(struct lws_dll2 *, d, lws_dll2_get_head(&p->members)) {
		struct member *mb = lws_container_of(d, struct member, node);
		struct wsconn *c = &mb->conn;
		if (takes_live(mb) &&
		    wsconn_push(c, msg_ref(m), policy) == PUSH_CLOSE) {
			msg_done(m, FATE_DROPPED);
			close_too_slow(b, p, c);
		}
	} lws_end_foreach_dll(d);
	msg_unref(m);
	return true;
}

struct each {
	void (*fn)(struct member *m, void *arg);
	void *arg;
};

static void each_of_path(void *value, void *arg)
{
	struct path_clients *p = value;
	struct each *e = arg;

	lws_start_foreach_dll_safe(struct lws_dll2 *, d, d1, lws_dll2_get_head(&p->members)) {
		e->fn(lws_container_of(d, struct member, node), e->arg);
	} lws_end_foreach_dll_safe(d, d1);
}

void broadcast_each(struct broadcast *b, void (*fn)(struct member *m, void *arg), void *arg)
{
	struct each e = { fn, arg };
	pathmap_each(&b->paths, each_of_path, &e);
}

static void add_queued(struct member *m, void *arg)
{
	*(size_t *)arg += wsconn_queued(&m->conn);
}

size_t broadcast_queued(struct broadcast *b)
{
	size_t n = 0;
	broadcast_each(b, add_queued, &n);
	return n;
}
