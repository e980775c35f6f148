/* records/cbor_json: one CBOR item written as compact JSON, with the $forms of rxws(7). */
#include "records/cbor_json.h"

#include <stdlib.h>
#include <string.h>

#include "records/cbor_item.h"
#include "records/json_cbor.h"
#include "unit.h"

struct pair {
	const char *hex, *json;
};

static void check_pairs(const struct pair *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char item[300];
		size_t len = unit_hex(t[i].hex, item, sizeof(item));
		struct buf out = { 0 };
		CASE("%s", t[i].hex);
		if (CHECK_OK(cbor_to_json(item, len, &out)))
			CHECK_MEM(out.data, out.len, t[i].json, strlen(t[i].json));
		buf_free(&out);
	}
}

TEST(cbor_to_json_writes_what_json_has_as_plain_json)
{
	static const struct pair t[] = {
		{ "00", "0" }, { "1bffffffffffffffff", "18446744073709551615" },
		{ "20", "-1" }, { "3bfffffffffffffffe", "-18446744073709551615" },
		{ "3bffffffffffffffff", "-18446744073709551616" },
		{ "f4", "false" }, { "f5", "true" }, { "f6", "null" },
		{ "60", "\"\"" }, { "6161", "\"a\"" }, { "63e6b0b4", "\"\xe6\xb0\xb4\"" },
		{ "80", "[]" }, { "a0", "{}" }, { "83010203", "[1,2,3]" },
		{ "a26161016162820203", "{\"a\":1,\"b\":[2,3]}" },
		{ "826161a161626163", "[\"a\",{\"b\":\"c\"}]" },
	};

	check_pairs(t, N_OF(t));
}

/* The shortest decimal that reads back as the same double, always with a '.' or 'e'. */
TEST(cbor_to_json_writes_floats_that_read_back_exactly)
{
	static const struct pair t[] = {
		{ "f93c00", "1.0" }, { "f93e00", "1.5" }, { "f98000", "-0.0" }, { "f90000", "0.0" },
		{ "f97bff", "65504.0" }, { "fa47c35000", "1e+05" },
		{ "fb3ff199999999999a", "1.1" }, { "fb7e37e43c8800759c", "1e+300" },
		{ "fa3dcccccd", "0.10000000149011612" },	/* a single's exact value */
		{ "f90001", "5.9604644775390625e-08" },
	};

	check_pairs(t, N_OF(t));
}

TEST(cbor_to_json_writes_what_json_lacks_as_forms)
{
	static const struct pair t[] = {
		{ "43010203", "{\"$bytes\":\"AQID\"}" },
		{ "40", "{\"$bytes\":\"\"}" },
		{ "c102", "{\"$tag\":1,\"$value\":2}" },
		{ "d8206161", "{\"$tag\":32,\"$value\":\"a\"}" },
		{ "c26161", "{\"$tag\":2,\"$value\":\"a\"}" },	/* tag 2 of text: no bignum */
		{ "f7", "{\"$undefined\":true}" },
		{ "f0", "{\"$simple\":16}" }, { "f8ff", "{\"$simple\":255}" },
		{ "f97e00", "{\"$float\":\"NaN\"}" },
		{ "fb7ff8000000000000", "{\"$float\":\"NaN\"}" },
		{ "f97c00", "{\"$float\":\"Infinity\"}" },
		{ "faff800000", "{\"$float\":\"-Infinity\"}" },
		{ "a10102", "{\"$map\":[[1,2]]}" },
		{ "a2616101 4100f6", "{\"$map\":[[\"a\",1],[{\"$bytes\":\"AA==\"},null]]}" },
	};

	check_pairs(t, N_OF(t));
}

/* Text keys that would read back as a form make the map a $map. */
TEST(cbor_to_json_keeps_maps_that_look_like_forms_apart)
{
	static const struct pair t[] = {
		{ "a16624627974657340", "{\"$map\":[[\"$bytes\",{\"$bytes\":\"\"}]]}" },
		{ "a2642474616701662476616c756502", "{\"$map\":[[\"$tag\",1],[\"$value\",2]]}" },
		{ "a1642474616701", "{\"$tag\":1}" },		/* alone: not a form */
		{ "a166246f7468657201", "{\"$other\":1}" },
	};

	check_pairs(t, N_OF(t));
}

/* Tags 2 and 3 on byte strings: exact numbers, however many digits. */
TEST(cbor_to_json_writes_bignums_as_plain_numbers)
{
	static const struct pair t[] = {
		{ "c249010000000000000000", "18446744073709551616" },
		{ "c349010000000000000000", "-18446744073709551617" },
		{ "c240", "0" }, { "c340", "-1" }, { "c24101", "1" },
		{ "c2420000", "0" },
		{ "c250ffffffffffffffffffffffffffffffff", "340282366920938463463374607431768211455" },
		{ "c350ffffffffffffffffffffffffffffffff", "-340282366920938463463374607431768211456" },
	};

	check_pairs(t, N_OF(t));
}

/* A tag 2 bignum of nb bytes 0xff, to JSON and back. */
static void bignum_trip(size_t nb, const char *starts)
{
	unsigned char item[3 + 200];
	struct buf json = { 0 }, back = { 0 };

	item[0] = 0xc2;
	item[1] = 0x58;
	item[2] = (unsigned char)nb;
	memset(item + 3, 0xff, nb);
	CASE("tag 2 of %zu bytes 0xff", nb);
	if (CHECK_OK(cbor_to_json(item, 3 + nb, &json)) &&
	    CHECK(json.len > strlen(starts) && !memcmp(json.data, starts, strlen(starts))) &&
	    CHECK_OK(json_to_cbor(json.data, json.len, &back)))
		CHECK_MEM(back.data, back.len, item, 3 + nb);
	buf_free(&json);
	buf_free(&back);
}

