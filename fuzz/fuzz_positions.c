/*
 * fuzz_positions: what a client with positions reads (rxws(7), HISTORY AND
 * RECOVERY): the frames of rxws.pos, split into a position and data
 * (position_split) or read as notices (position_read_notice), as
 * recovery.c reads them; and a --state file (state_parse), as
 * state_file.c reads it at start.
 *
 * Input: byte 0, bit 0: 0, a frame (the rest of the input); 1, a state file.
 *
 * Checks, beyond no crash, leak or sanitizer report:
 *  - a frame that splits is a position, a newline, then its data, within
 *    the input; it is no notice; its position written back parses to the
 *    same; a frame that starts with '!' never splits;
 *  - a notice read is of a kind, and head, live and gap notices written
 *    back (position.h's writers) read back to the same fields; what fails
 *    says why;
 *  - a state file read gives lines with valid positions and paths of at
 *    most STATE_PATH_MAX bytes, each path once; written back (state_put,
 *    as state_file.c writes the file) they read back to the same lines.
 */
#include "fuzz.h"
#include "app/state_codec.h"
#include "ws/position.h"

static void frame(const uint8_t *p, size_t n)
{
	struct position pos, again;
	size_t at = 0;

	if (position_split(p, n, &pos, &at)) {
		CHECK(!position_is_notice(p, n));
		CHECK(at >= POSITION_EPOCH_LEN + 3 && at <= n && p[at - 1] == '\n');
		CHECK(position_parse((const char *)p, at - 1, &again) == NULL);
		CHECK(!strcmp(again.epoch, pos.epoch) && again.offset == pos.offset);
		char text[POSITION_MAX];
		size_t len = position_format(text, pos.epoch, pos.offset);
		CHECK(position_parse(text, len, &again) == NULL && again.offset == pos.offset);
		return;
	}
	if (!position_is_notice(p, n))
		return;

	struct position_notice note, back;
	const char *why = position_read_notice(p, n, &note);
	if (why) {
		CHECK(*why != '\0');
		return;
	}
	char text[POSITION_NOTICE_MAX];
	size_t len;
	switch (note.kind) {
	case NOTICE_HEAD:
	case NOTICE_LIVE:
		len = note.kind == NOTICE_HEAD
			? position_notice_head(text, note.at.epoch, note.at.offset)
			: position_notice_live(text, note.at.epoch, note.at.offset);
		CHECK(position_read_notice((const uint8_t *)text, len, &back) == NULL);
		CHECK(back.kind == note.kind && !strcmp(back.at.epoch, note.at.epoch) &&
		      back.at.offset == note.at.offset);
		break;
	case NOTICE_GAP:
		len = position_notice_gap(text, note.from.epoch, note.from.offset, note.to.epoch,
					  note.to.offset, note.count, note.count_known, note.reason);
		CHECK(position_read_notice((const uint8_t *)text, len, &back) == NULL);
		CHECK(back.kind == NOTICE_GAP && back.from.offset == note.from.offset &&
		      back.to.offset == note.to.offset && back.count == note.count &&
		      back.count_known == note.count_known && !strcmp(back.reason, note.reason));
		break;
	case NOTICE_OTHER:
		break;
	}
}

struct lines {
	struct state_line *l;
	size_t n, cap;
	bool again;		/* the second reading: compared, not kept */
	size_t at;
};

static const char *take(void *arg, const struct state_line *line)
{
	struct lines *ls = arg;

	CHECK(line->path_len && line->path_len <= STATE_PATH_MAX && line->path[0] == '/');
	if (ls->again) {
		const struct state_line *was = &ls->l[ls->at++];
		CHECK(same_bytes(was->path, was->path_len, line->path, line->path_len));
		CHECK(!strcmp(was->pos.epoch, line->pos.epoch) && was->pos.offset == line->pos.offset);
		return NULL;
	}
	for (size_t i = 0; i < ls->n; i++)
		if (same_bytes(ls->l[i].path, ls->l[i].path_len, line->path, line->path_len))
			return "the path comes twice";
	if (ls->n == ls->cap) {
		ls->cap = ls->cap ? 2 * ls->cap : 8;
		ls->l = realloc(ls->l, ls->cap * sizeof(*ls->l));
		CHECK(ls->l != NULL);
	}
	ls->l[ls->n++] = *line;
	return NULL;
}

static void state(const uint8_t *p, size_t n)
{
	struct lines ls = { 0 };
	size_t line_no;

	if (state_parse(p, n, take, &ls, &line_no)) {
		CHECK(line_no <= n + 1);
		free(ls.l);
		return;
	}
	/* Written back as state_file.c writes it, it reads back the same. */
	struct buf text = { 0 };
	CHECK(state_put(&text, ls.l, ls.n) == 0);
	ls.again = true;
	CHECK(state_parse(text.data, text.len, take, &ls, &line_no) == NULL);
	CHECK(ls.at == ls.n);
	buf_free(&text);
	free(ls.l);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t mode = take_byte(&data, &size);

	if (mode & 1)
		state(data, size);
	else
		frame(data, size);
	return 0;
}
