/* reader: the thread that reads stdin (reader.h). */
#include "app/reader.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"


#define READ_CHUNK (256 * 1024)

int reader_bad_record(struct stats *stats, bool strict, uint64_t recno,
		      const char *why, const char *then)
{
	struct log_subject about = { .record = recno };

	stat_add(&stats->bad_in, 1);
	if (strict) {
		log_about(LOG_ERROR, NULL, &about, "stdin record %" PRIu64 ": %s; stopping (--strict)",
			  recno, why);
		return EXIT_DATAERR;
	}
	log_about(LOG_WARN, NULL, &about, "stdin record %" PRIu64 ": %s; %s", recno, why,
		  then ? then : "skipped");
	return 0;
}

static int on_bad(void *ctx, uint64_t recno, const char *reason,
		  const char *then)
{
	struct reader *r = ctx;

	/* What a newcomer who forgot the tags (or the PATH) should do. */
	if (!then && r->cfg->rec.tagged && !strncmp(reason, "no tag", 6))
		then = r->cfg->tool == TOOL_SERVE
			? "skipped (multi-path mode: give a PATH, or tag each record)"
			: "skipped (tag each record with its path)";
	return reader_bad_record(r->stats, r->cfg->strict, recno, reason, then);
}

/* Hands the batch on; -1 when stopping. */
static int flush(struct reader *r)
{
	size_t n = r->n_batch;
	r->n_batch = 0;
	return n ? r->hand(r->hand_arg, r->batch, n) : 0;
}

static int hand_to_inbox(void *arg, struct msg **msgs, size_t n)
{
	return inbox_push(arg, msgs, n) ? 0 : -1;
}

static int on_record(void *ctx, const struct record *rec)
{
	struct reader *r = ctx;
	struct outgoing frame;
	const char *why = record_to_frame(&r->conv, rec, &frame);

	if (why)
		return on_bad(ctx, rec->recno, why, NULL);
	struct msg *m = msg_new(frame.tag, frame.tag_len, frame.len);
	if (!m) {
		log_error("stdin record %" PRIu64 ": out of memory", rec->recno);
		return EXIT_SOFTWARE;
	}
	memcpy(m->payload, frame.data, frame.len);
	m->kind = frame.kind;
	m->recno = rec->recno;
	msg_count(m, &r->stats->ledger);
	r->batch[r->n_batch++] = m;
	if (r->n_batch == sizeof(r->batch) / sizeof(*r->batch))
		return flush(r);
	return 0;
}

/*
 * Raw framing makes frames of up to --chunk-size bytes of what a read got:
 * reading more at once costs fewer system calls than a read a frame.
 */
static int feed(struct reader *r, size_t n, const struct record_sink *sink)
{
	size_t step = r->frame_size ? r->frame_size : n;
	int rc = 0;

	for (size_t off = 0; off < n && !rc; off += step)
		rc = framing_decoder_feed(&r->dec, r->rest + off, n - off < step ? n - off : step, sink);
	return rc;
}

/*
 * What a read got, fed to the decoder: all of it at once, or, when the
 * loop reads (r->full), a slice at a time until the records waiting are
 * enough; the rest waits for the next step. A slice is a frame under raw
 * framing (which cuts what a read got into frames), else small, so the
 * records a step makes beyond that are few: the queue bounds them, not
 * the size of a read. 1: go on; 0 with *status: a bad record under
 * --strict; -1: stopping.
 */
#define SLICE 1024
static int feed_rest(struct reader *r, int *status)
{
	const struct record_sink sink = { r, on_record, on_bad };
	size_t slice = r->full ? (r->frame_size ? r->frame_size : SLICE) : r->rest_n;

	while (r->rest_n && !(r->full && r->full(r->hand_arg))) {
		size_t k = r->rest_n < slice ? r->rest_n : slice;
		int rc = feed(r, k, &sink);
		r->rest += k;
		r->rest_n -= k;
		if (rc == 0)
			rc = flush(r);
		if (rc < 0)
			return -1;	/* stopping: nobody waits for a status */
		if (rc > 0) {
			*status = rc;
			r->rest_n = 0;
			return flush(r) < 0 ? -1 : 0;
		}
	}
	return 1;
}

