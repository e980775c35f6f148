/*
 * broker: the server's interface to the Redis broker (see broker.h), and
 * the appender thread: the records the loop hands it go to Redis with
 * pipelined XADDs, and stay queued until Redis acknowledged them.
 */
#include "broker/broker_impl.h"

#include <errno.h>
#include <inttypes.h>
#include <libwebsockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/log.h"

/* XADDs in one pipelined batch. */
#define APPEND_BATCH 512
/* Entries the reader may have handed on that the loop has not taken. */
#define HANDOFF_MAX 1024

int stream_id_parse(const char *s, size_t len, struct stream_id *out)
{
	uint64_t part[2] = { 0, 0 };
	int k = 0;
	size_t digits = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '-' && k == 0 && digits) {
			k = 1;
			digits = 0;
		} else if (s[i] >= '0' && s[i] <= '9' && digits < 19) {
			part[k] = part[k] * 10 + (uint64_t)(s[i] - '0');
			digits++;
		} else {
			return -1;
		}
	}
	if (!digits)
		return -1;
	out->ms = part[0];
	out->seq = part[1];
	return 0;
}

void stream_id_format(struct stream_id id, char *buf, size_t len)
{
	snprintf(buf, len, "%" PRIu64 "-%" PRIu64, id.ms, id.seq);
}

bool broker_stopping(struct broker *b)
{
	return atomic_load(&b->stopping);
}

bool broker_sleep(struct broker *b, uint64_t us)
{
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += (time_t)(us / 1000000);
	until.tv_nsec += (long)(us % 1000000) * 1000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&b->mu);
	while (!atomic_load(&b->stopping) &&
	       pthread_cond_timedwait(&b->changed, &b->mu, &until) != ETIMEDOUT)
		;
	pthread_mutex_unlock(&b->mu);
	return !broker_stopping(b);
}

void broker_wake_loop(struct broker *b)
{
	if (atomic_exchange(&b->loop_wants_wake, false))
		lws_cancel_service(b->ctx);
}

void broker_want_wake(struct broker *b)
{
	atomic_store(&b->loop_wants_wake, true);
}

void broker_give_up(struct broker *b, const char *reason)
{
	pthread_mutex_lock(&b->mu);
	if (!b->failure[0])
		snprintf(b->failure, sizeof(b->failure), "%s", reason);
	pthread_mutex_unlock(&b->mu);
	lws_cancel_service(b->ctx);
}

const char *broker_failure(struct broker *b)
{
	pthread_mutex_lock(&b->mu);
	const char *f = b->failure[0] ? b->failure : NULL;
	pthread_mutex_unlock(&b->mu);
	return f;
}

/* What the links need of us (redis_link_owner). */
static bool link_sleep(void *arg, uint64_t us)
{
	return broker_sleep(arg, us);
}

static bool link_stopping(void *arg)
{
	return broker_stopping(arg);
}

static void link_give_up(void *arg, const char *why)
{
	broker_give_up(arg, why);
}

/* --- a reset stream ------------------------------------------------------- */

void broker_note_reset(struct broker *b, uint64_t own_seq)
{
	stat_add(&b->stats->broker_resets, 1);
	if (!b->role.append_out)
		return;
	pthread_mutex_lock(&b->mu);
	if (!b->reset_pending) {
		b->reset_pending = true;
		b->reset_own_seq = own_seq;
	}
	pthread_mutex_unlock(&b->mu);
}

