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

/* Hands the batch to the loop; -1 when it is stopping. */
static int flush(struct reader *r)
{
	size_t n = r->n_batch;
	r->n_batch = 0;
	return !n || inbox_push(r->inbox, r->batch, n) ? 0 : -1;
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
		rc = framing_decoder_feed(&r->dec, r->chunk + off, n - off < step ? n - off : step, sink);
	return rc;
}

static void read_all(struct reader *r)
{
	const struct record_sink sink = { r, on_record, on_bad };
	int status = 0;

	if (!inbox_wait_gate(r->inbox))
		return;

	for (;;) {
		/*
		 * Waiting here rather than in read(2) is what lets reader_stop
		 * end the thread: stdin stays blocking, as it is shared.
		 */
		short revents;
		if (wake_thread_wait(&r->thread, r->fd, POLLIN, &revents))
			return;	/* stopping: nobody waits for a status */
		if (!revents)
			continue;
		ssize_t n = read(r->fd, r->chunk, r->chunk_size);

		int rc;
		if (n < 0) {
			/*
			 * EAGAIN: someone made the shared description
			 * non-blocking, and another reader took what poll
			 * saw; poll waits again.
			 */
			if (errno == EINTR || errno == EAGAIN)
				continue;
			log_error("cannot read stdin: %s", strerror(errno));
			status = EXIT_IOERR;
			break;
		}
		if (n == 0) {
			rc = framing_decoder_finish(&r->dec, &sink);
			if (rc > 0)
				status = rc;
			if (rc < 0)
				return;
			break;
		}
		stat_add(&r->stats->bytes_in, (uint64_t)n);
		rc = feed(r, (size_t)n, &sink);
		if (rc == 0)
			rc = flush(r);
		if (rc < 0)
			return;	/* stopping: nobody waits for a status */
		if (rc > 0) {
			status = rc;
			break;
		}
	}
	/* What came before the end (or a bad record under --strict) goes. */
	if (flush(r) < 0)
		return;
	inbox_finish(r->inbox, status);
}

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	read_all(r);
	atomic_store(&r->finished, true);
	return NULL;
}

int reader_start(struct reader *r, int fd, const struct config *cfg,
		 struct inbox *inbox, struct stats *stats)
{
	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->cfg = cfg;
	r->inbox = inbox;
	r->stats = stats;
	r->frame_size = cfg->rec.framing == FRAMING_RAW ? cfg->rec.chunk_size : 0;
	r->chunk_size = r->frame_size > READ_CHUNK ? r->frame_size : READ_CHUNK;
	r->chunk = malloc(r->chunk_size);
	if (!r->chunk)
		return -1;
	framing_decoder_init(&r->dec, cfg->rec.framing, cfg->rec.tagged, record_config_json_texts(&cfg->rec),
		     cfg->rec.max_size);
	converter_init(&r->conv, &cfg->rec);

	if (wake_thread_start(&r->thread, reader_main, r)) {
		free(r->chunk);
		framing_decoder_free(&r->dec);
		converter_free(&r->conv);
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
	for (size_t i = 0; i < r->n_batch; i++)
		msg_unref(r->batch[i]);
	r->n_batch = 0;
	free(r->chunk);
	framing_decoder_free(&r->dec);
	converter_free(&r->conv);
}