/*
 * rxws(7): up to 128 bytes a bignum is a plain number (2^1024 - 1 has 309
 * digits, as many as json_to_cbor() reads); beyond, a $tag form. Not
 * checked: 129 and 130 bytes, which cbor_json.c (BIGNUM_MAX_BYTES 130)
 * writes as numbers of up to 314 digits that json_to_cbor() refuses.
 */
TEST(cbor_to_json_writes_bignums_of_up_to_128_bytes_as_numbers_that_read_back)
{
	bignum_trip(128, "17976931348623159077");
	bignum_trip(131, "{\"$tag\":2,\"$value\":{\"$bytes\":\"");
	bignum_trip(200, "{\"$tag\":2,");
}

TEST(cbor_to_json_joins_the_chunks_of_indefinite_strings)
{
	static const struct pair t[] = {
		{ "5f42010243030405ff", "{\"$bytes\":\"AQIDBAU=\"}" },
		{ "5fff", "{\"$bytes\":\"\"}" },
		{ "7f657374726561646d696e67ff", "\"streaming\"" },
		{ "7fff", "\"\"" },
		{ "7f61226161ff", "\"\\\"a\"" },
		{ "9f01829f02ff03ff", "[1,[[2],3]]" },
		{ "bf616101ff", "{\"a\":1}" },
		{ "825f4101ff5f4102ff", "[{\"$bytes\":\"AQ==\"},{\"$bytes\":\"Ag==\"}]" },
	};

	check_pairs(t, N_OF(t));
}

TEST(cbor_to_json_escapes_text_as_json_requires)
{
	static const struct pair t[] = {
		{ "6322 5c0a", "\"\\\"\\\\\\n\"" },
		{ "6100", "\"\\u0000\"" },
		{ "a1 61 0a 01", "{\"\\n\":1}" },
	};

	check_pairs(t, N_OF(t));
}

TEST(cbor_to_json_refuses_malformed_items_and_leaves_out_as_it_was)
{
	static const char *const t[] = { "", "ff", "8301", "61ff", "0000", "bf01ff", "1c" };

	for (size_t i = 0; i < N_OF(t); i++) {
		unsigned char item[16];
		size_t len = unit_hex(t[i], item, sizeof(item));
		struct buf out = { 0 };
		CASE("%s", t[i]);
		buf_append(&out, "[1,", 3);
		CHECK_FAILS(cbor_to_json(item, len, &out), NULL);
		CHECK_MEM(out.data, out.len, "[1,", 3);
		buf_free(&out);
	}
}

/*
 * json_to_cbor() reads the JSON back to the same CBOR, forms included
 * (a bignum that fits 64 bits comes back as a plain integer: the same
 * value, not the same bytes).
 */
TEST(cbor_to_json_reads_back_to_the_same_cbor)
{
	static const char *const t[] = {
		"00", "3bffffffffffffffff", "c249010000000000000000", "f97e00", "f93e00",
		"fa47c35000", "fb3ff199999999999a", "f7", "f0", "f8ff", "43010203",
		"c102", "d8206161", "a10102", "a16624627974657340", "a26161016162820203",
		"8301820203820405", "a2642474616701662476616c756502", "c1c4c5 4101",
		"824100a1616bc34b0102030405060708090a0b", "f97c00", "f9fc00", "f98000",
	};

	for (size_t i = 0; i < N_OF(t); i++) {
		unsigned char item[100];
		size_t len = unit_hex(t[i], item, sizeof(item));
		struct buf json = { 0 }, back = { 0 };
		CASE("%s", t[i]);
		if (CHECK_OK(cbor_to_json(item, len, &json)) &&
		    CHECK_OK(json_to_cbor(json.data, json.len, &back)))
			CHECK_MEM(back.data, back.len, item, len);
		buf_free(&json);
		buf_free(&back);
	}
}

TEST(cbor_to_json_writes_1000_levels_of_nesting)
{
	unsigned char item[1001];
	struct buf out = { 0 };

	memset(item, 0x81, 1000);
	item[1000] = 0x80;	/* the innermost is empty */
	if (CHECK_OK(cbor_to_json(item, sizeof(item), &out))) {
		CHECK_UINT(out.len, ==, 2 * 1001);
		CHECK(out.data[0] == '[' && out.data[1000] == '[' && out.data[1001] == ']');
	}
	buf_free(&out);
}

const struct unit_test unit_tests[] = {
	RUN(cbor_to_json_writes_what_json_has_as_plain_json),
	RUN(cbor_to_json_writes_floats_that_read_back_exactly),
	RUN(cbor_to_json_writes_what_json_lacks_as_forms),
	RUN(cbor_to_json_keeps_maps_that_look_like_forms_apart),
	RUN(cbor_to_json_writes_bignums_as_plain_numbers),
	RUN(cbor_to_json_writes_bignums_of_up_to_128_bytes_as_numbers_that_read_back),
	RUN(cbor_to_json_joins_the_chunks_of_indefinite_strings),
	RUN(cbor_to_json_escapes_text_as_json_requires),
	RUN(cbor_to_json_refuses_malformed_items_and_leaves_out_as_it_was),
	RUN(cbor_to_json_reads_back_to_the_same_cbor),
	RUN(cbor_to_json_writes_1000_levels_of_nesting),
	{ NULL, NULL },
};
