/* ws/wsframe: WebSocket frames (RFC 6455 5) written and read, for either end. */
#include "ws/wsframe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "unit.h"

#define U(s) ((const unsigned char *)(s))

static const unsigned char key[4] = { 0x37, 0xfa, 0x21, 0x3d };

TEST(wsframe_write_writes_the_rfc6455_examples)
{
	unsigned char w[WS_HEAD_MAX + 16];
	unsigned char want[32];
	size_t n, wn;

	/* RFC 6455 5.7: "Hello", unmasked and masked; a fragment; a ping. */
	n = wsframe_write(w, WS_TEXT, true, false, U("Hello"), 5, NULL);
	wn = unit_hex("81 05 48656c6c6f", want, sizeof(want));
	CHECK_MEM(w, n, want, wn);
	n = wsframe_write(w, WS_TEXT, true, false, U("Hello"), 5, key);
	wn = unit_hex("81 85 37fa213d 7f9f4d5158", want, sizeof(want));
	CHECK_MEM(w, n, want, wn);
	n = wsframe_write(w, WS_TEXT, false, false, U("Hel"), 3, NULL);
	wn = unit_hex("01 03 48656c", want, sizeof(want));
	CHECK_MEM(w, n, want, wn);
	n = wsframe_write(w, WS_CONTINUATION, true, false, U("lo"), 2, NULL);
	wn = unit_hex("80 02 6c6f", want, sizeof(want));
	CHECK_MEM(w, n, want, wn);
	n = wsframe_write(w, WS_PONG, true, false, U("Hello"), 5, key);
	wn = unit_hex("8a 85 37fa213d 7f9f4d5158", want, sizeof(want));
	CHECK_MEM(w, n, want, wn);
	/* RSV1 marks a compressed message (RFC 7692). */
	n = wsframe_write(w, WS_BINARY, true, true, U("z"), 1, NULL);
	wn = unit_hex("c2 01 7a", want, sizeof(want));
	CHECK_MEM(w, n, want, wn);
	n = wsframe_write(w, WS_CLOSE, true, false, NULL, 0, NULL);
	wn = unit_hex("88 00", want, sizeof(want));
	CHECK_MEM(w, n, want, wn);
}

TEST(wsframe_write_gives_the_length_the_shortest_form)
{
	static const struct {
		size_t n;
		const char *head;
	} t[] = {
		{ 0, "8200" }, { 125, "827d" }, { 126, "827e007e" }, { 65535, "827effff" },
		{ 65536, "827f0000000000010000" }, { 100000, "827f00000000000186a0" },
	};
	unsigned char *payload = calloc(1, 100000), *w = malloc(WS_HEAD_MAX + 100000);

	if (!CHECK(payload && w))
		goto done;
	for (size_t i = 0; i < N_OF(t); i++) {
		unsigned char head[16];
		size_t hn = unit_hex(t[i].head, head, sizeof(head));
		CASE("%zu bytes", t[i].n);
		CHECK_UINT(wsframe_write(w, WS_BINARY, true, false, payload, t[i].n, NULL), ==,
			   hn + t[i].n);
		CHECK_MEM(w, hn, head, hn);
		/* Masked: the bit, and four bytes of key after the length. */
		CHECK_UINT(wsframe_write(w, WS_BINARY, true, false, payload, t[i].n, key), ==,
			   hn + 4 + t[i].n);
		CHECK_INT(w[1] & 0x80, ==, 0x80);
		CHECK_MEM(w + hn, 4, key, 4);
	}
done:
	free(payload);
	free(w);
}

/*
 * What a reader hands on, one line each: "M<T|B|Z> <message>" for each
 * message, its pieces joined (Z: compressed), "C<op> <payload>" for each
 * control frame. A piece out of place (a first in a message, no first to
 * start one) is logged as "!".
 */
struct log {
	struct buf text, message;
	bool in_message;
	int stop_after;		/* stop after this many messages; 0: never */
	int messages;
	int empty_pieces;	/* neither first nor final, and empty */
};

