/* records/framing: stdin records cut by an incremental, bounded decoder; records written. */
#include "records/framing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

#define U(s) ((const unsigned char *)(s))

/*
 * What a decoder handed its sink, one line each: "R<recno> <tag>|<data>"
 * for a record, "B<recno> <reason> / <then>" for a bad one (reasons left
 * out when the sizes in them depend on where the input was cut).
 */
struct log {
	struct buf text;
	bool reasons;
	uint64_t stop_at;	/* the sink says stop after this record; 0: never */
};

static void say(struct log *l, const char *s)
{
	buf_append(&l->text, s, strlen(s));
}

static int on_record(void *ctx, const struct record *r)
{
	struct log *l = ctx;
	char head[64];

	snprintf(head, sizeof(head), "R%ju ", (uintmax_t)r->recno);
	say(l, head);
	if (r->tag)
		buf_append(&l->text, r->tag, r->tag_len);
	say(l, "|");
	if (r->len > 64) {	/* long ones by their length and ends */
		snprintf(head, sizeof(head), "<%zu bytes %c..%c>", r->len, r->data[0],
			 r->data[r->len - 1]);
		say(l, head);
	} else {
		buf_append(&l->text, r->data, r->len);
	}
	say(l, "\n");
	return l->stop_at && r->recno >= l->stop_at;
}

static int on_bad(void *ctx, uint64_t recno, const char *reason, const char *then)
{
	struct log *l = ctx;
	char head[32];

	snprintf(head, sizeof(head), "B%ju", (uintmax_t)recno);
	say(l, head);
	if (l->reasons) {
		say(l, " ");
		say(l, reason);
		say(l, " / ");
		say(l, then ? then : "-");
	}
	say(l, "\n");
	return 0;
}

struct setup {
	enum framing f;
	bool tagged, json_texts;
	size_t max_size;
};

/*
 * Decodes n bytes fed in pieces of `piece` (0: whole), then the end of
 * input; the log, NUL-terminated, for the caller to free.
 */
static char *decoded(const struct setup *s, const void *in, size_t n, size_t piece,
		     bool reasons)
{
	struct log l = { .reasons = reasons };
	const struct record_sink sink = { &l, on_record, on_bad };
	struct framing_decoder d;
	const unsigned char *p = in;

	framing_decoder_init(&d, s->f, s->tagged, s->json_texts, s->max_size);
	for (size_t pos = 0; pos < n;) {
		size_t k = piece && piece < n - pos ? piece : n - pos;
		framing_decoder_feed(&d, p + pos, k, &sink);
		pos += k;
	}
	framing_decoder_finish(&d, &sink);
	framing_decoder_free(&d);
	buf_append_byte(&l.text, '\0');
	return (char *)l.text.data;
}

/* The log of the whole input is want, with reasons. */
static void check_decoded(const struct setup *s, const void *in, size_t n, const char *want)
{
	char *got = decoded(s, in, n, 0, true);

	CHECK_STR(got, want);
	free(got);
}

/* Fed in pieces of every size, the same records and bad records as whole. */
static void check_any_cut(const struct setup *s, const void *in, size_t n)
{
	char *whole = decoded(s, in, n, 0, false);

	for (size_t piece = 1; piece < n; piece++) {
		char *got = decoded(s, in, n, piece, false);
		CASE("%s, in pieces of %zu", unit_show(in, n), piece);
		if (!CHECK_STR(got, whole))
			piece = n;	/* once is enough to say */
		free(got);
	}
	free(whole);
}

TEST(framing_names_and_parse_agree)
{
	static const char *const names[] = { "line", "nul", "lp", "raw", "json", "cbor" };

	for (int f = FRAMING_LINE; f <= FRAMING_CBOR; f++) {
		enum framing back;
		CASE("%s", names[f]);
		CHECK_STR(framing_name((enum framing)f), names[f]);
		CHECK_INT(framing_parse(names[f], &back), ==, 0);
		CHECK_INT(back, ==, f);
	}
	static const char *const bad[] = { "", "LINE", "lines", "nul ", "cbor2" };
	for (size_t i = 0; i < N_OF(bad); i++) {
		enum framing back;
		CASE("%s", bad[i]);
		CHECK_INT(framing_parse(bad[i], &back), ==, -1);
	}
}

