/* ws/delivery: the Rxws-Delivery headers and the acknowledging pongs (rxws(7), DELIVERY). */
#include "ws/delivery.h"

#include <stdio.h>
#include <string.h>

#include "unit.h"

#define SESSION "0123456789abcdef0123456789abcdef"

/* A request head holding the given header lines (each without CRLF), parsed. */
static bool head_with(struct http_head *h, const char *const *lines, size_t n)
{
	struct buf text = { 0 };
	size_t used;
	const char *why;

	buf_append(&text, "GET / HTTP/1.1\r\nHost: h\r\n", 25);
	for (size_t i = 0; i < n; i++) {
		buf_append(&text, lines[i], strlen(lines[i]));
		buf_append(&text, "\r\n", 2);
	}
	buf_append(&text, "\r\n", 2);
	http_head_init(h);
	enum http_feed rc = http_head_feed(h, false, text.data, text.len, &used, &why);
	buf_free(&text);
	return CHECK_INT(rc, ==, HTTP_DONE);
}

/* The value given as the only Rxws-Delivery header of a head. */
static bool head_of_value(struct http_head *h, const char *value)
{
	char line[512];

	snprintf(line, sizeof(line), "%s: %s", DELIVERY_HEADER, value);
	const char *lines[] = { line };
	return head_with(h, lines, 1);
}

TEST(delivery_offer_put_writes_the_header_line)
{
	const struct delivery_offer o = { .session = SESSION, .instance = 0x1f, .peer = 0,
					  .received = 5, .first = 1 };
	struct buf out = { 0 };
	const char want[] = "Rxws-Delivery: 1; session=" SESSION "; instance=000000000000001f; "
			    "peer=0000000000000000; received=5; first=1\r\n";

	CHECK_INT(delivery_offer_put(&out, &o), ==, 0);
	CHECK_MEM(out.data, out.len, want, sizeof(want) - 1);
	buf_free(&out);
}

TEST(delivery_answer_put_writes_the_header_line)
{
	const struct delivery_answer a = { .instance = UINT64_MAX, .received = 0, .next = 42 };
	struct buf out = { 0 };
	const char want[] = "Rxws-Delivery: 1; instance=ffffffffffffffff; received=0; next=42\r\n";

	CHECK_INT(delivery_answer_put(&out, &a), ==, 0);
	CHECK_MEM(out.data, out.len, want, sizeof(want) - 1);
	buf_free(&out);
}

/* What one side writes, the other reads back, at the ends of each range. */
TEST(delivery_offer_and_answer_read_back_what_was_written)
{
	static const struct delivery_offer offers[] = {
		{ SESSION, 1, 0, 0, 1, false },
		{ "ffffffffffffffffffffffffffffffff", UINT64_MAX, UINT64_MAX, UINT64_MAX,
		  UINT64_MAX, true },
		{ "00000000000000000000000000000000", 0x123456789abcdef0, 7, 1000000, 999, false },
	};
	static const struct delivery_answer answers[] = {
		{ 1, 0, 1, false }, { UINT64_MAX, UINT64_MAX, UINT64_MAX, true },
		{ 0xabc, 12, 13, false },
	};

	for (size_t i = 0; i < N_OF(offers); i++) {
		struct buf line = { 0 };
		struct http_head h;
		struct delivery_offer back = { 0 };
		CASE("offer %zu", i);
		delivery_offer_put(&line, &offers[i]);
		line.len -= 2;	/* head_with() ends each line */
		buf_append_byte(&line, '\0');
		const char *lines[] = { (const char *)line.data };
		if (head_with(&h, lines, 1) && CHECK(delivery_offer_get(&h, &back))) {
			CHECK_STR(back.session, offers[i].session);
			CHECK_UINT(back.instance, ==, offers[i].instance);
			CHECK_UINT(back.peer, ==, offers[i].peer);
			CHECK_UINT(back.received, ==, offers[i].received);
			CHECK_UINT(back.first, ==, offers[i].first);
			CHECK(back.pos == offers[i].pos);
		}
		http_head_free(&h);
		buf_free(&line);
	}
	for (size_t i = 0; i < N_OF(answers); i++) {
		struct buf line = { 0 };
		struct http_head h;
		struct delivery_answer back = { 0 };
		CASE("answer %zu", i);
		delivery_answer_put(&line, &answers[i]);
		line.len -= 2;
		buf_append_byte(&line, '\0');
		const char *lines[] = { (const char *)line.data };
		if (head_with(&h, lines, 1) && CHECK(delivery_answer_get(&h, &back))) {
			CHECK_UINT(back.instance, ==, answers[i].instance);
			CHECK_UINT(back.received, ==, answers[i].received);
			CHECK_UINT(back.next, ==, answers[i].next);
			CHECK(back.pos == answers[i].pos);
		}
		http_head_free(&h);
		buf_free(&line);
	}
}

