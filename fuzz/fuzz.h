/*
 * fuzz.h: what the libFuzzer targets of fuzz/ share.
 *
 * CHECK() states an invariant: when it fails, it says which and aborts, and
 * libFuzzer saves the input as a crash. The rest builds what the tools
 * build (a config as options_parse() would settle it, a decoder fed the way
 * the reader thread feeds it) from a few bytes of the input, and compares
 * what a record or a frame becomes after a trip through the other side.
 */
#ifndef RXWS_FUZZ_H
#define RXWS_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "records/cbor_item.h"
#include "records/cbor_json.h"
#include "records/convert.h"
#include "records/framing.h"
#include "records/json.h"
#include "records/json_cbor.h"
#include "records/json_write.h"
#include "records/record_config.h"

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: invariant failed: %s\n",\
				__FILE__, __LINE__, #cond);		\
			abort();					\
		}							\
	} while (0)

/* The next byte of the input, 0 once it is used up. */
static inline uint8_t take_byte(const uint8_t **p, size_t *n)
{
	if (!*n)
		return 0;
	(*n)--;
	return *(*p)++;
}

/* xorshift32: chunk sizes and sample points, the same for the same input. */
static inline uint32_t rng_next(uint32_t *s)
{
	uint32_t x = *s ? *s : 0x9e3779b9u;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

static inline uint32_t hash_bytes(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u;	/* FNV-1a */
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static inline bool same_bytes(const void *a, size_t an, const void *b, size_t bn)
{
	return an == bn && (an == 0 || !memcmp(a, b, an));
}

/*
 * UTF-8 the slow way, one code point at a time, written from RFC 3629 (no
 * overlongs, no surrogates, nothing above U+10FFFF): the reference that
 * utf8_valid(), the stream and the text checks are held to.
 */
static inline bool utf8_reference(const uint8_t *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		uint8_t c = s[i];
		size_t need = c < 0x80 ? 0 : (c & 0xe0) == 0xc0 ? 1
			    : (c & 0xf0) == 0xe0 ? 2 : (c & 0xf8) == 0xf0 ? 3 : 9;
		if (need == 9 || n - i <= need)
			return false;	/* not a lead byte, or cut short */
		uint32_t cp = need == 0 ? c : c & (0x3f >> need);
		for (size_t k = 1; k <= need; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		static const uint32_t least[] = { 0, 0x80, 0x800, 0x10000 };
		if (cp < least[need] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += need + 1;
	}
	return true;
}

/* --max-size from one byte: 1 to 16130 bytes, or 64 KiB. */
static inline size_t fuzz_max_size(uint8_t b)
{
	size_t k = b & 0x7f;
	return b & 0x80 ? 65536 : 1 + k * k;
}

static struct type_rule fuzz_type_rules[] = {
	{ "/s*", DATATYPE_STRING },
	{ "/b*", DATATYPE_BYTES },
	{ "/o*", DATATYPE_OBJECT },
};

/*
 * A config from one byte, as options_parse() would leave it: bits 0-2 the
 * framing (mod 6), bit 3 tagged, bits 4-5 the datatype (mod 3), bit 6
 * --type /s*=string /b*=bytes /o*=object (tagged only). What check_and_default()
 * refuses (raw with tags or objects) is turned into untagged bytes.
 */
static inline void fuzz_config(struct record_config *c, uint8_t sel, size_t max_size)
{
	memset(c, 0, sizeof(*c));
	c->framing = (enum framing)((sel & 7) % 6);
	c->tagged = sel & 8;
	c->datatype = (enum datatype)(((sel >> 4) & 3) % 3);
	if (c->tagged && (sel & 0x40)) {
		c->type_rules = fuzz_type_rules;
		c->n_type_rules = sizeof(fuzz_type_rules) / sizeof(*fuzz_type_rules);
	}
	c->max_size = max_size;
	c->chunk_size = max_size;
	if (c->framing == FRAMING_RAW) {
		c->tagged = false;
		c->n_type_rules = 0;
		if (c->datatype == DATATYPE_OBJECT)
			c->datatype = DATATYPE_BYTES;
	}
}

/* The datatype of a path (not NUL-terminated), as the tools look it up. */
static inline enum datatype fuzz_type_of(const struct record_config *c,
					 const char *path, size_t len)
{
	char s[TAG_MAX + 1];
	if (len > TAG_MAX)
		len = TAG_MAX;
	memcpy(s, path, len);
	s[len] = '\0';
	return record_config_type_for(c, s);
}

/* True when no head of the well-formed item p has an indefinite length. */
static inline bool cbor_definite_only(const unsigned char *p, size_t n)
{
	size_t pos = 0;
	while (pos < n) {
		struct cbor_head h;
		if (cbor_read_head(p + pos, n - pos, &h) <= 0 || h.indefinite)
			return false;
		pos += h.size;
		if (h.major == CBOR_BYTES || h.major == CBOR_TEXT)
			pos += (size_t)h.value;
	}
	return true;
}

/* cbor_to_json() into a fresh buffer, which must succeed. */
static inline void must_json(const unsigned char *p, size_t n, struct buf *out)
{
	out->len = 0;
	const char *why = cbor_to_json(p, n, out);
	if (why)
		fprintf(stderr, "cbor_to_json: %s\n", why);
	CHECK(why == NULL);
}

/*
 * The payload a frame came back with is the one sent: the same bytes, or,
 * for an object that went through JSON, the same JSON (indefinite lengths
 * become definite on the way, so then only its well-formedness is left).
 */
static inline void check_same_payload(const unsigned char *sent, size_t sent_len,
				      const unsigned char *got, size_t got_len,
				      bool via_json)
{
	if (!via_json) {
		CHECK(same_bytes(got, got_len, sent, sent_len));
	} else if (cbor_definite_only(sent, sent_len)) {
		struct buf a = { 0 }, b = { 0 };
		must_json(sent, sent_len, &a);
		must_json(got, got_len, &b);
		CHECK(same_bytes(a.data, a.len, b.data, b.len));
		buf_free(&a);
		buf_free(&b);
	} else {
		CHECK(cbor_check(got, got_len, NULL) == NULL);
	}
}

/* ---- decoding a whole buffer into records ---- */

/* What a decoder handed on: the first record kept, the rest counted. */
struct decoded {
	int records, bads;
	char tag[TAG_MAX + 1];
	size_t tag_len;
	bool has_tag;
	struct buf data;
};

static int decoded_record(void *ctx, const struct record *r)
{
	struct decoded *d = ctx;
	if (d->records++ == 0) {
		d->has_tag = r->tag != NULL;
		d->tag_len = r->tag_len;
		CHECK(r->tag_len <= TAG_MAX);
		if (r->tag_len)
			memcpy(d->tag, r->tag, r->tag_len);
		d->data.len = 0;
		CHECK(buf_append(&d->data, r->data, r->len) == 0);
	}
	return 0;
}

static int decoded_bad(void *ctx, uint64_t recno, const char *reason,
		       const char *then)
{
	struct decoded *d = ctx;
	(void)then;
	(void)recno;
	(void)reason;
	d->bads++;
	return 0;
}

/* All of p as the stdin records of a tool with config c. */
static inline void decode_all(const struct record_config *c, const unsigned char *p,
			      size_t n, struct decoded *out)
{
	struct framing_decoder d;
	const struct record_sink sink = { out, decoded_record, decoded_bad };

	out->records = out->bads = 0;
	framing_decoder_init(&d, c->framing, c->tagged, record_config_json_texts(c), c->max_size);
	framing_decoder_feed(&d, p, n, &sink);
	framing_decoder_finish(&d, &sink);
	framing_decoder_free(&d);
}

/*
 * Reads back the stdout record that one rxws wrote (out), as the stdin of
 * another with the same options: it must be exactly one record, and make
 * a frame. The config c2 is the same as the writer's, with a larger
 * --max-size: JSON takes more room than the CBOR it stands for.
 */
static inline void read_back(const struct record_config *c2, struct converter *conv,
			     const unsigned char *out, size_t out_len,
			     struct decoded *rec, struct outgoing *frame)
{
	decode_all(c2, out, out_len, rec);
	CHECK(rec->records == 1 && rec->bads == 0);

	struct record r = { .recno = 1, .data = rec->data.data, .len = rec->data.len,
			    .tag = rec->has_tag ? rec->tag : NULL,
			    .tag_len = rec->tag_len };
	const char *why = record_to_frame(conv, &r, frame);
	if (why)
		fprintf(stderr, "record_to_frame on read back: %s\n", why);
	CHECK(why == NULL);
}

#endif
