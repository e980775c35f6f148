/*
 * writer: the thread that writes stdout.
 *
 * The loop builds whole records into its own outq and submits it after
 * each service pass; the thread writes what it gets with as few write(2)
 * calls as it can, each ending at the end of a record (outq.h), so a
 * record is never split between writers, and a pipe gets no more than it
 * has room for: a writer killed between two writes leaves whole records
 * only (but for a record larger than PIPE_BUF that had to wait for room).
 * The records and bytes written are counted as each write completes.
 *
 * A slow stdout never blocks the loop. The loop reads the backlog to
 * decide when to stop reading from the network; the thread wakes the loop
 * once the backlog is low again, and when stdout breaks (EPIPE, even while
 * idle). A submission finding nothing queued is written at once by the
 * loop, as much of it as stdout surely takes without blocking (a pipe's
 * free room; a little, for anything else); the thread gets the rest.
 */
#ifndef RXWS_WRITER_H
#define RXWS_WRITER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/outq.h"
#include "base/wake_thread.h"

struct lws_context;

/*
 * For --state (outpos.h). written: after each write that completed
 * records, how many records are written in all, with the writer's lock
 * held (so it must be quick). settle: then, without the lock and before
 * the next write, the slow part (a nonzero return wakes the loop, which
 * asks why). With a hook, every write is the thread's: the loop's own
 * small writes would make it wait for settle.
 */
struct writer_hook {
	void (*written)(void *arg, uint64_t records);
	int (*settle)(void *arg);
	void *arg;
};

struct writer {
	int fd;
	size_t pipe_size;	/* stdout is a pipe of this capacity; 0: not a pipe */
	struct wake_thread thread;	/* woken when idle and given work */
	bool running;
	pthread_mutex_t mu;
	struct outq pending;	/* submitted by the loop */
	struct outq writing;	/* owned by the thread while it writes */
	size_t backlog;		/* bytes submitted and not yet written */
	size_t low_water;
	bool idle, stop, notify_on_low;
	uint64_t written;	/* bytes written in all */
	uint64_t notify_at;	/* wake the loop once written reaches it; 0: no */
	int error;		/* errno of the write that failed */
	struct lws_context *ctx;
	/* Counted as writes complete: records and their payload bytes. */
	atomic_uint_least64_t *records_out, *payload_out;
	uint64_t records_done, payload_done;
	struct writer_hook hook;
};

/* records_out, payload_out: where to count what was written; hook: optional. */
int writer_start(struct writer *w, int fd, struct lws_context *ctx, size_t low_water,
		 atomic_uint_least64_t *records_out, atomic_uint_least64_t *payload_out,
		 const struct writer_hook *hook);
/*
 * Moves local's records (sealed here) to the writer; local is left empty.
 * Returns 0, or -1 when out of memory; *backlog gets what is now waiting
 * to be written.
 */
int writer_submit(struct writer *w, struct outq *local, size_t *backlog);
size_t writer_backlog(struct writer *w);
/* Bytes written to stdout so far. */
uint64_t writer_written(struct writer *w);
/* Asks for a wake-up (lws_cancel_service) once written reaches at. */
void writer_notify_written(struct writer *w, uint64_t at);
/* Asks for a wake-up (lws_cancel_service) once the backlog is low. */
void writer_notify_when_low(struct writer *w);
int writer_error(struct writer *w);
/* Writes everything submitted, then stops the thread. */
void writer_finish(struct writer *w);

#endif