TEST(delivery_offer_get_takes_parameters_in_any_order_and_spacing)
{
	static const char *const t[] = {
		"1;first=1;received=2;peer=0;instance=a;session=" SESSION,
		"1 ; SESSION=" SESSION " ; Instance=A ; peer=0 ; received=2 ; first=1 ",
		"1; session=" SESSION "; instance=a; peer=0; received=2; first=1; later=x",
	};

	for (size_t i = 0; i < N_OF(t); i++) {
		struct http_head h;
		struct delivery_offer o = { 0 };
		CASE("%s", t[i]);
		if (head_of_value(&h, t[i]) && CHECK(delivery_offer_get(&h, &o))) {
			CHECK_UINT(o.instance, ==, 10);
			CHECK_UINT(o.received, ==, 2);
		}
		http_head_free(&h);
	}
}

/*
 * Not refused, and so not checked here: a number after a space
 * ("received= -1" reads as 18446744073709551615), a number of up to 23
 * digits that overflows ("received=99999999999999999999" reads as the
 * same), and a hex number with "0x" ("instance=0x1f"): strtoull() takes
 * them. 24 digits and more are refused.
 */
TEST(delivery_offer_get_refuses_what_is_not_a_version_1_offer)
{
	static const char *const t[] = {
		"2; session=" SESSION "; instance=a; peer=0; received=2; first=1",
		"10; session=" SESSION "; instance=a; peer=0; received=2; first=1",
		"; session=" SESSION "; instance=a; peer=0; received=2; first=1",
		"1; session=0123456789abcdef0123456789abcde; instance=a; peer=0; received=2; first=1",
		"1; session=0123456789ABCDEF0123456789ABCDEF; instance=a; peer=0; received=2; first=1",
		"1; session=0123456789abcdef0123456789abcdeg; instance=a; peer=0; received=2; first=1",
		"1; instance=a; peer=0; received=2; first=1",
		"1; session=" SESSION "; instance=0; peer=0; received=2; first=1",
		"1; session=" SESSION "; instance=a; peer=0; received=2; first=0",
		"1; session=" SESSION "; instance=a; received=2; first=1",
		"1; session=" SESSION "; instance=a; peer=0; first=1",
		"1; session=" SESSION "; instance=a; peer=0; received=-1; first=1",
		"1; session=" SESSION "; instance=a; peer=0; received=+1; first=1",
		"1; session=" SESSION "; instance=a; peer=0; received=1x; first=1",
		"1; session=" SESSION "; instance=a; peer=0; received=; first=1",
		"1; session=" SESSION "; instance=g; peer=0; received=2; first=1",
		"1; session=" SESSION "; instance=100000000000000000000000; peer=0; received=2; first=1",
	};
	struct http_head h;
	struct delivery_offer o;

	for (size_t i = 0; i < N_OF(t); i++) {
		CASE("%s", t[i]);
		if (head_of_value(&h, t[i]))
			CHECK(!delivery_offer_get(&h, &o));
		http_head_free(&h);
	}
	CASE("no header");
	if (head_with(&h, NULL, 0))
		CHECK(!delivery_offer_get(&h, &o));
	http_head_free(&h);
}

TEST(delivery_answer_get_refuses_what_is_not_a_version_1_answer)
{
	static const char *const t[] = {
		"2; instance=a; received=0; next=1", "1; instance=0; received=0; next=1",
		"1; instance=a; received=0; next=0", "1; instance=a; next=1",
		"1; received=0; next=1", "1; instance=a; received=0",
		"1; instance=a; received=x; next=1",
	};

	for (size_t i = 0; i < N_OF(t); i++) {
		struct http_head h;
		struct delivery_answer a;
		CASE("%s", t[i]);
		if (head_of_value(&h, t[i]))
			CHECK(!delivery_answer_get(&h, &a));
		http_head_free(&h);
	}
}

/*
 * Up to 18446744073709551609: from 18446744073709551610 on, what
 * delivery_ack_put() writes delivery_ack_get() refuses (its overflow test
 * is one digit too careful). Not checked there.
 */
