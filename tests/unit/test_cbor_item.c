/* records/cbor_item: untrusted CBOR (RFC 8949) checked, split, skipped; heads written. */
#include "records/cbor_item.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

#define HEX_MAX 2100

struct bytes {
	unsigned char b[HEX_MAX];
	size_t n;
};

static struct bytes hex(const char *h)
{
	struct bytes x;
	x.n = unit_hex(h, x.b, sizeof(x.b));
	return x;
}

/* n arrays of one, each in the next, around a 0. */
static struct bytes nested(size_t n)
{
	struct bytes x;
	memset(x.b, 0x81, n);
	x.b[n] = 0x00;
	x.n = n + 1;
	return x;
}

TEST(cbor_read_head_reads_the_major_type_and_each_argument_size)
{
	static const struct {
		const char *hex;
		int major;
		uint64_t value;
		bool indefinite;
		size_t size;
	} t[] = {
		{ "00", CBOR_UINT, 0, false, 1 },
		{ "17", CBOR_UINT, 23, false, 1 },
		{ "1818", CBOR_UINT, 24, false, 2 },
		{ "190100", CBOR_UINT, 256, false, 3 },
		{ "1a00010000", CBOR_UINT, 65536, false, 5 },
		{ "1b0000000100000000", CBOR_UINT, 1ull << 32, false, 9 },
		{ "1bffffffffffffffff", CBOR_UINT, UINT64_MAX, false, 9 },
		{ "20", CBOR_NEGINT, 0, false, 1 },
		{ "45", CBOR_BYTES, 5, false, 1 },
		{ "7818", CBOR_TEXT, 24, false, 2 },
		{ "5f", CBOR_BYTES, 0, true, 1 },
		{ "7f", CBOR_TEXT, 0, true, 1 },
		{ "9f", CBOR_ARRAY, 0, true, 1 },
		{ "bf", CBOR_MAP, 0, true, 1 },
		{ "ff", CBOR_SIMPLE, 0, true, 1 },	/* a break */
		{ "c2", CBOR_TAG, 2, false, 1 },
		{ "f5", CBOR_SIMPLE, 21, false, 1 },
		{ "f820", CBOR_SIMPLE, 32, false, 2 },
		{ "f93c00", CBOR_SIMPLE, 0x3c00, false, 3 },	/* a half: its bits */
	};

	for (size_t i = 0; i < N_OF(t); i++) {
		struct bytes x = hex(t[i].hex);
		struct cbor_head h;
		CASE("%s", t[i].hex);
		if (!CHECK_INT(cbor_read_head(x.b, x.n, &h), ==, (int)t[i].size))
			continue;
		CHECK_INT(h.major, ==, t[i].major);
		CHECK_UINT(h.value, ==, t[i].value);
		CHECK(h.indefinite == t[i].indefinite);
		CHECK_UINT(h.size, ==, t[i].size);
	}
}

TEST(cbor_read_head_wants_more_bytes_for_a_cut_argument)
{
	static const char *const t[] = { "", "18", "1901", "1a000100", "1b00000000000000",
					 "f9", "fa0000" };

	for (size_t i = 0; i < N_OF(t); i++) {
		struct bytes x = hex(t[i]);
		struct cbor_head h;
		CASE("%s", t[i]);
		CHECK_INT(cbor_read_head(x.b, x.n, &h), ==, 0);
	}
}

TEST(cbor_read_head_refuses_reserved_values_and_bad_indefinite_lengths)
{
	static const char *const t[] = {
		"1c", "1d", "1e", "5c", "fc", "fe",	/* additional information 28-30 */
		"1f", "3f", "df",	/* no indefinite integer or tag */
		"f800", "f813", "f81f",	/* a simple value below 32 in two bytes */
	};

	for (size_t i = 0; i < N_OF(t); i++) {
		struct bytes x = hex(t[i]);
		struct cbor_head h;
		CASE("%s", t[i]);
		CHECK_INT(cbor_read_head(x.b, x.n, &h), ==, -1);
	}
}

TEST(cbor_half_to_double_decodes_every_kind_of_half)
{
	static const struct {
		uint16_t half;
		double value;
	} t[] = {
		{ 0x0000, 0.0 }, { 0x3c00, 1.0 }, { 0x3e00, 1.5 }, { 0xc000, -2.0 },
		{ 0x7bff, 65504.0 },			/* the largest */
		{ 0x0400, 6.103515625e-05 },		/* the smallest normal */
		{ 0x0001, 5.960464477539063e-08 },	/* the smallest subnormal */
		{ 0x3555, 0.333251953125 },
		{ 0x7c00, INFINITY }, { 0xfc00, -INFINITY },
	};

	for (size_t i = 0; i < N_OF(t); i++) {
		CASE("0x%04x", t[i].half);
		CHECK(cbor_half_to_double(t[i].half) == t[i].value);
	}
	CHECK(isnan(cbor_half_to_double(0x7e00)));
	CHECK(isnan(cbor_half_to_double(0x7c01)));
	CHECK(signbit(cbor_half_to_double(0x8000)) && cbor_half_to_double(0x8000) == 0);
}

