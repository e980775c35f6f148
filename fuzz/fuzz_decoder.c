/*
 * fuzz_decoder: the stdin record decoder (framing.h), every framing.
 *
 * Input: byte 0 picks the framing (bits 0-2, mod 6: line nul lp raw json
 * cbor), tagged (bit 3; not raw) and JSON texts (bit 4: line and nul
 * records of object paths); byte 1 --max-size (fuzz_max_size); byte 2 how
 * the rest is cut into chunks (0: one byte at a time); byte 3 stops the
 * decoding from the sink at its Nth callback, as --strict does (0: never).
 * The rest is stdin.
 *
 * Checks, beyond no crash, leak or sanitizer report:
 *  - record numbers go 1, 2, 3... over records and bad records alike;
 *  - no record is longer than --max-size (or framing_record_max(), for
 *    envelopes and JSON texts), and no tag longer than TAG_MAX;
 *    a tagged record has a valid tag (framing_tag_problem), an untagged one none;
 *  - line and json records hold no newline, nul records no NUL; every cbor
 *    record is one well-formed item (cbor_check);
 *  - a stop asked for by the sink is returned by framing_decoder_feed, and nothing
 *    is handed on after it;
 *  - the input cut into chunks at arbitrary points gives the same records
 *    and bad records as the input fed whole (raw: the records put together
 *    are the input, one per read, none empty);
 *  - the records, written back with framing_encode() and decoded again,
 *    are the same records, with no bad one.
 */
#include "fuzz.h"

struct run {
	const struct framing_decoder *dec;
	uint64_t last_recno;
	unsigned calls, stop_at;	/* stop at this callback; 0: never */
	unsigned bads;
	bool stopped;
	struct buf events;	/* what was handed on, for comparing runs */
	struct buf records;	/* the records only, without their numbers */
	struct buf encoded;	/* the records as framing_encode() writes them */
};

static void put_u64(struct buf *b, uint64_t v)
{
	CHECK(buf_append(b, &v, sizeof(v)) == 0);
}

static void put_field(struct buf *b, const void *p, size_t n)
{
	put_u64(b, n);
	CHECK(buf_append(b, p, n) == 0);
}

static int next_call(struct run *r, uint64_t recno)
{
	CHECK(!r->stopped);
	CHECK(recno == r->last_recno + 1);
	r->last_recno = recno;
	if (r->stop_at && ++r->calls == r->stop_at) {
		r->stopped = true;
		return 65;	/* EXIT_DATAERR, as --strict */
	}
	return 0;
}

static int on_record(void *ctx, const struct record *rec)
{
	struct run *r = ctx;
	const struct framing_decoder *d = r->dec;

	CHECK(rec->len <= d->max_record);
	CHECK(rec->len == 0 || rec->data != NULL);
	if (d->tagged) {
		CHECK(rec->tag != NULL && rec->tag_len <= TAG_MAX);
		CHECK(framing_tag_problem(rec->tag, rec->tag_len) == NULL);
	} else {
		CHECK(rec->tag == NULL && rec->tag_len == 0);
	}
	switch (d->framing) {
	case FRAMING_LINE:
	case FRAMING_JSON:
		CHECK(!memchr(rec->data, '\n', rec->len));
		break;
	case FRAMING_NUL:
		CHECK(!memchr(rec->data, '\0', rec->len));
		break;
	case FRAMING_CBOR:
		CHECK(cbor_check(rec->data, rec->len, NULL) == NULL);
		break;
	case FRAMING_RAW:
		CHECK(rec->len > 0);
		break;
	case FRAMING_LP:
		break;
	}

	CHECK(buf_append_byte(&r->events, 'R') == 0);
	put_u64(&r->events, rec->recno);
	put_field(&r->events, rec->tag, rec->tag_len);
	put_field(&r->events, rec->data, rec->len);
	put_field(&r->records, rec->tag, rec->tag_len);
	put_field(&r->records, rec->data, rec->len);
	/* Envelopes are written elsewhere; a json record is a line. */
	enum framing as = d->framing == FRAMING_JSON ? FRAMING_LINE : d->framing;
	CHECK(framing_encode(&r->encoded, as, rec->tag, rec->tag_len,
			    rec->data, rec->len) == 0);
	return next_call(r, rec->recno);
}

