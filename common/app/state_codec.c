/* state_codec: the text of a --state file (state_codec.h). */
#include "app/state_codec.h"

#include <stdio.h>
#include <string.h>

#include "records/framing.h"

int state_put(struct buf *out, const struct state_line *lines, size_t n)
{
	char pos[POSITION_MAX];

	if (buf_append(out, STATE_HEADER, STATE_HEADER_LEN))
		return -1;
	for (size_t i = 0; i < n; i++) {
		const struct state_line *l = &lines[i];
		size_t len = position_format(pos, l->pos.epoch, l->pos.offset);
		if (buf_append(out, pos, len) || buf_append_byte(out, ' ') ||
		    buf_append(out, l->path, l->path_len) || buf_append_byte(out, '\n'))
			return -1;
	}
	return 0;
}

static bool skipped(const unsigned char *line, size_t len)
{
	if (len && line[0] == '#')
		return true;
	for (size_t i = 0; i < len; i++)
		if (line[i] != ' ')
			return false;
	return true;
}

/* One line "POS PATH" into l; NULL, or why it is not one. */
static const char *read_line(const unsigned char *line, size_t len, struct state_line *l)
{
	static _Thread_local char why[96];
	const unsigned char *space = memchr(line, ' ', len);

	if (!space)
		return "expected a position, a space and a path";
	const char *wrong = position_parse((const char *)line, (size_t)(space - line), &l->pos);
	if (wrong)
		return wrong;
	l->path = (const char *)space + 1;
	l->path_len = len - (size_t)(space - line) - 1;
	if ((wrong = framing_tag_problem(l->path, l->path_len))) {
		snprintf(why, sizeof(why), "not a path: %s", wrong);
		return why;
	}
	if (l->path_len > STATE_PATH_MAX) {
		snprintf(why, sizeof(why), "a path longer than %zu bytes", (size_t)STATE_PATH_MAX);
		return why;
	}
	return NULL;
}

const char *state_parse(const unsigned char *p, size_t n, state_line_fn fn, void *arg,
			size_t *line_no)
{
	*line_no = 0;
	if (!n)
		return NULL;	/* made, never written: no positions yet */
	if (n < STATE_HEADER_LEN - 1 || memcmp(p, STATE_HEADER, STATE_HEADER_LEN - 1) ||
	    (n >= STATE_HEADER_LEN && p[STATE_HEADER_LEN - 1] != '\n')) {
		*line_no = 1;
		return "not a state file of rxws: its first line is not \"rxws-state 1\"";
	}
	for (size_t at = STATE_HEADER_LEN, no = 2; at < n; no++) {
		const unsigned char *line = p + at;
		const unsigned char *nl = memchr(line, '\n', n - at);
		size_t len = nl ? (size_t)(nl - line) : n - at;
		struct state_line l;
		const char *why;

		*line_no = no;
		if (!skipped(line, len) &&
		    ((why = read_line(line, len, &l)) || (why = fn(arg, &l))))
			return why;
		at += len + 1;
	}
	*line_no = 0;
	return NULL;
}