static int on_data(void *arg, const unsigned char *p, size_t n, bool first, bool final,
		   bool binary, bool compressed)
{
	struct log *l = arg;

	if (first == l->in_message)
		buf_append(&l->text, "!\n", 2);
	l->empty_pieces += !n && !first && !final;
	if (first)
		l->message.len = 0;
	l->in_message = !final;
	buf_append(&l->message, p, n);
	if (!final)
		return 0;
	buf_append(&l->text, compressed ? "MZ " : binary ? "MB " : "MT ", 3);
	buf_append(&l->text, l->message.data, l->message.len);
	buf_append(&l->text, "\n", 1);
	return l->stop_after && ++l->messages >= l->stop_after;
}

static int on_control(void *arg, enum ws_opcode op, const unsigned char *p, size_t n)
{
	struct log *l = arg;
	char head[8];

	snprintf(head, sizeof(head), "C%x ", op);
	buf_append(&l->text, head, strlen(head));
	buf_append(&l->text, p, n);
	buf_append(&l->text, "\n", 1);
	return 0;
}

struct reading {
	bool from_client, deflate;
	uint64_t max_message;
};

/*
 * Reads a copy of the n bytes in pieces of `piece` (0: whole); the log,
 * NUL-terminated, and the last result in *rc and *why.
 */
static char *read_frames(const struct reading *how, const unsigned char *in, size_t n,
			 size_t piece, enum wsframe_result *rc, const char **why)
{
	struct log l = { 0 };
	const struct wsframe_sink sink = { on_data, on_control, &l };
	struct wsframe_reader r = { .from_client = how->from_client, .deflate = how->deflate,
				    .max_message = how->max_message };
	unsigned char *copy = malloc(n ? n : 1);

	memcpy(copy, in, n);
	wsframe_reader_reset(&r);
	*rc = WSFRAME_OK;
	*why = NULL;
	for (size_t pos = 0; pos < n && *rc == WSFRAME_OK;) {
		size_t k = piece && piece < n - pos ? piece : n - pos;
		*rc = wsframe_read(&r, copy + pos, k, &sink, why);
		pos += k;
	}
	wsframe_reader_free(&r);
	free(copy);
	buf_free(&l.message);
	buf_append_byte(&l.text, '\0');
	return (char *)l.text.data;
}

static void check_read(const struct reading *how, const char *hex, const char *want)
{
	static unsigned char in[70000];
	size_t n = unit_hex(hex, in, sizeof(in));
	enum wsframe_result rc;
	const char *why;

	CASE("%s", hex);
	char *whole = read_frames(how, in, n, 0, &rc, &why);
	CHECK_INT(rc, ==, WSFRAME_OK);
	CHECK_OK(why);
	CHECK_STR(whole, want);
	/* Cut anywhere, the same messages and control frames. */
	for (size_t piece = 1; piece < n; piece++) {
		char *got = read_frames(how, in, n, piece, &rc, &why);
		CASE("%s in pieces of %zu", hex, piece);
		bool same = CHECK_INT(rc, ==, WSFRAME_OK) && CHECK_STR(got, whole);
		free(got);
		if (!same)
			break;
	}
	free(whole);
}

static const struct reading client = { .from_client = false },
			    server = { .from_client = true };

TEST(wsframe_read_reads_the_rfc6455_examples)
{
	check_read(&client, "81 05 48656c6c6f", "MT Hello\n");
	check_read(&server, "81 85 37fa213d 7f9f4d5158", "MT Hello\n");
	check_read(&client, "01 03 48656c  80 02 6c6f", "MT Hello\n");
	check_read(&client, "89 05 48656c6c6f", "C9 Hello\n");
	check_read(&server, "8a 85 37fa213d 7f9f4d5158", "Ca Hello\n");
}

/* RFC 6455 5.4: control frames may come between the fragments of a message. */
TEST(wsframe_read_takes_control_frames_inside_a_fragmented_message)
{
	check_read(&client, "02 01 61  89 01 70  00 01 62  8a 00  80 01 63  81 00",
		   "C9 p\nCa \nMB abc\nMT \n");
	/* Masked, each frame with its own key (cut anywhere: the key's place is kept). */
	check_read(&server, "01 82 01020304 6060  89 81 0a0b0c0d 7a  80 83 05060708 666262",
		   "C9 p\nMT abcde\n");
}