/* RFC 8949 appendix A, and more. */
static const char *const well_formed[] = {
	"00", "17", "1818", "1bffffffffffffffff", "20", "3bffffffffffffffff",
	"c249010000000000000000", "f97e00", "f93c00", "fa47c35000", "fb3ff199999999999a",
	"f4", "f5", "f6", "f7", "f0", "f8ff",
	"c074323031332d30332d32315432303a30343a30305a", "d82076687474703a2f2f7777772e6578616d706c652e636f6d",
	"40", "4401020304", "60", "6161", "6449455446", "62225c", "63e6b0b4", "64f0908591",
	"80", "83010203", "8301820203820405", "a0", "a201020304",
	"a26161016162820203", "826161a161626163",
	"5f42010243030405ff", "7f657374726561646d696e67ff", "5fff", "7fff",
	"9fff", "9f018202039f0405ffff", "9f01820203820405ff", "83018202039f0405ff",
	"bf61610161629f0203ffff", "826161bf61626163ff", "bf6346756ef563416d7421ff",
	"c1c2c300",		/* tags on tags */
};

TEST(cbor_check_accepts_well_formed_items)
{
	for (size_t i = 0; i < N_OF(well_formed); i++) {
		struct bytes x = hex(well_formed[i]);
		CASE("%s", well_formed[i]);
		CHECK_OK(cbor_check(x.b, x.n, NULL));
	}
}

TEST(cbor_check_refuses_malformed_items_saying_why)
{
	static const struct {
		const char *hex, *words;
	} t[] = {
		{ "", "empty CBOR" },
		{ "0102", "data after the CBOR item" },
		{ "8001", "data after the CBOR item" },
		{ "18", "truncated CBOR" },
		{ "c2", "truncated CBOR" },
		{ "6261", "string longer than the data" },
		{ "5a00010000", "string longer than the data" },
		{ "8301", "more items declared than bytes" },
		{ "a101", "more items declared than bytes" },
		{ "9b0000000100000000", "more items declared than bytes" },
		{ "9f01", "truncated CBOR" },
		{ "ff", "unexpected break" },
		{ "81ff", "unexpected break" },
		{ "bf01ff", "map key without a value" },
		{ "5f6161ff", "bad chunk in an indefinite string" },
		{ "5f5fffff", "bad chunk" },
		{ "7f01ff", "bad chunk" },
		{ "61ff", "not valid UTF-8" },
		{ "62c080", "not valid UTF-8" },
		{ "63eda080", "not valid UTF-8" },
		{ "7f61c361a9ff", "not valid UTF-8" },	/* each chunk must be UTF-8 */
		{ "1c", "malformed CBOR" },
		{ "f810", "malformed CBOR" },
		{ "1f", "malformed CBOR" },
	};

	for (size_t i = 0; i < N_OF(t); i++) {
		struct bytes x = hex(t[i].hex);
		CASE("%s", t[i].hex);
		CHECK_FAILS(cbor_check(x.b, x.n, NULL), t[i].words);
	}
}

TEST(cbor_check_takes_1000_levels_of_nesting_and_no_more)
{
	struct bytes x = nested(CBOR_MAX_DEPTH);

	CHECK_OK(cbor_check(x.b, x.n, NULL));
	x = nested(CBOR_MAX_DEPTH + 1);
	CHECK_FAILS(cbor_check(x.b, x.n, NULL), CBOR_TOO_DEEP);
	/* Tags count as levels too. */
	memset(x.b, 0xc1, CBOR_MAX_DEPTH + 1);
	x.b[CBOR_MAX_DEPTH + 1] = 0x00;
	x.n = CBOR_MAX_DEPTH + 2;
	CHECK_FAILS(cbor_check(x.b, x.n, NULL), CBOR_TOO_DEEP);
}

