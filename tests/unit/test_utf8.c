/* base/utf8: strict UTF-8 (RFC 3629), whole or piece by piece. */
#include "base/utf8.h"

#include <string.h>

#include "unit.h"

struct bytes {
	const char *s;
	size_t n;
};
#define B(lit) { lit, sizeof(lit) - 1 }

#define U(b) ((const unsigned char *)(b).s)

static const struct bytes valid[] = {
	B(""), B("plain ASCII text, longer than eight bytes"), B("\x00"),
	B("\x7f"), B("nul \x00 inside"),
	B("\xc2\x80"),			/* U+0080, the first of two bytes */
	B("\xdf\xbf"),			/* U+07FF, the last */
	B("\xe0\xa0\x80"),		/* U+0800, the first of three */
	B("\xed\x9f\xbf"),		/* U+D7FF, just below the surrogates */
	B("\xee\x80\x80"),		/* U+E000, just above them */
	B("\xef\xbf\xbf"),		/* U+FFFF */
	B("\xf0\x90\x80\x80"),		/* U+10000, the first of four */
	B("\xf4\x8f\xbf\xbf"),		/* U+10FFFF, the last there is */
	B("caf\xc3\xa9 \xe2\x82\xac 100 \xf0\x9f\x98\x80!"),
};

/* Bytes that can never be valid, however they go on. */
static const struct bytes broken[] = {
	B("\x80"), B("\xbf"), B("a\x80z"),		/* continuation first */
	B("\xc0\x80"), B("\xc1\xbf"),			/* overlong, two bytes */
	B("\xe0\x80\x80"), B("\xe0\x9f\xbf"),		/* overlong, three */
	B("\xf0\x80\x80\x80"), B("\xf0\x8f\xbf\xbf"),	/* overlong, four */
	B("\xed\xa0\x80"), B("\xed\xbf\xbf"),		/* surrogates */
	B("\xed\xa0\xbd\xed\xb8\x80"),			/* a pair, as CESU-8 */
	B("\xf4\x90\x80\x80"),				/* U+110000 */
	B("\xf5\x80\x80\x80"), B("\xf7\xbf\xbf\xbf"),
	B("\xf8\x88\x80\x80\x80"), B("\xfc\x84\x80\x80\x80\x80"),
	B("\xfe"), B("\xff"),
	B("\xc2\x41"), B("\xe2\x82\x41"),		/* cut by ASCII */
	B("\xe2\x82\xac\x80"),				/* one too many */
};

/* Valid starts cut off by the end: invalid whole, fine so far in a stream. */
static const struct bytes unfinished[] = {
	B("\xc2"), B("\xe0\xa0"), B("\xe2\x82"), B("\xf0\x90\x80"),
	B("\xf4\x8f\xbf"), B("abc\xf0\x9f"),
};

TEST(utf8_accepts_every_length_at_its_bounds)
{
	for (size_t i = 0; i < N_OF(valid); i++) {
		CASE("%s", unit_show(valid[i].s, valid[i].n));
		CHECK(utf8_valid(U(valid[i]), valid[i].n));
	}
}

TEST(utf8_rejects_overlongs_surrogates_and_what_is_above_10ffff)
{
	for (size_t i = 0; i < N_OF(broken); i++) {
		CASE("%s", unit_show(broken[i].s, broken[i].n));
		CHECK(!utf8_valid(U(broken[i]), broken[i].n));
	}
}

TEST(utf8_rejects_a_character_cut_off_at_the_end)
{
	for (size_t i = 0; i < N_OF(unfinished); i++) {
		CASE("%s", unit_show(unfinished[i].s, unfinished[i].n));
		CHECK(!utf8_valid(U(unfinished[i]), unfinished[i].n));
	}
}

/* The ASCII fast path reads eight bytes at a time: a bad byte anywhere counts. */
TEST(utf8_finds_a_bad_byte_at_any_offset_of_ascii)
{
	unsigned char s[40];

	for (size_t at = 0; at < sizeof(s); at++) {
		memset(s, 'a', sizeof(s));
		s[at] = 0xff;
		CASE("0xff at %zu of %zu", at, sizeof(s));
		CHECK(!utf8_valid(s, sizeof(s)));
		s[at] = 0x7f;
		CHECK(utf8_valid(s, sizeof(s)));
	}
	/* Only the n bytes given are read. */
	memset(s, 'a', sizeof(s));
	s[20] = 0xff;
	CHECK(utf8_valid(s, 20));
}

TEST(utf8_sequence_is_the_length_of_the_one_character_at_the_start)
{
	static const struct {
		struct bytes in;
		size_t len;
	} t[] = {
		{ B("A"), 1 }, { B("Ab"), 1 }, { B("\x00"), 1 },
		{ B("\xc3\xa9x"), 2 }, { B("\xe2\x82\xac\xe2"), 3 },
		{ B("\xf0\x9f\x98\x80"), 4 }, { B("\xf4\x8f\xbf\xbf\x80"), 4 },
		{ B(""), 0 }, { B("\x80"), 0 }, { B("\xc0\x80"), 0 },
		{ B("\xe2\x82"), 0 }, { B("\xed\xa0\x80"), 0 }, { B("\xf5\x80\x80\x80"), 0 },
	};

	for (size_t i = 0; i < N_OF(t); i++) {
		CASE("%s", unit_show(t[i].in.s, t[i].in.n));
		CHECK_UINT(utf8_sequence(U(t[i].in), t[i].in.n), ==, t[i].len);
	}
}