TEST(wsframe_read_hands_on_empty_frames_where_they_mean_something)
{
	struct log l = { 0 };
	const struct wsframe_sink sink = { on_data, on_control, &l };
	struct wsframe_reader r = { .from_client = false };
	unsigned char in[16];
	const char *why;

	check_read(&client, "81 00", "MT \n");
	check_read(&client, "88 00", "C8 \n");
	/* An empty fragment in the middle says nothing; an empty last one ends it. */
	check_read(&client, "01 01 61 00 00 00 01 62 80 00", "MT ab\n");
	wsframe_reader_reset(&r);
	size_t n = unit_hex("01 01 61 00 00 00 00 00 01 62 80 00", in, sizeof(in));
	CHECK_INT(wsframe_read(&r, in, n, &sink, &why), ==, WSFRAME_OK);
	CHECK_INT(l.empty_pieces, ==, 0);
	buf_append_byte(&l.text, '\0');
	CHECK_STR((char *)l.text.data, "MT ab\n");
	buf_free(&l.text);
	buf_free(&l.message);
}

TEST(wsframe_read_reads_the_long_length_forms)
{
	static unsigned char in[10 + 65536];
	static char want[3 + 65536 + 2];
	const struct reading how = { .from_client = false };

	for (int big = 0; big < 2; big++) {
		size_t n = big ? 65536 : 256;
		size_t hn = unit_hex(big ? "82 7f 0000000000010000" : "82 7e 0100", in, 10);
		enum wsframe_result rc;
		const char *why;
		memset(in + hn, 'A', n);
		memcpy(want, "MB ", 3);
		memset(want + 3, 'A', n);
		strcpy(want + 3 + n, "\n");
		CASE("%zu bytes", n);
		char *got = read_frames(&how, in, hn + n, 0, &rc, &why);
		CHECK_INT(rc, ==, WSFRAME_OK);
		CHECK_STR(got, want);
		free(got);
		got = read_frames(&how, in, hn + n, 1000, &rc, &why);
		CHECK_STR(got, want);
		free(got);
	}
}

TEST(wsframe_read_refuses_frames_that_break_rfc6455)
{
	static const struct {
		bool from_client;
		const char *hex, *words;
	} t[] = {
		{ true, "81 05 48656c6c6f", "an unmasked frame from the client" },
		{ false, "81 85 37fa213d 7f9f4d5158", "a masked frame from the server" },
		{ false, "a1 00", "RSV2 or RSV3 set" },
		{ false, "91 00", "RSV2 or RSV3 set" },
		{ false, "c1 00", "RSV1 set, with no compression agreed" },
		{ false, "c9 00", "RSV1 set on a control frame" },
		{ false, "83 00", "a frame with an unknown opcode" },
		{ false, "87 00", "unknown opcode" },
		{ false, "8b 00", "unknown opcode" },
		{ false, "8f 00", "unknown opcode" },
		{ false, "09 00", "a fragmented control frame" },
		{ false, "89 7e 007e", "a control frame over 125 bytes" },
		{ false, "80 00", "a continuation frame outside a message" },
		{ false, "00 01 61", "a continuation frame outside a message" },
		{ false, "01 01 61 01 01 62", "a new message inside a fragmented one" },
		{ false, "01 01 61 82 01 62", "a new message inside a fragmented one" },
		{ false, "82 7f 8000000000000000", "most significant bit set" },
	};

	for (size_t i = 0; i < N_OF(t); i++) {
		unsigned char in[32];
		size_t n = unit_hex(t[i].hex, in, sizeof(in));
		struct reading how = { .from_client = t[i].from_client };
		enum wsframe_result rc;
		const char *why;
		CASE("%s, from the %s", t[i].hex, t[i].from_client ? "client" : "server");
		free(read_frames(&how, in, n, 0, &rc, &why));
		CHECK_INT(rc, ==, WSFRAME_BAD);
		CHECK_FAILS(why, t[i].words);
		/* A byte at a time, the same: told at the first byte that shows it. */
		free(read_frames(&how, in, n, 1, &rc, &why));
		CHECK_INT(rc, ==, WSFRAME_BAD);
	}
}

/* RSV1 on a compressed message's continuation is an error too (RFC 7692 6.1). */
TEST(wsframe_read_marks_compressed_messages_when_deflate_is_agreed)
{
	const struct reading deflate = { .deflate = true };
	enum wsframe_result rc;
	const char *why;
	unsigned char in[16];
	size_t n;

	check_read(&deflate, "c1 01 78", "MZ x\n");
	check_read(&deflate, "41 01 78 80 01 79", "MZ xy\n");
	check_read(&deflate, "81 01 78", "MT x\n");
	n = unit_hex("41 01 78 c0 01 79", in, sizeof(in));
	free(read_frames(&deflate, in, n, 0, &rc, &why));
	CHECK_INT(rc, ==, WSFRAME_BAD);
	CHECK_FAILS(why, "RSV1 set on a continuation frame");
}

