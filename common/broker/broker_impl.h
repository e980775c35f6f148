/*
 * broker_impl: what the broker's modules share (broker.c: the interface
 * and the appender; broker_read.c: the reader; each on a redis_link).
 * Not for the rest of rxws.
 */
#ifndef RXWS_BROKER_IMPL_H
#define RXWS_BROKER_IMPL_H

#include <hiredis/hiredis.h>
#include <time.h>

#include "broker/broker.h"
#include "broker/redis_link.h"

/* A Redis stream entry id, ms-seq. */
struct stream_id {
	uint64_t ms, seq;
};

static inline int stream_id_cmp(struct stream_id a, struct stream_id b)
{
	if (a.ms != b.ms)
		return a.ms < b.ms ? -1 : 1;
	return a.seq < b.seq ? -1 : a.seq > b.seq;
}
/* 0, or -1 when s is not ms-seq. */
int stream_id_parse(const char *s, size_t len, struct stream_id *out);
/* "ms-seq" into buf (at least 42 bytes). */
void stream_id_format(struct stream_id id, char *buf, size_t len);

/* A record waiting for Redis' acknowledgement. */
struct pending_append {
	struct msg *m;
	uint64_t seq;
	bool inbound;			/* P:in; else P:out */
};

struct broker {
	const struct broker_config *cfg;
	const struct broker_url *url;
	struct broker_role role;
	struct lws_context *ctx;
	struct stats *stats;
	char src[17];			/* this member's random instance id */
	char *key_out, *key_in;
	char *key_offsets, *key_epoch, *key_seq;	/* P:offsets, P:epoch, P:seq:SRC */
	char maxlen[24];

	pthread_mutex_t mu;
	pthread_cond_t changed;		/* records queued, positioned, stopping */
	atomic_bool stopping;
	atomic_bool loop_wants_wake;
	char failure[640];		/* why it gave up; "" while it has not */

	/* Appender: a FIFO of records; the first `sent' are on the wire. */
	struct pending_append *q;
	size_t q_cap, q_head, q_len;
	size_t q_out, q_in;		/* of q_len, for each stream */
	size_t out_cap, in_cap;		/* limits of q_out and q_in */
	uint64_t seq_out, seq_in;	/* last given (loop thread) */
	uint64_t acked_out_seq;		/* last P:out record acknowledged */
	struct stream_id acked_out_id;	/* and its id */
	uint64_t in_lost_logged;
	struct redis_link_owner link_owner;	/* what the links need of us */
	struct redis_link append_link;
	pthread_t append_thread;
	bool append_running;

	/* Reader. */
	bool positioned;		/* the reader knows where it starts */
	/*
	 * The stream was reset (Redis lost it) after our own record number
	 * reset_own_seq was read back: those we appended after it, that Redis
	 * acknowledged and lost, are counted once the first of ours in the
	 * new stream says where it starts (or at the end).
	 */
	bool reset_pending;
	uint64_t reset_own_seq;
	struct inbox handoff;		/* entries for the loop */
	struct stream_id read_id;	/* last entry handed on (or skipped) */
	uint64_t own_seen_seq;		/* our own last P:out record read back */
	struct redis_link read_link;
	pthread_t read_thread;
	bool read_running;
};

/* Waits up to us microseconds; false when the broker is stopping. */
bool broker_sleep(struct broker *b, uint64_t us);
/* Gives up (--retries): the loop ends the process with 69. */
void broker_give_up(struct broker *b, const char *reason);
/* Wakes the loop when it asked for it. */
void broker_wake_loop(struct broker *b);
bool broker_stopping(struct broker *b);

/* The life of the stream, P:epoch: random hex digits. */
#define BROKER_EPOCH_LEN 32
/* A new epoch, for SET NX: 0, or -1 without random numbers. */
int broker_new_epoch(char out[BROKER_EPOCH_LEN + 1]);

void *broker_read_main(void *arg);
/*
 * The reader found the stream reset; own_seq: our last record it had read
 * back. Records of ours that Redis lost are counted from here.
 */
void broker_note_reset(struct broker *b, uint64_t own_seq);
/* The first record of ours read after a reset, or 0 at the end: the losses counted. */
void broker_count_reset_losses(struct broker *b, uint64_t first_own_seq);

#endif