void broker_count_reset_losses(struct broker *b, uint64_t first_own_seq)
{
	pthread_mutex_lock(&b->mu);
	if (!b->reset_pending) {
		pthread_mutex_unlock(&b->mu);
		return;
	}
	/*
	 * Ours are appended in order, and those Redis did not acknowledge
	 * are sent again into the new stream: what lies between the last
	 * read back from the old stream and the first in the new one was
	 * acknowledged and lost. At the end, with none of ours in the new
	 * stream, every one acknowledged since is.
	 */
	uint64_t upto = first_own_seq ? first_own_seq - 1 : b->acked_out_seq;
	uint64_t lost = upto > b->reset_own_seq ? upto - b->reset_own_seq : 0;
	b->reset_pending = false;
	pthread_mutex_unlock(&b->mu);
	if (!lost)
		return;
	/* They counted as delivered once Redis had them: they were not. */
	ledger_refate(&b->stats->ledger, FATE_DELIVERED, FATE_LOST, lost);
	stat_add(&b->stats->broker_lost, lost);
	log_error("broker %s: %" PRIu64 " record%s this member appended to %s %s lost "
		  "with the stream before any member could be sure to read %s",
		  b->url->shown, lost, lost == 1 ? "" : "s", b->key_out,
		  lost == 1 ? "was" : "were", lost == 1 ? "it" : "them");
}

bool broker_was_reset(struct broker *b)
{
	return stat_get(&b->stats->broker_resets) != 0;
}

/* --- the queue (loop side appends, the appender pops) ------------------ */

static struct pending_append *q_at(struct broker *b, size_t i)
{
	return &b->q[(b->q_head + i) % b->q_cap];
}

static void q_push(struct broker *b, struct msg *m, uint64_t seq, bool inbound)
{
	*q_at(b, b->q_len) = (struct pending_append){ m, seq, inbound };
	b->q_len++;
	if (inbound)
		b->q_in++;
	else
		b->q_out++;
	pthread_cond_broadcast(&b->changed);
}

int broker_append_out(struct broker *b, struct msg *m)
{
	pthread_mutex_lock(&b->mu);
	if (b->q_out >= b->out_cap) {
		pthread_mutex_unlock(&b->mu);
		broker_want_wake(b);
		return -1;
	}
	q_push(b, m, ++b->seq_out, false);
	pthread_mutex_unlock(&b->mu);
	return 0;
}

int broker_append_in(struct broker *b, const char *path, size_t path_len,
		     bool binary, const unsigned char *data, size_t len)
{
	struct msg *m = msg_new(path, path_len, len);
	bool over;

	if (m) {
		memcpy(m->payload, data, len);
		m->kind = binary ? FRAME_BINARY : FRAME_TEXT;
	}
	pthread_mutex_lock(&b->mu);
	over = !m || b->q_in >= b->in_cap;
	if (!over)
		q_push(b, m, ++b->seq_in, true);
	uint64_t lost = over ? ++b->in_lost_logged : 0;
	pthread_mutex_unlock(&b->mu);
	if (!over)
		return 0;
	msg_unref(m);
	stat_add(&b->stats->broker_lost, 1);
	/* Rate-limited: the first, then every thousandth. */
	if (lost == 1 || lost % 1000 == 0)
		log_warn("broker %s: %" PRIu64 " client message%s not appended to %s: Redis is not keeping up",
			 b->url->shown, lost, lost == 1 ? "" : "s", b->key_in);
	return -1;
}

bool broker_in_full(struct broker *b)
{
	pthread_mutex_lock(&b->mu);
	bool full = b->q_in >= b->in_cap / 2;
	pthread_mutex_unlock(&b->mu);
	if (full)
		broker_want_wake(b);
	return full;
}

size_t broker_take(struct broker *b, struct ring *into)
{
	return inbox_take(&b->handoff, into);
}

size_t broker_waiting(struct broker *b)
{
	return inbox_count(&b->handoff);
}

size_t broker_unacked(struct broker *b)
{
	pthread_mutex_lock(&b->mu);
	size_t n = b->q_out;
	pthread_mutex_unlock(&b->mu);
	return n;
}

size_t broker_undelivered(struct broker *b)
{
	pthread_mutex_lock(&b->mu);
	size_t n = b->q_out;
	if (b->acked_out_seq && stream_id_cmp(b->read_id, b->acked_out_id) < 0) {
		uint64_t back = b->acked_out_seq > b->own_seen_seq
			? b->acked_out_seq - b->own_seen_seq : 1;
		n += (size_t)back;
	}
	pthread_mutex_unlock(&b->mu);
	return n;
}

/* --- the appender thread ------------------------------------------------ */

