/* app/state_codec: the text of a --state file, as rxws writes it and by hand. */
#include "app/state_codec.h"

#include <string.h>

#include "unit.h"

#define EPOCH "0123456789abcdef"

/* What a parse found: the lines. */
struct found {
	struct state_line lines[8];
	size_t n;
	const char *refuse;	/* a line's why from the callback, when set */
};

static const char *take(void *arg, const struct state_line *l)
{
	struct found *f = arg;
	if (f->refuse)
		return f->refuse;
	if (f->n < N_OF(f->lines))
		f->lines[f->n] = *l;
	f->n++;
	return NULL;
}

static const char *parse(const char *text, size_t n, struct found *f, size_t *line_no)
{
	memset(f, 0, sizeof(*f));
	return state_parse((const unsigned char *)text, n, take, f, line_no);
}

static struct state_line line(const char *path, uint64_t offset)
{
	struct state_line l = { path, strlen(path), { EPOCH, offset } };
	return l;
}

TEST(state_put_writes_the_header_then_a_line_per_path)
{
	struct buf b = { 0 };
	struct state_line lines[] = { line("/a", 7), line("/b c", 0), line("/z", UINT64_MAX) };
	const char text[] = STATE_HEADER EPOCH ":7 /a\n" EPOCH ":0 /b c\n"
			    EPOCH ":18446744073709551615 /z\n";

	if (CHECK_INT(state_put(&b, lines, 3), ==, 0))
		CHECK_MEM(b.data, b.len, text, strlen(text));
	/* No paths yet: the header alone. */
	b.len = 0;
	if (CHECK_INT(state_put(&b, lines, 0), ==, 0))
		CHECK_MEM(b.data, b.len, STATE_HEADER, STATE_HEADER_LEN);
	/* Over the buffer's bound: -1, not a file cut short. */
	b.len = 0;
	b.max = b.cap = 0;
	buf_free(&b);
	b.max = STATE_HEADER_LEN + 4;
	CHECK_INT(state_put(&b, lines, 1), ==, -1);
	buf_free(&b);
}

TEST(state_parse_reads_back_what_state_put_wrote)
{
	struct buf b = { 0 };
	struct state_line lines[] = { line("/a", 1), line("/b", 22), line("/c", 333) };
	struct found f;
	size_t line_no;

	if (!CHECK_INT(state_put(&b, lines, 3), ==, 0) ||
	    !CHECK_OK(parse((const char *)b.data, b.len, &f, &line_no)) ||
	    !CHECK_UINT(f.n, ==, 3)) {
		buf_free(&b);
		return;
	}
	for (size_t i = 0; i < 3; i++) {
		CHECK_MEM(f.lines[i].path, f.lines[i].path_len, lines[i].path, lines[i].path_len);
		CHECK_STR(f.lines[i].pos.epoch, EPOCH);
		CHECK_UINT(f.lines[i].pos.offset, ==, lines[i].pos.offset);
	}
	buf_free(&b);
}

TEST(state_parse_reads_a_file_written_by_hand)
{
	static const char *const texts[] = {
		"rxws-state 1\n" EPOCH ":5 /log\n",
		"rxws-state 1\n" EPOCH ":5 /log",			/* no last newline */
		"rxws-state 1\n\n# where the log is\n   \n" EPOCH ":5 /log\n\n",
	};
	for (size_t i = 0; i < N_OF(texts); i++) {
		struct found f;
		size_t line_no;
		CASE("%s", unit_show(texts[i], strlen(texts[i])));
		if (!CHECK_OK(parse(texts[i], strlen(texts[i]), &f, &line_no)) ||
		    !CHECK_UINT(f.n, ==, 1))
			continue;
		CHECK_MEM(f.lines[0].path, f.lines[0].path_len, "/log", 4);
		CHECK_UINT(f.lines[0].pos.offset, ==, 5);
	}
	/* Empty (made, never written), or a header alone: no positions. */
	struct found f;
	size_t line_no;
	CHECK_OK(parse("", 0, &f, &line_no));
	CHECK_OK(parse("rxws-state 1", 12, &f, &line_no));
	CHECK_UINT(f.n, ==, 0);
}

TEST(state_parse_refuses_what_is_not_a_state_file_and_names_the_line)
{
	static const struct {
		const char *text, *why;
		size_t line;
	} bad[] = {
		{ "hello\n", "its first line is not \"rxws-state 1\"", 1 },
		{ "rxws-state 2\n", "its first line", 1 },
		{ "rxws-state 1x", "its first line", 1 },
		{ "rxws-state", "its first line", 1 },
		{ "rxws-state 1\n" EPOCH ":5\n", "expected a position, a space and a path", 2 },
		{ "rxws-state 1\n\n12:5 /a\n", "not a position", 3 },
		{ "rxws-state 1\n" EPOCH ":5 a\n", "not a path: tag must be a path", 2 },
		{ "rxws-state 1\n" EPOCH ":5 /a\x01\n", "not a path: path has control", 2 },
		{ "rxws-state 1\n" EPOCH ":5 \n", "not a path: empty", 2 },
	};
	for (size_t i = 0; i < N_OF(bad); i++) {
		struct found f;
		size_t line_no = 99;
		CASE("%s", unit_show(bad[i].text, strlen(bad[i].text)));
		CHECK_FAILS(parse(bad[i].text, strlen(bad[i].text), &f, &line_no),
			    bad[i].why);
		CHECK_UINT(line_no, ==, bad[i].line);
	}
	/* What the caller refuses (a path twice, say) stops the parse at its line. */
	struct found f;
	size_t line_no;
	const char text[] = "rxws-state 1\n# x\n" EPOCH ":5 /a\n";
	memset(&f, 0, sizeof(f));
	f.refuse = "the path /a comes twice";
	CHECK_FAILS(state_parse((const unsigned char *)text, strlen(text), take, &f, &line_no), "comes twice");
	CHECK_UINT(line_no, ==, 3);
}

const struct unit_test unit_tests[] = {
	RUN(state_put_writes_the_header_then_a_line_per_path),
	RUN(state_parse_reads_back_what_state_put_wrote),
	RUN(state_parse_reads_a_file_written_by_hand),
	RUN(state_parse_refuses_what_is_not_a_state_file_and_names_the_line),
	{ NULL, NULL },
};