/* JSON may take six bytes a byte; envelopes 16 KiB more for keys and tag. */
TEST(framing_record_max_allows_for_json_and_envelopes)
{
	CHECK_UINT(framing_record_max(FRAMING_LINE, false, 100), ==, 100);
	CHECK_UINT(framing_record_max(FRAMING_NUL, false, 100), ==, 100);
	CHECK_UINT(framing_record_max(FRAMING_LP, true, 100), ==, 100);
	CHECK_UINT(framing_record_max(FRAMING_RAW, true, 100), ==, 100);
	CHECK_UINT(framing_record_max(FRAMING_LINE, true, 100), ==, 600);
	CHECK_UINT(framing_record_max(FRAMING_NUL, true, 100), ==, 600);
	CHECK_UINT(framing_record_max(FRAMING_JSON, false, 100), ==, 600 + 16384);
	CHECK_UINT(framing_record_max(FRAMING_CBOR, false, 100), ==, 100 + 16384);
	CHECK_UINT(framing_record_max(FRAMING_CBOR, true, 100), ==, 100 + 16384);
	/* The largest --max-size options.c takes. */
	CHECK_UINT(framing_record_max(FRAMING_JSON, false, UINT32_MAX), ==,
		   6ull * UINT32_MAX + 16384);
	/*
	 * Never so large that a tag on top would overflow. Not checked where
	 * the sum wraps around first, beyond anything --max-size lets
	 * through: JSON at SIZE_MAX / 2 (which gives 16378), CBOR at
	 * SIZE_MAX - 100 (16283).
	 */
	CHECK_UINT(framing_record_max(FRAMING_LINE, false, SIZE_MAX), ==, SIZE_MAX / 2);
	CHECK_UINT(framing_record_max(FRAMING_CBOR, false, SIZE_MAX / 2), ==, SIZE_MAX / 2);
}

TEST(tag_problem_accepts_paths_and_says_what_is_wrong_with_others)
{
	static char longest[TAG_MAX + 1];
	static const struct {
		const char *tag;
		size_t len;
		const char *words;	/* NULL: a valid tag */
	} t[] = {
		{ "/", 1, NULL }, { "/news", 5, NULL }, { "/a b/c?d=e", 10, NULL },
		{ "/caf\xc3\xa9", 6, NULL }, { "/\x7e", 2, NULL },
		{ "", 0, "empty tag" },
		{ "news", 4, "must be a path starting with /" },
		{ " /a", 3, "must be a path" },
		{ "/a\tb", 4, "control characters" }, { "/a\x01", 3, "control characters" },
		{ "/a\x7f", 3, "control characters" }, { "/a\x00z", 4, "control characters" },
		{ "/\xff", 2, "not UTF-8" }, { "/\xc3", 2, "not UTF-8" },
		{ "/\xed\xa0\x80", 4, "not UTF-8" },
	};

	for (size_t i = 0; i < N_OF(t); i++) {
		CASE("%s", unit_show(t[i].tag, t[i].len));
		const char *why = framing_tag_problem(t[i].tag, t[i].len);
		if (t[i].words)
			CHECK_FAILS(why, t[i].words);
		else
			CHECK_OK(why);
	}
	memset(longest, 'a', sizeof(longest));
	longest[0] = '/';
	CASE("4096 bytes");
	CHECK_OK(framing_tag_problem(longest, TAG_MAX));
	CASE("4097 bytes");
	CHECK_FAILS(framing_tag_problem(longest, TAG_MAX + 1), "longer than 4096 bytes");
}

