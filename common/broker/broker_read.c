/*
 * broker_read: the broker's reader thread. It reads one stream (P:out, or
 * P:in for --collect) from its last id, on a connection of its own, and
 * hands each good entry to the loop as a message.
 *
 * Each read is one transaction, MULTI, XINFO STREAM, XRANGE after our last
 * id, EXEC, sent at once: atomic with respect to every XADD, it gives the
 * stream's recorded first id, entries-added and length with the next
 * batch. We know the ordinal of our last entry (how many entries were ever
 * added up to it: entries-added when we started, then counted as we read),
 * so when the first id is past our last id, the entries trimmed before we
 * read them number exactly (entries-added - length) - ordinal: a gap,
 * logged and counted. (A Lua script that returns the same is as exact, but
 * converting each entry to Lua and back cost Redis five times the CPU of
 * the plain XRANGE.) Only when a read brings nothing do we block, in XREAD
 * BLOCK, and only to be woken: what XREAD returns is read again in a
 * transaction, since it could follow a gap unseen.
 *
 * Entries a member appended carry src and seq: a copy left by a retried
 * XADD has a seq not above the last seen from its src, and is dropped.
 *
 * A stream can also be reset: Redis restarted without its data, the key
 * deleted. New ids are usually above ours (they come from the clock), so
 * the ids alone would not show it. The key P:epoch says which life of
 * the stream this is: each read sets it to a new random value if it is
 * missing (SET NX) and reads it, in the same transaction. An epoch other
 * than ours, a stream whose entries-added fell below our ordinal, or whose
 * last id went below ours, is a reset: a gap of a size nobody can know
 * (what the old stream held after our last id is gone), logged and
 * counted, and the new stream is read from its start.
 */
#include "broker/broker_impl.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "base/log.h"
#include "base/pathmap.h"
#include "base/utf8.h"
#include "records/cbor_item.h"
#include "records/convert.h"
#include "ws/position.h"

#define READ_BATCH 512
#define READ_BATCH_TEXT "512"
/* How long XREAD waits for something new before it looks again. */
#define BLOCK_MS "1000"
/* Sources (members) whose last seq is remembered; the oldest go first. */
#define SRC_MAX 1024
/* Bad entries logged one by one in a second; the others are counted. */
#define BAD_LOGS_PER_S 10

struct src_seen {
	uint64_t seq;		/* last seq read from this source */
	uint64_t used;		/* when, in entries read */
	size_t len;
	char key[];
};

struct stream_reader {
	struct broker *b;
	struct redis_link *l;
	const char *key;
	bool positioned;
	char *epoch_key;
	char epoch[BROKER_EPOCH_LEN + 1];	/* the life of the stream we read */
	struct stream_id last;		/* the last entry read */
	uint64_t ordinal;		/* how many entries were added up to it */
	struct pathmap srcs;
	uint64_t entries_seen;
	uint64_t own_seen;
	struct converter conv;
	struct msg *batch[READ_BATCH + 1];	/* and an epoch's notice */
	size_t n;
	bool fill_history;		/* the entries before where it started: to do */
	time_t bad_second;
	unsigned bad_logged;
	uint64_t bad_hidden;
};

static const redisReply *field(const redisReply *fields, const char *name)
{
	for (size_t i = 0; i + 1 < fields->elements; i += 2) {
		const redisReply *k = fields->element[i];
		if (k->type == REDIS_REPLY_STRING && k->len == strlen(name) &&
		    !memcmp(k->str, name, k->len) &&
		    fields->element[i + 1]->type == REDIS_REPLY_STRING)
			return fields->element[i + 1];
	}
	return NULL;
}

static void bad_entry(struct stream_reader *r, const char *id, const char *why)
{
	time_t now = time(NULL);

	stat_add(&r->b->stats->broker_bad, 1);
	if (now != r->bad_second) {
		if (r->bad_hidden)
			log_warn("broker: %" PRIu64 " more bad entr%s in %s not shown",
				 r->bad_hidden, r->bad_hidden == 1 ? "y" : "ies", r->key);
		r->bad_second = now;
		r->bad_logged = 0;
		r->bad_hidden = 0;
	}
	if (r->bad_logged++ < BAD_LOGS_PER_S)
		log_warn("broker: %s entry %s: %s; skipped", r->key, id, why);
	else
		r->bad_hidden++;
}