static int on_bad(void *ctx, uint64_t recno, const char *reason,
		  const char *then)
{
	struct run *r = ctx;

	CHECK(reason != NULL && reason[0] != '\0');
	r->bads++;
	CHECK(buf_append_byte(&r->events, 'B') == 0);
	put_u64(&r->events, recno);
	/* Sizes in a reason depend on where a chunk ended: leave them out. */
	for (const char *s = reason; *s; s++)
		if (*s < '0' || *s > '9')
			CHECK(buf_append_byte(&r->events, (unsigned char)*s) == 0);
	CHECK(buf_append_byte(&r->events, 0) == 0);
	/* What the decoder does next, when it says, is part of the event. */
	CHECK(then == NULL || then[0] != '\0');
	for (const char *s = then ? then : ""; *s; s++)
		if (*s < '0' || *s > '9')
			CHECK(buf_append_byte(&r->events, (unsigned char)*s) == 0);
	CHECK(buf_append_byte(&r->events, 0) == 0);
	return next_call(r, recno);
}

/*
 * Feeds p in chunks (the seed says how; raw feeds are at most max_size, as
 * the reader cuts them at --chunk-size), then ends the input; stops as the
 * reader does.
 */
static void decode(struct run *r, enum framing f, bool tagged, bool json_texts,
		   size_t max_size, const uint8_t *p, size_t n, int seed,
		   unsigned stop_at)
{
	struct framing_decoder d;
	const struct record_sink sink = { r, on_record, on_bad };
	uint32_t rng = (uint32_t)seed * 2654435761u + 1;
	size_t most = seed < 0 ? n : seed == 0 ? 1 : 1 + (size_t)(seed & 0x3f) * (seed & 0x3f);

	memset(r, 0, sizeof(*r));
	r->stop_at = stop_at;
	framing_decoder_init(&d, f, tagged, json_texts, max_size);
	r->dec = &d;
	while (n) {
		size_t k = most <= 1 ? most : 1 + rng_next(&rng) % most;
		/*
		 * An empty feed now and then: a no-op, but for raw, where it
		 * takes a record number (the reader never makes one).
		 */
		if (seed >= 0 && rng_next(&rng) % 16 == 0 && f != FRAMING_RAW)
			k = 0;
		if (k > n)
			k = n;
		if (f == FRAMING_RAW && k > max_size)
			k = max_size;
		int rc = framing_decoder_feed(&d, p, k, &sink);
		CHECK(rc == (r->stopped ? 65 : 0));
		if (rc)
			goto out;
		p += k;
		n -= k;
	}
	int rc = framing_decoder_finish(&d, &sink);
	CHECK(rc == (r->stopped ? 65 : 0));
out:
	framing_decoder_free(&d);
}

static void run_free(struct run *r)
{
	buf_free(&r->events);
	buf_free(&r->records);
	buf_free(&r->encoded);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t sel = take_byte(&data, &size);
	enum framing f = (enum framing)((sel & 7) % 6);
	bool tagged = (sel & 8) && f != FRAMING_RAW;	/* settle() refuses both */
	bool json_texts = sel & 16;
	size_t max_size = fuzz_max_size(take_byte(&data, &size));
	int seed = take_byte(&data, &size);
	unsigned stop_at = take_byte(&data, &size);
	struct run whole, cut, again;

	decode(&whole, f, tagged, json_texts, max_size, data, size, -1, stop_at);
	decode(&cut, f, tagged, json_texts, max_size, data, size, seed, stop_at);

	if (f == FRAMING_RAW) {
		/* One record a read: they differ, but together are the input. */
		CHECK(whole.stopped || same_bytes(whole.encoded.data, whole.encoded.len,
						  data, size));
		CHECK(cut.stopped || same_bytes(cut.encoded.data, cut.encoded.len,
						data, size));
	} else {
		CHECK(same_bytes(whole.events.data, whole.events.len,
				 cut.events.data, cut.events.len));

		/* Written back and read again: the same records, none bad. */
		decode(&again, f, tagged, json_texts, max_size, whole.encoded.data,
		       whole.encoded.len, -1, 0);
		CHECK(same_bytes(again.records.data, again.records.len,
				 whole.records.data, whole.records.len));
		CHECK(again.bads == 0);
		run_free(&again);
	}
	run_free(&whole);
	run_free(&cut);
	return 0;
}
