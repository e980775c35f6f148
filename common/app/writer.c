/* writer: the thread that writes stdout (writer.h). */
#include "app/writer.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <libwebsockets.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "base/stats.h"

/* A buffer that once held a huge record is not kept at that size. */
#define KEEP_CAPACITY (4u << 20)
/* What one write(2) may take when stdout is not a pipe. */
#define WRITE_MAX (1u << 20)

static void wake_loop(struct writer *w)
{
	if (w->ctx)
		lws_cancel_service(w->ctx);
}

/*
 * How much a write can surely put in the pipe at once, whole. An empty
 * pipe takes its capacity. Otherwise what is free cannot be known from
 * the bytes unread (a pipe keeps them in page-sized slots that partial
 * writes and reads leave partly filled), but a write of up to PIPE_BUF
 * bytes is atomic: it goes in whole, or waits and then goes in whole.
 */
static size_t pipe_room(const struct writer *w)
{
	int unread = 0;

	if (ioctl(w->fd, FIONREAD, &unread) == 0 && unread == 0)
		return w->pipe_size;
	return PIPE_BUF;
}

/* Writes all of p; returns 0 or an errno. */
static int write_all(int fd, const unsigned char *p, size_t n)
{
	while (n) {
		ssize_t k = write(fd, p, n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				/* Someone made the shared description non-blocking. */
				struct pollfd pfd = { .fd = fd, .events = POLLOUT };
				poll(&pfd, 1, -1);
				continue;
			}
			return errno;
		}
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/*
 * n more bytes are out, and with them the records up to *done (NULL: no
 * record ended in them). Called with mu held; true when the loop asked to
 * be woken by now.
 */
static bool count_written(struct writer *w, size_t n, const struct out_mark *done)
{
	bool wake = false;

	if (done && done->records > w->records_done) {
		stat_add(w->records_out, done->records - w->records_done);
		stat_add(w->payload_out, done->payload - w->payload_done);
		w->records_done = done->records;
		w->payload_done = done->payload;
		if (w->hook.written)
			w->hook.written(w->hook.arg, done->records);
	}
	w->written += n;
	if (w->notify_on_low && w->backlog <= w->low_water) {
		w->notify_on_low = false;
		wake = true;
	}
	if (w->notify_at && w->written >= w->notify_at) {
		w->notify_at = 0;
		wake = true;
	}
	return wake;
}

/* Writes all of w->writing, a cut at a time; 0 or an errno. */
static int write_queue(struct writer *w)
{
	struct outq *q = &w->writing;

	while (outq_len(q)) {
		size_t n = outq_cut(q, w->pipe_size ? pipe_room(w) : WRITE_MAX);
		int err = write_all(w->fd, outq_data(q), n);
		if (err)
			return err;
		struct out_mark done;
		outq_take(q, n, &done);
		pthread_mutex_lock(&w->mu);
		w->backlog -= n;
		bool wake = count_written(w, n, &done);
		pthread_mutex_unlock(&w->mu);
		if (w->hook.settle && w->hook.settle(w->hook.arg))
			wake = true;
		if (wake)
			wake_loop(w);
	}
	return 0;
}

/* Idle: wait for data, or for the reader of stdout to go away. */
static bool wait_for_work(struct writer *w)
{
	short revents;

	w->idle = true;
	pthread_mutex_unlock(&w->mu);
	wake_thread_wait(&w->thread, w->fd, 0, &revents);
	pthread_mutex_lock(&w->mu);
	w->idle = false;
	return !(revents & (POLLERR | POLLHUP));
}

static void *writer_main(void *arg)
{
	struct writer *w = arg;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		if (!outq_len(&w->pending)) {
			if (w->stop)
				break;
			if (!wait_for_work(w)) {
				w->error = EPIPE;
				break;
			}
			continue;
		}
		/* writing is empty: this swaps, and cannot fail. */
		outq_move(&w->writing, &w->pending);
		pthread_mutex_unlock(&w->mu);

		int err = write_queue(w);

		pthread_mutex_lock(&w->mu);
		if (w->writing.bytes.cap > KEEP_CAPACITY)
			buf_free(&w->writing.bytes);
		if (err) {
			w->error = err;
			break;
		}
	}
	pthread_mutex_unlock(&w->mu);
	if (w->error)
		wake_loop(w);
	return NULL;
}

