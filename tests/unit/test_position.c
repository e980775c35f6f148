/* ws/position: EPOCH:OFFSET, and the frames and notices of rxws.pos. */
#include "ws/position.h"

#include <string.h>

#include "unit.h"

#define EPOCH "0123456789abcdef"

TEST(position_parse_takes_an_epoch_a_colon_and_an_offset)
{
	static const struct {
		const char *text;
		uint64_t offset;
	} good[] = {
		{ EPOCH ":0", 0 },
		{ EPOCH ":1", 1 },
		{ EPOCH ":007", 7 },
		{ EPOCH ":18446744073709551615", UINT64_MAX },
	};
	for (size_t i = 0; i < N_OF(good); i++) {
		struct position p;
		CASE("%s", good[i].text);
		if (!CHECK_OK(position_parse(good[i].text, strlen(good[i].text), &p)))
			continue;
		CHECK_STR(p.epoch, EPOCH);
		CHECK_UINT(p.offset, ==, good[i].offset);
	}
}

TEST(position_parse_refuses_anything_else_and_says_why)
{
	static const struct {
		const char *text, *why;
	} bad[] = {
		{ "", "expected EPOCH:OFFSET" },
		{ "12", "expected EPOCH:OFFSET" },
		{ EPOCH, "expected EPOCH:OFFSET" },
		{ EPOCH ":", "expected EPOCH:OFFSET" },
		{ EPOCH "0:1", "expected EPOCH:OFFSET" },
		{ "0123456789abcde:1", "expected EPOCH:OFFSET" },
		{ "0123456789ABCDEF:1", "not 16 hex digits" },
		{ "0123456789abcdeg:1", "not 16 hex digits" },
		{ EPOCH ":-1", "not a number" },
		{ EPOCH ":+1", "not a number" },
		{ EPOCH ": 1", "not a number" },
		{ EPOCH ":1x", "not a number" },
		{ EPOCH ":18446744073709551616", "too large" },
		{ EPOCH ":999999999999999999999", "too large" },
	};
	for (size_t i = 0; i < N_OF(bad); i++) {
		struct position p = { "untouched", 42 };
		CASE("'%s'", bad[i].text);
		CHECK_FAILS(position_parse(bad[i].text, strlen(bad[i].text), &p), bad[i].why);
		CHECK_UINT(p.offset, ==, 42);
	}
	/* The length given is the end: what follows is not read. */
	struct position p;
	CHECK_FAILS(position_parse(EPOCH ":12", 17, &p), "expected EPOCH:OFFSET");
	CHECK_OK(position_parse(EPOCH ":12\n", 19, &p));
	CHECK_UINT(p.offset, ==, 12);
}

TEST(position_format_is_what_parse_reads)
{
	char text[POSITION_MAX];
	struct position p;

	size_t n = position_format(text, EPOCH, UINT64_MAX);
	CHECK_UINT(n, ==, POSITION_MAX - 1);
	CHECK_STR(text, EPOCH ":18446744073709551615");
	CHECK_OK(position_parse(text, n, &p));
	CHECK_UINT(p.offset, ==, UINT64_MAX);
	n = position_format(text, EPOCH, 0);
	CHECK_STR(text, EPOCH ":0");
	CHECK_UINT(n, ==, 18);
}

TEST(position_new_epoch_is_16_hex_digits_and_new_each_time)
{
	char a[POSITION_EPOCH_LEN + 1], b[POSITION_EPOCH_LEN + 1];
	struct position p;

	if (!CHECK(position_new_epoch(a) == 0) || !CHECK(position_new_epoch(b) == 0))
		return;
	CHECK_UINT(strlen(a), ==, POSITION_EPOCH_LEN);
	char text[POSITION_MAX];
	CHECK_OK(position_parse(text, position_format(text, a, 1), &p));
	CHECK(strcmp(a, b) != 0);
}

TEST(position_split_finds_the_data_after_the_position)
{
	struct position p;
	size_t at = 99;
	const char frame[] = EPOCH ":5\nhello\nworld";

	if (CHECK(position_split((const unsigned char *)frame, strlen(frame), &p, &at))) {
		CHECK_UINT(p.offset, ==, 5);
		CHECK_UINT(at, ==, 19);
		CHECK_STR(frame + at, "hello\nworld");
	}
	/* Empty data is data. */
	const char empty[] = EPOCH ":6\n";
	CHECK(position_split((const unsigned char *)empty, strlen(empty), &p, &at));
	CHECK_UINT(at, ==, strlen(empty));

	static const char *not_frames[] = {
		"!head " EPOCH ":5\n",		/* a notice */
		EPOCH ":5",			/* no newline */
		"hello\nworld",			/* no position */
		"",
		EPOCH ":000000000000000000000000005\nx",	/* the newline past the longest position */
	};
	for (size_t i = 0; i < N_OF(not_frames); i++) {
		CASE("not a frame: %zu", i);
		CHECK(!position_split((const unsigned char *)not_frames[i], strlen(not_frames[i]), &p, &at));
	}
	CHECK(position_is_notice((const unsigned char *)"!live x", 7));
	CHECK(!position_is_notice((const unsigned char *)EPOCH, 16));
	CHECK(!position_is_notice((const unsigned char *)"", 0));
}

