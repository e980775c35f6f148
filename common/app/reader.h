/*
 * reader: stdin read and cut into records, by the loop or by a thread.
 *
 * Each read is a blocking read(2) made only once poll(2) says stdin is
 * readable (the only way that keeps pipes, files and ttys all intact:
 * making a shared stdin non-blocking would change it for the processes
 * around us too). Records are decoded with the configured framing,
 * checked against their path's datatype, and good ones handed on in
 * batches through `hand`: to the inbox, from the thread of reader_start;
 * to wherever the loop keeps them, from reader_step. Bad records are
 * logged with their number and counted here.
 */
#ifndef RXWS_READER_H
#define RXWS_READER_H

#include <stdatomic.h>
#include <stdbool.h>

#include "app/options.h"
#include "base/inbox.h"
#include "base/stats.h"
#include "base/wake_thread.h"
#include "records/convert.h"
#include "records/framing.h"

struct reader {
	int fd;
	const struct config *cfg;
	struct inbox *inbox;
	/* Takes the references of n records: 0, or -1 when stopping. */
	int (*hand)(void *arg, struct msg **msgs, size_t n);
	/* The loop's reader: enough records wait, the rest of a read waits too. */
	bool (*full)(void *arg);
	void *hand_arg;
	const unsigned char *rest;	/* of the last read, not yet decoded */
	size_t rest_n;
	struct stats *stats;
	struct framing_decoder dec;
	struct converter conv;
	struct msg *batch[256];		/* records not yet in the inbox */
	size_t n_batch;
	unsigned char *chunk;
	size_t chunk_size;
	size_t frame_size;		/* raw framing: --chunk-size; else 0 */
	struct wake_thread thread;
	bool running;
	atomic_bool finished;		/* the thread is done: no need to wake it */
};

/* The thread: it reads fd until its end into inbox. 0, or -1 (no memory, no thread). */
int reader_start(struct reader *r, int fd, const struct config *cfg,
		 struct inbox *inbox, struct stats *stats);

/*
 * For the loop: a reader of fd whose records go to hand(hand_arg, ...),
 * reading at most read_max bytes at once, and decoding no more of them
 * while full(hand_arg) says enough records wait. 0, or -1 (no memory).
 */
int reader_init(struct reader *r, int fd, const struct config *cfg, struct stats *stats,
		size_t read_max, int (*hand)(void *arg, struct msg **msgs, size_t n),
		bool (*full)(void *arg), void *hand_arg);
/*
 * One step: more records of the last read while there is room for them,
 * else one read (fd polled readable) and its records. 1: more to come;
 * 0: the end, with *status (0, or the exit code of an error or of
 * --strict); -1: stopping.
 */
int reader_step(struct reader *r, int *status);
/* Part of the last read is not decoded yet: the next step needs no read. */
bool reader_has_rest(const struct reader *r);
/* Nothing read waits to be decoded or handed on, not even part of a record. */
bool reader_between_records(const struct reader *r);
/* Frees what reader_init took, and the records not handed on. */
void reader_free(struct reader *r);
/*
 * Stops the reader, wherever it waits (stdin, the gate, a full inbox), and
 * frees what it holds.
 */
void reader_stop(struct reader *r);

/*
 * A bad stdin record, counted and said with its number: 0 to skip it (then
 * says what happens next; NULL: "skipped"), or EXIT_DATAERR under --strict.
 */
int reader_bad_record(struct stats *stats, bool strict, uint64_t recno,
		      const char *why, const char *then);

#endif
