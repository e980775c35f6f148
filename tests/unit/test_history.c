/* tools/history: the last messages of each path, within a count, a byte budget and an age. */
#include "tools/history.h"

#include <string.h>

#include "unit.h"

/* A message at offset pos of `size` payload bytes, counted in l. */
static struct msg *at(uint64_t pos, size_t size, struct ledger *l)
{
	struct msg *m = msg_new(NULL, 0, size);
	if (m) {
		memset(m->payload, 'x', size);
		m->pos = pos;
		if (l)
			msg_count(m, l);
	}
	return m;
}

/* Kept as a broadcast keeps it: added, then the sender's reference goes. */
static int keep(struct history *h, struct path_history *ph, uint64_t pos, size_t size,
		uint64_t now_us, struct ledger *l)
{
	struct msg *m = at(pos, size, l);
	if (!m)
		return -1;
	msg_settle(m, FATE_DELIVERED);
	int rc = history_add(h, ph, m, now_us);
	msg_unref(m);
	return rc;
}

static unsigned unused_calls;
static struct path_history *unused_last;

static void note_unused(void *owner, struct path_history *ph)
{
	(void)owner;
	unused_calls++;
	unused_last = ph;
}

TEST(history_keeps_the_last_n_of_a_path_by_offset)
{
	struct history h;
	struct path_history a = { 0 };

	history_init(&h, 5, 1 << 20, 0);
	CHECK(history_on(&h));
	CHECK_UINT(history_first(&a), ==, 0);
	CHECK(history_at(&a, 1) == NULL);
	for (uint64_t i = 1; i <= 12; i++)
		CHECK_INT(keep(&h, &a, i, 10, 0, NULL), ==, 0);
	CHECK_UINT(history_first(&a), ==, 8);
	CHECK_UINT(history_last(&a), ==, 12);
	CHECK_UINT(h.messages, ==, 5);
	CHECK_UINT(h.bytes, ==, 5 * (10 + HISTORY_ENTRY_COST));
	for (uint64_t i = 1; i <= 13; i++) {
		struct msg *m = history_at(&a, i);
		CASE("offset %ju", (uintmax_t)i);
		if (i < 8 || i > 12)
			CHECK(m == NULL);
		else if (CHECK(m != NULL))
			CHECK_UINT(m->pos, ==, i);
	}
	history_free(&h);
	CHECK(history_unused(&a));
	history_path_free(&a);
}

TEST(history_off_keeps_nothing)
{
	struct history h;
	struct path_history a = { 0 };

	history_init(&h, 0, 1 << 20, 0);
	CHECK(!history_on(&h));
	CHECK_INT(keep(&h, &a, 1, 10, 0, NULL), ==, 0);
	CHECK_UINT(history_first(&a), ==, 0);
	CHECK_UINT(h.messages, ==, 0);
	/* Nor a message without a position. */
	history_init(&h, 5, 1 << 20, 0);
	CHECK_INT(keep(&h, &a, 0, 10, 0, NULL), ==, 0);
	CHECK_UINT(h.messages, ==, 0);
	history_free(&h);
}

TEST(history_bytes_bound_all_paths_the_oldest_of_any_going_first)
{
	struct history h;
	struct path_history a = { 0 }, b = { 0 };
	size_t each = 36 + HISTORY_ENTRY_COST;	/* 100 */

	history_init(&h, 1000, 10 * each, 0);
	for (uint64_t i = 1; i <= 8; i++)
		keep(&h, &a, i, 36, 0, NULL);
	for (uint64_t i = 1; i <= 5; i++)
		keep(&h, &b, i, 36, 0, NULL);
	/* 13 would not fit: a's three oldest went. */
	CHECK_UINT(h.messages, ==, 10);
	CHECK_UINT(h.bytes, ==, 10 * each);
	CHECK_UINT(history_first(&a), ==, 4);
	CHECK_UINT(history_first(&b), ==, 1);
	/* A message larger than the budget leaves nothing behind, itself included. */
	keep(&h, &b, 6, 20 * each, 0, NULL);
	CHECK_UINT(h.messages, ==, 0);
	CHECK_UINT(h.bytes, ==, 0);
	CHECK_UINT(history_first(&b), ==, 0);
	history_free(&h);
	history_path_free(&a);
	history_path_free(&b);
}

TEST(history_lets_go_of_what_is_older_than_its_age)
{
	struct history h;
	struct path_history a = { 0 };

	history_init(&h, 100, 1 << 20, 1.5);
	keep(&h, &a, 1, 1, 0, NULL);
	keep(&h, &a, 2, 1, 1000000, NULL);
	keep(&h, &a, 3, 1, 2000000, NULL);	/* 1 is 2 s old now: gone */
	CHECK_UINT(history_first(&a), ==, 2);
	history_expire(&h, 3400000);		/* 2 is 2.4 s old, 3 is 1.4 s */
	CHECK_UINT(history_first(&a), ==, 3);
	history_expire(&h, 10000000);
	CHECK_UINT(history_first(&a), ==, 0);
	CHECK_UINT(h.messages, ==, 0);
	history_free(&h);
	history_path_free(&a);
}

