/*
 * stats: the counters a user can ask for (SIGUSR1, at exit with -v, and
 * whenever records were not delivered). Updated from the reader thread and
 * the loop, so every field is atomic.
 *
 * Records read from stdin are counted in the ledger, each once, under
 * what became of it: read = delivered + discarded + dropped + unconfirmed
 * + lost (+ pending, while the run goes on). Messages are counted each time
 * they go on the wire (a record broadcast to three clients is three sent).
 */
#ifndef RXWS_STATS_H
#define RXWS_STATS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/msg.h"

/* How a WebSocket connection of rxws-serve ended (--metrics). */
enum closed_by { CLOSED_BY_CLIENT, CLOSED_BY_SERVER, CLOSED_BY_COUNT };
/* Close codes 1000 to 1015 each, then 3000-3999, 4000-4999 and any other. */
#define CLOSE_CODE_SLOTS 19
/* Refused requests by HTTP status, 400 to 599. */
#define REFUSED_STATUS_MIN 400
#define REFUSED_SLOTS 200

struct stats {
	struct ledger ledger;				/* stdin records, by fate */
	atomic_uint_least64_t bytes_in;			/* from stdin */
	atomic_uint_least64_t bad_in;			/* bad stdin records */
	atomic_uint_least64_t sent, bytes_sent;		/* messages on the wire */
	atomic_uint_least64_t resent;			/* sent again, after a resume */
	atomic_uint_least64_t received, bytes_received;	/* messages from peers */
	atomic_uint_least64_t bad_received;		/* refused messages */
	atomic_uint_least64_t records_out, bytes_out;	/* to stdout */
	atomic_uint_least64_t reconnects;
	atomic_uint_least64_t failed_attempts;		/* clients: attempts to connect that failed */
	atomic_uint_least64_t clients_now, clients_total;
	/* rxws-serve's history (rxws(7), HISTORY AND RECOVERY). */
	atomic_uint_least64_t history_messages, history_bytes;	/* kept now */
	atomic_uint_least64_t replays;			/* clients that asked for since or last */
	atomic_uint_least64_t gaps_reported;		/* gaps told to clients */
	/* Clients: the gaps a server said it left in what they asked for. */
	atomic_uint_least64_t gaps;
	atomic_uint_least64_t gap_messages;		/* messages missed, where counted */
	atomic_uint_least64_t gaps_uncounted;		/* of the gaps, those of an unknown size */
	/* rxws-serve, shown by --metrics only (metrics.h counts them). */
	atomic_uint_least64_t connects;			/* WebSocket handshakes accepted */
	atomic_uint_least64_t resumes;			/* of them, sessions resumed */
	atomic_uint_least64_t disconnects[CLOSED_BY_COUNT][CLOSE_CODE_SLOTS];
	atomic_uint_least64_t broken;			/* connections gone without a close */
	atomic_uint_least64_t refused[REFUSED_SLOTS];	/* by HTTP status */
	/* --broker: shown when broker is set. */
	bool broker;
	atomic_uint_least64_t broker_appended;		/* XADDs acknowledged */
	atomic_uint_least64_t broker_read;		/* entries handed on */
	atomic_uint_least64_t broker_duplicates;	/* copies of a retried XADD */
	atomic_uint_least64_t broker_gaps, broker_lost;	/* trimmed before read, or not appended */
	atomic_uint_least64_t broker_resets;		/* the stream lost with Redis' data */
	atomic_uint_least64_t broker_bad;		/* entries skipped */
	atomic_uint_least64_t broker_reconnects;
};

static inline void stat_add(atomic_uint_least64_t *c, uint64_t n)
{
	atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

static inline void stat_set(atomic_uint_least64_t *c, uint64_t v)
{
	atomic_store_explicit(c, v, memory_order_relaxed);
}

static inline uint64_t stat_get(atomic_uint_least64_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

/*
 * One report on stderr, whatever the verbosity: the summary line, with
 * every counter also an attribute (a number) of JSON logs.
 */
void stats_report(struct stats *s, bool is_server);
/*
 * The exit summary, when shown: records still pending then are lost (the
 * run is over), so that read = delivered + discarded + dropped +
 * unconfirmed + lost.
 */
void stats_report_final(struct stats *s, bool is_server, bool shown);

#endif