/*
 * Records for the clients are appended by this script, so that every
 * member gives each the same position (rxws(7), HISTORY AND RECOVERY):
 * its offset on its path is counted up in PREFIX:offsets in the same
 * atomic step as its XADD, and the stream's epoch is set if Redis lost
 * it, so that the offsets and the epoch they belong to live and die
 * together. It takes a run of records at once: a script call costs Redis
 * several XADDs, one a record would cut the rate a member appends at by
 * three.
 *
 * Sent again after a reconnect, a record Redis already has is not
 * appended twice (which would spend an offset on a copy): the member's
 * last seq is kept in PREFIX:seq:SRC (for a day: retries come within
 * seconds), and a record at or below it answers nil. A seq that does not
 * follow it means one before it was refused: the script stops there, and
 * its answer is shorter than the run, so that the retry, from the first
 * record not appended, keeps the order.
 *
 * KEYS: the stream, PREFIX:offsets, PREFIX:epoch, PREFIX:seq:SRC.
 * ARGV: maxlen, src, an epoch should it be gone, then each record's
 * path, kind, data and seq. The answer: an id (or nil) a record.
 */
static const char append_script[] =
	"local seen = tonumber(redis.call('GET', KEYS[4]) or '0')\n"
	"redis.call('SET', KEYS[3], ARGV[3], 'NX')\n"
	"local ids, offs = {}, {}\n"
	"for i = 4, #ARGV, 4 do\n"
	"  local path, seq = ARGV[i], tonumber(ARGV[i + 3])\n"
	"  if seq <= seen then\n"
	"    ids[#ids + 1] = false\n"
	"  elseif seen > 0 and seq ~= seen + 1 then\n"
	"    break\n"
	"  else\n"
	"    offs[path] = (offs[path] or tonumber(redis.call('HGET', KEYS[2], path) or '0')) + 1\n"
	"    ids[#ids + 1] = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*',\n"
	"      'path', path, 'kind', ARGV[i + 1], 'data', ARGV[i + 2], 'src', ARGV[2],\n"
	"      'seq', ARGV[i + 3], 'off', offs[path])\n"
	"    seen = seq\n"
	"  end\n"
	"end\n"
	"for path, off in pairs(offs) do redis.call('HSET', KEYS[2], path, off) end\n"
	"if seen > 0 then redis.call('SET', KEYS[4], seen, 'EX', 86400) end\n"
	"return ids\n";

/* Records for the clients in one script call, at most. */
#define SCRIPT_RUN 128
#define SCRIPT_ARGC (3 + 4 + 3 + 4 * SCRIPT_RUN)

/* One command of a pipelined batch: a script call for a run, or one XADD. */
struct append_cmd {
	size_t first, count;
	bool script;
};

/* Arguments of a command being written. */
struct args {
	const char *v[SCRIPT_ARGC];
	size_t len[SCRIPT_ARGC];
	int n;
};

static void arg(struct args *a, const char *s, size_t len)
{
	a->v[a->n] = s;
	a->len[a->n++] = len;
}

static void arg_str(struct args *a, const char *s)
{
	arg(a, s, strlen(s));
}

static void record_path(struct broker *b, const struct msg *m, const char **path, size_t *len)
{
	*path = m->tag ? m->tag : b->cfg->path;
	*len = m->tag ? m->tag_len : strlen(*path);
}

static const char *kind_of(const struct msg *m)
{
	return m->kind == FRAME_BINARY ? "binary" : "text";
}

/* A client's message for P:in: one XADD (copies are dropped by readers). */
static void xadd_in(struct broker *b, const struct pending_append *p, const char *seq,
		    struct args *a)
{
	const char *path;
	size_t path_len;

	record_path(b, p->m, &path, &path_len);
	arg(a, "XADD", 4);
	arg_str(a, b->key_in);
	arg(a, "MAXLEN", 6);
	arg(a, "~", 1);
	arg_str(a, b->maxlen);
	arg(a, "*", 1);
	arg(a, "path", 4);
	arg(a, path, path_len);
	arg(a, "kind", 4);
	arg_str(a, kind_of(p->m));
	arg(a, "data", 4);
	arg(a, (const char *)p->m->payload, p->m->len);
	arg(a, "src", 3);
	arg_str(a, b->src);
	arg(a, "seq", 3);
	arg_str(a, seq);
}

