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

/* Kept as a broadcast keeps it: added, then the sender lets go of it. */
static int keep(struct history *h, struct path_history *ph, uint64_t pos, size_t size,
		uint64_t now_us, struct ledger *l)
{
	struct msg *m = at(pos, size, l);
	if (!m)
		return -1;
	int rc = history_add(h, ph, m, now_us);
	msg_done(m, FATE_DELIVERED);
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
	CHECK(!history_has(&a, 1));
	for (uint64_t i = 1; i <= 12; i++)
		CHECK_INT(keep(&h, &a, i, 10, 0, NULL), ==, 0);
	CHECK_UINT(history_first(&a), ==, 8);
	CHECK_UINT(history_last(&a), ==, 12);
	CHECK_UINT(h.messages, ==, 5);
	CHECK_UINT(h.bytes, ==, 5 * (10 + HISTORY_ENTRY_COST));
	for (uint64_t i = 1; i <= 13; i++) {
		CASE("offset %ju", (uintmax_t)i);
		if (i < 8 || i > 12) {
			CHECK(!history_has(&a, i));
			continue;
		}
		struct msg *m = CHECK(history_has(&a, i)) ? history_copy(&a, i) : NULL;
		if (CHECK(m != NULL)) {
			CHECK_UINT(m->pos, ==, i);
			CHECK_UINT(m->len, ==, 10);
			CHECK_UINT(m->refs, ==, 1);
			msg_unref(m);
		}
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
	size_t each = 52 + HISTORY_ENTRY_COST;	/* 100 */

	history_init(&h, 1000, 10 * each, 0);
	for (uint64_t i = 1; i <= 8; i++)
		keep(&h, &a, i, 52, 0, NULL);
	for (uint64_t i = 1; i <= 5; i++)
		keep(&h, &b, i, 52, 0, NULL);
	/* 13 would not fit: a's three oldest went. */
	CHECK_UINT(h.messages, ==, 10);
	CHECK_UINT(h.bytes, ==, 10 * each);
	CHECK_UINT(history_first(&a), ==, 4);
	CHECK_UINT(history_first(&b), ==, 1);
	/* A message larger than the budget is not kept, nor what its path had. */
	keep(&h, &b, 6, 20 * each, 0, NULL);
	CHECK_UINT(h.messages, ==, 5);
	CHECK_UINT(history_first(&b), ==, 0);
	CHECK_UINT(history_first(&a), ==, 4);
	/* One as large as the budget leaves only itself. */
	keep(&h, &b, 7, 10 * each - HISTORY_ENTRY_COST, 0, NULL);
	CHECK_UINT(h.messages, ==, 1);
	CHECK_UINT(h.bytes, ==, 10 * each);
	CHECK_UINT(history_first(&a), ==, 0);
	CHECK_UINT(history_first(&b), ==, 7);
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

/* A path that drops its own oldest again and again: the log's room comes back. */
TEST(history_room_of_dead_messages_comes_back_and_the_order_holds)
{
	struct history h;
	struct path_history busy = { 0 }, quiet = { 0 };

	history_init(&h, 3, 1 << 20, 0);
	keep(&h, &quiet, 1, 1, 0, NULL);
	for (uint64_t i = 1; i <= 100000; i++)
		keep(&h, &busy, i, 1, 0, NULL);
	CHECK_UINT(h.messages, ==, 4);
	CHECK_UINT(h.bytes, <=, 1 << 20);
	CHECK_UINT(history_first(&busy), ==, 99998);
	CHECK_UINT(busy.cap, <=, 3);
	/* 100,000 let go, and the log holds at most a block more than the kept. */
	CHECK_UINT(h.dead, <=, (64 << 10) + h.bytes);
	/* quiet's message is still the oldest of all: the budget takes it first. */
	h.max_bytes = h.bytes - 1;
	keep(&h, &busy, 100001, 1, 0, NULL);
	CHECK_UINT(history_first(&quiet), ==, 0);
	CHECK_UINT(history_first(&busy), ==, 99999);
	history_free(&h);
	history_path_free(&busy);
	history_path_free(&quiet);
}

/* A message kept is a copy: its kind, position and bytes, whatever became of the original. */
TEST(history_copy_is_the_message_as_it_was_kept)
{
	struct history h;
	struct path_history a = { 0 };
	struct msg *m = msg_new("/a", 2, 5);

	history_init(&h, 10, 1 << 20, 0);
	if (!CHECK(m != NULL))
		return;
	memcpy(m->payload, "\x01\x02\x00\x03\xff", 5);
	m->kind = FRAME_BINARY;
	m->pos = 42;
	CHECK_INT(history_add(&h, &a, m, 0), ==, 0);
	memset(m->payload, 0, 5);
	msg_unref(m);
	struct msg *c = history_copy(&a, 42);
	if (CHECK(c != NULL)) {
		CHECK_MEM(c->payload, c->len, "\x01\x02\x00\x03\xff", 5);
		CHECK_INT(c->kind, ==, FRAME_BINARY);
		CHECK_UINT(c->pos, ==, 42);
		CHECK(c->ledger == NULL);
		msg_unref(c);
	}
	/* Messages larger than a block of the log, and many of them. */
	for (uint64_t i = 43; i < 143; i++) {
		struct msg *big = msg_new(NULL, 0, 100000);
		if (!CHECK(big != NULL))
			break;
		memset(big->payload, (int)i, big->len);
		big->pos = i;
		CHECK_INT(history_add(&h, &a, big, 0), ==, 0);
		msg_unref(big);
	}
	CHECK_UINT(history_first(&a), ==, 133);
	c = history_copy(&a, 140);
	if (CHECK(c != NULL)) {
		CHECK_UINT(c->len, ==, 100000);
		CHECK_UINT(c->payload[99999], ==, 140);
		msg_unref(c);
	}
	history_free(&h);
	history_path_free(&a);
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
	keep(&h, &a, 3, 1, 0, NULL);		/* 1 dropped by a's count: dead in the log */
	h.per_path = 10;
	CHECK_UINT(unused_calls, ==, 0);
	CHECK(!history_unused(&a));
	history_clear_path(&h, &a);		/* nothing kept, the log still names it */
	CHECK(!history_unused(&a));
	CHECK_UINT(unused_calls, ==, 0);
	struct path_history b = { 0 };
	for (uint64_t i = 1; i <= 3; i++)	/* the budget pops a's dead ones */
		keep(&h, &b, i, 1, 0, NULL);
	CHECK(history_unused(&a));
	CHECK_UINT(unused_calls, ==, 1);
	CHECK(unused_last == &a);
	history_path_free(&a);
	history_free(&h);
	history_path_free(&b);
}

/* The path a message is added to is never the one said unused: it holds it. */
TEST(history_never_lets_the_path_it_adds_to_go)
{
	struct history h;
	struct path_history a = { 0 }, b = { 0 };

	unused_calls = 0;
	history_init(&h, 1, 1 << 20, 0);	/* each new one drops the last */
	h.unused = note_unused;
	for (uint64_t i = 1; i <= 5; i++)
		keep(&h, &a, i, 1, 0, NULL);
	CHECK_UINT(unused_calls, ==, 0);
	CHECK_UINT(history_first(&a), ==, 5);
	history_free(&h);

	history_init(&h, 100, 1 + HISTORY_ENTRY_COST, 0);	/* room for one */
	h.unused = note_unused;
	for (uint64_t i = 1; i <= 5; i++)
		keep(&h, &b, i, 1, 0, NULL);
	CHECK_UINT(unused_calls, ==, 0);
	CHECK_UINT(history_first(&b), ==, 5);
	CHECK_UINT(h.messages, ==, 1);
	history_free(&h);
	history_path_free(&a);
	history_path_free(&b);
}

/* A record's fate is its sender's: the history's copy does not hold it up. */
TEST(history_keeps_a_message_without_holding_up_its_fate)
{
	struct history h;
	struct path_history a = { 0 };
	struct ledger l = { 0 };

	history_init(&h, 2, 1 << 20, 0);
	keep(&h, &a, 1, 3, 0, &l);
	CHECK_UINT(ledger_pending(&l), ==, 0);
	CHECK_UINT(ledger_get(&l, FATE_DELIVERED), ==, 1);
	/* A replay's copy is no record: counted nowhere. */
	struct msg *m = history_copy(&a, 1);
	if (CHECK(m != NULL)) {
		CHECK(m->ledger == NULL);
		msg_done(m, FATE_DELIVERED);
	}
	CHECK_UINT(ledger_get(&l, FATE_DELIVERED), ==, 1);
	CHECK_UINT(atomic_load(&l.read), ==, 1);
	history_free(&h);
	history_path_free(&a);
}

const struct unit_test unit_tests[] = {
	RUN(history_keeps_the_last_n_of_a_path_by_offset),
	RUN(history_off_keeps_nothing),
	RUN(history_bytes_bound_all_paths_the_oldest_of_any_going_first),
	RUN(history_lets_go_of_what_is_older_than_its_age),
	RUN(history_starts_a_path_over_when_an_offset_does_not_follow),
	RUN(history_room_of_dead_messages_comes_back_and_the_order_holds),
	RUN(history_copy_is_the_message_as_it_was_kept),
	RUN(history_says_when_a_path_is_unused_so_that_its_owner_may_go),
	RUN(history_never_lets_the_path_it_adds_to_go),
	RUN(history_keeps_a_message_without_holding_up_its_fate),
	{ NULL, NULL },
};
