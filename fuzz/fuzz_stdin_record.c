/*
 * fuzz_stdin_record: stdin records to the frames sent (record_to_frame in
 * datatype.h), as the reader thread makes them: the decoder, then the
 * converter, for every framing, tagged or not, each datatype and --type
 * rules, json and cbor envelopes included.
 *
 * Input: byte 0 the config (fuzz_config: framing, tagged, datatype, --type
 * /s*=string /b*=bytes /o*=object), byte 1 --max-size (fuzz_max_size);
 * the rest is stdin, fed whole (raw: in reads of --max-size). How the
 * decoder copes with other cuts is fuzz_decoder's business.
 *
 * Checks, beyond no crash, leak or sanitizer report, for each frame:
 *  - it is no longer than --max-size; it has a valid tag when the tool is
 *    tagged, and none when not;
 *  - a text frame is UTF-8; a plain (not envelope) record of a string path
 *    makes a text frame, of a bytes or object path a binary one, and of an
 *    object path one well-formed CBOR item;
 *  - a peer with the same options accepts it (frame_to_record), and the
 *    stdout record it writes, read back as stdin by a third with the same
 *    options, is one record that makes the same frame: the same kind, tag
 *    and bytes, or for an object that went through JSON, the same JSON;
 *    unless it went through JSON, that third has the same --max-size too
 *    (the bound is the payload's: an envelope may be larger).
 */
#include "fuzz.h"
#include "base/utf8.h"

struct ctx {
	const struct record_config *cfg, *big;
	struct converter conv;		/* this tool's reader */
	struct converter peer;		/* the peer's loop, writing stdout */
	struct converter third;		/* reading that stdout back */
	struct converter same;		/* the same, with this --max-size */
	struct buf out;
	struct decoded back;
};

static int on_bad(void *ctx, uint64_t recno, const char *reason,
		  const char *then)
{
	(void)ctx;
	(void)then;
	(void)recno;
	CHECK(reason != NULL);
	return 0;
}

static int on_record(void *p, const struct record *rec)
{
	struct ctx *x = p;
	const struct record_config *cfg = x->cfg;
	bool envelope = cfg->framing == FRAMING_JSON || cfg->framing == FRAMING_CBOR;
	struct outgoing f;

	if (record_to_frame(&x->conv, rec, &f))
		return 0;
	CHECK(f.len <= cfg->max_size);
	if (cfg->tagged)
		CHECK(f.tag && f.tag_len <= TAG_MAX && !framing_tag_problem(f.tag, f.tag_len));
	else
		CHECK(f.tag == NULL);
	if (f.kind == FRAME_TEXT)
		CHECK(utf8_valid(f.data, f.len));

	const char *path = f.tag ? f.tag : "/p";
	size_t path_len = f.tag ? f.tag_len : 2;
	enum datatype type = fuzz_type_of(cfg, path, path_len);
	bool binary = f.kind == FRAME_BINARY;
	if (!envelope) {
		CHECK(binary == (type != DATATYPE_STRING));
		if (type == DATATYPE_OBJECT)
			CHECK(cbor_check(f.data, f.len, NULL) == NULL);
	}

	x->out.len = 0;
	const char *why = frame_to_record(&x->peer, &x->out, path, path_len,
					  NULL, type, binary, f.data, f.len);
	if (why)
		fprintf(stderr, "frame_to_record: %s\n", why);
	CHECK(why == NULL);

	struct outgoing g;
	read_back(x->big, &x->third, x->out.data, x->out.len, &x->back, &g);
	CHECK(g.kind == f.kind);
	if (cfg->tagged)
		CHECK(same_bytes(g.tag, g.tag_len, f.tag, f.tag_len));
	bool via_json = binary && type == DATATYPE_OBJECT &&
			(cfg->framing == FRAMING_LINE || cfg->framing == FRAMING_NUL ||
			 cfg->framing == FRAMING_JSON) &&
			cbor_check(f.data, f.len, NULL) == NULL;
	check_same_payload(f.data, f.len, g.data, g.len, via_json);
	if (!via_json) {
		read_back(cfg, &x->same, x->out.data, x->out.len, &x->back, &g);
		CHECK(g.kind == f.kind);
		check_same_payload(f.data, f.len, g.data, g.len, false);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct record_config cfg, big;
	uint8_t sel = take_byte(&data, &size);
	struct ctx x = { .cfg = &cfg, .big = &big };
	const struct record_sink sink = { &x, on_record, on_bad };
	struct framing_decoder d;

	fuzz_config(&cfg, sel, fuzz_max_size(take_byte(&data, &size)));
	fuzz_config(&big, sel, (size_t)1 << 26);
	converter_init(&x.conv, &cfg);
	converter_init(&x.peer, &cfg);
	converter_init(&x.third, &big);
	converter_init(&x.same, &cfg);

	framing_decoder_init(&d, cfg.framing, cfg.tagged, record_config_json_texts(&cfg),
		     cfg.max_size);
	while (size) {
		size_t k = cfg.framing == FRAMING_RAW && size > cfg.max_size
			 ? cfg.max_size : size;
		CHECK(framing_decoder_feed(&d, data, k, &sink) == 0);
		data += k;
		size -= k;
	}
	CHECK(framing_decoder_finish(&d, &sink) == 0);

	framing_decoder_free(&d);
	converter_free(&x.conv);
	converter_free(&x.peer);
	converter_free(&x.third);
	converter_free(&x.same);
	buf_free(&x.out);
	buf_free(&x.back.data);
	return 0;
}
