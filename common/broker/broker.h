/*
 * broker: many rxws-serve processes on many machines serve one set of
 * paths through Redis (--broker). This is the server's narrow interface to
 * it; the Redis side runs in threads of its own, each on its own
 * connection, so the event loop never waits for Redis.
 *
 * Keys, for --broker-prefix P: the stream P:out holds every record for the
 * clients (fields path, kind, data, and src and seq for entries a member
 * appended); the stream P:in holds what clients sent, when members append
 * it (--broker-inbound). Both are capped with XADD MAXLEN ~ --broker-maxlen.
 *
 * The appender thread appends what the loop hands it (pipelined: records
 * for the clients in runs, by a script that also gives each its offset on
 * its path in PREFIX:offsets; client messages by XADD), and keeps every
 * record until Redis acknowledged it: after a reconnect it sends again
 * those that got no answer, with the same src and seq; the script appends
 * no copy, and readers drop the copies of XADDs. The reader thread reads one stream from its last id
 * (MULTI, XINFO STREAM, XRANGE, EXEC, which also says whether entries were
 * trimmed past it: a gap, with its exact count), checks and deduplicates each entry, and
 * hands batches of messages (tag = path, kind set, pos from the entry's
 * offset) to the loop through a bounded inbox, waking it with
 * lws_cancel_service(); before them, the stream's epoch as a notice (a
 * message without a tag) when it is first known or new. With a history,
 * a member that starts first hands on what the stream holds before where
 * it starts, as past messages (kept, not sent); then an empty notice: it
 * has caught up. Both reconnect with
 * the clients' backoff (--retry-delay, --retry-max) and give up after
 * --retries failures in a row, which ends the process with 69.
 */
#ifndef RXWS_BROKER_H
#define RXWS_BROKER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/inbox.h"
#include "base/ring.h"
#include "base/stats.h"
#include "broker/broker_url.h"
#include "records/record_config.h"

struct lws_context;
struct broker;

/* What the broker takes of the options. */
struct broker_config {
	const struct broker_url *url;	/* --broker */
	const char *prefix;		/* --broker-prefix: of the keys */
	uint64_t maxlen;		/* --broker-maxlen: XADD MAXLEN ~ */
	size_t queue_len;		/* --queue: records waiting for Redis, each way */
	const char *path;		/* single-path mode: the path of untagged records */
	const struct record_config *rec;	/* what the entries of a path hold */
	double retry_delay, retry_max;	/* reconnects, as the clients' */
	long retries;			/* failures in a row before giving up; -1: never */
	/*
	 * --history: a member that starts reads back the last entries of
	 * each path, as far as its history keeps them (0: it keeps none).
	 */
	size_t history, history_bytes, history_entry_cost;
};

/* What one process does with the broker. */
struct broker_role {
	bool append_out;	/* stdin records go to P:out */
	bool append_in;		/* what clients send goes to P:in too */
	bool read_in;		/* read P:in (--collect), else P:out */
};

/* Starts the threads. NULL when out of memory or threads (logged). */
struct broker *broker_start(const struct broker_config *cfg, struct broker_role role,
			    struct lws_context *ctx, struct stats *stats);
/* Ends the threads (at most a connection timeout), and frees everything. */
void broker_stop(struct broker *b);

/*
 * Loop side. A stdin record for P:out: takes the reference (0), or -1
 * when the queue waiting for Redis is full: offer it again when woken.
 */
int broker_append_out(struct broker *b, struct msg *m);
/*
 * A message a client sent, for P:in (copied). 0, or -1 when the queue is
 * over twice its size (the record is lost; logged and counted).
 */
int broker_append_in(struct broker *b, const char *path, size_t path_len,
		     bool binary, const unsigned char *data, size_t len);
/* The P:in queue is full: stop reading clients until woken. */
bool broker_in_full(struct broker *b);
/* Moves entries read from the stream into the loop's ring; how many. */
size_t broker_take(struct broker *b, struct ring *into);
/* Entries read and not yet taken. */
size_t broker_waiting(struct broker *b);
/*
 * Records of P:out this member appended that its own clients have not
 * yet been offered: not acknowledged by Redis, or not read back yet.
 */
size_t broker_undelivered(struct broker *b);
/* Records of P:out not yet acknowledged by Redis. */
size_t broker_unacked(struct broker *b);
/* The loop waits for progress (room, acknowledgements, reading): wake it. */
void broker_want_wake(struct broker *b);
/* Why the broker gave up (--retries), or NULL. */
const char *broker_failure(struct broker *b);
/*
 * The stream was found reset (Redis lost it): what this member appended
 * may not have reached every member.
 */
bool broker_was_reset(struct broker *b);

#endif
