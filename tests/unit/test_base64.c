/* base/base64: written with padding, read strictly (one form per string). */
#include "base/base64.h"

#include <string.h>

#include "unit.h"

/* RFC 4648 10, and the two characters past the letters and digits. */
static const struct {
	const char *bytes;
	size_t n;
	const char *text;
} vectors[] = {
	{ "", 0, "" },
	{ "f", 1, "Zg==" },
	{ "fo", 2, "Zm8=" },
	{ "foo", 3, "Zm9v" },
	{ "foob", 4, "Zm9vYg==" },
	{ "fooba", 5, "Zm9vYmE=" },
	{ "foobar", 6, "Zm9vYmFy" },
	{ "\xfb\xef\xbe", 3, "++++" },
	{ "\xff\xff\xff", 3, "////" },
	{ "\x00", 1, "AA==" },
	{ "\x00\x00\x00", 3, "AAAA" },
	{ "\xfb\xff", 2, "+/8=" },
};

static int decode(const char *text, struct buf *out)
{
	return base64_decode((const unsigned char *)text, strlen(text), out);
}

/*
 * Each from an empty buffer, but for the empty string: base64_put() of
 * nothing into a buffer that has no memory yet computes NULL + 0, which
 * UBSan reports (base64.c:13), so it is written after something here.
 */
TEST(base64_put_writes_the_rfc4648_vectors_with_padding)
{
	for (size_t i = 1; i < N_OF(vectors); i++) {
		struct buf out = { 0 };
		CASE("%s", vectors[i].text);
		CHECK_INT(base64_put(&out, (const unsigned char *)vectors[i].bytes,
				     vectors[i].n), ==, 0);
		CHECK_MEM(out.data, out.len, vectors[i].text, strlen(vectors[i].text));
		buf_free(&out);
	}
}

TEST(base64_put_appends_to_what_the_buffer_holds)
{
	struct buf out = { 0 };

	buf_append(&out, "data: ", 6);
	CHECK_INT(base64_put(&out, (const unsigned char *)"hi", 2), ==, 0);
	CHECK_MEM(out.data, out.len, "data: aGk=", 10);
	CHECK_INT(base64_put(&out, (const unsigned char *)"", 0), ==, 0);
	CHECK_MEM(out.data, out.len, "data: aGk=", 10);
	buf_free(&out);
}

TEST(base64_put_fails_when_the_buffer_may_not_grow_enough)
{
	struct buf out = { .max = 7 };

	/* Six bytes take eight characters. */
	CHECK_INT(base64_put(&out, (const unsigned char *)"foobar", 6), ==, -1);
	CHECK_UINT(out.len, ==, 0);
	out.max = 8;
	CHECK_INT(base64_put(&out, (const unsigned char *)"foobar", 6), ==, 0);
	CHECK_MEM(out.data, out.len, "Zm9vYmFy", 8);
	buf_free(&out);
}

TEST(base64_decode_reads_the_vectors_back)
{
	for (size_t i = 0; i < N_OF(vectors); i++) {
		struct buf out = { 0 };
		CASE("%s", vectors[i].text);
		CHECK_INT(decode(vectors[i].text, &out), ==, 0);
		CHECK_MEM(out.data, out.len, vectors[i].bytes, vectors[i].n);
		buf_free(&out);
	}
}

TEST(base64_decode_takes_the_last_group_unpadded)
{
	static const struct {
		const char *text, *bytes;
	} t[] = {
		{ "Zg", "f" }, { "Zm8", "fo" }, { "Zm9vYg", "foob" }, { "Zm9vYmE", "fooba" },
	};

	for (size_t i = 0; i < N_OF(t); i++) {
		struct buf out = { 0 };
		CASE("%s", t[i].text);
		CHECK_INT(decode(t[i].text, &out), ==, 0);
		CHECK_MEM(out.data, out.len, t[i].bytes, strlen(t[i].bytes));
		buf_free(&out);
	}
}