/* The script's head; then script_record() for each record of the run. */
static void script_head(struct broker *b, const char *epoch, struct args *a)
{
	arg(a, "EVAL", 4);
	arg(a, append_script, sizeof(append_script) - 1);
	arg(a, "4", 1);
	arg_str(a, b->key_out);
	arg_str(a, b->key_offsets);
	arg_str(a, b->key_epoch);
	arg_str(a, b->key_seq);
	arg_str(a, b->maxlen);
	arg_str(a, b->src);
	arg_str(a, epoch);
}

static void script_record(struct broker *b, const struct pending_append *p, const char *seq,
			  struct args *a)
{
	const char *path;
	size_t path_len;

	record_path(b, p->m, &path, &path_len);
	arg(a, path, path_len);
	arg_str(a, kind_of(p->m));
	arg(a, (const char *)p->m->payload, p->m->len);
	arg_str(a, seq);
}

/*
 * Writes the first n queued records as pipelined commands into cmds:
 * runs of records for the clients in script calls, client messages as
 * XADDs. How many commands; 0 with the link failed.
 */
static size_t write_batch(struct broker *b, struct redis_link *l, size_t n,
			  char nums[][24], struct append_cmd *cmds)
{
	char epoch[BROKER_EPOCH_LEN + 1];
	size_t n_cmds = 0;

	/* A fresh one each time: never the epoch of a life Redis lost since. */
	if (broker_new_epoch(epoch)) {
		redis_link_fail(l, "no random numbers for an epoch");
		return 0;
	}
	for (size_t i = 0; i < n;) {
		struct append_cmd *c = &cmds[n_cmds++];
		struct args a = { .n = 0 };
		c->first = i;
		c->count = 0;
		pthread_mutex_lock(&b->mu);
		c->script = !q_at(b, i)->inbound;
		if (c->script)
			script_head(b, epoch, &a);
		do {
			struct pending_append *p = q_at(b, i);
			snprintf(nums[i], 24, "%" PRIu64, p->seq);
			if (c->script)
				script_record(b, p, nums[i], &a);
			else
				xadd_in(b, p, nums[i], &a);
			c->count++;
			i++;
		} while (c->script && i < n && c->count < SCRIPT_RUN && !q_at(b, i)->inbound);
		pthread_mutex_unlock(&b->mu);
		if (redisAppendCommandArgv(l->c, a.n, a.v, a.len) != REDIS_OK) {
			redis_link_fail(l, "out of memory for a pipelined append");
			return 0;
		}
	}
	return n_cmds;
}

/*
 * A script call's answer for its run of count records: how many Redis
 * has (appended now, or by a try before: nil), with the id of the last
 * one appended now; NULL, or why the answer is not one.
 */
static const char *script_answer(const redisReply *r, size_t count, size_t *done,
				 struct stream_id *last_out, bool *any_out)
{
	if (r->type != REDIS_REPLY_ARRAY || r->elements > count)
		return "the append script answered something else than ids";
	for (*done = 0; *done < r->elements; (*done)++) {
		const redisReply *e = r->element[*done];
		if (e->type == REDIS_REPLY_NIL)
			continue;
		if (e->type != REDIS_REPLY_STRING)
			return "the append script answered something else than an id";
		stream_id_parse(e->str, e->len, last_out);
		*any_out = true;
	}
	return r->elements < count ? "the append script found a record missing before the next: "
				     "sending again from it" : NULL;
}

/*
 * Sends the first n queued records and reads their answers. Returns how
 * many Redis acknowledged (in order), with the id of the last P:out one.
 */
static size_t append_batch(struct broker *b, struct redis_link *l, size_t n,
			   struct stream_id *last_out, bool *any_out)
{
	static _Thread_local char nums[APPEND_BATCH][24];
	static _Thread_local struct append_cmd cmds[APPEND_BATCH];
	size_t acked = 0;