static void forget_oldest_src(struct stream_reader *r);

/* Whether (src, seq) was seen already; notes it otherwise. */
static bool duplicate(struct stream_reader *r, const redisReply *src, const redisReply *seq_field)
{
	char *end;
	char num[24];

	if (!src || !seq_field || seq_field->len >= sizeof(num))
		return false;
	memcpy(num, seq_field->str, seq_field->len);
	num[seq_field->len] = '\0';
	uint64_t seq = strtoull(num, &end, 10);
	if (*end || end == num)
		return false;
	struct src_seen *s = pathmap_get(&r->srcs, src->str, src->len);
	if (s) {
		s->used = r->entries_seen;
		if (seq <= s->seq)
			return true;
		s->seq = seq;
		return false;
	}
	if (r->srcs.count >= SRC_MAX)
		forget_oldest_src(r);
	s = malloc(sizeof(*s) + src->len + 1);
	if (!s)
		return false;
	s->seq = seq;
	s->used = r->entries_seen;
	s->len = src->len;
	memcpy(s->key, src->str, src->len);
	s->key[src->len] = '\0';
	if (pathmap_put(&r->srcs, s->key, s->len, s))
		free(s);
	return false;
}

struct oldest {
	struct src_seen *s;
};

static void find_oldest(void *value, void *arg)
{
	struct src_seen *s = value;
	struct oldest *o = arg;
	if (!o->s || s->used < o->s->used)
		o->s = s;
}

static void forget_oldest_src(struct stream_reader *r)
{
	struct oldest o = { NULL };
	pathmap_each(&r->srcs, find_oldest, &o);
	if (!o.s)
		return;
	pathmap_del(&r->srcs, o.s->key, o.s->len);
	free(o.s);
}

static void free_src(void *value, void *arg)
{
	(void)arg;
	free(value);
}