int writer_start(struct writer *w, int fd, struct lws_context *ctx, size_t low_water,
		 atomic_uint_least64_t *records_out, atomic_uint_least64_t *payload_out,
		 const struct writer_hook *hook)
{
	memset(w, 0, sizeof(*w));
	if (hook)
		w->hook = *hook;
	w->fd = fd;
	w->ctx = ctx;
	w->low_water = low_water;
	w->records_out = records_out;
	w->payload_out = payload_out;
	int size = fcntl(fd, F_GETPIPE_SZ);
	w->pipe_size = size > 0 ? (size_t)size : 0;
	pthread_mutex_init(&w->mu, NULL);
	if (wake_thread_start(&w->thread, writer_main, w)) {
		pthread_mutex_destroy(&w->mu);
		return -1;
	}
	w->running = true;
	return 0;
}

/*
 * With nothing waiting, what stdout surely takes without blocking is
 * written at once, from the loop: a hand-off to the thread costs more than
 * the write, in latency and in CPU (a wake-up and two context switches).
 * A pipe that polls writable takes PIPE_BUF bytes without blocking, and an
 * empty one its whole capacity; anything else (a socket, a terminal, a
 * file) only a little. The thread's own buffers are empty, so order is
 * kept; what does not fit goes to the thread, which waits for room while
 * the loop reads on. Returns whether the loop asked to be woken by now.
 */
#define WRITE_NOW_MAX 1024
_Static_assert(WRITE_NOW_MAX <= PIPE_BUF, "a write that might block");
static bool write_now(struct writer *w, struct outq *local)
{
	struct pollfd pfd = { .fd = w->fd, .events = POLLOUT };
	/*
	 * (Nothing to write: an outq that never held a record has no buffer
	 * at all. A hook: its settle would run in the loop.)
	 */
	if (!outq_len(local) || w->hook.settle || w->backlog || w->error ||
	    (!w->pipe_size && outq_len(local) > WRITE_NOW_MAX) ||
	    poll(&pfd, 1, 0) != 1 || pfd.revents != POLLOUT)
		return false;
	/* (Within PIPE_BUF, POLLOUT says enough: no ioctl per record of a dialogue.) */
	size_t room = !w->pipe_size ? WRITE_NOW_MAX
		    : outq_len(local) <= PIPE_BUF ? PIPE_BUF : pipe_room(w);
	size_t n = outq_cut(local, room);
	if (n > room)
		return false;	/* a record larger than the room: the thread's */
	ssize_t k = write(w->fd, outq_data(local), n);
	if (k <= 0)
		return false;	/* errors: the thread meets them */
	struct out_mark done = { 0 };
	outq_take(local, (size_t)k, &done);
	return count_written(w, (size_t)k, done.records ? &done : NULL);
}

int writer_submit(struct writer *w, struct outq *local, size_t *backlog)
{
	int rc = outq_seal(local);
	bool wake_thread = false, wake = false;

	pthread_mutex_lock(&w->mu);
	if (!rc)
		wake = write_now(w, local);
	size_t n = outq_len(local);
	if (!rc && n && !w->error) {
		rc = outq_move(&w->pending, local);
		if (!rc) {
			w->backlog += n;
			wake_thread = w->idle;
		}
	}
	/* After an error, stdout is gone: nobody will read these. */
	outq_take(local, outq_len(local), NULL);
	*backlog = w->backlog;
	pthread_mutex_unlock(&w->mu);
	if (wake_thread)
		wake_thread_wake(&w->thread);
	if (wake)
		wake_loop(w);
	return rc;
}

size_t writer_backlog(struct writer *w)
{
	pthread_mutex_lock(&w->mu);
	size_t n = w->backlog;
	pthread_mutex_unlock(&w->mu);
	return n;
}

uint64_t writer_written(struct writer *w)
{
	pthread_mutex_lock(&w->mu);
	uint64_t n = w->written;
	pthread_mutex_unlock(&w->mu);
	return n;
}

void writer_notify_written(struct writer *w, uint64_t at)
{
	pthread_mutex_lock(&w->mu);
	if (w->written >= at)
		wake_loop(w);
	else if (!w->notify_at || at < w->notify_at)
		w->notify_at = at;
	pthread_mutex_unlock(&w->mu);
}

void writer_notify_when_low(struct writer *w)
{
	pthread_mutex_lock(&w->mu);
	if (w->backlog <= w->low_water)
		wake_loop(w);
	else
		w->notify_on_low = true;
	pthread_mutex_unlock(&w->mu);
}

int writer_error(struct writer *w)
{
	pthread_mutex_lock(&w->mu);
	int e = w->error;
	pthread_mutex_unlock(&w->mu);
	return e;
}

void writer_finish(struct writer *w)
{
	if (!w->running)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	bool idle = w->idle;
	pthread_mutex_unlock(&w->mu);
	if (idle)
		wake_thread_wake(&w->thread);
	wake_thread_join(&w->thread);
	w->running = false;
	pthread_mutex_destroy(&w->mu);
	outq_free(&w->pending);
	outq_free(&w->writing);
}