TEST(wsframe_read_refuses_a_message_over_the_limit_from_its_heads)
{
	const struct reading limited = { .max_message = 10 },
			     deflate = { .max_message = 10, .deflate = true };
	unsigned char in[64];
	size_t n;
	enum wsframe_result rc;
	const char *why;

	check_read(&limited, "82 0a 30313233343536373839", "MB 0123456789\n");
	/* Told by the head: the payload need not come. */
	n = unit_hex("82 0b", in, sizeof(in));
	char *got = read_frames(&limited, in, n, 0, &rc, &why);
	CHECK_INT(rc, ==, WSFRAME_TOO_BIG);
	CHECK_FAILS(why, "a message over the size limit");
	CHECK_STR(got, "");
	free(got);
	/* The fragments add up: 6 then 5, refused at the second head. */
	n = unit_hex("02 06 303132333435 80 05", in, sizeof(in));
	free(read_frames(&limited, in, n, 0, &rc, &why));
	CHECK_INT(rc, ==, WSFRAME_TOO_BIG);
	/* Control frames are not messages. */
	check_read(&limited, "89 0b 3031323334353637383930", "C9 01234567890\n");
	/* A compressed message is held to what it inflates to, elsewhere. */
	check_read(&deflate, "c2 0c 303132333435363738393031", "MZ 012345678901\n");
}

TEST(wsframe_read_stops_when_the_sink_says_so)
{
	struct log l = { .stop_after = 1 };
	const struct wsframe_sink sink = { on_data, on_control, &l };
	struct wsframe_reader r = { .from_client = false };
	unsigned char in[16];
	size_t n = unit_hex("81 01 61 81 01 62", in, sizeof(in));
	const char *why;

	wsframe_reader_reset(&r);
	CHECK_INT(wsframe_read(&r, in, n, &sink, &why), ==, WSFRAME_STOPPED);
	buf_append_byte(&l.text, '\0');
	CHECK_STR((char *)l.text.data, "MT a\n");
	buf_free(&l.text);
	buf_free(&l.message);
}

/*
 * An idle connection's reader holds nothing: a control frame that comes
 * whole is handed on where it lies, one in pieces is held until its end
 * and the memory given back then.
 */
TEST(wsframe_read_holds_a_control_frame_only_while_it_comes_in_pieces)
{
	struct log l = { 0 };
	const struct wsframe_sink sink = { on_data, on_control, &l };
	struct wsframe_reader r = { .from_client = false };
	unsigned char in[16];
	const char *why;
	size_t n = unit_hex("89 03 616263", in, sizeof(in));

	wsframe_reader_reset(&r);
	CHECK_INT(wsframe_read(&r, in, n, &sink, &why), ==, WSFRAME_OK);
	CHECK(r.control == NULL);
	n = unit_hex("89 03 61", in, sizeof(in));
	CHECK_INT(wsframe_read(&r, in, n, &sink, &why), ==, WSFRAME_OK);
	CHECK(r.control != NULL);
	n = unit_hex("6263", in, sizeof(in));
	CHECK_INT(wsframe_read(&r, in, n, &sink, &why), ==, WSFRAME_OK);
	CHECK(r.control == NULL);
	/* One dropped mid-frame gives back what it held. */
	n = unit_hex("8a 02 61", in, sizeof(in));
	CHECK_INT(wsframe_read(&r, in, n, &sink, &why), ==, WSFRAME_OK);
	wsframe_reader_free(&r);
	CHECK(r.control == NULL);
	buf_append_byte(&l.text, '\0');
	CHECK_STR((char *)l.text.data, "C9 abc\nC9 abc\n");
	buf_free(&l.text);
	buf_free(&l.message);
}

