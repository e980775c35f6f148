/* records/json_cbor: JSON text read straight into CBOR, with the $forms of rxws(7). */
#include "records/json_cbor.h"

#include <stdlib.h>
#include <string.h>

#include "records/cbor_item.h"
#include "unit.h"

#define U(s) ((const unsigned char *)(s))

struct pair {
	const char *json, *hex;
};

/* Each JSON text becomes exactly the CBOR given. */
static void check_pairs(const struct pair *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char want[600];
		size_t want_len = unit_hex(t[i].hex, want, sizeof(want));
		struct buf out = { 0 };
		CASE("%s", unit_show(t[i].json, strlen(t[i].json)));
		if (CHECK_OK(json_to_cbor(U(t[i].json), strlen(t[i].json), &out)))
			CHECK_MEM(out.data, out.len, want, want_len);
		buf_free(&out);
	}
}

TEST(json_to_cbor_writes_literals_strings_and_integers)
{
	static const struct pair t[] = {
		{ "true", "f5" }, { "false", "f4" }, { "null", "f6" },
		{ "\"\"", "60" }, { "\"a\"", "6161" }, { "\"\\u00fc\"", "62c3bc" },
		{ "\"caf\\u00e9 \\ud83d\\ude00\"", "6a636166c3a920f09f9880" },
		{ "0", "00" }, { "23", "17" }, { "24", "1818" }, { "1000", "1903e8" },
		{ "-1", "20" }, { "-24", "37" }, { "-25", "3818" },
		{ "-0", "00" },		/* an integer: there is no negative zero */
		{ "18446744073709551615", "1bffffffffffffffff" },
		{ "-18446744073709551616", "3bffffffffffffffff" },
	};

	check_pairs(t, N_OF(t));
}

/* Beyond 64 bits, the exact value as a bignum (tag 2, or 3 for -1 - n). */
TEST(json_to_cbor_writes_larger_integers_as_bignums)
{
	static const struct pair t[] = {
		{ "18446744073709551616", "c249010000000000000000" },
		{ "-18446744073709551617", "c349010000000000000000" },
		{ "340282366920938463463374607431768211455", "c250ffffffffffffffffffffffffffffffff" },
		{ "-340282366920938463463374607431768211456", "c350ffffffffffffffffffffffffffffffff" },
	};

	check_pairs(t, N_OF(t));
}

/* Fractions and exponents: the shortest float that is exact. */
TEST(json_to_cbor_writes_other_numbers_as_the_shortest_exact_float)
{
	static const struct pair t[] = {
		{ "1.5", "f93e00" }, { "-0.0", "f98000" }, { "1e2", "f95640" }, { "1.0", "f93c00" },
		{ "100000.0", "fa47c35000" }, { "0.1", "fb3fb999999999999a" },
		{ "1E+300", "fb7e37e43c8800759c" },
		{ "1e400", "f97c00" }, { "-1e400", "f9fc00" },	/* too large: infinite */
		{ "1e-400", "f90000" },
	};

	check_pairs(t, N_OF(t));
}

TEST(json_to_cbor_writes_arrays_and_objects_with_exact_counts)
{
	static const struct pair t[] = {
		{ "[]", "80" }, { "{}", "a0" }, { "[1,[2,3]]", "8201820203" },
		{ "{\"a\":1,\"b\":[2,3]}", "a26161016162820203" },
		{ " \t[ 1 ,\n{ \"a\" : null } ] \r\n", "8201a16161f6" },
		{ "[[],{},[[]]]", "8380a08180" },
	};

	check_pairs(t, N_OF(t));
}