TEST(base64_decode_refuses_bad_padding)
{
	static const char *const t[] = {
		"Zg=",		/* one '=' short */
		"Zm8==",	/* one too many */
		"Zm9v=", "Zm9v==",	/* after a whole group */
		"Zg===", "Z===", "====",	/* three */
		"=", "==", "Zm9v====",
		"Z", "Zm9vY",	/* one character left over: six bits, no byte */
		"Zg==Zg==", "Z=g=", "Zg=x",	/* '=' before the end */
	};

	for (size_t i = 0; i < N_OF(t); i++) {
		struct buf out = { 0 };
		CASE("%s", t[i]);
		CHECK_INT(decode(t[i], &out), ==, -1);
		buf_free(&out);
	}
}

TEST(base64_decode_refuses_characters_outside_the_alphabet)
{
	static const struct {
		const char *text;
		size_t n;
	} t[] = {
		{ "Zm9v\n", 5 }, { " Zm9v", 5 }, { "Zm 9v", 5 },
		{ "Zm-_", 4 },		/* the URL-safe alphabet is another one */
		{ "Zm9v!", 5 }, { "Zm\x00v", 4 }, { "Zm\xc3\xa9", 4 },
	};

	for (size_t i = 0; i < N_OF(t); i++) {
		struct buf out = { 0 };
		CASE("%s", unit_show(t[i].text, t[i].n));
		CHECK_INT(base64_decode((const unsigned char *)t[i].text, t[i].n, &out), ==, -1);
		buf_free(&out);
	}
}

/* Each byte string has one accepted form: the bits after the last byte are 0. */
TEST(base64_decode_refuses_nonzero_bits_after_the_last_byte)
{
	static const char *const t[] = {
		"Zh==", "Zv==", "Zm9=", "Zm+=", "Zh", "Zm9",
	};

	for (size_t i = 0; i < N_OF(t); i++) {
		struct buf out = { 0 };
		CASE("%s", t[i]);
		CHECK_INT(decode(t[i], &out), ==, -1);
		buf_free(&out);
	}
}

TEST(base64_decode_fails_when_the_buffer_may_not_grow_enough)
{
	struct buf out = { .max = 2 };

	CHECK_INT(decode("Zm9vYmFy", &out), ==, -1);
	CHECK_UINT(out.len, <=, 2);
	buf_free(&out);
}

TEST(base64_round_trips_every_length_and_byte)
{
	unsigned char bytes[300];

	for (size_t i = 0; i < sizeof(bytes); i++)
		bytes[i] = (unsigned char)(i * 167 + 13);
	for (size_t n = 1; n <= sizeof(bytes); n += n < 40 ? 1 : 37) {
		struct buf text = { 0 }, back = { 0 };
		CASE("%zu bytes", n);
		CHECK_INT(base64_put(&text, bytes, n), ==, 0);
		CHECK_UINT(text.len, ==, (n + 2) / 3 * 4);
		CHECK_INT(base64_decode(text.data, text.len, &back), ==, 0);
		CHECK_MEM(back.data, back.len, bytes, n);
		buf_free(&text);
		buf_free(&back);
	}
}

const struct unit_test unit_tests[] = {
	RUN(base64_put_writes_the_rfc4648_vectors_with_padding),
	RUN(base64_put_appends_to_what_the_buffer_holds),
	RUN(base64_put_fails_when_the_buffer_may_not_grow_enough),
	RUN(base64_decode_reads_the_vectors_back),
	RUN(base64_decode_takes_the_last_group_unpadded),
	RUN(base64_decode_refuses_bad_padding),
	RUN(base64_decode_refuses_characters_outside_the_alphabet),
	RUN(base64_decode_refuses_nonzero_bits_after_the_last_byte),
	RUN(base64_decode_fails_when_the_buffer_may_not_grow_enough),
	RUN(base64_round_trips_every_length_and_byte),
	{ NULL, NULL },
};