TEST(decoder_line_cuts_records_at_newlines_and_keeps_a_last_one_without)
{
	const struct setup s = { FRAMING_LINE, false, false, 100 };
	const char in[] = "alpha\nbeta\n\ngamma \r\ndelta";

	/* An empty line is an empty record; a CR is part of a record. */
	check_decoded(&s, in, sizeof(in) - 1, "R1 |alpha\nR2 |beta\nR3 |\nR4 |gamma \r\nR5 |delta\n");
	check_any_cut(&s, in, sizeof(in) - 1);
	check_decoded(&s, "", 0, "");
	check_decoded(&s, "\n", 1, "R1 |\n");
}

TEST(decoder_line_takes_max_size_bytes_and_reports_one_more)
{
	const struct setup s = { FRAMING_LINE, false, false, 5 };
	const char in[] = "12345\n123456\nok\n";

	check_decoded(&s, in, sizeof(in) - 1,
		      "R1 |12345\nB2 6 bytes is over --max-size (5) / -\nR3 |ok\n");
	check_any_cut(&s, in, sizeof(in) - 1);
}

/* Reported once, as soon as it is known, and its bytes are dropped up to the newline. */
TEST(decoder_line_drops_a_long_record_as_it_comes)
{
	const struct setup s = { FRAMING_LINE, false, false, 4 };
	const char in[] = "abcdefghijklmnopqrstuvwxyz\nnext\nabcdefghij";
	struct log l = { .reasons = false };
	const struct record_sink sink = { &l, on_record, on_bad };
	struct framing_decoder d;

	check_any_cut(&s, in, sizeof(in) - 1);
	check_decoded(&s, in, sizeof(in) - 1,
		      "B1 26 bytes is over --max-size (4) / -\nR2 |next\n"
		      "B3 10 bytes is over --max-size (4) / -\n");
	/* Fed in small pieces, it is reported before its end is there. */
	framing_decoder_init(&d, FRAMING_LINE, false, false, 4);
	framing_decoder_feed(&d, U("abc"), 3, &sink);
	framing_decoder_feed(&d, U("de"), 2, &sink);
	buf_append_byte(&l.text, '\0');
	CHECK_STR((char *)l.text.data, "B1\n");
	framing_decoder_free(&d);
	buf_free(&l.text);
}

TEST(decoder_nul_cuts_at_nul_bytes_and_keeps_newlines)
{
	const struct setup s = { FRAMING_NUL, false, false, 100 };
	const char in[] = "one\ntwo\0\0three";

	check_decoded(&s, in, sizeof(in) - 1, "R1 |one\ntwo\nR2 |\nR3 |three\n");
	check_any_cut(&s, in, sizeof(in) - 1);
}

/* A JSON text of an object path may be six times --max-size. */
TEST(decoder_line_of_json_texts_holds_six_times_max_size)
{
	const struct setup s = { FRAMING_LINE, false, true, 4 };
	char in[64];

	memset(in, 'x', sizeof(in));
	in[24] = '\n';
	in[50] = '\n';	/* 25 bytes: one too many */
	char *got = decoded(&s, in, 51, 0, true);
	CHECK_STR(got, "R1 |xxxxxxxxxxxxxxxxxxxxxxxx\n"
		       "B2 25 bytes is over --max-size (4), even for a JSON text (at most 24) / -\n");
	free(got);
}

TEST(decoder_tagged_line_splits_the_tag_at_the_first_tab)
{
	const struct setup s = { FRAMING_LINE, true, false, 100 };
	const char in[] = "/news\tfree coffee\n/a\t\n/b\tx\ty\nno tab\nnews\tx\n/c\x01\tx\n/ok\tlast";

	check_decoded(&s, in, sizeof(in) - 1,
		      "R1 /news|free coffee\nR2 /a|\nR3 /b|x\ty\n"
		      "B4 no tag: expected TAG<TAB>PAYLOAD / -\n"
		      "B5 tag must be a path starting with / / -\n"
		      "B6 path has control characters / -\nR7 /ok|last\n");
	check_any_cut(&s, in, sizeof(in) - 1);
}

