/* records/json: the white space, strings and numbers of JSON (RFC 8259). */
#include "records/json.h"

#include <string.h>

#include "unit.h"

#define U(s) ((const unsigned char *)(s))

TEST(json_skip_space_skips_the_four_white_space_characters_only)
{
	static const struct {
		const char *text;
		size_t pos, end;
	} t[] = {
		{ " \t\r\n x", 0, 5 },
		{ "x  ", 0, 0 },
		{ "x  ", 1, 3 },	/* to the end */
		{ "", 0, 0 },
		{ "\v1", 0, 0 },	/* not JSON's */
		{ "\f1", 0, 0 },
		{ "\xc2\xa0" "1", 0, 0 },	/* nor a no-break space */
	};

	for (size_t i = 0; i < N_OF(t); i++) {
		CASE("%s from %zu", unit_show(t[i].text, strlen(t[i].text)), t[i].pos);
		CHECK_UINT(json_skip_space(U(t[i].text), strlen(t[i].text), t[i].pos), ==,
			   t[i].end);
	}
}

/* What each string stands for, and that json_string() gives it. */
static const struct {
	const char *json;
	const char *value;
	size_t value_len;
	bool plain;
} strings[] = {
	{ "\"\"", "", 0, true },
	{ "\"abc\"", "abc", 3, true },
	{ "\"caf\xc3\xa9\"", "caf\xc3\xa9", 5, true },
	{ "\"a'b\x7f\"", "a'b\x7f", 4, true },
	{ "\"\\\"\\\\\\/\"", "\"\\/", 3, false },
	{ "\"\\b\\f\\n\\r\\t\"", "\b\f\n\r\t", 5, false },
	{ "\"\\u0041\\u00e9\\u20AC\"", "A\xc3\xa9\xe2\x82\xac", 6, false },
	{ "\"\\u0000\"", "\0", 1, false },
	{ "\"\\u07ff\\u0800\\uffff\"", "\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf", 8, false },
	{ "\"\\ud83d\\ude00!\"", "\xf0\x9f\x98\x80!", 5, false },	/* a pair */
	{ "\"\\udbff\\udfff\"", "\xf4\x8f\xbf\xbf", 4, false },	/* U+10FFFF */
	{ "\"x\\ny\"", "x\ny", 3, false },
};

TEST(json_scan_string_measures_the_value_and_finds_the_end)
{
	for (size_t i = 0; i < N_OF(strings); i++) {
		const char *j = strings[i].json;
		struct json_string s;
		CASE("%s", j);
		if (!CHECK_OK(json_scan_string(U(j), strlen(j), 0, &s)))
			continue;
		CHECK_UINT(s.end, ==, strlen(j));
		CHECK_UINT(s.len, ==, strings[i].value_len);
		CHECK(s.plain == strings[i].plain);
	}
}

TEST(json_string_writes_the_value_as_utf8)
{
	for (size_t i = 0; i < N_OF(strings); i++) {
		const char *j = strings[i].json;
		struct buf out = { 0 };
		size_t pos = 0;
		CASE("%s", j);
		if (CHECK_OK(json_string(U(j), strlen(j), &pos, &out))) {
			CHECK_MEM(out.data, out.len, strings[i].value, strings[i].value_len);
			CHECK_UINT(pos, ==, strlen(j));
		}
		buf_free(&out);
	}
}

TEST(json_string_starts_at_pos_and_stops_after_the_closing_quote)
{
	const char *text = "{\"key\" : \"v\\u0031\", \"next\"}";
	struct buf out = { 0 };
	size_t pos = 1;

	buf_append(&out, ">", 1);
	CHECK_OK(json_string(U(text), strlen(text), &pos, &out));
	CHECK_UINT(pos, ==, 6);
	pos = 9;
	CHECK_OK(json_string(U(text), strlen(text), &pos, &out));
	CHECK_UINT(pos, ==, 18);
	CHECK_MEM(out.data, out.len, ">keyv1", 6);
	buf_free(&out);
}