/* A declared length costs nothing: it is held against the bytes there are. */
TEST(cbor_check_is_not_fooled_by_huge_declared_sizes)
{
	static const char *const t[] = {
		"9bffffffffffffffff", "bbffffffffffffffff", "bb4000000000000000",
		"5bffffffffffffffff", "7b7fffffffffffffff01",
	};

	for (size_t i = 0; i < N_OF(t); i++) {
		struct bytes x = hex(t[i]);
		CASE("%s", t[i]);
		CHECK_FAILS(cbor_check(x.b, x.n, NULL), "truncated");
	}
}

/* The flags of each map, in the order the maps start, for writing JSON. */
TEST(cbor_check_notes_which_maps_have_text_keys_or_look_like_forms)
{
	static const struct {
		const char *hex;
		const char *flags;	/* one digit per map */
	} t[] = {
		{ "a16161 01", "1" },
		{ "a10102", "0" },
		{ "a0", "1" },
		{ "a2616101 0102", "0" },		/* one key is not text */
		{ "a1662462797465 7340", "3" },		/* {"$bytes": h''} */
		{ "a164246d6170 80", "3" },		/* {"$map": []} */
		{ "a1642474616701", "1" },		/* {"$tag": 1} alone */
		{ "a2642474616701 6624 76616c7565 02", "3" },	/* $tag and $value */
		{ "a26624 76616c7565 02 642474616701", "3" },	/* in either order */
		{ "a266246279746573 40 6178 01", "1" },	/* a second key: a plain map */
		{ "bf7f6161ff01ff", "0" },		/* a chunked key */
		{ "bf616101ff", "1" },
		{ "a16161 a10102", "10" },		/* outer first */
		{ "82a0a10102", "10" },
	};

	for (size_t i = 0; i < N_OF(t); i++) {
		struct bytes x = hex(t[i].hex);
		struct buf flags = { 0 };
		CASE("%s", t[i].hex);
		if (CHECK_OK(cbor_check(x.b, x.n, &flags))) {
			char got[16] = "";
			for (size_t k = 0; k < flags.len && k < sizeof(got) - 1; k++)
				got[k] = (char)('0' + flags.data[k]);
			CHECK_STR(got, t[i].flags);
		}
		buf_free(&flags);
	}
}

TEST(cbor_item_length_finds_the_first_item_of_a_sequence)
{
	static const struct {
		const char *hex;
		long long len;		/* 0: not complete yet; -1: malformed */
	} t[] = {
		{ "0102", 1 }, { "8301020304", 4 }, { "5f4101ff00", 4 },
		{ "a161610160", 4 }, { "c1c200f6", 3 }, { "f97e00f4", 3 },
		{ "8301", 0 }, { "", 0 }, { "19", 0 }, { "9f0102", 0 }, { "7f6161", 0 },
		{ "ff00", -1 }, { "1c", -1 }, { "bf01ff", -1 }, { "8161ff", -1 },
	};

	for (size_t i = 0; i < N_OF(t); i++) {
		struct bytes x = hex(t[i].hex);
		const char *why = NULL;
		CASE("%s", t[i].hex);
		CHECK_INT(cbor_item_length(x.b, x.n, &why), ==, t[i].len);
		CHECK((why != NULL) == (t[i].len < 0));
	}
}

/* So that the decoder knows an item is too large before its bytes come. */
TEST(cbor_item_split_says_how_long_an_incomplete_item_is_at_least)
{
	static const struct {
		const char *hex;
		uint64_t at_least;
	} t[] = {
		{ "", 1 },
		{ "19", 2 }, { "1901", 3 },		/* the rest of the head */
		{ "5a00010000", 5 + 65536 },		/* the string's bytes */
		{ "5a0001000061", 5 + 65536 },
		{ "9a00010000", 5 + 65536 },		/* a byte per item */
		{ "ba00010000", 5 + 2 * 65536 },	/* two per pair */
		{ "8201", 3 },
		{ "82015a00010000", 7 + 65536 },	/* the inner string counts */
		{ "bbffffffffffffffff", UINT64_MAX },	/* saturated, not wrapped */
		{ "9f01", 3 },
	};

	for (size_t i = 0; i < N_OF(t); i++) {
		struct bytes x = hex(t[i].hex);
		const char *why = NULL;
		uint64_t at_least = 0;
		CASE("%s", t[i].hex);
		CHECK_INT(cbor_item_split(x.b, x.n, &at_least, &why), ==, 0);
		CHECK_UINT(at_least, ==, t[i].at_least);
	}
}