	*any_out = false;
	size_t n_cmds = write_batch(b, l, n, nums, cmds);
	for (size_t k = 0; k < n_cmds; k++) {
		const struct append_cmd *c = &cmds[k];
		redisReply *r = NULL;
		size_t done = 0;
		if (redisGetReply(l->c, (void **)&r) != REDIS_OK)
			r = NULL;
		const char *err = redis_link_reply_error(l, r);
		if (!err && c->script)
			err = script_answer(r, c->count, &done, last_out, any_out);
		else if (!err && r->type != REDIS_REPLY_STRING)
			err = "XADD answered something else than an id";
		else if (!err)
			done = 1;
		acked += done;
		if (err) {
			char why[300];
			snprintf(why, sizeof(why), r ? "%s: %s" : "%s%s",
				 r ? (c->script ? "the append script" : "XADD") : "", err);
			if (r)
				freeReplyObject(r);
			redis_link_fail(l, why);
			break;
		}
		freeReplyObject(r);
	}
	return acked;
}

/* Drops the first n records, which Redis has; the loop may have room again. */
static void pop_acked(struct broker *b, size_t n, bool any_out,
		      struct stream_id last_out)
{
	struct msg *done[APPEND_BATCH];

	pthread_mutex_lock(&b->mu);
	for (size_t i = 0; i < n; i++) {
		struct pending_append *p = q_at(b, 0);
		done[i] = p->m;
		if (p->inbound) {
			b->q_in--;
		} else {
			b->q_out--;
			b->acked_out_seq = p->seq;
		}
		b->q_head = (b->q_head + 1) % b->q_cap;
		b->q_len--;
	}
	if (any_out)
		b->acked_out_id = last_out;
	pthread_mutex_unlock(&b->mu);
	/* Redis has them: a stdin record is delivered (to the cluster). */
	for (size_t i = 0; i < n; i++) {
		msg_done(done[i], FATE_DELIVERED);
	}
	stat_add(&b->stats->broker_appended, n);
	broker_wake_loop(b);
}

static void *append_main(void *arg)
{
	struct broker *b = arg;
	struct redis_link *l = &b->append_link;

	/*
	 * Our own clients get our records through the stream: the reader
	 * must know where it starts before anything of ours is there.
	 */
	pthread_mutex_lock(&b->mu);
	while (b->role.append_out && !b->positioned && !atomic_load(&b->stopping))
		pthread_cond_wait(&b->changed, &b->mu);
	pthread_mutex_unlock(&b->mu);

	while (!broker_stopping(b)) {
		pthread_mutex_lock(&b->mu);
		while (!b->q_len && !atomic_load(&b->stopping))
			pthread_cond_wait(&b->changed, &b->mu);
		size_t n = b->q_len < APPEND_BATCH ? b->q_len : APPEND_BATCH;
		pthread_mutex_unlock(&b->mu);
		if (!n || redis_link_ensure(l))
			break;
		struct stream_id last_out = { 0, 0 };
		bool any_out = false;
		size_t acked = append_batch(b, l, n, &last_out, &any_out);
		if (acked)
			pop_acked(b, acked, any_out, last_out);
	}
	redis_link_close(l);
	return NULL;
}

/* --- start and stop ------------------------------------------------------ */

/* len random bytes, in hex, into out (2 * len + 1): 0, or -1 without random numbers. */
static int random_hex(char *out, size_t len)
{
	unsigned char r[32];

	if (len > sizeof(r) || getrandom(r, len, 0) != (ssize_t)len)
		return -1;
	for (size_t i = 0; i < len; i++)
		snprintf(out + 2 * i, 3, "%02x", r[i]);
	return 0;
}

int broker_new_epoch(char out[BROKER_EPOCH_LEN + 1])
{
	return random_hex(out, BROKER_EPOCH_LEN / 2);
}

static void broker_free(struct broker *b)
{
	for (size_t i = 0; i < b->q_len; i++)
		msg_unref(q_at(b, i)->m);
	free(b->q);
	inbox_destroy(&b->handoff);
	pthread_mutex_destroy(&b->mu);
	pthread_cond_destroy(&b->changed);
	free(b->key_out);
	free(b->key_in);
	free(b->key_offsets);
	free(b->key_epoch);
	free(b->key_seq);
	free(b);
}