/* --max-size is the payload's: the tag (up to 4096 bytes) comes on top. */
TEST(decoder_tagged_line_holds_max_size_after_the_longest_tag)
{
	const struct setup s = { FRAMING_LINE, true, false, 10 };
	size_t n = TAG_MAX + 1 + 10 + 1;
	char *in = malloc(2 * n + 1);

	if (!CHECK(in != NULL))
		return;
	memset(in, 't', n);
	in[0] = '/';
	in[TAG_MAX] = '\t';
	memset(in + TAG_MAX + 1, 'p', 10);
	in[n - 1] = '\n';
	memcpy(in + n, in, n);	/* again, with a payload of 11 */
	in[n + TAG_MAX + 1 + 10] = 'p';
	in[2 * n] = '\n';
	char *got = decoded(&s, in, 2 * n + 1, 0, false);
	CHECK(strncmp(got, "R1 /ttt", 7) == 0);
	CHECK(strstr(got, "|pppppppppp\nB2\n") != NULL);
	free(got);
	check_any_cut(&s, in, 2 * n + 1);
	free(in);
}

static size_t lp_field(unsigned char *w, const char *s, size_t n)
{
	w[0] = (unsigned char)(n >> 24);
	w[1] = (unsigned char)(n >> 16);
	w[2] = (unsigned char)(n >> 8);
	w[3] = (unsigned char)n;
	if (s)
		memcpy(w + 4, s, n);
	return 4 + n;
}

TEST(decoder_lp_reads_length_prefixed_records_of_any_bytes)
{
	const struct setup s = { FRAMING_LP, false, false, 100 };
	unsigned char in[64];
	size_t n = 0;

	n += lp_field(in + n, "abc", 3);
	n += lp_field(in + n, "", 0);
	n += lp_field(in + n, "a\nb\0c", 5);
	check_decoded(&s, in, n, "R1 |abc\nR2 |\nR3 |a\nb");	/* the log stops at the NUL */
	check_any_cut(&s, in, n);
}

TEST(decoder_lp_reports_a_length_over_max_size_before_its_bytes_come)
{
	const struct setup s = { FRAMING_LP, false, false, 4 };
	unsigned char in[64];
	size_t n = 0;
	struct log l = { .reasons = true };
	const struct record_sink sink = { &l, on_record, on_bad };
	struct framing_decoder d;

	n += lp_field(in + n, "1234", 4);
	n += lp_field(in + n, "12345", 5);
	n += lp_field(in + n, "1234567890", 10);
	n += lp_field(in + n, "ok", 2);
	check_decoded(&s, in, n,
		      "R1 |1234\nB2 length 5 is over --max-size (4) / skipping its 5 bytes\n"
		      "B3 length 10 is over --max-size (4) / skipping its 10 bytes\nR4 |ok\n");
	check_any_cut(&s, in, n);
	/* The header alone is enough. */
	framing_decoder_init(&d, FRAMING_LP, false, false, 4);
	framing_decoder_feed(&d, in + 17, 4, &sink);
	buf_append_byte(&l.text, '\0');
	CHECK_STR((char *)l.text.data, "B1 length 10 is over --max-size (4) / skipping its 10 bytes\n");
	framing_decoder_free(&d);
	buf_free(&l.text);
}