/* An entry's offset on its path (field off): 0, or -1 when it is not one. */
static int offset_parse(const redisReply *off, uint64_t *out)
{
	uint64_t v = 0;

	if (!off->len || off->len > 19)
		return -1;
	for (size_t i = 0; i < off->len; i++) {
		if (off->str[i] < '0' || off->str[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(off->str[i] - '0');
	}
	if (!v)
		return -1;
	*out = v;
	return 0;
}

/* The message for a good entry; NULL with *why when it is bad. */
static struct msg *entry_message(struct stream_reader *r, const redisReply *fields,
				 const char **why)
{
	const struct broker_config *cfg = r->b->cfg;
	const redisReply *path = field(fields, "path");
	const redisReply *kind = field(fields, "kind");
	const redisReply *data = field(fields, "data");
	enum frame_kind fk;

	if (!path)
		return *why = "no path field", NULL;
	if ((*why = framing_tag_problem(path->str, path->len)))
		return NULL;
	if (!data)
		return *why = "no data field", NULL;
	if (data->len > cfg->rec->max_size)
		return *why = "data over --max-size", NULL;
	enum datatype type = converter_type_for(&r->conv, path->str, path->len);
	if (!kind)
		fk = type == DATATYPE_STRING ? FRAME_TEXT : FRAME_BINARY;
	else if (kind->len == 4 && !memcmp(kind->str, "text", 4))
		fk = FRAME_TEXT;
	else if (kind->len == 6 && !memcmp(kind->str, "binary", 6))
		fk = FRAME_BINARY;
	else
		return *why = "unknown kind (text or binary)", NULL;
	const unsigned char *bytes = (const unsigned char *)data->str;
	if (fk == FRAME_TEXT && !utf8_valid(bytes, data->len))
		return *why = "text that is not UTF-8", NULL;
	if (fk == FRAME_BINARY && type == DATATYPE_OBJECT &&
	    cbor_check(bytes, data->len, NULL))
		return *why = "not one CBOR item, on an object path", NULL;
	uint64_t pos = 0;
	const redisReply *off = field(fields, "off");
	if (off && offset_parse(off, &pos))
		return *why = "an offset (off) that is not a number from 1", NULL;
	struct msg *m = msg_new(path->str, path->len, data->len);
	if (!m)
		return *why = "out of memory", NULL;
	memcpy(m->payload, bytes, data->len);
	m->kind = fk;
	m->pos = pos;
	return m;
}

static void take_entry(struct stream_reader *r, const redisReply *e)
{
	char id[64];
	struct stream_id sid;

	if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
	    e->element[0]->type != REDIS_REPLY_STRING ||
	    stream_id_parse(e->element[0]->str, e->element[0]->len, &sid))
		return;
	r->ordinal++;
	r->entries_seen++;
	r->last = sid;
	snprintf(id, sizeof(id), "%.*s", (int)e->element[0]->len, e->element[0]->str);
	const redisReply *fields = e->element[1];
	if (fields->type != REDIS_REPLY_ARRAY) {
		bad_entry(r, id, "no fields");
		return;
	}
	const redisReply *src = field(fields, "src");
	if (duplicate(r, src, field(fields, "seq"))) {
		stat_add(&r->b->stats->broker_duplicates, 1);
		return;
	}
	if (src && src->len == strlen(r->b->src) && !memcmp(src->str, r->b->src, src->len)) {
		const redisReply *seq = field(fields, "seq");
		r->own_seen = strtoull(seq ? seq->str : "0", NULL, 10);
		broker_count_reset_losses(r->b, r->own_seen);
	}
	const char *why;
	struct msg *m = entry_message(r, fields, &why);
	if (!m) {
		bad_entry(r, id, why);
		return;
	}
	r->batch[r->n++] = m;
}

/* Hands the batch to the loop and says how far we are. false: stopping. */
static bool hand_on(struct stream_reader *r)
{
	struct broker *b = r->b;
	size_t n = r->n;

	size_t entries = 0;
	for (size_t i = 0; i < n; i++)
		entries += !r->batch[i]->notice;	/* not an epoch's */
	r->n = 0;
	if (n && !inbox_push(&b->handoff, r->batch, n))
		return false;
	stat_add(&b->stats->broker_read, entries);
	pthread_mutex_lock(&b->mu);
	b->read_id = r->last;
	b->own_seen_seq = r->own_seen;
	pthread_mutex_unlock(&b->mu);
	broker_wake_loop(b);
	return true;
}

static uint64_t integer(const redisReply *r)
{
	return r->type == REDIS_REPLY_INTEGER && r->integer > 0 ? (uint64_t)r->integer : 0;
}

/* A field of XINFO STREAM's flat answer, or NULL. */
static const redisReply *info_field(const redisReply *info, const char *name)
{
	for (size_t i = 0; i + 1 < info->elements; i += 2) {
		const redisReply *k = info->element[i];
		if (k->type == REDIS_REPLY_STRING && k->len == strlen(name) &&
		    !memcmp(k->str, name, k->len))
			return info->element[i + 1];
	}
	return NULL;
}

/* XINFO STREAM's figures; false when they are not there (Redis before 7). */
static bool stream_figures(const redisReply *info, struct stream_id *first,
			   uint64_t *added, uint64_t *length,
			   struct stream_id *last_generated)
{
	if (info->type == REDIS_REPLY_ERROR) {
		/* No stream yet: as if empty. */
		*first = *last_generated = (struct stream_id){ 0, 0 };
		*added = *length = 0;
		return info->str && strstr(info->str, "no such key");
	}
	const redisReply *f = info->type == REDIS_REPLY_ARRAY ? info_field(info, "recorded-first-entry-id") : NULL;
	const redisReply *n = f ? info_field(info, "entries-added") : NULL;
	const redisReply *l = n ? info_field(info, "length") : NULL;
	const redisReply *g = l ? info_field(info, "last-generated-id") : NULL;
	if (!g || f->type != REDIS_REPLY_STRING || g->type != REDIS_REPLY_STRING ||
	    n->type != REDIS_REPLY_INTEGER || l->type != REDIS_REPLY_INTEGER ||
	    stream_id_parse(f->str, f->len, first) ||
	    stream_id_parse(g->str, g->len, last_generated))
		return false;
	*added = integer(n);
	*length = integer(l);
	return true;
}

/*
 * The stream's epoch, first known or new, goes to the loop before the
 * entries read with it: every path's positions belong to it (rxws(7),
 * HISTORY AND RECOVERY), as its first 16 hex digits.
 */
static void hand_epoch(struct stream_reader *r)
{
	struct msg *m = msg_new(NULL, 0, POSITION_EPOCH_LEN);

	if (!m)
		return;		/* the paths keep the epoch they have */
	memcpy(m->payload, r->epoch, POSITION_EPOCH_LEN);
	m->notice = true;
	r->batch[r->n++] = m;
}

/*
 * The member knows where the stream stands and has read back its history:
 * an empty notice says so to the loop, which lets clients ask from then on.
 */
static bool hand_caught_up(struct stream_reader *r)
{
	struct msg *m = msg_new(NULL, 0, 0);

	if (!m)
		return true;	/* clients that ask are refused a while longer */
	m->notice = true;
	return inbox_push(&r->b->handoff, &m, 1);
}

/*
 * The stream is a new one: what the old one held after our last id is
 * gone, and nobody can say how much that was. Read from its start.
 */
static void reset(struct stream_reader *r, const char *why)
{
	struct broker *b = r->b;
	char at[48];

	stream_id_format(r->last, at, sizeof(at));
	log_error("broker %s: %s was reset (%s): a gap after id %s of a size that cannot be "
		  "known; reading the new stream from its start",
		  b->url->shown, r->key, why, at);
	stat_add(&b->stats->broker_gaps, 1);
	broker_note_reset(b, r->own_seen);
	r->last = (struct stream_id){ 0, 0 };
	r->ordinal = 0;
}

/*
 * The transaction's answer (the epoch, XINFO STREAM's, and XRANGE's or
 * NULL): the position, gaps, entries. false: not the answer expected.
 */
static bool on_answer(struct stream_reader *r, const redisReply *epoch, const redisReply *info,
		      const redisReply *entries)
{
	struct broker *b = r->b;
	struct stream_id first, last_generated;
	uint64_t added, length;
	char at[48];

	if (epoch->type != REDIS_REPLY_STRING || epoch->len != BROKER_EPOCH_LEN ||
	    !stream_figures(info, &first, &added, &length, &last_generated) ||
	    (entries && entries->type != REDIS_REPLY_ARRAY))
		return false;
	bool new_epoch = r->epoch[0] && memcmp(r->epoch, epoch->str, BROKER_EPOCH_LEN);
	bool first_epoch = !r->epoch[0];
	memcpy(r->epoch, epoch->str, BROKER_EPOCH_LEN);
	if (first_epoch || new_epoch)
		hand_epoch(r);

	if (!r->positioned) {
		/* From now on: what was added before is not ours to serve. */
		r->last = last_generated;
		r->ordinal = added;
		r->positioned = true;
		r->fill_history = b->cfg->history_bytes && added && !b->role.read_in;
		stream_id_format(r->last, at, sizeof(at));
		log_info("broker %s: reading %s after id %s (entry %" PRIu64 ")",
			 b->url->shown, r->key, at, added);
		pthread_mutex_lock(&b->mu);
		b->positioned = true;
		b->read_id = r->last;
		pthread_cond_broadcast(&b->changed);
		pthread_mutex_unlock(&b->mu);
		return true;
	}
	if (new_epoch || stream_id_cmp(last_generated, r->last) < 0 || added < r->ordinal) {
		reset(r, new_epoch ? "its epoch changed: Redis lost its data, or the key was deleted"
			 : added < r->ordinal ? "fewer entries were ever added to it than we read"
			 : "its last id is below ours");
		return true;	/* the entries after our old id: read again from the start */
	}
	uint64_t trimmed = added - (length < added ? length : added);
	bool past_us = length == 0 || stream_id_cmp(first, r->last) > 0;
	if (past_us && trimmed > r->ordinal) {
		uint64_t lost = trimmed - r->ordinal;
		stream_id_format(r->last, at, sizeof(at));
		log_warn("broker %s: gap in %s: %" PRIu64 " record%s trimmed after id %s before this member read them (--broker-maxlen %" PRIu64 ")",
			 b->url->shown, r->key, lost, lost == 1 ? " was" : "s were", at,
			 b->cfg->maxlen);
		stat_add(&b->stats->broker_gaps, 1);
		stat_add(&b->stats->broker_lost, lost);
		r->ordinal = trimmed;
	}
	for (size_t i = 0; entries && i < entries->elements; i++)
		take_entry(r, entries->element[i]);
	return true;
}

/* Reads one reply; NULL with the link failed when the connection did. */
static redisReply *reply(struct stream_reader *r)
{
	redisReply *a = NULL;
	if (redisGetReply(r->l->c, (void **)&a) != REDIS_OK || !a) {
		redis_link_fail(r->l, redis_link_reply_error(r->l, NULL));
		return NULL;
	}
	return a;
}

/* One read: 1 when entries came, 0 when none, -1 when the link failed. */
static int read_once(struct stream_reader *r)
{
	char after[48] = "(", proposal[BROKER_EPOCH_LEN + 1];
	const char *multi[] = { "MULTI" };
	const char *set_epoch[] = { "SET", r->epoch_key, proposal, "NX" };
	const char *get_epoch[] = { "GET", r->epoch_key };
	const char *info[] = { "XINFO", "STREAM", r->key };
	const char *range[] = { "XRANGE", r->key, after, "+", "COUNT", READ_BATCH_TEXT };
	const char *exec[] = { "EXEC" };

	/* A new life's epoch, should the stream's be gone: never an old one. */
	if (broker_new_epoch(proposal)) {
		redis_link_fail(r->l, "no random numbers for an epoch");
		return -1;
	}
	if (r->positioned)
		stream_id_format(r->last, after + 1, sizeof(after) - 1);
	redisAppendCommandArgv(r->l->c, 1, multi, NULL);
	redisAppendCommandArgv(r->l->c, 4, set_epoch, NULL);
	redisAppendCommandArgv(r->l->c, 2, get_epoch, NULL);
	redisAppendCommandArgv(r->l->c, 3, info, NULL);
	if (r->positioned)
		redisAppendCommandArgv(r->l->c, 6, range, NULL);
	redisAppendCommandArgv(r->l->c, 1, exec, NULL);
	/* +OK, then +QUEUED for each command, then EXEC's array. */
	for (int i = 0; i < (r->positioned ? 5 : 4); i++) {
		redisReply *q = reply(r);
		if (!q)
			return -1;
		bool refused = q->type == REDIS_REPLY_ERROR;
		char why[300];
		if (refused)
			snprintf(why, sizeof(why), "MULTI refused: %s", q->str);
		freeReplyObject(q);
		if (refused) {
			redis_link_fail(r->l, why);
			return -1;
		}
	}
	redisReply *a = reply(r);
	if (!a)
		return -1;
	bool was_positioned = r->positioned;
	size_t want = was_positioned ? 4 : 3;
	if (a->type != REDIS_REPLY_ARRAY || a->elements != want ||
	    !on_answer(r, a->element[1], a->element[2], was_positioned ? a->element[3] : NULL)) {
		char why[300];
		snprintf(why, sizeof(why), "the read transaction answered in a form not expected%s%s",
			 a->type == REDIS_REPLY_ERROR ? ": " : " (Redis 7.0 or later?)",
			 a->type == REDIS_REPLY_ERROR ? a->str : "");
		freeReplyObject(a);
		redis_link_fail(r->l, why);
		return -1;
	}
	int got = !was_positioned || r->n || a->element[3]->elements;
	freeReplyObject(a);
	return got;
}

/* Nothing new: wait in XREAD BLOCK until something is (or a second). */
static int wait_for_more(struct stream_reader *r)
{
	char after[48];
	stream_id_format(r->last, after, sizeof(after));
	const char *argv[] = { "XREAD", "COUNT", "1", "BLOCK", BLOCK_MS, "STREAMS", r->key, after };
	redisReply *a = redisCommandArgv(r->l->c, 8, argv, NULL);
	const char *err = redis_link_reply_error(r->l, a);
	if (err) {
		char why[300];
		snprintf(why, sizeof(why), "%s", err);
		if (a)
			freeReplyObject(a);
		redis_link_fail(r->l, why);
		return -1;
	}
	freeReplyObject(a);
	return 0;
}

/* --- the history of a member that starts --------------------------------- */

/* An XRANGE or XREVRANGE of the stream; NULL with the link failed. */
static redisReply *range(struct stream_reader *r, const char *cmd, const char *from,
			 const char *to)
{
	const char *argv[] = { cmd, r->key, from, to, "COUNT", READ_BATCH_TEXT };
	redisReply *a = redisCommandArgv(r->l->c, 6, argv, NULL);
	const char *err = redis_link_reply_error(r->l, a);

	if (!err && a->type != REDIS_REPLY_ARRAY)
		err = "a range answered something else than entries";
	if (err) {
		char why[300];
		snprintf(why, sizeof(why), "%s: %s", cmd, err);
		if (a)
			freeReplyObject(a);
		redis_link_fail(r->l, why);
		return NULL;
	}
	return a;
}

static bool entry_id(const redisReply *e, struct stream_id *id)
{
	return e->type == REDIS_REPLY_ARRAY && e->elements == 2 &&
	       e->element[0]->type == REDIS_REPLY_STRING &&
	       !stream_id_parse(e->element[0]->str, e->element[0]->len, id) &&
	       e->element[1]->type == REDIS_REPLY_ARRAY;
}

struct path_count {
	uint64_t n;
};

static void free_count(void *value, void *arg)
{
	(void)arg;
	free(value);
}

/*
 * Counts a positioned entry read backwards for its path; true once the
 * entries counted reach what the history could keep: its bytes, or the
 * last --history of every path seen.
 */
static bool counted_enough(struct stream_reader *r, struct pathmap *paths, const redisReply *fields,
			   size_t *full_paths, size_t *bytes)
{
	const redisReply *path = field(fields, "path"), *data = field(fields, "data");

	if (!path || !data || !field(fields, "off"))
		return false;
	*bytes += data->len + r->b->cfg->history_entry_cost;
	struct path_count *c = pathmap_get(paths, path->str, path->len);
	if (!c) {
		if (!(c = calloc(1, sizeof(*c))) || pathmap_put(paths, path->str, path->len, c)) {
			free(c);
			return true;	/* out of memory: what we have will do */
		}
	}
	if (++c->n == r->b->cfg->history)
		(*full_paths)++;
	return *bytes >= r->b->cfg->history_bytes;
}

/*
 * Where the history of this member starts: going back from the entry it
 * started after, until the entries reach what the history keeps (its
 * bytes; or every path seen has its --history and a whole batch brought
 * no new path), or the stream's start. 0 with *from; -1: the link failed.
 */
static int history_start(struct stream_reader *r, struct stream_id upto, struct stream_id *from)
{
	struct pathmap paths;
	size_t full = 0, bytes = 0;
	char end[48];
	int rc = 0;

	pathmap_init(&paths);
	stream_id_format(upto, end, sizeof(end));
	*from = upto;
	for (bool enough = false; !enough && !broker_stopping(r->b);) {
		size_t known = paths.count;
		redisReply *a = range(r, "XREVRANGE", end, "-");
		if (!a) {
			rc = -1;
			break;
		}
		for (size_t i = 0; i < a->elements && !enough; i++) {
			struct stream_id id;
			if (!entry_id(a->element[i], &id))
				continue;
			*from = id;
			enough = counted_enough(r, &paths, a->element[i]->element[1], &full, &bytes);
		}
		enough |= a->elements < READ_BATCH ||
			  (full == paths.count && paths.count == known && known);
		freeReplyObject(a);
		end[0] = '(';
		stream_id_format(*from, end + 1, sizeof(end) - 1);
	}
	pathmap_each(&paths, free_count, NULL);
	pathmap_free(&paths);
	return rc;
}

/*
 * A member that starts fills its history from the stream, so that a
 * client may resume on it what it read on another member: the entries
 * from where the history starts up to the one it started after, in
 * order, handed on as past (kept, not sent live). Entries without an
 * offset are not kept. A failure leaves the history shorter: said.
 */
static void fill_history(struct stream_reader *r, struct stream_id upto)
{
	struct stream_id from, last = { 0, 0 };
	char a_id[48], b_id[48];
	uint64_t kept = 0;

	r->fill_history = false;
	if (history_start(r, upto, &from))
		goto failed;
	stream_id_format(from, a_id, sizeof(a_id));
	stream_id_format(upto, b_id, sizeof(b_id));
	while (stream_id_cmp(last, upto) < 0 && !broker_stopping(r->b)) {
		redisReply *a = range(r, "XRANGE", a_id, b_id);
		if (!a)
			goto failed;
		for (size_t i = 0; i < a->elements; i++) {
			const char *why;
			struct msg *m;
			if (!entry_id(a->element[i], &last) ||
			    !field(a->element[i]->element[1], "off") ||
			    !(m = entry_message(r, a->element[i]->element[1], &why)))
				continue;
			m->past = true;
			r->batch[r->n++] = m;
			kept++;
		}
		bool more = a->elements == READ_BATCH;
		freeReplyObject(a);
		if (r->n && !inbox_push(&r->b->handoff, r->batch, r->n)) {
			r->n = 0;
			return;
		}
		r->n = 0;
		broker_wake_loop(r->b);
		if (!more)
			break;
		a_id[0] = '(';
		stream_id_format(last, a_id + 1, sizeof(a_id) - 1);
	}
	log_info("broker %s: the history starts with %" PRIu64 " entr%s of %s read back",
		 r->b->url->shown, kept, kept == 1 ? "y" : "ies", r->key);
	return;
failed:
	log_warn("broker %s: the history could not be filled from %s (%s): clients that ask "
		 "for what came before this member started are told a gap",
		 r->b->url->shown, r->key, r->l->reason);
}

void *broker_read_main(void *arg)
{
	struct broker *b = arg;
	struct stream_reader *r = calloc(1, sizeof(*r));

	if (!r) {
		broker_give_up(b, "out of memory for the broker's reader");
		return NULL;
	}
	r->b = b;
	r->l = &b->read_link;
	r->key = b->role.read_in ? b->key_in : b->key_out;
	if (asprintf(&r->epoch_key, "%s:epoch", b->cfg->prefix) < 0) {
		free(r);
		broker_give_up(b, "out of memory for the broker's reader");
		return NULL;
	}
	pathmap_init(&r->srcs);
	converter_init(&r->conv, b->cfg->rec);

	while (!broker_stopping(b)) {
		if (redis_link_ensure(r->l))
			break;
		bool positioned = r->positioned;
		int got = read_once(r);
		if (got < 0)
			continue;
		if (!hand_on(r))
			break;
		if (!positioned && r->positioned) {
			if (r->fill_history)
				fill_history(r, r->last);
			if (!hand_caught_up(r))
				break;
		}
		if (!got && r->positioned && wait_for_more(r) < 0)
			continue;
	}
	for (size_t i = 0; i < r->n; i++)
		msg_unref(r->batch[i]);
	redis_link_close(r->l);
	pathmap_each(&r->srcs, free_src, NULL);
	pathmap_free(&r->srcs);
	converter_free(&r->conv);
	free(r->epoch_key);
	free(r);
	return NULL;
}