/* A container's head is written when it closes: 24 items and more take more bytes. */
TEST(json_to_cbor_gives_large_containers_their_longer_heads)
{
	static const struct {
		size_t items;
		const char *head;
	} t[] = { { 23, "97" }, { 24, "9818" }, { 255, "98ff" }, { 256, "990100" },
		  { 70000, "1a" } };

	for (size_t i = 0; i < N_OF(t); i++) {
		size_t n = t[i].items;
		char *json = malloc(2 * n + 2);
		struct buf out = { 0 };
		if (!CHECK(json != NULL))
			return;
		json[0] = '[';
		for (size_t k = 0; k < n; k++) {
			json[1 + 2 * k] = '7';
			json[2 + 2 * k] = k + 1 < n ? ',' : ']';
		}
		CASE("[7,...] of %zu", n);
		if (CHECK_OK(json_to_cbor(U(json), 2 * n + 1, &out))) {
			unsigned char head[8];
			size_t hl = unit_hex(t[i].head, head, sizeof(head));
			if (n < 65536) {
				CHECK_MEM(out.data, hl, head, hl);
			} else {
				CHECK_INT(out.data[0], ==, 0x9a);
				hl = 5;
			}
			CHECK_UINT(out.len, ==, hl + n);
			CHECK_INT(out.data[out.len - 1], ==, 0x07);
			CHECK_OK(cbor_check(out.data, out.len, NULL));
		}
		free(json);
		buf_free(&out);
	}
}

TEST(json_to_cbor_reads_each_form_as_what_it_stands_for)
{
	static const struct pair t[] = {
		{ "{\"$bytes\":\"AQID\"}", "43010203" },
		{ "{\"$bytes\":\"\"}", "40" },
		{ "{\"$bytes\":\"AQ\"}", "4101" },		/* unpadded */
		{ "{\"$tag\":1,\"$value\":2}", "c102" },
		{ "{\"$value\":\"x\",\"$tag\":32}", "d8206178" },
		{ "{\"$tag\":1,\"$value\":{\"$tag\":2,\"$value\":3}}", "c1c203" },
		{ "{\"$float\":\"NaN\"}", "f97e00" },
		{ "{\"$float\":\"Infinity\"}", "f97c00" },
		{ "{\"$float\":\"-Infinity\"}", "f9fc00" },
		{ "{\"$undefined\":true}", "f7" },
		{ "{\"$simple\":0}", "e0" }, { "{\"$simple\":19}", "f3" },
		{ "{\"$simple\":32}", "f820" }, { "{\"$simple\":255}", "f8ff" },
		{ "{\"$map\":[[1,2],[[3],\"x\"]]}", "a2010281036178" },
		{ "{\"$map\":[]}", "a0" },
		{ "{\"$map\":[[{\"$bytes\":\"AA==\"},null]]}", "a14100f6" },
		{ "[{\"$bytes\":\"AA==\"},{\"k\":{\"$tag\":2,\"$value\":{\"$bytes\":\"AQ==\"}}}]",
		  "824100a1616bc24101" },
	};

	check_pairs(t, N_OF(t));
}

/* Objects whose keys are not exactly those of a form stay maps. */
TEST(json_to_cbor_leaves_other_objects_with_dollar_keys_as_maps)
{
	static const struct pair t[] = {
		{ "{\"$tag\":1}", "a164247461 67 01" },
		{ "{\"$other\":1}", "a166246f7468657201" },
		{ "{\"$bytes\":\"AA==\",\"x\":1}", "a266246279746573644141 3d3d617801" },
		{ "{\"$tag\":1,\"x\":2}", "a2642474616701617802" },
		{ "{\"$value\":1}", "a166247661 6c756501" },
	};

	check_pairs(t, N_OF(t));
}