TEST(decoder_lp_tagged_reads_a_tag_field_then_a_payload_field)
{
	const struct setup s = { FRAMING_LP, true, false, 100 };
	static unsigned char in[2 * TAG_MAX + 100];
	static char long_tag[TAG_MAX + 1];
	size_t n = 0;

	n += lp_field(in + n, "/a", 2);
	n += lp_field(in + n, "hello", 5);
	n += lp_field(in + n, "/b", 2);
	n += lp_field(in + n, "", 0);
	n += lp_field(in + n, "nope", 4);	/* not a path: reported with its payload */
	n += lp_field(in + n, "x", 1);
	memset(long_tag, 'a', sizeof(long_tag));
	long_tag[0] = '/';
	n += lp_field(in + n, long_tag, TAG_MAX + 1);	/* skipped, and its payload */
	n += lp_field(in + n, "skipped", 7);
	n += lp_field(in + n, "/c", 2);
	n += lp_field(in + n, "last", 4);
	check_decoded(&s, in, n,
		      "R1 /a|hello\nR2 /b|\nB3 tag must be a path starting with / / -\n"
		      "B4 tag length 4097 is over 4096 / skipping its 4097 bytes and its payload\n"
		      "R5 /c|last\n");
	check_any_cut(&s, in, n);
}

TEST(decoder_lp_reports_a_record_cut_short_by_the_end_of_input)
{
	const struct setup s = { FRAMING_LP, false, false, 100 }, st = { FRAMING_LP, true, false, 100 };
	unsigned char in[32];
	size_t n = lp_field(in, "abcdef", 6);

	char *got = decoded(&s, in, 2, 0, true);
	CHECK_STR(got, "B1 truncated at end of input (header incomplete) / -\n");
	free(got);
	got = decoded(&s, in, n - 1, 0, true);
	CHECK_STR(got, "B1 truncated at end of input (body incomplete) / -\n");
	free(got);
	/* Tagged: a tag with no payload field yet. */
	n = lp_field(in, "/a", 2);
	got = decoded(&st, in, n, 0, true);
	CHECK_STR(got, "B1 truncated at end of input (header incomplete) / -\n");
	free(got);
}

TEST(decoder_raw_makes_each_piece_a_record)
{
	struct log l = { .reasons = true };
	const struct record_sink sink = { &l, on_record, on_bad };
	struct framing_decoder d;

	framing_decoder_init(&d, FRAMING_RAW, false, false, 100);
	framing_decoder_feed(&d, U("abc\n"), 4, &sink);
	framing_decoder_feed(&d, U("\0d"), 2, &sink);
	CHECK_MEM(l.text.data, l.text.len, "R1 |abc\n\nR2 |\0d\n", 16);
	/*
	 * Nothing makes no record. (Its number is used up all the same: the
	 * next record would be R4. Not checked.)
	 */
	framing_decoder_feed(&d, U(""), 0, &sink);
	framing_decoder_finish(&d, &sink);
	CHECK_UINT(l.text.len, ==, 16);
	framing_decoder_free(&d);
	buf_free(&l.text);
}

/* The json framing is lines; an envelope may be 6 x --max-size + 16 KiB. */
TEST(decoder_json_takes_lines_as_large_as_an_envelope_may_be)
{
	const struct setup s = { FRAMING_JSON, true, false, 10 };
	size_t most = 6 * 10 + ENVELOPE_ALLOWANCE;
	char *in = malloc(2 * most + 3);

	if (!CHECK(in != NULL))
		return;
	memset(in, 'j', 2 * most + 3);
	in[most] = '\n';
	in[2 * most + 2] = '\n';
	char *got = decoded(&s, in, 2 * most + 3, 0, true);
	char want[300];
	/* Untagged: envelopes carry their tags. */
	snprintf(want, sizeof(want),
		 "R1 |<%zu bytes j..j>\nB2 %zu bytes is over --max-size (10), even for a JSON "
		 "envelope (at most %zu) / -\n", most, most + 1, most);
	CHECK_STR(got, want);
	free(got);
	free(in);
}

TEST(decoder_cbor_cuts_a_sequence_into_items)
{
	const struct setup s = { FRAMING_CBOR, false, false, 100 };
	unsigned char in[64];
	size_t n = unit_hex("01 820102 a0 6161 5f4101ff f97bff", in, sizeof(in));

	check_decoded(&s, in, n,
		      "R1 |\x01\nR2 |\x82\x01\x02\nR3 |\xa0\nR4 |aa\nR5 |_A\x01\xff\nR6 |\xf9{\xff\n");
	check_any_cut(&s, in, n);
}