int reader_step(struct reader *r, int *status)
{
	const struct record_sink sink = { r, on_record, on_bad };
	int rc;

	*status = 0;
	if (r->rest_n)
		return feed_rest(r, status);
	ssize_t n = read(r->fd, r->chunk, r->chunk_size);
	if (n < 0) {
		/*
		 * EAGAIN: someone made the shared description non-blocking,
		 * and another reader took what poll saw; poll waits again.
		 */
		if (errno == EINTR || errno == EAGAIN)
			return 1;
		log_error("cannot read stdin: %s", strerror(errno));
		*status = EXIT_IOERR;
		return flush(r) < 0 ? -1 : 0;
	}
	if (n == 0) {
		rc = framing_decoder_finish(&r->dec, &sink);
		if (rc < 0)
			return -1;
		*status = rc;
		/* What came before the end (or a bad record under --strict) goes. */
		return flush(r) < 0 ? -1 : 0;
	}
	stat_add(&r->stats->bytes_in, (uint64_t)n);
	r->rest = r->chunk;
	r->rest_n = (size_t)n;
	return feed_rest(r, status);
}

bool reader_has_rest(const struct reader *r)
{
	return r->rest_n != 0;
}

bool reader_between_records(const struct reader *r)
{
	return !r->rest_n && !r->n_batch && framing_decoder_between_records(&r->dec);
}

static void read_all(struct reader *r)
{
	int status = 0, more = 1;

	if (!inbox_wait_gate(r->inbox))
		return;
	while (more > 0) {
		/*
		 * Waiting here rather than in read(2) is what lets reader_stop
		 * end the thread: stdin stays blocking, as it is shared.
		 */
		short revents;
		if (wake_thread_wait(&r->thread, r->fd, POLLIN, &revents))
			return;	/* stopping: nobody waits for a status */
		if (revents)
			more = reader_step(r, &status);
	}
	if (more == 0)
		inbox_finish(r->inbox, status);
}

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	read_all(r);
	atomic_store(&r->finished, true);
	return NULL;
}

int reader_init(struct reader *r, int fd, const struct config *cfg, struct stats *stats,
		size_t read_max, int (*hand)(void *arg, struct msg **msgs, size_t n),
		bool (*full)(void *arg), void *hand_arg)
{
	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->cfg = cfg;
	r->stats = stats;
	r->hand = hand;
	r->full = full;
	r->hand_arg = hand_arg;
	r->frame_size = cfg->rec.framing == FRAMING_RAW ? cfg->rec.chunk_size : 0;
	r->chunk_size = r->frame_size > read_max ? r->frame_size : read_max;
	r->chunk = malloc(r->chunk_size);
	if (!r->chunk)
		return -1;
	framing_decoder_init(&r->dec, cfg->rec.framing, cfg->rec.tagged,
			     record_config_json_texts(&cfg->rec), cfg->rec.max_size);
	converter_init(&r->conv, &cfg->rec);
	return 0;
}

void reader_free(struct reader *r)
{
	for (size_t i = 0; i < r->n_batch; i++)
		msg_unref(r->batch[i]);
	r->n_batch = 0;
	free(r->chunk);
	r->chunk = NULL;
	framing_decoder_free(&r->dec);
	converter_free(&r->conv);
}

int reader_start(struct reader *r, int fd, const struct config *cfg,
		 struct inbox *inbox, struct stats *stats)
{
	if (reader_init(r, fd, cfg, stats, READ_CHUNK, hand_to_inbox, NULL, inbox))
		return -1;
	r->inbox = inbox;
	if (wake_thread_start(&r->thread, reader_main, r)) {
		reader_free(r);
		return -1;
	}
	r->running = true;
	return 0;
}

void reader_stop(struct reader *r)
{
	if (!r->running)
		return;
	inbox_stop(r->inbox);
	if (!atomic_load(&r->finished))
		wake_thread_wake(&r->thread);
	wake_thread_join(&r->thread);
	r->running = false;
	reader_free(r);
}