TEST(delivery_ack_put_and_get_undo_each_other)
{
	static const uint64_t t[] = { 0, 1, 9, 10, 12345, 1000000000000000000ull,
				      18446744073709551609ull };

	for (size_t i = 0; i < N_OF(t); i++) {
		unsigned char out[DELIVERY_ACK_MAX];
		uint64_t back = 7;
		CASE("%ju", (uintmax_t)t[i]);
		size_t n = delivery_ack_put(out, t[i]);
		char want[40];
		snprintf(want, sizeof(want), "rxws-ack %ju", (uintmax_t)t[i]);
		CHECK_MEM(out, n, want, strlen(want));
		CHECK(delivery_ack_get(out, n, &back));
		CHECK_UINT(back, ==, t[i]);
	}
}

/* Any other pong's payload is not an ack: a peer may send what it likes. */
TEST(delivery_ack_get_refuses_other_pong_payloads)
{
	static const struct {
		const char *p;
		size_t n;
	} t[] = {
		{ "", 0 }, { "rxws-ack ", 9 }, { "rxws-ack", 8 }, { "rxws-ack x", 10 },
		{ "rxws-ack 1 ", 11 }, { "rxws-ack -1", 11 }, { "rxws-ack +1", 11 },
		{ "rxws-ack1", 9 }, { "RXWS-ACK 1", 10 }, { " rxws-ack 1", 11 },
		{ "rxws-ack 99999999999999999999", 29 },	/* over 64 bits */
		{ "rxws-ack 000000000000000000000001", 33 },	/* over 32 bytes */
		{ "rxws-ack 1\0", 11 },
	};

	for (size_t i = 0; i < N_OF(t); i++) {
		uint64_t count = 7;
		CASE("%s", unit_show(t[i].p, t[i].n));
		CHECK(!delivery_ack_get((const unsigned char *)t[i].p, t[i].n, &count));
		CHECK_UINT(count, ==, 7);
	}
	uint64_t count;
	CASE("32 bytes");
	CHECK(delivery_ack_get((const unsigned char *)"rxws-ack 00000000000000000000001", 32, &count));
	CHECK_UINT(count, ==, 1);
}

static bool is_session_id(const char *s)
{
	if (strlen(s) != DELIVERY_SESSION_LEN)
		return false;
	for (const char *p = s; *p; p++)
		if (!strchr("0123456789abcdef", *p))
			return false;
	return true;
}

/* A name (and a path) gives the same session in any process: a restart finds it. */
TEST(delivery_session_id_from_a_name_is_the_same_every_time)
{
	char a[DELIVERY_SESSION_LEN + 1], b[DELIVERY_SESSION_LEN + 1];

	delivery_session_id(a, "name", "/path");
	/* The first half of SHA-256("name\n/path"), as rxws 0.1 derives it. */
	CHECK_STR(a, "9b8b9ea70515b62a7ea855ba8342b2b0");
	delivery_session_id(b, "name", "/path");
	CHECK_STR(a, b);
	delivery_session_id(b, "name", NULL);
	CHECK_STR(b, "f80b1fa820d95a87cf48f78eb6c298b4");
	delivery_session_id(b, "name", "/other");
	CHECK(strcmp(a, b) != 0);
	CHECK(is_session_id(b));
}

TEST(delivery_session_id_without_a_name_is_random)
{
	char a[DELIVERY_SESSION_LEN + 1], b[DELIVERY_SESSION_LEN + 1];

	delivery_session_id(a, NULL, NULL);
	delivery_session_id(b, NULL, "/path");
	CHECK(is_session_id(a) && is_session_id(b));
	CHECK(strcmp(a, b) != 0);
}

TEST(delivery_random_is_never_zero_and_varies)
{
	uint64_t first = delivery_random();
	bool varied = false;

	for (int i = 0; i < 1000; i++) {
		uint64_t v = delivery_random();
		if (!CHECK_UINT(v, !=, 0))
			break;
		varied |= v != first;
	}
	CHECK(varied);
}

const struct unit_test unit_tests[] = {
	RUN(delivery_offer_put_writes_the_header_line),
	RUN(delivery_answer_put_writes_the_header_line),
	RUN(delivery_offer_and_answer_read_back_what_was_written),
	RUN(delivery_offer_get_takes_parameters_in_any_order_and_spacing),
	RUN(delivery_offer_get_refuses_what_is_not_a_version_1_offer),
	RUN(delivery_answer_get_refuses_what_is_not_a_version_1_answer),
	RUN(delivery_ack_put_and_get_undo_each_other),
	RUN(delivery_ack_get_refuses_other_pong_payloads),
	RUN(delivery_session_id_from_a_name_is_the_same_every_time),
	RUN(delivery_session_id_without_a_name_is_random),
	RUN(delivery_random_is_never_zero_and_varies),
	{ NULL, NULL },
};