/* Feeds s in pieces cut at the offsets cuts[0..ncuts); the stream's verdict. */
static bool stream_fed(const unsigned char *s, size_t n, const size_t *cuts,
		       size_t ncuts, bool *complete)
{
	struct utf8_stream u;
	size_t from = 0;

	utf8_stream_init(&u);
	for (size_t i = 0; i <= ncuts; i++) {
		size_t to = i < ncuts ? cuts[i] : n;
		if (!utf8_stream_feed(&u, s + from, to - from))
			return false;
		from = to;
	}
	*complete = utf8_stream_complete(&u);
	return true;
}

TEST(utf8_stream_takes_valid_text_cut_anywhere)
{
	for (size_t i = 0; i < N_OF(valid); i++) {
		const unsigned char *s = U(valid[i]);
		size_t n = valid[i].n;
		bool complete;
		for (size_t cut = 0; cut <= n; cut++) {
			CASE("%s cut at %zu", unit_show(s, n), cut);
			CHECK(stream_fed(s, n, &cut, 1, &complete) && complete);
		}
		/* And a byte at a time. */
		size_t cuts[64];
		for (size_t k = 0; k < n && k < N_OF(cuts); k++)
			cuts[k] = k;
		CASE("%s a byte at a time", unit_show(s, n));
		CHECK(stream_fed(s, n, cuts, n < N_OF(cuts) ? n : N_OF(cuts), &complete) &&
		      complete);
	}
}

TEST(utf8_stream_refuses_broken_text_cut_anywhere)
{
	for (size_t i = 0; i < N_OF(broken); i++) {
		const unsigned char *s = U(broken[i]);
		size_t n = broken[i].n;
		bool complete;
		for (size_t cut = 0; cut <= n; cut++) {
			CASE("%s cut at %zu", unit_show(s, n), cut);
			CHECK(!stream_fed(s, n, &cut, 1, &complete));
		}
	}
}

TEST(utf8_stream_holds_an_unfinished_character_without_failing)
{
	for (size_t i = 0; i < N_OF(unfinished); i++) {
		const unsigned char *s = U(unfinished[i]);
		size_t n = unfinished[i].n;
		for (size_t cut = 0; cut <= n; cut++) {
			bool complete = true;
			CASE("%s cut at %zu", unit_show(s, n), cut);
			CHECK(stream_fed(s, n, &cut, 1, &complete));
			CHECK(!complete);
		}
	}
}

TEST(utf8_stream_finishes_a_held_character_with_the_next_piece)
{
	struct utf8_stream u;

	utf8_stream_init(&u);
	CHECK(utf8_stream_feed(&u, (const unsigned char *)"price \xe2", 7));
	CHECK(!utf8_stream_complete(&u));
	CHECK(utf8_stream_feed(&u, (const unsigned char *)"\x82", 1));
	CHECK(!utf8_stream_complete(&u));
	CHECK(utf8_stream_feed(&u, (const unsigned char *)"\xac ok", 4));
	CHECK(utf8_stream_complete(&u));
	/* An empty piece changes nothing. */
	CHECK(utf8_stream_feed(&u, (const unsigned char *)"", 0));
	CHECK(utf8_stream_complete(&u));
}

/* The second byte's range depends on the first: checked across pieces too. */
TEST(utf8_stream_fails_at_the_first_byte_that_breaks_a_held_character)
{
	static const struct {
		struct bytes first, second;
	} t[] = {
		{ B("\xe0"), B("\x9f\xbf") },		/* overlong */
		{ B("\xed"), B("\xa0\x80") },		/* surrogate */
		{ B("\xf4"), B("\x90\x80\x80") },	/* above U+10FFFF */
		{ B("\xf0"), B("\x8f\xbf\xbf") },	/* overlong */
		{ B("\xe2\x82"), B("x") },		/* cut by ASCII */
		{ B("\xf0\x9f\x98"), B("\xc3\xa9") },	/* cut by a new character */
	};

	for (size_t i = 0; i < N_OF(t); i++) {
		struct utf8_stream u;
		CASE("%s then %s", unit_show(t[i].first.s, t[i].first.n),
		     unit_show(t[i].second.s, t[i].second.n));
		utf8_stream_init(&u);
		CHECK(utf8_stream_feed(&u, U(t[i].first), t[i].first.n));
		CHECK(!utf8_stream_feed(&u, U(t[i].second), t[i].second.n));
	}
}

TEST(utf8_stream_init_forgets_a_held_character)
{
	struct utf8_stream u;

	utf8_stream_init(&u);
	CHECK(utf8_stream_feed(&u, (const unsigned char *)"\xf0\x9f", 2));
	CHECK(!utf8_stream_complete(&u));
	utf8_stream_init(&u);
	CHECK(utf8_stream_complete(&u));
	CHECK(utf8_stream_feed(&u, (const unsigned char *)"a", 1));
	CHECK(utf8_stream_complete(&u));
}

const struct unit_test unit_tests[] = {
	RUN(utf8_accepts_every_length_at_its_bounds),
	RUN(utf8_rejects_overlongs_surrogates_and_what_is_above_10ffff),
	RUN(utf8_rejects_a_character_cut_off_at_the_end),
	RUN(utf8_finds_a_bad_byte_at_any_offset_of_ascii),
	RUN(utf8_sequence_is_the_length_of_the_one_character_at_the_start),
	RUN(utf8_stream_takes_valid_text_cut_anywhere),
	RUN(utf8_stream_refuses_broken_text_cut_anywhere),
	RUN(utf8_stream_holds_an_unfinished_character_without_failing),
	RUN(utf8_stream_finishes_a_held_character_with_the_next_piece),
	RUN(utf8_stream_fails_at_the_first_byte_that_breaks_a_held_character),
	RUN(utf8_stream_init_forgets_a_held_character),
	{ NULL, NULL },
};
