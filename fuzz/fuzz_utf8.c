/*
 * fuzz_utf8: utf8_valid() and the stream (utf8.h), which decide whether a
 * --string record may be sent, whether a text frame or a CBOR text string
 * is accepted, and check a text message as its pieces arrive (fragments,
 * or what a decompressor hands out).
 *
 * Input: any bytes. Where the stream's pieces are cut comes from a hash
 * of them.
 *
 * Checks, beyond no crash or sanitizer report (utf8_valid() reads eight
 * bytes at a time):
 *  - utf8_valid() agrees with a plain decoder written from RFC 3629 (no
 *    overlongs, no surrogates, nothing above U+10FFFF), for the input and
 *    for each of its prefixes and suffixes up to 16 bytes off;
 *  - the input fed to utf8_stream_feed() in pieces cut anywhere (empty
 *    ones too) fails fast and only then: after each piece it says yes
 *    exactly when the bytes so far can still be continued into valid
 *    UTF-8 (the reference decoder, given the bytes that would complete
 *    the last character, says so); at the end, utf8_stream_complete()
 *    agrees with utf8_valid() on the whole.
 */
#include "fuzz.h"
#include "base/utf8.h"

/*
 * Whether s[0..n) (a valid text up to its last character, at most three
 * bytes not decoded) can be completed: some one to three more bytes make
 * it valid. 80, 90 and A0 between them fall in the range of every
 * continuation byte (RFC 3629 4), so trying only them is enough.
 */
static bool completable(const uint8_t *s, size_t n)
{
	static const uint8_t more[] = { 0x80, 0x90, 0xa0 };
	uint8_t t[8];

	if (n >= 4)
		return false;
	memcpy(t, s, n);
	for (size_t add = 1; add <= 3; add++)
		for (unsigned pick = 0; pick < 27; pick++) {
			unsigned k = pick;
			for (size_t i = 0; i < add; i++, k /= 3)
				t[n + i] = more[k % 3];
			if (utf8_reference(t, n + add))
				return true;
		}
	return false;
}

/* Where the first character that does not decode, within all n bytes, starts. */
static size_t first_bad(const uint8_t *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		size_t len = 1;
		while (len <= 4 && i + len <= n && !utf8_reference(s + i, len))
			len++;
		if (len > 4 || i + len > n)
			return i;
		i += len;
	}
	return n;
}

static void check_stream(const uint8_t *data, size_t size)
{
	uint32_t seed = hash_bytes(data, size) | 1;
	size_t bad = first_bad(data, size);
	struct utf8_stream u;
	size_t at = 0;
	bool ok = true, ended = false;

	utf8_stream_init(&u);
	CHECK(utf8_stream_complete(&u));
	/* To the end, and now and then an empty piece after it. */
	while (ok && !ended) {
		uint32_t r = rng_next(&seed);
		/* Mostly short pieces, to cut characters often; empty ones too. */
		size_t n = r % 8 == 0 ? 0 : r % 4 ? 1 + (r >> 8) % 4 : 1 + (r >> 8) % 64;
		if (n > size - at)
			n = size - at;
		ended = at + n == size && (n || r % 3);
		/* A copy of the piece's size, so that reading past it is caught. */
		uint8_t *piece = malloc(n ? n : 1);
		CHECK(piece != NULL);
		memcpy(piece, data + at, n);
		ok = utf8_stream_feed(&u, piece, n);
		free(piece);
		at += n;
		/* Continuable: whole characters up to bad, and after it the start of one. */
		CHECK(ok == (at <= bad || completable(data + bad, at - bad)));
	}
	if (ok)
		CHECK(utf8_stream_complete(&u) == utf8_reference(data, size));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of its own size, so that reading past it is caught. */
	for (size_t cut = 0; cut <= 16 && cut <= size; cut++) {
		uint8_t *p = malloc(size - cut ? size - cut : 1);
		CHECK(p != NULL);
		memcpy(p, data, size - cut);
		CHECK(utf8_valid(p, size - cut) == utf8_reference(p, size - cut));
		memcpy(p, data + cut, size - cut);
		CHECK(utf8_valid(p, size - cut) == utf8_reference(p, size - cut));
		free(p);
	}
	check_stream(data, size);
	return 0;
}