TEST(cbor_item_split_calls_every_prefix_of_an_item_incomplete)
{
	for (size_t i = 0; i < N_OF(well_formed); i++) {
		struct bytes x = hex(well_formed[i]);
		for (size_t k = 0; k < x.n; k++) {
			const char *why = NULL;
			uint64_t at_least = 0;
			CASE("%s, its first %zu bytes", well_formed[i], k);
			CHECK_INT(cbor_item_split(x.b, k, &at_least, &why), ==, 0);
			CHECK(at_least > k && at_least <= x.n);
		}
		uint64_t at_least = 1;
		const char *why;
		CASE("%s", well_formed[i]);
		CHECK_INT(cbor_item_split(x.b, x.n, &at_least, &why), ==, (long long)x.n);
		CHECK_UINT(at_least, ==, 0);
	}
}

/* Feeds x to a skip in pieces of at most `piece`; its total, or -1. */
static long long skip_fed(struct cbor_skip *s, const struct bytes *x, size_t piece)
{
	size_t pos = 0;

	cbor_skip_start(s);
	while (pos < x->n && !s->done) {
		size_t k = x->n - pos < piece ? x->n - pos : piece;
		long long took = cbor_skip_feed(s, x->b + pos, k);
		if (took < 0)
			return -1;
		pos += (size_t)took;
	}
	return (long long)pos;
}

TEST(cbor_skip_feed_ends_exactly_where_the_item_ends_however_fed)
{
	struct cbor_skip *s = malloc(sizeof(*s));

	if (!CHECK(s != NULL))
		return;
	cbor_skip_init(s);
	for (size_t i = 0; i < N_OF(well_formed); i++) {
		struct bytes x = hex(well_formed[i]);
		size_t len = x.n;
		memcpy(x.b + x.n, "\x01\x02\x03", 3);	/* the next items */
		x.n += 3;
		for (size_t piece = 1; piece <= x.n; piece++) {
			CASE("%s in pieces of %zu", well_formed[i], piece);
			CHECK_INT(skip_fed(s, &x, piece), ==, (long long)len);
			CHECK(s->done);
		}
	}
	cbor_skip_free(s);
	free(s);
}

TEST(cbor_skip_feed_takes_every_byte_of_an_incomplete_item)
{
	static const char *const t[] = { "8301", "5a00010000aabb", "9f01", "7f6161", "c1", "bf6161" };
	struct cbor_skip *s = malloc(sizeof(*s));

	if (!CHECK(s != NULL))
		return;
	cbor_skip_init(s);
	for (size_t i = 0; i < N_OF(t); i++) {
		struct bytes x = hex(t[i]);
		CASE("%s", t[i]);
		CHECK_INT(skip_fed(s, &x, 1), ==, (long long)x.n);
		CHECK(!s->done);
	}
	cbor_skip_free(s);
	free(s);
}

/*
 * Not "7f4161ff" (a byte string chunk in a text string): cbor_check()
 * refuses it, cbor_skip_feed() takes it as a 4-byte item.
 */
TEST(cbor_skip_feed_refuses_malformed_and_too_deep_items)
{
	static const char *const t[] = { "ff", "1c", "5f01ff", "5f5f", "9bffffffffffffffff",
					 "f810", "8201ff" };
	struct cbor_skip *s = malloc(sizeof(*s));

	if (!CHECK(s != NULL))
		return;
	cbor_skip_init(s);
	for (size_t i = 0; i < N_OF(t); i++) {
		struct bytes x = hex(t[i]);
		CASE("%s", t[i]);
		CHECK_INT(skip_fed(s, &x, x.n), ==, -1);
	}
	struct bytes deep = nested(CBOR_MAX_DEPTH);
	CASE("%d levels", CBOR_MAX_DEPTH);
	CHECK_INT(skip_fed(s, &deep, 7), ==, (long long)deep.n);
	deep = nested(CBOR_MAX_DEPTH + 1);
	CASE("%d levels", CBOR_MAX_DEPTH + 1);
	CHECK_INT(skip_fed(s, &deep, 7), ==, -1);
	cbor_skip_free(s);
	free(s);
}

