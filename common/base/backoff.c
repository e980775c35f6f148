/*
 * backoff: how long a client waits before its next connection attempt
 * (backoff.h).
 */
#include "base/backoff.h"

#include <sys/random.h>
#include <time.h>

/*
 * A seed of its own for every backoff: processes started together, and
 * the paths of one rxws-group, must not draw the same waits. When the
 * kernel has no entropy to give yet, the clock and the address will do.
 */
static uint64_t fresh_seed(const struct backoff *b)
{
	uint64_t seed;
	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) == (ssize_t)sizeof(seed))
		return seed;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ull ^
	       (uint64_t)ts.tv_sec ^ (uint64_t)(uintptr_t)b;
}

void backoff_init(struct backoff *b, double first, double ceiling)
{
	b->first = first;
	b->ceiling = ceiling < first ? first : ceiling;
	b->step = 0;
	b->seed = fresh_seed(b) | 1;
}

/* xorshift64: jitter needs spread, not secrecy. */
static double unit_random(struct backoff *b)
{
	uint64_t x = b->seed;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	b->seed = x;
	return (double)(x >> 11) / (double)(1ull << 53);
}

uint64_t backoff_next_us(struct backoff *b)
{
	double wait = b->first;

	for (unsigned i = 0; i < b->step && wait < b->ceiling; i++)
		wait *= 2;
	if (wait > b->ceiling)
		wait = b->ceiling;
	wait *= 1.0 - 0.25 * unit_random(b);
	if (b->step < 64)
		b->step++;
	return (uint64_t)(wait * 1e6);
}

void backoff_reset(struct backoff *b)
{
	b->step = 0;
}