/* Reported as soon as its head says so; skipped as it comes; the next is read. */
TEST(decoder_cbor_skips_an_item_over_the_bound_and_goes_on)
{
	const struct setup s = { FRAMING_CBOR, false, false, 10 };
	size_t big = 10 + ENVELOPE_ALLOWANCE + 1, n = 0;
	unsigned char *in = malloc(big + 16);

	if (!CHECK(in != NULL))
		return;
	n += unit_hex("01", in + n, 1);
	in[n++] = 0x59;		/* a byte string of `big` bytes */
	in[n++] = (unsigned char)(big >> 8);
	in[n++] = (unsigned char)big;
	memset(in + n, 0xee, big);
	n += big;
	n += unit_hex("02", in + n, 1);
	char *got = decoded(&s, in, n, 0, true);
	char want[300];
	snprintf(want, sizeof(want),
		 "R1 |\x01\nB2 CBOR item of %zu bytes or more is over --max-size (10), even for a "
		 "CBOR envelope (at most %d) / skipping it\nR3 |\x02\n", big + 3,
		 10 + ENVELOPE_ALLOWANCE);
	CHECK_STR(got, want);
	free(got);
	for (size_t piece = 1; piece < 8; piece++) {
		char *whole = decoded(&s, in, n, 0, false), *cut = decoded(&s, in, n, piece, false);
		CASE("in pieces of %zu", piece);
		CHECK_STR(cut, whole);
		free(whole);
		free(cut);
	}
	free(in);
}

TEST(decoder_cbor_gives_up_on_the_rest_after_malformed_cbor)
{
	const struct setup s = { FRAMING_CBOR, false, false, 100 };
	unsigned char in[16];
	size_t n = unit_hex("01 ff 02 03", in, sizeof(in));

	check_decoded(&s, in, n,
		      "R1 |\x01\nB2 malformed CBOR: unexpected break / dropping the rest of the "
		      "input: no way to find the next record\n");
	check_any_cut(&s, in, n);
}

TEST(decoder_cbor_reports_an_item_cut_short_by_the_end_of_input)
{
	const struct setup s = { FRAMING_CBOR, false, false, 100 };
	unsigned char in[16];
	size_t n = unit_hex("01 8301", in, sizeof(in));

	check_decoded(&s, in, n, "R1 |\x01\nB2 truncated CBOR at end of input / -\n");
}

TEST(decoder_stops_when_the_sink_says_so)
{
	struct log l = { .reasons = false, .stop_at = 2 };
	const struct record_sink sink = { &l, on_record, on_bad };
	struct framing_decoder d;

	framing_decoder_init(&d, FRAMING_LINE, false, false, 100);
	CHECK_INT(framing_decoder_feed(&d, U("a\nb\nc\n"), 6, &sink), !=, 0);
	buf_append_byte(&l.text, '\0');
	CHECK_STR((char *)l.text.data, "R1 |a\nR2 |b\n");
	framing_decoder_free(&d);
	buf_free(&l.text);
}

TEST(encode_record_writes_each_framing)
{
	static const struct {
		enum framing f;
		const char *tag, *data;
		size_t len;
		const char *want;
		size_t want_len;
	} t[] = {
		{ FRAMING_LINE, NULL, "hi", 2, "hi\n", 3 },
		{ FRAMING_LINE, "/a", "hi", 2, "/a\thi\n", 6 },
		{ FRAMING_NUL, "/a", "x\ny", 3, "/a\tx\ny\0", 7 },
		{ FRAMING_LP, NULL, "hi", 2, "\0\0\0\2hi", 6 },
		{ FRAMING_LP, "/a", "hi", 2, "\0\0\0\2/a\0\0\0\2hi", 12 },
		{ FRAMING_LP, NULL, NULL, 0, "\0\0\0\0", 4 },
		{ FRAMING_RAW, NULL, "hi", 2, "hi", 2 },
		{ FRAMING_LINE, NULL, NULL, 0, "\n", 1 },	/* an empty message */
	};

	for (size_t i = 0; i < N_OF(t); i++) {
		struct buf out = { 0 };
		CASE("%s, %s", framing_name(t[i].f), t[i].tag ? t[i].tag : "untagged");
		CHECK_INT(framing_encode(&out, t[i].f, t[i].tag, t[i].tag ? strlen(t[i].tag) : 0,
					U(t[i].data), t[i].len), ==, 0);
		CHECK_MEM(out.data, out.len, t[i].want, t[i].want_len);
		buf_free(&out);
	}
}