struct broker *broker_start(const struct broker_config *cfg, struct broker_role role,
			    struct lws_context *ctx, struct stats *stats)
{
	struct broker *b = calloc(1, sizeof(*b));
	if (!b) {
		log_error("out of memory for the broker");
		return NULL;
	}
	b->cfg = cfg;
	b->url = cfg->url;
	b->role = role;
	b->ctx = ctx;
	b->stats = stats;
	stats->broker = true;
	pthread_mutex_init(&b->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&b->changed, &ca);
	pthread_condattr_destroy(&ca);
	/* The queue waiting for Redis: --queue records each way. */
	b->out_cap = cfg->queue_len;
	b->in_cap = 2 * cfg->queue_len;
	b->q_cap = b->out_cap + b->in_cap;
	snprintf(b->maxlen, sizeof(b->maxlen), "%" PRIu64, cfg->maxlen);
	if (inbox_init(&b->handoff, HANDOFF_MAX) ||
	    !(b->q = calloc(b->q_cap, sizeof(*b->q))) || random_hex(b->src, sizeof(b->src) / 2) ||
	    asprintf(&b->key_out, "%s:out", cfg->prefix) < 0 ||
	    asprintf(&b->key_in, "%s:in", cfg->prefix) < 0 ||
	    asprintf(&b->key_offsets, "%s:offsets", cfg->prefix) < 0 ||
	    asprintf(&b->key_epoch, "%s:epoch", cfg->prefix) < 0 ||
	    asprintf(&b->key_seq, "%s:seq:%s", cfg->prefix, b->src) < 0) {
		log_error("out of memory for the broker");
		broker_free(b);
		return NULL;
	}
	inbox_set_context(&b->handoff, ctx);
	inbox_open_gate(&b->handoff);
	b->link_owner = (struct redis_link_owner){
		.url = b->url, .retry_delay = cfg->retry_delay, .retry_max = cfg->retry_max,
		.retries = cfg->retries, .reconnects = &stats->broker_reconnects, .mu = &b->mu,
		.sleep = link_sleep, .stopping = link_stopping, .give_up = link_give_up, .arg = b,
	};
	redis_link_init(&b->append_link, &b->link_owner, "appender");
	redis_link_init(&b->read_link, &b->link_owner, "reader");
	log_info("broker %s: member %s, reading %s", b->url->shown, b->src,
		 role.read_in ? b->key_in : b->key_out);
	if (role.append_out)
		log_info("broker %s: stdin records go to %s", b->url->shown, b->key_out);
	if (role.append_in)
		log_info("broker %s: what clients send goes to %s too", b->url->shown, b->key_in);

	if (pthread_create(&b->read_thread, NULL, broker_read_main, b)) {
		log_error("cannot start the broker's reader thread");
		broker_free(b);
		return NULL;
	}
	b->read_running = true;
	if ((role.append_out || role.append_in) &&
	    pthread_create(&b->append_thread, NULL, append_main, b)) {
		log_error("cannot start the broker's appender thread");
		broker_stop(b);
		return NULL;
	}
	b->append_running = role.append_out || role.append_in;
	return b;
}

static void interrupt(struct redis_link *l)
{
	/* The thread is blocked in a read, at most: end it now. */
	if (l->fd >= 0)
		shutdown(l->fd, SHUT_RDWR);
}

void broker_stop(struct broker *b)
{
	if (!b)
		return;
	pthread_mutex_lock(&b->mu);
	atomic_store(&b->stopping, true);
	interrupt(&b->append_link);
	interrupt(&b->read_link);
	pthread_cond_broadcast(&b->changed);
	pthread_mutex_unlock(&b->mu);
	inbox_stop(&b->handoff);
	if (b->append_running)
		pthread_join(b->append_thread, NULL);
	if (b->read_running)
		pthread_join(b->read_thread, NULL);
	broker_count_reset_losses(b, 0);
	broker_free(b);
}