TEST(wsframe_reader_reset_forgets_the_frame_and_keeps_the_settings)
{
	struct log l = { 0 };
	const struct wsframe_sink sink = { on_data, on_control, &l };
	struct wsframe_reader r = { .from_client = true, .deflate = true, .max_message = 99 };
	unsigned char in[16];
	size_t n = unit_hex("01 81 00000000 61", in, sizeof(in));
	const char *why;

	wsframe_reader_reset(&r);
	CHECK_INT(wsframe_read(&r, in, n - 1, &sink, &why), ==, WSFRAME_OK);
	wsframe_reader_reset(&r);
	CHECK(r.from_client && r.deflate && r.max_message == 99);
	CHECK(!r.in_message && r.head_len == 0 && r.left == 0);
	/* A continuation now is outside any message. */
	n = unit_hex("80 80 00000000", in, sizeof(in));
	CHECK_INT(wsframe_read(&r, in, n, &sink, &why), ==, WSFRAME_BAD);
	buf_free(&l.text);
	buf_free(&l.message);
}

TEST(wsframe_close_code_valid_takes_the_codes_that_may_be_sent)
{
	static const struct {
		unsigned code;
		bool valid;
	} t[] = {
		{ 0, false }, { 999, false }, { 1000, true }, { 1001, true }, { 1002, true },
		{ 1003, true }, { 1004, false }, { 1005, false }, { 1006, false },
		{ 1007, true }, { 1008, true }, { 1009, true }, { 1010, true }, { 1011, true },
		{ 1012, false }, { 1014, false }, { 1015, false }, { 1016, false },
		{ 2000, false }, { 2999, false }, { 3000, true }, { 3999, true }, { 4000, true },
		{ 4999, true }, { 5000, false }, { 65535, false },
	};

	for (size_t i = 0; i < N_OF(t); i++) {
		CASE("%u", t[i].code);
		CHECK(wsframe_close_code_valid(t[i].code) == t[i].valid);
	}
}

TEST(wsframe_close_parse_reads_a_code_and_a_utf8_reason)
{
	static const struct {
		const char *hex;
		const char *words;	/* NULL: valid */
		unsigned code, fail_code;
	} t[] = {
		{ "", NULL, WS_CLOSE_NO_STATUS, 0 },
		{ "03e8", NULL, 1000, 0 },
		{ "03e8 627965", NULL, 1000, 0 },
		{ "0fa0 c3a9", NULL, 4000, 0 },
		{ "03", "a close frame of one byte", 0, 1002 },
		{ "03ed", "a code that may not be sent", 0, 1002 },	/* 1005 */
		{ "03ee", "a code that may not be sent", 0, 1002 },	/* 1006 */
		{ "0000", "a code that may not be sent", 0, 1002 },
		{ "03e8 ff", "reason is not UTF-8", 0, 1007 },
		{ "03e8 c3", "reason is not UTF-8", 0, 1007 },
	};

	for (size_t i = 0; i < N_OF(t); i++) {
		unsigned char in[16];
		size_t n = unit_hex(t[i].hex, in, sizeof(in));
		unsigned code = 0, fail = 0;
		CASE("%s", t[i].hex);
		const char *why = wsframe_close_parse(in, n, &code, &fail);
		if (t[i].words) {
			CHECK_FAILS(why, t[i].words);
			CHECK_UINT(fail, ==, t[i].fail_code);
		} else if (CHECK_OK(why)) {
			CHECK_UINT(code, ==, t[i].code);
		}
	}
}

const struct unit_test unit_tests[] = {
	RUN(wsframe_write_writes_the_rfc6455_examples),
	RUN(wsframe_write_gives_the_length_the_shortest_form),
	RUN(wsframe_read_reads_the_rfc6455_examples),
	RUN(wsframe_read_takes_control_frames_inside_a_fragmented_message),
	RUN(wsframe_read_hands_on_empty_frames_where_they_mean_something),
	RUN(wsframe_read_reads_the_long_length_forms),
	RUN(wsframe_read_refuses_frames_that_break_rfc6455),
	RUN(wsframe_read_marks_compressed_messages_when_deflate_is_agreed),
	RUN(wsframe_read_refuses_a_message_over_the_limit_from_its_heads),
	RUN(wsframe_read_stops_when_the_sink_says_so),
	RUN(wsframe_read_holds_a_control_frame_only_while_it_comes_in_pieces),
	RUN(wsframe_reader_reset_forgets_the_frame_and_keeps_the_settings),
	RUN(wsframe_close_code_valid_takes_the_codes_that_may_be_sent),
	RUN(wsframe_close_parse_reads_a_code_and_a_utf8_reason),
	{ NULL, NULL },
};
