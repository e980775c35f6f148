/*
 * inbox: hands stdin records from the reader thread to the event loop.
 *
 * Bounded: the reader blocks while it is full, which is how a full
 * connection queue stops stdin from being read. Records move in batches
 * (all those of one read, at most a ring's worth), so a lock and a wake-up
 * are paid per batch, not per record: the reader wakes the loop
 * (lws_cancel_service) only when the inbox goes from empty to not empty.
 * The gate holds the reader back before its first read (--wait-clients).
 */
#ifndef RXWS_INBOX_H
#define RXWS_INBOX_H

#include <pthread.h>
#include <stdbool.h>

#include "base/ring.h"

struct lws_context;

struct inbox {
	pthread_mutex_t mu;
	pthread_cond_t changed;
	struct ring ring;
	struct lws_context *ctx;
	bool gate_open;
	bool stopping;		/* the loop wants no more records */
	bool finished;		/* the reader is done */
	bool settling;		/* the loop waits in inbox_settle */
	int end_status;		/* 0 at end of input, else an exit code */
};

int inbox_init(struct inbox *in, size_t cap);
void inbox_destroy(struct inbox *in);

/* Reader side. */
bool inbox_wait_gate(struct inbox *in);	/* false when stopping */
/*
 * Takes the references of n records, waiting for room as needed. false
 * when the loop is stopping: then the records not taken are dropped.
 */
bool inbox_push(struct inbox *in, struct msg **msgs, size_t n);
void inbox_finish(struct inbox *in, int status);

/* Loop side. */
void inbox_set_context(struct inbox *in, struct lws_context *ctx);
void inbox_open_gate(struct inbox *in);
/* Moves as many records as fit into the loop's own ring; how many. */
size_t inbox_take(struct inbox *in, struct ring *into);
size_t inbox_count(struct inbox *in);
/* True when the reader is done and nothing is left; gives its status. */
bool inbox_drained(struct inbox *in, int *status);
/*
 * Waits at most ms for the reader to hand records, finish, or wait for
 * room: true when it finished and nothing is left. For a reader that does
 * not wait on its input (a regular file), so that the loop can tell an
 * input about to end from one with records still to come.
 */
bool inbox_settle(struct inbox *in, unsigned ms);
void inbox_stop(struct inbox *in);

#endif
