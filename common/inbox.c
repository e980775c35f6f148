#include "inbox.h"

#include <libwebsockets.h>

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

bool inbox_push(struct inbox *in, struct msg *m)
{
	pthread_mutex_lock(&in->mu);
	while (ring_full(&in->ring) && !in->stopping)
		pthread_cond_wait(&in->changed, &in->mu);
	if (in->stopping) {
		pthread_mutex_unlock(&in->mu);
		return false;
	}
	bool was_empty = ring_empty(&in->ring);
	if (ring_push(&in->ring, m)) {
		pthread_mutex_unlock(&in->mu);
		return false;
	}
	pthread_mutex_unlock(&in->mu);
	if (was_empty)
		wake_loop(in);
	return true;
}

void inbox_finish(struct inbox *in, int status)
{
	pthread_mutex_lock(&in->mu);
	in->finished = true;
	in->end_status = status;
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

struct msg *inbox_peek(struct inbox *in)
{
	pthread_mutex_lock(&in->mu);
	struct msg *m = ring_peek(&in->ring);
	pthread_mutex_unlock(&in->mu);
	return m;
}

void inbox_pop(struct inbox *in)
{
	pthread_mutex_lock(&in->mu);
	bool was_full = ring_full(&in->ring);
	ring_pop(&in->ring);
	if (was_full)
		pthread_cond_broadcast(&in->changed);
	pthread_mutex_unlock(&in->mu);
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

void inbox_stop(struct inbox *in)
{
	pthread_mutex_lock(&in->mu);
	in->stopping = true;
	pthread_cond_broadcast(&in->changed);
	pthread_mutex_unlock(&in->mu);
}
