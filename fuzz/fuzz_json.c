/*
 * fuzz_json: JSON text to CBOR (json_cbor.h), as --object reads line and nul
 * records and the json envelopes' "data", with the $forms of rxws(7).
 *
 * Input: the JSON text, all of it (fuzz/dict/fuzz_json.dict has its words).
 *
 * Checks, beyond no crash, leak or sanitizer report:
 *  - json_value_to_cbor() checking only (out NULL) accepts what converting
 *    accepts, and stops at the same place; when converting fails, what out
 *    held before is left as it was;
 *  - the CBOR of accepted JSON is one well-formed item (cbor_check), whose
 *    length cbor_item_length() agrees on, with no indefinite length;
 *  - round trip: its JSON (cbor_to_json) is one line, json_to_cbor() reads
 *    it back, and that CBOR is written as the same JSON text (a fixed
 *    point);
 *  - the writers and readers of strings and base64 undo each other: the
 *    input as a JSON string (json_put_string) reads back (json_string) as
 *    the input when it is UTF-8; as base64 (base64_put) it decodes back.
 */
#include "base/base64.h"
#include "fuzz.h"
#include "base/utf8.h"

static const unsigned char before[] = "\xa1\x61x";	/* out's earlier content */

static void round_trip(const unsigned char *cbor, size_t len)
{
	struct buf j1 = { 0 }, c2 = { 0 }, j2 = { 0 };
	const char *why;

	must_json(cbor, len, &j1);
	CHECK(!memchr(j1.data, '\n', j1.len) && !memchr(j1.data, '\0', j1.len));
	why = json_to_cbor(j1.data, j1.len, &c2);
	if (why)
		fprintf(stderr, "json_to_cbor of cbor_to_json output: %s\n", why);
	CHECK(why == NULL);
	must_json(c2.data, c2.len, &j2);
	CHECK(same_bytes(j1.data, j1.len, j2.data, j2.len));
	buf_free(&j1);
	buf_free(&c2);
	buf_free(&j2);
}

static void strings(const uint8_t *data, size_t size)
{
	struct buf s = { 0 }, back = { 0 };

	if (utf8_valid(data, size)) {
		size_t pos = 0;
		CHECK(json_put_string(&s, data, size) == 0);
		CHECK(json_string(s.data, s.len, &pos, &back) == NULL);
		CHECK(pos == s.len);
		CHECK(same_bytes(back.data, back.len, data, size));
	}
	s.len = back.len = 0;
	CHECK(base64_put(&s, data, size) == 0);
	CHECK(base64_decode(s.data, s.len, &back) == 0);
	CHECK(same_bytes(back.data, back.len, data, size));
	buf_free(&s);
	buf_free(&back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf out = { 0 };
	size_t start = json_skip_space(data, size, 0), pos = start, pos_check = start;

	CHECK(buf_append(&out, before, sizeof(before)) == 0);
	const char *why = json_value_to_cbor(data, size, &pos, &out);
	const char *why_check = json_value_to_cbor(data, size, &pos_check, NULL);
	CHECK(memcmp(out.data, before, sizeof(before)) == 0);
	if (why) {
		CHECK(out.len == sizeof(before));
	} else {
		/* Checking alone lets the $forms' values pass: no more than that. */
		CHECK(why_check == NULL && pos_check == pos);
		const unsigned char *cbor = out.data + sizeof(before);
		size_t len = out.len - sizeof(before);
		const char *w;
		CHECK(cbor_check(cbor, len, NULL) == NULL);
		CHECK(cbor_item_length(cbor, len, &w) == (long long)len);
		CHECK(cbor_definite_only(cbor, len));
		round_trip(cbor, len);
	}

	/* json_to_cbor(): the same, with white space only after the value. */
	struct buf whole = { 0 };
	why = json_to_cbor(data, size, &whole);
	if (!why)
		CHECK(json_skip_space(data, size, pos) == size &&
		      same_bytes(whole.data, whole.len, out.data + sizeof(before),
				 out.len - sizeof(before)));
	buf_free(&whole);
	buf_free(&out);

	strings(data, size);
	return 0;
}
