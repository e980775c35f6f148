/*
 * reader: the thread that reads stdin.
 *
 * It waits in poll(2) for stdin or for reader_stop, then reads with a
 * blocking read(2) (the only way that keeps pipes, files and ttys all
 * intact: making a shared stdin non-blocking would change it for the
 * processes around us too), decodes records with the configured framing,
 * checks each against its path's datatype, and hands good ones to the
 * inbox. Bad records are logged with their number and counted here.
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

int reader_start(struct reader *r, int fd, const struct config *cfg,
		 struct inbox *inbox, struct stats *stats);
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
