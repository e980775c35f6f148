/*
 * stats: the counters a user can ask for (SIGUSR1, or at exit with -v).
 * Updated from the reader thread and the loop, so every field is atomic.
 */
#ifndef RXWS_STATS_H
#define RXWS_STATS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct stats {
	atomic_uint_least64_t records_in, bytes_in;	/* from stdin */
	atomic_uint_least64_t bad_in;			/* bad stdin records */
	atomic_uint_least64_t sent, bytes_sent;		/* messages to peers */
	atomic_uint_least64_t received, bytes_received;	/* messages from peers */
	atomic_uint_least64_t bad_received;		/* refused messages */
	atomic_uint_least64_t records_out, bytes_out;	/* to stdout */
	atomic_uint_least64_t dropped;			/* by --overflow */
	atomic_uint_least64_t discarded;		/* no client on the path */
	atomic_uint_least64_t lost;			/* in flight when a link broke */
	atomic_uint_least64_t reconnects;
	atomic_uint_least64_t clients_now, clients_total;
	/* --broker: shown when broker is set. */
	bool broker;
	atomic_uint_least64_t broker_appended;		/* XADDs acknowledged */
	atomic_uint_least64_t broker_read;		/* entries handed on */
	atomic_uint_least64_t broker_duplicates;	/* copies of a retried XADD */
	atomic_uint_least64_t broker_gaps, broker_lost;	/* trimmed before read */
	atomic_uint_least64_t broker_bad;		/* entries skipped */
	atomic_uint_least64_t broker_reconnects;
};

static inline void stat_add(atomic_uint_least64_t *c, uint64_t n)
{
	atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

static inline uint64_t stat_get(atomic_uint_least64_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

/* One report on stderr, whatever the verbosity. */
void stats_report(struct stats *s, int is_server);

#endif