TEST(json_to_cbor_refuses_forms_with_bad_values)
{
	static const struct {
		const char *json, *words;
	} t[] = {
		{ "{\"$bytes\":\"A\"}", "$bytes is not valid base64" },
		{ "{\"$bytes\":\"AQ=\"}", "$bytes is not valid base64" },
		{ "{\"$bytes\":1}", "$bytes needs a base64 string" },
		{ "{\"$float\":\"nan\"}", "$float must be" },
		{ "{\"$float\":1.5}", "$float must be" },
		{ "{\"$simple\":20}", "$simple must be 0 to 19 or 32 to 255" },
		{ "{\"$simple\":31}", "$simple must be" },
		{ "{\"$simple\":256}", "$simple must be" },
		{ "{\"$simple\":-1}", "$simple must be" },
		{ "{\"$undefined\":false}", "$undefined must be true" },
		{ "{\"$undefined\":1}", "$undefined must be true" },
		{ "{\"$map\":1}", "$map needs an array of [key, value] pairs" },
		{ "{\"$map\":[1]}", "$map needs an array" },
		{ "{\"$map\":[[1]]}", "$map needs an array" },
		{ "{\"$map\":[[1,2,3]]}", "$map needs an array" },
		{ "{\"$tag\":-1,\"$value\":0}", "$tag must be an unsigned integer" },
		{ "{\"$tag\":\"1\",\"$value\":0}", "$tag must be an unsigned integer" },
	};

	for (size_t i = 0; i < N_OF(t); i++) {
		struct buf out = { 0 };
		CASE("%s", t[i].json);
		CHECK_FAILS(json_to_cbor(U(t[i].json), strlen(t[i].json), &out), t[i].words);
		buf_free(&out);
	}
}

TEST(json_to_cbor_refuses_invalid_json_saying_why)
{
	static const struct {
		const char *json, *words;
	} t[] = {
		{ "", "empty: no JSON value" }, { " \n ", "empty" },
		{ "[", "unexpected end of JSON" }, { "{\"a\":1", "unexpected end" },
		{ "[1 2]", "expected ','" }, { "{\"a\":1 \"b\":2}", "expected ','" },
		{ "[1}", "expected ','" }, { "{\"a\":1]", "expected ','" },
		{ "{\"a\" 1}", "expected ':' after a key" },
		{ "{1:2}", "expected a string key" }, { "{\"a\":1,}", "expected a string key" },
		{ "[1,]", "unexpected character in JSON" }, { "[,1]", "unexpected character" },
		{ "tru", "unexpected character" }, { "nul", "unexpected character" },
		{ "True", "unexpected character" }, { "'a'", "unexpected character" },
		{ "NaN", "unexpected character" }, { "Infinity", "unexpected character" },
		{ "01", "more after the JSON value" }, { "1 2", "more after" },
		{ "[1]]", "more after" }, { "{}x", "more after" },
		{ "\"\\x\"", "bad escape" }, { "\"a", "unterminated string" },
		{ "1.", "no digits after '.'" }, { "-", "bad number" },
	};

	for (size_t i = 0; i < N_OF(t); i++) {
		struct buf out = { 0 };
		CASE("%s", unit_show(t[i].json, strlen(t[i].json)));
		CHECK_FAILS(json_to_cbor(U(t[i].json), strlen(t[i].json), &out), t[i].words);
		buf_free(&out);
	}
}

static char *repeat(char c, size_t n, const char *tail)
{
	size_t k = strlen(tail);
	char *s = malloc(n + k + 1);
	if (s) {
		memset(s, c, n);
		memcpy(s + n, tail, k + 1);
	}
	return s;
}

TEST(json_to_cbor_takes_integers_of_309_digits_and_no_more)
{
	char *ok = repeat('9', 309, ""), *neg = repeat('9', 309, ""),
	     *over = repeat('9', 310, ""), *zeros = repeat('0', 1023, "");
	struct buf out = { 0 };

	if (!CHECK(ok && neg && over && zeros))
		goto done;
	CHECK_OK(json_to_cbor(U(ok), 309, &out));
	CHECK_OK(cbor_check(out.data, out.len, NULL));
	CHECK_INT(out.data[0], ==, 0xc2);
	out.len = 0;
	neg[0] = '-';	/* 308 digits after the sign */
	CHECK_OK(json_to_cbor(U(neg), 309, &out));
	CHECK_INT(out.data[0], ==, 0xc3);
	CHECK_FAILS(json_to_cbor(U(over), 310, &out), "integer longer than 309 digits");
	/* A float's text may be longer: up to 1024 characters. */
	memcpy(zeros, "0.", 2);
	CHECK_OK(json_to_cbor(U(zeros), 1023, &out));
	char *zeros2 = repeat('0', 1025, "");
	if (CHECK(zeros2 != NULL)) {
		memcpy(zeros2, "0.", 2);
		CHECK_FAILS(json_to_cbor(U(zeros2), 1025, &out), "number longer than 1024 characters");
		free(zeros2);
	}
done:
	free(ok);
	free(neg);
	free(over);
	free(zeros);
	buf_free(&out);
}

