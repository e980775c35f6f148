/* base/backoff: the wait before a client's next attempt: doubling, jittered, capped. */
#include "base/backoff.h"

#include "unit.h"

/* The wait of step k without jitter, in microseconds. */
static double nominal_us(double first, double ceiling, unsigned k)
{
	double w = first;
	for (unsigned i = 0; i < k && w < ceiling; i++)
		w *= 2;
	return (w > ceiling ? ceiling : w) * 1e6;
}

/* Jitter takes up to a quarter off, never adds. */
static bool jittered(uint64_t us, double nominal)
{
	return us >= (uint64_t)(0.75 * nominal) && us <= (uint64_t)nominal;
}

TEST(backoff_first_wait_is_the_retry_delay_less_up_to_a_quarter)
{
	uint64_t lowest = UINT64_MAX, highest = 0;

	for (int i = 0; i < 200; i++) {
		struct backoff b;
		backoff_init(&b, 1.0, 30.0);
		uint64_t us = backoff_next_us(&b);
		CASE("backoff %d", i);
		if (!CHECK(jittered(us, 1e6)))
			break;
		lowest = us < lowest ? us : lowest;
		highest = us > highest ? us : highest;
	}
	/* Each draws its own seed: the waits are spread. */
	CHECK_UINT(highest - lowest, >, 50000);
}

TEST(backoff_doubles_each_failure_up_to_the_ceiling)
{
	for (int run = 0; run < 50; run++) {
		struct backoff b;
		backoff_init(&b, 0.5, 20.0);
		for (unsigned k = 0; k < 12; k++) {
			uint64_t us = backoff_next_us(&b);
			CASE("run %d, failure %u: %ju us", run, k, (uintmax_t)us);
			if (!CHECK(jittered(us, nominal_us(0.5, 20.0, k))))
				return;
		}
	}
}

/* Strictly longer each time, the first wait at the ceiling included. */
TEST(backoff_waits_grow_strictly_until_the_ceiling)
{
	for (uint64_t seed = 1; seed < 2000; seed += 7) {
		struct backoff b;
		backoff_init(&b, 0.1, 10.0);
		b.seed = seed;
		uint64_t last = backoff_next_us(&b);
		/* 0.1 s doubled 7 times is past 10 s: the 8th wait is the first capped. */
		for (unsigned k = 1; k <= 7; k++) {
			uint64_t us = backoff_next_us(&b);
			CASE("seed %ju, failure %u", (uintmax_t)seed, k);
			if (!CHECK_UINT(us, >, last))
				return;
			last = us;
		}
	}
}

TEST(backoff_ceiling_below_the_first_wait_is_the_first_wait)
{
	struct backoff b;

	backoff_init(&b, 5.0, 1.0);
	CHECK(b.ceiling == 5.0);
	for (int k = 0; k < 10; k++)
		CHECK(jittered(backoff_next_us(&b), 5e6));
}

TEST(backoff_reset_starts_over_from_the_first_wait)
{
	struct backoff b;

	backoff_init(&b, 1.0, 60.0);
	for (int k = 0; k < 5; k++)
		backoff_next_us(&b);
	CHECK(jittered(backoff_next_us(&b), 32e6));
	backoff_reset(&b);
	CHECK(jittered(backoff_next_us(&b), 1e6));
	CHECK(jittered(backoff_next_us(&b), 2e6));
}

/* The same seed gives the same waits: jitter comes from the seed alone. */
TEST(backoff_jitter_follows_the_seed)
{
	struct backoff a, b;

	backoff_init(&a, 1.0, 60.0);
	backoff_init(&b, 1.0, 60.0);
	CHECK_UINT(a.seed & 1, ==, 1);	/* never 0, which xorshift cannot leave */
	a.seed = b.seed = 12345;
	for (int k = 0; k < 10; k++)
		CHECK_UINT(backoff_next_us(&a), ==, backoff_next_us(&b));
}

/* After any number of failures, the wait stays at the ceiling: nothing overflows. */
TEST(backoff_stays_at_the_ceiling_however_many_failures)
{
	struct backoff b;

	backoff_init(&b, 0.001, 3.0);
	for (int k = 0; k < 10000; k++) {
		uint64_t us = backoff_next_us(&b);
		if (k >= 12 && !CHECK(jittered(us, 3e6)))
			break;
	}
	CHECK_UINT(b.step, <=, 64);
}

const struct unit_test unit_tests[] = {
	RUN(backoff_first_wait_is_the_retry_delay_less_up_to_a_quarter),
	RUN(backoff_doubles_each_failure_up_to_the_ceiling),
	RUN(backoff_waits_grow_strictly_until_the_ceiling),
	RUN(backoff_ceiling_below_the_first_wait_is_the_first_wait),
	RUN(backoff_reset_starts_over_from_the_first_wait),
	RUN(backoff_jitter_follows_the_seed),
	RUN(backoff_stays_at_the_ceiling_however_many_failures),
	{ NULL, NULL },
};