/* What the encoder writes, the decoder reads back record for record. */
TEST(encode_record_reads_back_through_the_decoder)
{
	static const char *const tags[] = { "/a", "/news/today", "/" };
	static const char *const data[] = { "first", "", "with spaces and \xc3\xa9" };
	static const enum framing fs[] = { FRAMING_LINE, FRAMING_NUL, FRAMING_LP };

	for (size_t i = 0; i < N_OF(fs); i++) {
		for (int tagged = 0; tagged < 2; tagged++) {
			const struct setup s = { fs[i], tagged, false, 100 };
			struct buf out = { 0 };
			char want[256] = "";
			for (size_t k = 0; k < N_OF(data); k++) {
				framing_encode(&out, fs[i], tagged ? tags[k] : NULL,
					      tagged ? strlen(tags[k]) : 0, U(data[k]), strlen(data[k]));
				snprintf(want + strlen(want), sizeof(want) - strlen(want), "R%zu %s|%s\n",
					 k + 1, tagged ? tags[k] : "", data[k]);
			}
			CASE("%s, %s", framing_name(fs[i]), tagged ? "tagged" : "untagged");
			char *got = decoded(&s, out.data, out.len, 0, true);
			CHECK_STR(got, want);
			free(got);
			check_any_cut(&s, out.data, out.len);
			buf_free(&out);
		}
	}
}

const struct unit_test unit_tests[] = {
	RUN(framing_names_and_parse_agree),
	RUN(framing_record_max_allows_for_json_and_envelopes),
	RUN(tag_problem_accepts_paths_and_says_what_is_wrong_with_others),
	RUN(decoder_line_cuts_records_at_newlines_and_keeps_a_last_one_without),
	RUN(decoder_line_takes_max_size_bytes_and_reports_one_more),
	RUN(decoder_line_drops_a_long_record_as_it_comes),
	RUN(decoder_nul_cuts_at_nul_bytes_and_keeps_newlines),
	RUN(decoder_line_of_json_texts_holds_six_times_max_size),
	RUN(decoder_tagged_line_splits_the_tag_at_the_first_tab),
	RUN(decoder_tagged_line_holds_max_size_after_the_longest_tag),
	RUN(decoder_lp_reads_length_prefixed_records_of_any_bytes),
	RUN(decoder_lp_reports_a_length_over_max_size_before_its_bytes_come),
	RUN(decoder_lp_tagged_reads_a_tag_field_then_a_payload_field),
	RUN(decoder_lp_reports_a_record_cut_short_by_the_end_of_input),
	RUN(decoder_raw_makes_each_piece_a_record),
	RUN(decoder_json_takes_lines_as_large_as_an_envelope_may_be),
	RUN(decoder_cbor_cuts_a_sequence_into_items),
	RUN(decoder_cbor_skips_an_item_over_the_bound_and_goes_on),
	RUN(decoder_cbor_gives_up_on_the_rest_after_malformed_cbor),
	RUN(decoder_cbor_reports_an_item_cut_short_by_the_end_of_input),
	RUN(decoder_stops_when_the_sink_says_so),
	RUN(encode_record_writes_each_framing),
	RUN(encode_record_reads_back_through_the_decoder),
	{ NULL, NULL },
};
