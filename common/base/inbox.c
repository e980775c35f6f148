/*
 * inbox: hands stdin records from the reader thread to the event loop
 * (inbox.h).
 */
#include "base/inbox.h"

#include <libwebsockets.h>
#include <time.h>

int inbox_init(struct inbox *in, size_t cap)
{
	*in = (struct inbox){ 0 };
	if (ring_init(&in->ring, cap))
		return -1;
	pthread_mutex_init(&in->mu, NULL);
	pthread_cond_init(&in->changed, NULL);
	return 0;
}

void inbox_destroy(struct inbox *in)
{
	ring_free(&in->ring);
	pthread_mutex_destroy(&in->mu);
	pthread_cond_destroy(&in->changed);
}

void inbox_set_context(struct inbox *in, struct lws_context *ctx)
{
	pthread_mutex_lock(&in->mu);
	in->ctx = ctx;
	pthread_mutex_unlock(&in->mu);
}

static void wake_loop(struct inbox *in)
{
	if (in->ctx)
		lws_cancel_service(in->ctx);
}

bool inbox_wait_gate(struct inbox *in)
{
	pthread_mutex_lock(&in->mu);
	while (!in->gate_open && !in->stopping)
		pthread_cond_wait(&in->changed, &in->mu);
	bool go = !in->stopping;
	pthread_mutex_unlock(&in->mu);
	return go;
}

bool inbox_push(struct inbox *in, struct msg **msgs, size_t n)
{
	size_t i = 0;
	bool wake = false;

	pthread_mutex_lock(&in->mu);
	while (i < n) {
		while (ring_full(&in->ring) && !in->stopping) {
			/* The loop must see what is there before we can wait. */
			if (wake) {
				pthread_mutex_unlock(&in->mu);
				wake_loop(in);
				wake = false;
				pthread_mutex_lock(&in->mu);
				continue;
			}
			pthread_cond_wait(&in->changed, &in->mu);
		}
		if (in->stopping)
			break;
		wake |= ring_empty(&in->ring);
		if (ring_push(&in->ring, msgs[i]))
			break;
		i++;
	}
	bool stopping = in->stopping;
	if (i && in->settling)
		pthread_cond_broadcast(&in->changed);
	pthread_mutex_unlock(&in->mu);
	if (wake)
		wake_loop(in);
	for (size_t k = i; k < n; k++)
		msg_unref(msgs[k]);
	return i == n && !stopping;
}

void inbox_finish(struct inbox *in, int status)
{
	pthread_mutex_lock(&in->mu);
	in->finished = true;
	in->end_status = status;
	pthread_cond_broadcast(&in->changed);
	pthread_mutex_unlock(&in->mu);
	wake_loop(in);
}

void inbox_open_gate(struct inbox *in)
{
	pthread_mutex_lock(&in->mu);
	in->gate_open = true;
	pthread_cond_broadcast(&in->changed);
	pthread_mutex_unlock(&in->mu);
}

size_t inbox_take(struct inbox *in, struct ring *into)
{
	size_t n = 0;

	pthread_mutex_lock(&in->mu);
	bool was_full = ring_full(&in->ring);
	while (!ring_empty(&in->ring) && !ring_full(into)) {
		if (ring_push(into, ring_peek(&in->ring)))
			break;
		ring_pop(&in->ring);
		n++;
	}
	if (was_full && n)
		pthread_cond_broadcast(&in->changed);
	pthread_mutex_unlock(&in->mu);
	return n;
}

size_t inbox_count(struct inbox *in)
{
	pthread_mutex_lock(&in->mu);
	size_t n = in->ring.len;
	pthread_mutex_unlock(&in->mu);
	return n;
}

bool inbox_drained(struct inbox *in, int *status)
{
	pthread_mutex_lock(&in->mu);
	bool drained = in->finished && ring_empty(&in->ring);
	if (drained && status)
		*status = in->end_status;
	pthread_mutex_unlock(&in->mu);
	return drained;
}

bool inbox_settle(struct inbox *in, unsigned ms)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (long)(ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&in->mu);
	in->settling = true;
	while (ring_empty(&in->ring) && !in->finished && !in->stopping &&
	       pthread_cond_timedwait(&in->changed, &in->mu, &until) == 0)
		;
	in->settling = false;
	bool done = in->finished && ring_empty(&in->ring);
	pthread_mutex_unlock(&in->mu);
	return done;
}

void inbox_stop(struct inbox *in)
{
	pthread_mutex_lock(&in->mu);
	in->stopping = true;
	pthread_cond_broadcast(&in->changed);
	pthread_mutex_unlock(&in->mu);
}
