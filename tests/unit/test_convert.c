/* records/convert: envelopes carry a received message's position, and read past one. */
#include "records/convert.h"

#include <string.h>

#include "records/cbor_item.h"
#include "records/record_config.h"
#include "unit.h"

#define POS "0123456789abcdef:42"

static struct record_config config(enum framing framing, bool tagged)
{
	struct record_config rc = {
		.datatype = DATATYPE_STRING, .framing = framing, .tagged = tagged,
		.chunk_size = 4096, .max_size = 1 << 20,
	};
	return rc;
}

TEST(json_envelopes_carry_pos_after_the_tag_when_there_is_one)
{
	struct record_config rc = config(FRAMING_JSON, false);
	struct converter c;
	struct buf out = { 0 };
	const char with[] = "{\"tag\":\"/p\",\"pos\":\"" POS "\",\"type\":\"string\",\"data\":\"hi\"}\n";
	const char without[] = "{\"tag\":\"/p\",\"type\":\"string\",\"data\":\"hi\"}\n";

	converter_init(&c, &rc);
	if (CHECK_OK(frame_to_record(&c, &out, "/p", 2, POS, DATATYPE_STRING, false,
				     (const unsigned char *)"hi", 2)))
		CHECK_MEM(out.data, out.len, with, strlen(with));
	out.len = 0;
	if (CHECK_OK(frame_to_record(&c, &out, "/p", 2, NULL, DATATYPE_STRING, false,
				     (const unsigned char *)"hi", 2)))
		CHECK_MEM(out.data, out.len, without, strlen(without));
	/* Plain framings: the record is the data, position or not. */
	struct record_config lines = config(FRAMING_LINE, false);
	struct converter plain;
	converter_init(&plain, &lines);
	out.len = 0;
	if (CHECK_OK(frame_to_record(&plain, &out, "/p", 2, POS, DATATYPE_STRING, false,
				     (const unsigned char *)"hi", 2)))
		CHECK_MEM(out.data, out.len, "hi\n", 3);
	converter_free(&plain);
	converter_free(&c);
	buf_free(&out);
}

TEST(cbor_envelopes_carry_pos_as_a_fourth_member)
{
	struct record_config rc = config(FRAMING_CBOR, true);
	struct converter c;
	struct buf out = { 0 };

	converter_init(&c, &rc);
	if (!CHECK_OK(frame_to_record(&c, &out, "/p", 2, POS, DATATYPE_BYTES, true,
				      (const unsigned char *)"\x00\xff", 2)))
		goto done;
	CHECK_OK(cbor_check(out.data, out.len, NULL));
	/* A map of 4: "tag" "/p" "pos" POS ... */
	static const unsigned char head[] = { 0xa4, 0x63, 't', 'a', 'g', 0x62, '/', 'p',
					      0x63, 'p', 'o', 's', 0x60 + 19 };
	if (CHECK_UINT(out.len, >, sizeof(head)))
		CHECK_MEM(out.data, sizeof(head), head, sizeof(head));
	CHECK_MEM(out.data + sizeof(head), 19, POS, 19);
done:
	converter_free(&c);
	buf_free(&out);
}

TEST(envelopes_read_on_stdin_may_carry_pos_and_it_is_ignored)
{
	struct record_config rc = config(FRAMING_JSON, true);
	struct converter c;
	const char text[] = "{\"tag\":\"/p\",\"pos\":\"" POS "\",\"type\":\"string\",\"data\":\"hi\"}";
	struct record rec = { 1, NULL, 0, (const unsigned char *)text, strlen(text) };
	struct outgoing g;

	converter_init(&c, &rc);
	if (CHECK_OK(record_to_frame(&c, &rec, &g))) {
		CHECK_MEM(g.tag, g.tag_len, "/p", 2);
		CHECK_MEM(g.data, g.len, "hi", 2);
		CHECK_INT(g.kind, ==, FRAME_TEXT);
	}
	/* Whatever it holds: it is not read. */
	const char odd[] = "{\"pos\":[1,{}],\"tag\":\"/p\",\"data\":\"x\"}";
	rec.data = (const unsigned char *)odd;
	rec.len = strlen(odd);
	CHECK_OK(record_to_frame(&c, &rec, &g));
	converter_free(&c);
}

const struct unit_test unit_tests[] = {
	RUN(json_envelopes_carry_pos_after_the_tag_when_there_is_one),
	RUN(cbor_envelopes_carry_pos_as_a_fourth_member),
	RUN(envelopes_read_on_stdin_may_carry_pos_and_it_is_ignored),
	{ NULL, NULL },
};
