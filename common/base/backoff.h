/*
 * backoff: how long a client waits before its next connection attempt.
 *
 * The first retry waits --retry-delay; each failure after that doubles the
 * wait, up to --retry-max. Every wait, the first included, is then less up
 * to a quarter at random (jitter), so that the clients of a server that
 * restarts do not all come back in step: each backoff draws its own seed
 * from getrandom(2). Waits still grow strictly until they reach the
 * ceiling.
 */
#ifndef RXWS_BACKOFF_H
#define RXWS_BACKOFF_H

#include <stdint.h>

struct backoff {
	double first, ceiling;	/* seconds */
	unsigned step;		/* failures since the last good connection */
	uint64_t seed;
};

void backoff_init(struct backoff *b, double first, double ceiling);
/* The wait before the next attempt, in microseconds; counts a failure. */
uint64_t backoff_next_us(struct backoff *b);
void backoff_reset(struct backoff *b);

#endif
