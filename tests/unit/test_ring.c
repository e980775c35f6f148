/* base/ring: the bounded FIFO of messages a connection has waiting. */
#include "base/ring.h"

#include <string.h>

#include "unit.h"

/* A message of one byte, counted in the ledger when there is one. */
static struct msg *new_msg(char c, struct ledger *l)
{
	struct msg *m = msg_new(NULL, 0, 1);
	if (m) {
		m->payload[0] = (unsigned char)c;
		if (l)
			msg_count(m, l);
	}
	return m;
}

/* The payloads of the ring's messages, head first. */
static void check_ring(const struct ring *r, const char *want)
{
	char got[64];
	size_t i = 0;

	for (; i < r->len && i < sizeof(got) - 1; i++)
		got[i] = (char)ring_at(r, i)->payload[0];
	got[i] = '\0';
	CHECK_STR(got, want);
}

TEST(ring_is_a_fifo_bounded_by_its_cap)
{
	struct ring r;

	ring_init(&r, 3);
	CHECK(ring_empty(&r));
	CHECK(ring_peek(&r) == NULL);
	CHECK(ring_pop(&r) == NULL);
	for (char c = 'a'; c <= 'c'; c++)
		CHECK_INT(ring_push(&r, new_msg(c, NULL)), ==, 0);
	CHECK(ring_full(&r));
	CHECK_UINT(r.size, <=, 3);
	check_ring(&r, "abc");
	CHECK_INT(ring_peek(&r)->payload[0], ==, 'a');
	for (char c = 'a'; c <= 'c'; c++) {
		struct msg *m = ring_pop(&r);
		CHECK_INT(m->payload[0], ==, c);
		msg_unref(m);
	}
	CHECK(ring_empty(&r));
	ring_free(&r);
}

TEST(ring_init_makes_a_cap_of_0_one)
{
	struct ring r;

	ring_init(&r, 0);
	CHECK_UINT(r.cap, ==, 1);
	ring_push(&r, new_msg('a', NULL));
	CHECK(ring_full(&r));
	ring_free(&r);
}

/* Slots are allocated as it fills; wrapped around, the order holds. */
TEST(ring_keeps_order_across_growth_and_wrap_around)
{
	struct ring r;
	char want[64];
	size_t head = 0, tail = 0;	/* letters pushed and popped */

	ring_init(&r, 40);
	CHECK_UINT(r.size, ==, 0);
	for (int round = 0; round < 30; round++) {
		for (int k = 0; k < 3 && !ring_full(&r); k++, tail++)
			ring_push(&r, new_msg((char)('A' + tail % 58), NULL));
		if (round % 3 == 2) {
			msg_unref(ring_pop(&r));
			head++;
		}
	}
	CHECK_UINT(r.size, <=, 40);
	size_t n = 0;
	for (size_t i = head; i < tail; i++)
		want[n++] = (char)('A' + i % 58);
	want[n] = '\0';
	check_ring(&r, want);
	ring_free(&r);
}

TEST(ring_drop_at_removes_one_message_and_settles_it)
{
	struct ledger l = { 0 };
	struct ring r;

	ring_init(&r, 8);
	for (char c = 'a'; c <= 'e'; c++)
		ring_push(&r, new_msg(c, &l));
	ring_drop_at(&r, 2, FATE_DROPPED);
	check_ring(&r, "abde");
	CHECK_UINT(ledger_get(&l, FATE_DROPPED), ==, 1);
	/* Nothing past the end; the head, as any other. */
	ring_drop_at(&r, 4, FATE_DROPPED);
	check_ring(&r, "abde");
	ring_drop_at(&r, 3, FATE_DROPPED);
	check_ring(&r, "abd");
	ring_drop_at(&r, 0, FATE_DROPPED);
	check_ring(&r, "bd");
	CHECK_UINT(ledger_get(&l, FATE_DROPPED), ==, 3);
	ring_free(&r);
	CHECK_UINT(ledger_get(&l, FATE_LOST), ==, 2);
	CHECK_UINT(ledger_pending(&l), ==, 0);
}

TEST(ring_truncate_drops_from_the_ith_on)
{
	struct ledger l = { 0 };
	struct ring r;

	ring_init(&r, 8);
	for (char c = 'a'; c <= 'e'; c++)
		ring_push(&r, new_msg(c, &l));
	CHECK_UINT(ring_truncate(&r, 2, FATE_DISCARDED), ==, 3);
	check_ring(&r, "ab");
	CHECK_UINT(ledger_get(&l, FATE_DISCARDED), ==, 3);
	CHECK_UINT(ring_truncate(&r, 5, FATE_DISCARDED), ==, 0);
	ring_free(&r);
}

TEST(ring_clear_and_free_settle_every_message_they_drop)
{
	struct ledger l = { 0 };
	struct ring r;

	ring_init(&r, 8);
	for (char c = 'a'; c <= 'c'; c++)
		ring_push(&r, new_msg(c, &l));
	/* A reference held elsewhere: counted when that goes too. */
	struct msg *kept = msg_ref(ring_at(&r, 1));
	CHECK_UINT(ring_clear(&r, FATE_DROPPED), ==, 3);
	CHECK(ring_empty(&r));
	CHECK_UINT(ledger_get(&l, FATE_DROPPED), ==, 2);
	msg_unref(kept);
	CHECK_UINT(ledger_get(&l, FATE_DROPPED), ==, 3);
	ring_push(&r, new_msg('d', &l));
	ring_free(&r);
	CHECK_UINT(ledger_get(&l, FATE_LOST), ==, 1);
	CHECK_UINT(ledger_pending(&l), ==, 0);
}

const struct unit_test unit_tests[] = {
	RUN(ring_is_a_fifo_bounded_by_its_cap),
	RUN(ring_init_makes_a_cap_of_0_one),
	RUN(ring_keeps_order_across_growth_and_wrap_around),
	RUN(ring_drop_at_removes_one_message_and_settles_it),
	RUN(ring_truncate_drops_from_the_ith_on),
	RUN(ring_clear_and_free_settle_every_message_they_drop),
	{ NULL, NULL },
};
