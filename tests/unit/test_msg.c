/* base/msg: shared outgoing messages, and the ledger of their fates. */
#include "base/msg.h"

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

TEST(msg_new_keeps_the_tag_and_room_for_the_payload)
{
	struct msg *m = msg_new("/news/today", 5, 100);

	if (!CHECK(m != NULL))
		return;
	CHECK_STR(m->tag, "/news");
	CHECK_UINT(m->tag_len, ==, 5);
	CHECK_UINT(m->len, ==, 100);
	CHECK_UINT(m->refs, ==, 1);
	CHECK_INT(m->fate, ==, FATE_PENDING);
	CHECK(m->ledger == NULL);
	memset(m->payload, 'x', 100);	/* all of it writable (ASan would say) */
	msg_unref(m);

	m = msg_new(NULL, 0, 0);
	if (CHECK(m != NULL)) {
		CHECK(m->tag == NULL);
		CHECK_UINT(m->tag_len, ==, 0);
		msg_unref(m);
	}
	CHECK(msg_new(NULL, 0, SIZE_MAX - 8) == NULL);
	msg_unref(NULL);	/* nothing */
}

TEST(msg_settle_keeps_the_worst_fate)
{
	struct msg *m = new_msg('a', NULL);

	msg_settle(m, FATE_DELIVERED);
	CHECK_INT(m->fate, ==, FATE_DELIVERED);
	msg_settle(m, FATE_DROPPED);
	msg_settle(m, FATE_DISCARDED);
	msg_settle(m, FATE_DELIVERED);
	CHECK_INT(m->fate, ==, FATE_DROPPED);
	msg_settle(m, FATE_LOST);
	CHECK_INT(m->fate, ==, FATE_LOST);
	msg_unref(m);
}

/* A record's fate is counted once, when the last of its references goes. */
TEST(ledger_counts_each_record_once_at_its_last_reference)
{
	struct ledger l = { 0 };
	struct msg *m = new_msg('a', &l);

	CHECK_UINT(atomic_load(&l.read), ==, 1);
	CHECK_UINT(ledger_pending(&l), ==, 1);
	msg_ref(m);
	msg_ref(m);
	msg_settle(m, FATE_DELIVERED);
	msg_unref(m);
	msg_settle(m, FATE_UNCONFIRMED);
	msg_unref(m);
	CHECK_UINT(ledger_pending(&l), ==, 1);	/* one reference left */
	msg_unref(m);
	CHECK_UINT(ledger_pending(&l), ==, 0);
	CHECK_UINT(ledger_get(&l, FATE_UNCONFIRMED), ==, 1);
	CHECK_UINT(ledger_get(&l, FATE_DELIVERED), ==, 0);
}

TEST(ledger_counts_a_message_gone_without_a_fate_as_lost)
{
	struct ledger l = { 0 };

	msg_unref(new_msg('a', &l));
	msg_unref(new_msg('b', NULL));	/* not a record: not counted */
	CHECK_UINT(ledger_get(&l, FATE_LOST), ==, 1);
	CHECK_UINT(atomic_load(&l.read), ==, 1);
	CHECK_UINT(ledger_pending(&l), ==, 0);
}

TEST(msg_done_settles_and_lets_go)
{
	struct ledger l = { 0 };
	struct msg *m = new_msg('a', &l);

	msg_ref(m);
	msg_done(m, FATE_DROPPED);
	CHECK_UINT(ledger_pending(&l), ==, 1);
	msg_done(m, FATE_DELIVERED);
	CHECK_UINT(ledger_get(&l, FATE_DROPPED), ==, 1);
	CHECK_UINT(ledger_pending(&l), ==, 0);
}

/* What a broker lost after it acknowledged moves from delivered to lost. */
TEST(ledger_refate_moves_records_and_never_below_zero)
{
	struct ledger l = { 0 };

	for (int i = 0; i < 3; i++)
		msg_done(new_msg('a', &l), FATE_DELIVERED);
	ledger_refate(&l, FATE_DELIVERED, FATE_LOST, 2);
	CHECK_UINT(ledger_get(&l, FATE_DELIVERED), ==, 1);
	CHECK_UINT(ledger_get(&l, FATE_LOST), ==, 2);
	ledger_refate(&l, FATE_DELIVERED, FATE_LOST, 5);
	CHECK_UINT(ledger_get(&l, FATE_DELIVERED), ==, 0);
	CHECK_UINT(ledger_get(&l, FATE_LOST), ==, 3);
	CHECK_UINT(ledger_pending(&l), ==, 0);
}

const struct unit_test unit_tests[] = {
	RUN(msg_new_keeps_the_tag_and_room_for_the_payload),
	RUN(msg_settle_keeps_the_worst_fate),
	RUN(ledger_counts_each_record_once_at_its_last_reference),
	RUN(ledger_counts_a_message_gone_without_a_fate_as_lost),
	RUN(msg_done_settles_and_lets_go),
	RUN(ledger_refate_moves_records_and_never_below_zero),
	{ NULL, NULL },
};
