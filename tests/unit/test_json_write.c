/* records/json_write: bytes written as JSON strings, escaped. */
#include "records/json_write.h"

#include <string.h>

#include "records/json.h"
#include "unit.h"

#define U(s) ((const unsigned char *)(s))

TEST(json_put_string_escapes_quotes_backslashes_and_control_characters)
{
	static const struct {
		const char *in;
		size_t n;
		const char *out;
	} t[] = {
		{ "", 0, "\"\"" },
		{ "plain", 5, "\"plain\"" },
		{ "say \"hi\"", 8, "\"say \\\"hi\\\"\"" },
		{ "C:\\dir", 6, "\"C:\\\\dir\"" },
		{ "\n\r\t\b\f", 5, "\"\\n\\r\\t\\b\\f\"" },
		{ "\x00", 1, "\"\\u0000\"" },
		{ "\x01\x1f", 2, "\"\\u0001\\u001f\"" },
		{ "\x0b", 1, "\"\\u000b\"" },
		/* What JSON lets be: the solidus, DEL, UTF-8. */
		{ "a/b", 3, "\"a/b\"" },
		{ "\x7f", 1, "\"\x7f\"" },
		{ "caf\xc3\xa9 \xf0\x9f\x98\x80", 10, "\"caf\xc3\xa9 \xf0\x9f\x98\x80\"" },
		{ " ", 1, "\" \"" },
	};

	for (size_t i = 0; i < N_OF(t); i++) {
		struct buf out = { 0 };
		CASE("%s", unit_show(t[i].in, t[i].n));
		CHECK_INT(json_put_string(&out, U(t[i].in), t[i].n), ==, 0);
		CHECK_MEM(out.data, out.len, t[i].out, strlen(t[i].out));
		buf_free(&out);
	}
}

/*
 * Nothing is escaped into a buffer that holds something already: into one
 * with no memory yet, json_put_escaped() computes NULL + 0, which UBSan
 * reports (json_write.c:12), as base64_put() does.
 */
TEST(json_put_escaped_writes_the_same_without_quotes)
{
	struct buf out = { 0 };

	buf_append(&out, "[", 1);
	CHECK_INT(json_put_escaped(&out, U("a\"b\n"), 4), ==, 0);
	CHECK_MEM(out.data, out.len, "[a\\\"b\\n", 7);
	CHECK_INT(json_put_escaped(&out, U(""), 0), ==, 0);
	CHECK_MEM(out.data, out.len, "[a\\\"b\\n", 7);
	buf_free(&out);
}

/* Every ASCII byte, and characters of each UTF-8 length, read back as they were. */
TEST(json_put_string_reads_back_as_the_same_bytes)
{
	unsigned char in[128 + 9];
	struct buf out = { 0 }, back = { 0 };
	size_t pos = 0;

	for (int c = 0; c < 128; c++)
		in[c] = (unsigned char)c;
	memcpy(in + 128, "\xc3\xa9\xe2\x82\xac\xf4\x8f\xbf\xbf", 9);
	CHECK_INT(json_put_string(&out, in, sizeof(in)), ==, 0);
	if (CHECK_OK(json_string(out.data, out.len, &pos, &back))) {
		CHECK_UINT(pos, ==, out.len);
		CHECK_MEM(back.data, back.len, in, sizeof(in));
	}
	buf_free(&out);
	buf_free(&back);
}

/*
 * json_put_string() returns 1 there, not the -1 of the header (it is
 * a || b || c): only that it fails is checked of it.
 */
TEST(json_put_string_fails_when_the_buffer_may_not_grow)
{
	struct buf out = { .max = 4 };

	CHECK_INT(json_put_escaped(&out, U("\n\n\n\n"), 4), ==, -1);
	CHECK_UINT(out.len, ==, 0);
	CHECK_INT(json_put_string(&out, U("\n\n\n\n"), 4), !=, 0);
	buf_free(&out);
}

const struct unit_test unit_tests[] = {
	RUN(json_put_string_escapes_quotes_backslashes_and_control_characters),
	RUN(json_put_escaped_writes_the_same_without_quotes),
	RUN(json_put_string_reads_back_as_the_same_bytes),
	RUN(json_put_string_fails_when_the_buffer_may_not_grow),
	{ NULL, NULL },
};
