#include "backoff.h"

void backoff_init(struct backoff *b, double first, double ceiling,
		  uint64_t seed)
{
	b->first = first;
	b->ceiling = ceiling < first ? first : ceiling;
	b->step = 0;
	b->seed = seed | 1;
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

	if (b->step > 0) {
		for (unsigned i = 0; i < b->step && wait < b->ceiling; i++)
			wait *= 2;
		if (wait > b->ceiling)
			wait = b->ceiling;
		wait *= 1.0 - 0.25 * unit_random(b);
	}
	if (b->step < 64)
		b->step++;
	return (uint64_t)(wait * 1e6);
}

void backoff_reset(struct backoff *b)
{
	b->step = 0;
}
