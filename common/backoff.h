/*
 * backoff: how long a client waits before its next connection attempt.
 *
 * The first retry waits --retry-delay; each failure after that doubles the
 * wait, up to --retry-max, less up to a quarter at random (jitter, so many
 * clients of one server do not retry in step). Waits still grow strictly
 * until they reach the ceiling.
 */
#ifndef RXWS_BACKOFF_H
#define RXWS_BACKOFF_H

#include <stdint.h>

struct backoff {
	double first, ceiling;	/* seconds */
	unsigned step;		/* failures since the last good connection */
	uint64_t seed;
};

void backoff_init(struct backoff *b, double first, double ceiling,
		  uint64_t seed);
/* The wait before the next attempt, in microseconds; counts a failure. */
uint64_t backoff_next_us(struct backoff *b);
void backoff_reset(struct backoff *b);

#endif
