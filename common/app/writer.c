/* writer: the thread that writes stdout (writer.h). */
#include "app/writer.h"

#include <errno.h>
#include <limits.h>
#include <libwebsockets.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

/* A buffer that once held a huge record is not kept at that size. */
#define KEEP_CAPACITY (4u << 20)

static void wake_loop(struct writer *w)
{
	if (w->ctx)
		lws_cancel_service(w->ctx);
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
		if (!w->pending.len) {
			if (w->stop)
				break;
			if (!wait_for_work(w)) {
				w->error = EPIPE;
				break;
			}
			continue;
		}
		buf_swap(&w->pending, &w->writing);
		pthread_mutex_unlock(&w->mu);

		int err = write_all(w->fd, w->writing.data, w->writing.len);

		pthread_mutex_lock(&w->mu);
		w->backlog -= w->writing.len;
		if (!err)
			w->written += w->writing.len;
		w->writing.len = 0;
		if (w->writing.cap > KEEP_CAPACITY)
			buf_free(&w->writing);
		if (err) {
			w->error = err;
			break;
		}
		bool wake = false;
		if (w->notify_on_low && w->backlog <= w->low_water) {
			w->notify_on_low = false;
			wake = true;
		}
		if (w->notify_at && w->written >= w->notify_at) {
			w->notify_at = 0;
			wake = true;
		}
		if (wake)
			wake_loop(w);
	}
	pthread_mutex_unlock(&w->mu);
	if (w->error)
		wake_loop(w);
	return NULL;
}

int writer_start(struct writer *w, int fd, struct lws_context *ctx,
		 size_t low_water)
{
	memset(w, 0, sizeof(*w));
	w->fd = fd;
	w->ctx = ctx;
	w->low_water = low_water;
	pthread_mutex_init(&w->mu, NULL);
	if (wake_thread_start(&w->thread, writer_main, w)) {
		pthread_mutex_destroy(&w->mu);
		return -1;
	}
	w->running = true;
	return 0;
}

/*
 * With nothing waiting, a little is written at once, from the loop: a
 * hand-off to the thread costs more than the write, in latency. Up to
 * PIPE_BUF bytes, a pipe or socket that polls writable takes it without
 * blocking; the thread's own buffers are empty, so order is kept. Bulk
 * stays with the thread, which writes while the loop reads on.
 * Returns how many bytes went.
 */
#define WRITE_NOW_MAX 1024
_Static_assert(WRITE_NOW_MAX <= PIPE_BUF, "a write that might block");
static size_t write_now(struct writer *w, const struct buf *local)
{
	struct pollfd pfd = { .fd = w->fd, .events = POLLOUT };
	if (w->backlog || w->error || local->len > WRITE_NOW_MAX ||
	    poll(&pfd, 1, 0) != 1 || pfd.revents != POLLOUT)
		return 0;
	ssize_t k = write(w->fd, local->data, local->len);
	return k > 0 ? (size_t)k : 0;	/* errors: the thread meets them */
}

int writer_submit(struct writer *w, struct buf *local, size_t *backlog)
{
	size_t n = local->len;
	int rc = 0;
	bool wake = false;

	pthread_mutex_lock(&w->mu);
	size_t done = write_now(w, local);
	w->written += done;
	if (done) {
		n -= done;
		memmove(local->data, local->data + done, n);
		local->len = n;
	}
	if (n && !w->error) {
		/* Swapping hands the loop the writer's spare, empty buffer. */
		if (!w->pending.len)
			buf_swap(&w->pending, local);
		else
			rc = buf_append(&w->pending, local->data, n);
		if (!rc) {
			w->backlog += n;
			wake = w->idle;
		}
	}
	/* After an error, stdout is gone: nobody will read these. */
	local->len = 0;
	*backlog = w->backlog;
	pthread_mutex_unlock(&w->mu);
	if (wake)
		wake_thread_wake(&w->thread);
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
	buf_free(&w->pending);
	buf_free(&w->writing);
}