TEST(position_notices_are_written_as_rxws7_says)
{
	char out[POSITION_NOTICE_MAX];
	size_t n;

	n = position_notice_head(out, EPOCH, 12);
	CHECK_MEM(out, n, "!head " EPOCH ":12", 25);
	n = position_notice_live(out, EPOCH, 0);
	CHECK_MEM(out, n, "!live " EPOCH ":0", 24);
	n = position_notice_gap(out, EPOCH, 3, EPOCH, 9, 7, true, "trimmed");
	CHECK_STR(out, "!gap " EPOCH ":3 " EPOCH ":9 7 trimmed");
	CHECK_UINT(n, ==, strlen(out));
	n = position_notice_gap(out, "fedcba9876543210", 8, EPOCH, 0, 0, false, "epoch");
	CHECK_STR(out, "!gap fedcba9876543210:8 " EPOCH ":0 ? epoch");
	/* The longest fits. */
	n = position_notice_gap(out, EPOCH, UINT64_MAX, EPOCH, UINT64_MAX, UINT64_MAX, true,
				"trimmed");
	CHECK_UINT(n, <, POSITION_NOTICE_MAX);
	CHECK_UINT(strlen(out), ==, n);
}

TEST(position_read_notice_reads_what_the_server_writes)
{
	char out[POSITION_NOTICE_MAX];
	struct position_notice note;
	size_t n;

	n = position_notice_head(out, EPOCH, 12);
	if (CHECK_OK(position_read_notice((const unsigned char *)out, n, &note))) {
		CHECK_INT(note.kind, ==, NOTICE_HEAD);
		CHECK_STR(note.at.epoch, EPOCH);
		CHECK_UINT(note.at.offset, ==, 12);
	}
	n = position_notice_live(out, EPOCH, 0);
	if (CHECK_OK(position_read_notice((const unsigned char *)out, n, &note))) {
		CHECK_INT(note.kind, ==, NOTICE_LIVE);
		CHECK_UINT(note.at.offset, ==, 0);
	}
	n = position_notice_gap(out, EPOCH, 3, EPOCH, 9, 7, true, "trimmed");
	if (CHECK_OK(position_read_notice((const unsigned char *)out, n, &note))) {
		CHECK_INT(note.kind, ==, NOTICE_GAP);
		CHECK_UINT(note.from.offset, ==, 3);
		CHECK_UINT(note.to.offset, ==, 9);
		CHECK(note.count_known);
		CHECK_UINT(note.count, ==, 7);
		CHECK_STR(note.reason, "trimmed");
	}
	n = position_notice_gap(out, "fedcba9876543210", 8, EPOCH, 0, 0, false, "epoch");
	if (CHECK_OK(position_read_notice((const unsigned char *)out, n, &note))) {
		CHECK_STR(note.from.epoch, "fedcba9876543210");
		CHECK(!note.count_known);
		CHECK_STR(note.reason, "epoch");
	}
	n = position_notice_gap(out, EPOCH, UINT64_MAX, EPOCH, UINT64_MAX, UINT64_MAX, true,
				"trimmed");
	if (CHECK_OK(position_read_notice((const unsigned char *)out, n, &note)))
		CHECK_UINT(note.count, ==, UINT64_MAX);
	/* A later server may say more: a notice of another name is no fault. */
	const char other[] = "!tail whatever comes";
	if (CHECK_OK(position_read_notice((const unsigned char *)other, strlen(other), &note)))
		CHECK_INT(note.kind, ==, NOTICE_OTHER);
}

TEST(position_read_notice_refuses_a_malformed_one_and_says_why)
{
	static const struct {
		const char *text, *why;
	} bad[] = {
		{ "!", "without a name" },
		{ "! head", "without a name" },
		{ "!head", "!head: expected one position" },
		{ "!head 12", "!head: expected one position" },
		{ "!head " EPOCH ":1 " EPOCH ":2", "!head: expected one position" },
		{ "!live " EPOCH ":x", "!live: expected one position" },
		{ "!gap " EPOCH ":1", "!gap: expected FROM TO COUNT WHY" },
		{ "!gap " EPOCH ":1 " EPOCH ":2", "!gap: expected FROM TO COUNT WHY" },
		{ "!gap " EPOCH ":1 " EPOCH ":2 3", "WHY one word" },
		{ "!gap " EPOCH ":1 " EPOCH ":2 three trimmed", "count is not a number" },
		{ "!gap " EPOCH ":1 " EPOCH ":2 99999999999999999999 trimmed", "too large" },
		{ "!gap " EPOCH ":1 " EPOCH ":2 3 trimmed more", "WHY one word" },
		{ "!gap " EPOCH ":1 " EPOCH ":2 3 trim\x01med", "not a printable word" },
		{ "!gap x " EPOCH ":2 3 trimmed", "FROM and TO positions" },
		{ "!gap " EPOCH ":1 " EPOCH ":2 3 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "WHY one word" },
	};
	for (size_t i = 0; i < N_OF(bad); i++) {
		struct position_notice note;
		CASE("'%s'", bad[i].text);
		CHECK_FAILS(position_read_notice((const unsigned char *)bad[i].text,
						 strlen(bad[i].text), &note), bad[i].why);
	}
}

const struct unit_test unit_tests[] = {
	RUN(position_parse_takes_an_epoch_a_colon_and_an_offset),
	RUN(position_parse_refuses_anything_else_and_says_why),
	RUN(position_format_is_what_parse_reads),
	RUN(position_new_epoch_is_16_hex_digits_and_new_each_time),
	RUN(position_split_finds_the_data_after_the_position),
	RUN(position_notices_are_written_as_rxws7_says),
	RUN(position_read_notice_reads_what_the_server_writes),
	RUN(position_read_notice_refuses_a_malformed_one_and_says_why),
	{ NULL, NULL },
};