TEST(cbor_put_head_writes_the_shortest_head)
{
	static const struct {
		int major;
		uint64_t value;
		const char *hex;
	} t[] = {
		{ CBOR_UINT, 0, "00" }, { CBOR_UINT, 23, "17" }, { CBOR_UINT, 24, "1818" },
		{ CBOR_UINT, 255, "18ff" }, { CBOR_UINT, 256, "190100" },
		{ CBOR_UINT, 65535, "19ffff" }, { CBOR_UINT, 65536, "1a00010000" },
		{ CBOR_UINT, 0xffffffff, "1affffffff" },
		{ CBOR_UINT, 1ull << 32, "1b0000000100000000" },
		{ CBOR_UINT, UINT64_MAX, "1bffffffffffffffff" },
		{ CBOR_NEGINT, 0, "20" }, { CBOR_NEGINT, UINT64_MAX, "3bffffffffffffffff" },
		{ CBOR_BYTES, 5, "45" }, { CBOR_TEXT, 24, "7818" }, { CBOR_ARRAY, 1, "81" },
		{ CBOR_MAP, 2, "a2" }, { CBOR_MAP, 1000, "b903e8" }, { CBOR_TAG, 2, "c2" },
		{ CBOR_TAG, 32, "d820" }, { CBOR_SIMPLE, 20, "f4" }, { CBOR_SIMPLE, 23, "f7" },
		{ CBOR_SIMPLE, 32, "f820" }, { CBOR_SIMPLE, 255, "f8ff" },
	};

	for (size_t i = 0; i < N_OF(t); i++) {
		struct bytes want = hex(t[i].hex);
		struct buf out = { 0 };
		CASE("major %d, %ju", t[i].major, (uintmax_t)t[i].value);
		CHECK_INT(cbor_put_head(&out, t[i].major, t[i].value), ==, 0);
		CHECK_MEM(out.data, out.len, want.b, want.n);
		buf_free(&out);
	}
}

TEST(cbor_put_float_writes_the_shortest_width_that_is_exact)
{
	static const struct {
		double d;
		const char *hex;
	} t[] = {
		{ 0.0, "f90000" }, { -0.0, "f98000" }, { 1.0, "f93c00" }, { 1.5, "f93e00" },
		{ -4.0, "f9c400" }, { 65504.0, "f97bff" },
		{ 5.960464477539063e-08, "f90001" },	/* a subnormal half */
		{ 0.00006103515625, "f90400" },
		{ 65505.0, "fa477fe100" },		/* single: too precise for a half */
		{ 100000.0, "fa47c35000" },		/* single: too large for a half */
		{ 3.4028234663852886e+38, "fa7f7fffff" },
		{ (double)0.1f, "fa3dcccccd" },
		{ 1.1, "fb3ff199999999999a" },
		{ 0.1, "fb3fb999999999999a" },
		{ 1.0e+300, "fb7e37e43c8800759c" },
		{ INFINITY, "f97c00" }, { -INFINITY, "f9fc00" },
		{ NAN, "f97e00" },
	};

	for (size_t i = 0; i < N_OF(t); i++) {
		struct bytes want = hex(t[i].hex);
		struct buf out = { 0 };
		CASE("%.17g", t[i].d);
		CHECK_INT(cbor_put_float(&out, t[i].d), ==, 0);
		CHECK_MEM(out.data, out.len, want.b, want.n);
		buf_free(&out);
	}
}

TEST(cbor_writers_fail_when_the_buffer_may_not_grow)
{
	struct buf out = { .max = 4 };

	CHECK_INT(cbor_put_head(&out, CBOR_UINT, 1), ==, -1);
	CHECK_INT(cbor_put_float(&out, 1.5), ==, -1);
	CHECK_UINT(out.len, ==, 0);
	buf_free(&out);
}

const struct unit_test unit_tests[] = {
	RUN(cbor_read_head_reads_the_major_type_and_each_argument_size),
	RUN(cbor_read_head_wants_more_bytes_for_a_cut_argument),
	RUN(cbor_read_head_refuses_reserved_values_and_bad_indefinite_lengths),
	RUN(cbor_half_to_double_decodes_every_kind_of_half),
	RUN(cbor_check_accepts_well_formed_items),
	RUN(cbor_check_refuses_malformed_items_saying_why),
	RUN(cbor_check_takes_1000_levels_of_nesting_and_no_more),
	RUN(cbor_check_is_not_fooled_by_huge_declared_sizes),
	RUN(cbor_check_notes_which_maps_have_text_keys_or_look_like_forms),
	RUN(cbor_item_length_finds_the_first_item_of_a_sequence),
	RUN(cbor_item_split_says_how_long_an_incomplete_item_is_at_least),
	RUN(cbor_item_split_calls_every_prefix_of_an_item_incomplete),
	RUN(cbor_skip_feed_ends_exactly_where_the_item_ends_however_fed),
	RUN(cbor_skip_feed_takes_every_byte_of_an_incomplete_item),
	RUN(cbor_skip_feed_refuses_malformed_and_too_deep_items),
	RUN(cbor_put_head_writes_the_shortest_head),
	RUN(cbor_put_float_writes_the_shortest_width_that_is_exact),
	RUN(cbor_writers_fail_when_the_buffer_may_not_grow),
	{ NULL, NULL },
};
