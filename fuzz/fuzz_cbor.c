/*
 * fuzz_cbor: untrusted CBOR (cbor_item.h, cbor_json.h), as it comes from
 * peers (--object frames) and from stdin (the cbor framing, lp objects).
 *
 * Input: the CBOR bytes, all of them; where cbor_skip_feed() gets its
 * chunks cut follows from a hash of the input.
 *
 * Checks, beyond no crash, leak or sanitizer report:
 *  - cbor_check() says the same with and without map flags;
 *  - cbor_item_length() agrees with cbor_check(): the whole input is one
 *    item exactly when its length is the input's; a length L found means
 *    the first L bytes are one item; "not complete yet" is never said of a
 *    complete item, and is said of every prefix of a valid one; more bytes
 *    after an item, or after a malformed part, change nothing;
 *  - cbor_item_split() says the same, and of an incomplete item a length
 *    it cannot be shorter than: over the bytes there are, and for a prefix
 *    of a valid item no more than that item's length;
 *  - cbor_skip_feed() over a complete item, fed whole, a byte at a time or
 *    in chunks, ends exactly where the item ends; over an incomplete one it
 *    never ends;
 *  - cbor_to_json() succeeds exactly on valid items and leaves out as it
 *    was when it fails; its JSON is one line that json_to_cbor() reads
 *    back; that CBOR is written as the same JSON text (a fixed point; for
 *    items with indefinite lengths, after one more trip, since chunked map
 *    keys and chunked bignums come back as plain ones).
 */
#include "fuzz.h"

static void skip_in_chunks(const uint8_t *p, size_t n, long long len,
			   size_t most)
{
	struct cbor_skip *s = malloc(sizeof(*s));
	size_t pos = 0;
	uint32_t rng = (uint32_t)n * 2654435761u + (uint32_t)most;

	CHECK(s != NULL);
	cbor_skip_init(s);
	while (pos < n) {
		size_t k = most == 1 ? 1 : 1 + rng_next(&rng) % most;
		if (k > n - pos)
			k = n - pos;
		long long took = cbor_skip_feed(s, p + pos, k);
		if (took < 0) {
			CHECK(len <= 0);	/* a valid item is never malformed */
			break;
		}
		CHECK((size_t)took <= k);
		pos += (size_t)took;
		if (s->done) {
			CHECK(len != 0);	/* an incomplete item never ends */
			if (len > 0)
				CHECK(pos == (size_t)len);
			break;
		}
		CHECK((size_t)took == k);
	}
	if (len > 0)
		CHECK(s->done);
	cbor_skip_free(s);
	free(s);
}

static void json_round_trip(const uint8_t *p, size_t n)
{
	struct buf j1 = { 0 }, c2 = { 0 }, j2 = { 0 }, c3 = { 0 }, j3 = { 0 };
	static const char before[] = "[1,";
	const char *why;

	CHECK(buf_append(&j1, before, 3) == 0);
	why = cbor_to_json(p, n, &j1);
	CHECK(memcmp(j1.data, before, 3) == 0);
	CHECK((why == NULL) == (cbor_check(p, n, NULL) == NULL));
	if (why) {
		CHECK(j1.len == 3);
		buf_free(&j1);
		return;
	}
	buf_consume(&j1, 3);
	CHECK(!memchr(j1.data, '\n', j1.len) && !memchr(j1.data, '\0', j1.len));

	why = json_to_cbor(j1.data, j1.len, &c2);
	if (why)
		fprintf(stderr, "json_to_cbor of cbor_to_json output: %s\n", why);
	CHECK(why == NULL);
	CHECK(cbor_check(c2.data, c2.len, NULL) == NULL);
	must_json(c2.data, c2.len, &j2);
	if (cbor_definite_only(p, n))
		CHECK(same_bytes(j1.data, j1.len, j2.data, j2.len));
	CHECK(json_to_cbor(j2.data, j2.len, &c3) == NULL);
	must_json(c3.data, c3.len, &j3);
	CHECK(same_bytes(j2.data, j2.len, j3.data, j3.len));
	buf_free(&j1);
	buf_free(&c2);
	buf_free(&j2);
	buf_free(&c3);
	buf_free(&j3);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf flags = { 0 };
	const char *why = cbor_check(data, size, NULL), *w;
	bool valid = why == NULL;

	CHECK((cbor_check(data, size, &flags) == NULL) == valid);
	buf_free(&flags);

	long long len = cbor_item_length(data, size, &w);
	uint64_t at_least;
	CHECK(cbor_item_split(data, size, &at_least, &w) == len);
	CHECK(len != 0 || at_least > size);
	CHECK(len >= -1 && len <= (long long)size);
	CHECK((len < 0) == (w != NULL));
	CHECK(valid == (size > 0 && len == (long long)size));
	if (len > 0)
		CHECK(cbor_check(data, (size_t)len, NULL) == NULL);

	/* Followed by more bytes (itself, say): the same answer, if any. */
	uint8_t *twice = malloc(2 * size + 1);
	CHECK(twice != NULL);
	memcpy(twice, data, size);
	memcpy(twice + size, data, size);
	long long len2 = cbor_item_length(twice, 2 * size, &w);
	CHECK(len == 0 || len2 == len);
	free(twice);

	/* Every prefix of a valid item is incomplete (a sample, when long). */
	if (valid) {
		uint32_t rng = hash_bytes(data, size);
		for (size_t i = 0; i < (size <= 64 ? size : 64); i++) {
			size_t k = size <= 64 ? i : rng_next(&rng) % size;
			CHECK(cbor_item_split(data, k, &at_least, &w) == 0);
			CHECK(at_least > k && at_least <= size);
		}
	}

	uint32_t h = hash_bytes(data, size);
	skip_in_chunks(data, size, len, size ? size : 1);
	skip_in_chunks(data, size, len, 1);
	skip_in_chunks(data, size, len, 2 + h % 64);

	json_round_trip(data, size);
	return 0;
}