TEST(json_to_cbor_nests_1000_levels_and_no_more)
{
	char *json = malloc(2 * 1001 + 1);
	struct buf out = { 0 };

	if (!CHECK(json != NULL))
		return;
	memset(json, '[', 1000);
	memset(json + 1000, ']', 1000);
	CHECK_OK(json_to_cbor(U(json), 2000, &out));
	CHECK_UINT(out.len, ==, 1000);
	memset(json, '[', 1001);
	memset(json + 1001, ']', 1001);
	CHECK_FAILS(json_to_cbor(U(json), 2002, &out), CBOR_TOO_DEEP);
	CHECK_FAILS(json_value_to_cbor(U(json), 2002, &(size_t){ 0 }, NULL), CBOR_TOO_DEEP);
	free(json);
	buf_free(&out);
}

TEST(json_value_to_cbor_reads_one_value_and_stops_after_it)
{
	static const struct {
		const char *text;
		size_t from, to;
	} t[] = {
		{ "[1] rest", 0, 3 }, { "x: {\"a\":[]}, y", 3, 11 }, { "12,13", 0, 2 },
		{ "\"s\"\"t\"", 0, 3 }, { "true false", 5, 10 }, { "  null", 0, 6 },
	};

	for (size_t i = 0; i < N_OF(t); i++) {
		size_t pos = t[i].from, pos_check = t[i].from;
		struct buf out = { 0 };
		CASE("%s from %zu", t[i].text, t[i].from);
		CHECK_OK(json_value_to_cbor(U(t[i].text), strlen(t[i].text), &pos, &out));
		CHECK_UINT(pos, ==, t[i].to);
		/* Checking only (no out) says the same, and stops at the same place. */
		CHECK_OK(json_value_to_cbor(U(t[i].text), strlen(t[i].text), &pos_check, NULL));
		CHECK_UINT(pos_check, ==, t[i].to);
		buf_free(&out);
	}
}

TEST(json_value_to_cbor_leaves_out_as_it_was_when_it_fails)
{
	static const char *const t[] = {
		"[1,2,{\"a\":[3,", "{\"$bytes\":\"!\"}", "[1,2,x]", "[{\"$simple\":20}]",
	};

	for (size_t i = 0; i < N_OF(t); i++) {
		struct buf out = { 0 };
		size_t pos = 0;
		CASE("%s", t[i]);
		buf_append(&out, "\x82\x01", 2);
		CHECK_FAILS(json_value_to_cbor(U(t[i]), strlen(t[i]), &pos, &out), NULL);
		CHECK_MEM(out.data, out.len, "\x82\x01", 2);
		buf_free(&out);
	}
}

const struct unit_test unit_tests[] = {
	RUN(json_to_cbor_writes_literals_strings_and_integers),
	RUN(json_to_cbor_writes_larger_integers_as_bignums),
	RUN(json_to_cbor_writes_other_numbers_as_the_shortest_exact_float),
	RUN(json_to_cbor_writes_arrays_and_objects_with_exact_counts),
	RUN(json_to_cbor_gives_large_containers_their_longer_heads),
	RUN(json_to_cbor_reads_each_form_as_what_it_stands_for),
	RUN(json_to_cbor_leaves_other_objects_with_dollar_keys_as_maps),
	RUN(json_to_cbor_refuses_forms_with_bad_values),
	RUN(json_to_cbor_refuses_invalid_json_saying_why),
	RUN(json_to_cbor_takes_integers_of_309_digits_and_no_more),
	RUN(json_to_cbor_nests_1000_levels_and_no_more),
	RUN(json_value_to_cbor_reads_one_value_and_stops_after_it),
	RUN(json_value_to_cbor_leaves_out_as_it_was_when_it_fails),
	{ NULL, NULL },
};