TEST(history_starts_a_path_over_when_an_offset_does_not_follow)
{
	struct history h;
	struct path_history a = { 0 };

	history_init(&h, 10, 1 << 20, 0);
	for (uint64_t i = 1; i <= 4; i++)
		keep(&h, &a, i, 1, 0, NULL);
	keep(&h, &a, 9, 1, 0, NULL);		/* a gap in a broker's stream */
	CHECK_UINT(history_first(&a), ==, 9);
	CHECK_UINT(history_last(&a), ==, 9);
	CHECK_UINT(h.messages, ==, 1);
	keep(&h, &a, 1, 1, 0, NULL);		/* a new epoch */
	CHECK_UINT(history_first(&a), ==, 1);
	CHECK_UINT(h.messages, ==, 1);
	history_free(&h);
	history_path_free(&a);
}

/* A path that keeps a lot of its own drops leaves stale slots, compacted away. */
TEST(history_stale_slots_stay_bounded_and_the_order_holds)
{
	struct history h;
	struct path_history busy = { 0 }, quiet = { 0 };

	history_init(&h, 3, 1 << 30, 0);
	keep(&h, &quiet, 1, 1, 0, NULL);
	for (uint64_t i = 1; i <= 100000; i++)
		keep(&h, &busy, i, 1, 0, NULL);
	CHECK_UINT(h.messages, ==, 4);
	CHECK_UINT(h.fifo_len, <=, 2 * 64 + 8);
	CHECK_UINT(h.fifo_cap, <=, 1024);
	/* quiet's message is still the oldest of all: the budget takes it first. */
	h.max_bytes = 3 * (1 + HISTORY_ENTRY_COST);
	keep(&h, &busy, 100001, 1, 0, NULL);
	CHECK_UINT(history_first(&quiet), ==, 0);
	CHECK_UINT(history_first(&busy), ==, 99999);
	history_free(&h);
	history_path_free(&busy);
	history_path_free(&quiet);
}

TEST(history_says_when_a_path_is_unused_so_that_its_owner_may_go)
{
	struct history h;
	struct path_history a = { 0 };

	unused_calls = 0;
	history_init(&h, 2, 2 * (1 + HISTORY_ENTRY_COST), 0);
	h.unused = note_unused;
	keep(&h, &a, 1, 1, 0, NULL);
	keep(&h, &a, 2, 1, 0, NULL);
	keep(&h, &a, 3, 1, 0, NULL);		/* 1 dropped by a's count: a stale slot */
	h.per_path = 10;
	CHECK_UINT(unused_calls, ==, 0);
	CHECK(!history_unused(&a));
	history_clear_path(&h, &a);		/* nothing kept, slots still name it */
	CHECK(!history_unused(&a));
	CHECK_UINT(unused_calls, ==, 0);
	struct path_history b = { 0 };
	for (uint64_t i = 1; i <= 3; i++)	/* the budget pops a's old slots */
		keep(&h, &b, i, 1, 0, NULL);
	CHECK(history_unused(&a));
	CHECK_UINT(unused_calls, ==, 1);
	CHECK(unused_last == &a);
	history_path_free(&a);
	history_free(&h);
	history_path_free(&b);
}

/* The history holds a reference: the record's fate counts once, when the sender lets go. */
TEST(history_keeps_a_message_without_holding_up_its_fate)
{
	struct history h;
	struct path_history a = { 0 };
	struct ledger l = { 0 };

	history_init(&h, 2, 1 << 20, 0);
	keep(&h, &a, 1, 3, 0, &l);
	CHECK_UINT(ledger_pending(&l), ==, 0);
	CHECK_UINT(ledger_get(&l, FATE_DELIVERED), ==, 1);
	struct msg *m = history_at(&a, 1);
	if (CHECK(m != NULL)) {
		CHECK_UINT(m->refs, ==, 1);
		CHECK_UINT(m->kept, ==, 1);
	}
	/* A replay takes it, and lets go: counted no more. */
	msg_ref(m);
	msg_done(m, FATE_DELIVERED);
	keep(&h, &a, 2, 3, 0, &l);
	keep(&h, &a, 3, 3, 0, &l);		/* 1 goes: freed (ASan would say) */
	CHECK_UINT(ledger_get(&l, FATE_DELIVERED), ==, 3);
	CHECK_UINT(atomic_load(&l.read), ==, 3);
	history_free(&h);
	history_path_free(&a);
}

const struct unit_test unit_tests[] = {
	RUN(history_keeps_the_last_n_of_a_path_by_offset),
	RUN(history_off_keeps_nothing),
	RUN(history_bytes_bound_all_paths_the_oldest_of_any_going_first),
	RUN(history_lets_go_of_what_is_older_than_its_age),
	RUN(history_starts_a_path_over_when_an_offset_does_not_follow),
	RUN(history_stale_slots_stay_bounded_and_the_order_holds),
	RUN(history_says_when_a_path_is_unused_so_that_its_owner_may_go),
	RUN(history_keeps_a_message_without_holding_up_its_fate),
	{ NULL, NULL },
};
