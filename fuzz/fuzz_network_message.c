/*
 * fuzz_network_message: messages from peers to stdout records
 * (frame_to_record in datatype.h), as the loop writes them, for every
 * framing, tagged or not, each datatype of the path, text and binary.
 *
 * Input: byte 0 the config (fuzz_config: framing, tagged, datatype, --type
 * /s*=string /b*=bytes /o*=object); byte 1: bit 0 a binary frame (else
 * text), bits 1-7 the length of the path, which follows (0, or a path the
 * server refuses by framing_tag_problem(): "/p"); the rest is the message. A text
 * frame that is not UTF-8 never gets this far (the connection is closed
 * with 1007); an empty message is passed as NULL, as a message of empty
 * fragments is.
 *
 * Checks, beyond no crash, leak or sanitizer report:
 *  - a message is refused exactly when rxws(7) says: under line, nul, lp
 *    and raw, a frame of the wrong kind for its path, or a binary frame on
 *    an object path that is not one CBOR item; under json and cbor, never;
 *    a refused message appends nothing, an accepted one only its record;
 *  - a json envelope is one line, a cbor one is one CBOR item;
 *  - the record, read back as stdin by a tool with the same options, is one
 *    record (but a line or nul payload holding its delimiter), tagged with
 *    the path when tagged, that makes the frame received: the same kind
 *    and bytes, or for an object written as JSON, the same JSON.
 */
#include "fuzz.h"
#include "base/utf8.h"

static const unsigned char before[] = "/x\tearlier record\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct record_config cfg, big;
	uint8_t sel = take_byte(&data, &size), b1 = take_byte(&data, &size);
	bool binary = b1 & 1;
	const char *path = "/p";
	size_t path_len = b1 >> 1;

	fuzz_config(&cfg, sel, 65536);
	fuzz_config(&big, sel, (size_t)1 << 26);
	if (path_len && path_len <= size &&
	    !framing_tag_problem((const char *)data, path_len)) {
		path = (const char *)data;
		data += path_len;
		size -= path_len;
	} else {
		path_len = 2;
	}
	if (!binary && !utf8_valid(data, size))
		return 0;
	const unsigned char *msg = size ? data : NULL;
	enum datatype type = fuzz_type_of(&cfg, path, path_len);
	bool envelope = cfg.framing == FRAMING_JSON || cfg.framing == FRAMING_CBOR;
	bool is_cbor = binary && cbor_check(msg, size, NULL) == NULL;
	bool refuse = !envelope && (binary != (type != DATATYPE_STRING) ||
				    (type == DATATYPE_OBJECT && !is_cbor));

	struct converter conv, third;
	struct buf out = { 0 };
	converter_init(&conv, &cfg);
	converter_init(&third, &big);
	CHECK(buf_append(&out, before, sizeof(before) - 1) == 0);
	const char *why = frame_to_record(&conv, &out, path, path_len, NULL, type,
					  binary, msg, size);
	CHECK((why != NULL) == refuse);
	CHECK(memcmp(out.data, before, sizeof(before) - 1) == 0);
	const unsigned char *rec = out.data + sizeof(before) - 1;
	size_t rec_len = out.len - (sizeof(before) - 1);
	if (why) {
		CHECK(rec_len == 0);
		goto done;
	}

	if (cfg.framing == FRAMING_JSON)
		CHECK(rec_len && rec[rec_len - 1] == '\n' &&
		      memchr(rec, '\n', rec_len) == rec + rec_len - 1);
	if (cfg.framing == FRAMING_CBOR)
		CHECK(cbor_check(rec, rec_len, NULL) == NULL);
	if (cfg.framing == FRAMING_RAW) {
		CHECK(same_bytes(rec, rec_len, msg, size));
		goto done;
	}
	bool via_json = binary && type == DATATYPE_OBJECT && is_cbor &&
			cfg.framing != FRAMING_LP && cfg.framing != FRAMING_CBOR;
	unsigned char delim = cfg.framing == FRAMING_LINE ? '\n' : '\0';
	if ((cfg.framing == FRAMING_LINE || cfg.framing == FRAMING_NUL) &&
	    !via_json && size && memchr(msg, delim, size))
		goto done;	/* written as it is: it reads back as more records */

	struct decoded back = { 0 };
	struct outgoing g;
	read_back(&big, &third, rec, rec_len, &back, &g);
	CHECK(g.kind == (binary ? FRAME_BINARY : FRAME_TEXT));
	if (cfg.tagged)
		CHECK(same_bytes(g.tag, g.tag_len, path, path_len));
	check_same_payload(msg, size, g.data, g.len, via_json);
	buf_free(&back.data);
done:
	converter_free(&conv);
	converter_free(&third);
	buf_free(&out);
	return 0;
}