TEST(json_scan_string_refuses_what_json_does_not_allow)
{
	static const struct {
		const char *json;
		size_t n;
		const char *words;
	} t[] = {
		{ "\"abc", 4, "unterminated string" },
		{ "\"", 1, "unterminated string" },
		{ "\"ab\\", 4, "unterminated string" },
		{ "\"ab\\\"", 5, "unterminated string" },	/* the quote is escaped */
		{ "\"a\nb\"", 5, "control character in a string" },
		{ "\"a\tb\"", 5, "control character" },
		{ "\"\x00\"", 3, "control character" },
		{ "\"\x1f\"", 3, "control character" },
		{ "\"\\x41\"", 6, "bad escape in a string" },
		{ "\"\\'\"", 4, "bad escape" },
		{ "\"\\U0041\"", 8, "bad escape" },
		{ "\"\\\x00\"", 4, "bad escape" },
		{ "\"\\u12\"", 6, "bad \\u escape" },
		{ "\"\\u12g4\"", 8, "bad \\u escape" },
		{ "\"\\u\"", 4, "bad \\u escape" },
		{ "\"\\udc00\"", 8, "lone surrogate" },		/* low first */
		{ "\"\\ud800\"", 8, "lone surrogate" },		/* high alone */
		{ "\"\\ud800x\\udc00\"", 15, "lone surrogate" },
		{ "\"\\ud800\\u0041\"", 14, "lone surrogate" },	/* not a low one */
		{ "\"\\ud800\\ud800\"", 14, "lone surrogate" },
		{ "\"\\ud800\\n\"", 10, "lone surrogate" },
		{ "\"\xff\"", 3, "not valid UTF-8" },
		{ "\"\xc0\x80\"", 4, "not valid UTF-8" },
		{ "\"\xed\xa0\x80\"", 5, "not valid UTF-8" },	/* a raw surrogate */
		{ "\"\xe2\x82\"", 4, "not valid UTF-8" },
	};

	for (size_t i = 0; i < N_OF(t); i++) {
		struct json_string s;
		CASE("%s", unit_show(t[i].json, t[i].n));
		CHECK_FAILS(json_scan_string(U(t[i].json), t[i].n, 0, &s), t[i].words);
	}
}

/* A string is read within the n bytes given, even when the text goes on. */
TEST(json_scan_string_reads_no_further_than_n)
{
	struct json_string s;

	CHECK_FAILS(json_scan_string(U("\"abc\""), 4, 0, &s), "unterminated");
	CHECK_FAILS(json_scan_string(U("\"\\u0041\""), 6, 0, &s), "bad \\u escape");
	CHECK_FAILS(json_scan_string(U("\"\\ud83d\\ude00\""), 12, 0, &s), "lone surrogate");
}

TEST(json_string_fails_when_the_buffer_may_not_hold_the_value)
{
	struct buf out = { .max = 4 };
	size_t pos = 0;

	CHECK_FAILS(json_string(U("\"hello\""), 7, &pos, &out), "out of memory");
	CHECK_UINT(pos, ==, 0);
	buf_free(&out);
}

TEST(json_scan_number_accepts_json_numbers_and_says_if_integer)
{
	static const struct {
		const char *text;
		size_t end;	/* where the number ends */
		bool is_int;
	} t[] = {
		{ "0", 1, true }, { "-0", 2, true }, { "7", 1, true },
		{ "123456789012345678901234567890", 30, true }, { "-12", 3, true },
		{ "1.5", 3, false }, { "-0.5", 4, false }, { "0.0", 3, false },
		{ "1e5", 3, false }, { "1E+5", 4, false }, { "1e-05", 5, false },
		{ "-12.5e-10", 9, false },
		/* The number ends where JSON's grammar says; the caller sees the rest. */
		{ "12]", 2, true }, { "12,", 2, true }, { "3 ", 1, true },
		{ "01", 1, true }, { "-00", 2, true }, { "1.5.3", 3, false },
		{ "1e5e5", 3, false }, { "0x10", 1, true },
	};

	for (size_t i = 0; i < N_OF(t); i++) {
		size_t end = 0;
		bool is_int = !t[i].is_int;
		CASE("%s", t[i].text);
		if (!CHECK_OK(json_scan_number(U(t[i].text), strlen(t[i].text), 0, &end, &is_int)))
			continue;
		CHECK_UINT(end, ==, t[i].end);
		CHECK(is_int == t[i].is_int);
	}
}

TEST(json_scan_number_refuses_what_is_not_a_number)
{
	static const struct {
		const char *text, *words;
	} t[] = {
		{ "", "bad number" }, { "-", "bad number" }, { "+1", "bad number" },
		{ ".5", "bad number" }, { "- 1", "bad number" }, { "-a", "bad number" },
		{ "a", "bad number" },
		{ "1.", "no digits after '.'" }, { "1.e5", "no digits after '.'" },
		{ "-0.", "no digits after '.'" },
		{ "1e", "no digits in the exponent" }, { "1e+", "no digits in the exponent" },
		{ "1E-x", "no digits in the exponent" },
	};

	for (size_t i = 0; i < N_OF(t); i++) {
		size_t end;
		bool is_int;
		CASE("%s", t[i].text);
		CHECK_FAILS(json_scan_number(U(t[i].text), strlen(t[i].text), 0, &end, &is_int),
			    t[i].words);
	}
}

const struct unit_test unit_tests[] = {
	RUN(json_skip_space_skips_the_four_white_space_characters_only),
	RUN(json_scan_string_measures_the_value_and_finds_the_end),
	RUN(json_string_writes_the_value_as_utf8),
	RUN(json_string_starts_at_pos_and_stops_after_the_closing_quote),
	RUN(json_scan_string_refuses_what_json_does_not_allow),
	RUN(json_scan_string_reads_no_further_than_n),
	RUN(json_string_fails_when_the_buffer_may_not_hold_the_value),
	RUN(json_scan_number_accepts_json_numbers_and_says_if_integer),
	RUN(json_scan_number_refuses_what_is_not_a_number),
	{ NULL, NULL },
};
