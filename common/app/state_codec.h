/*
 * state_codec: the text of a --state file (rxws-connect(1), STATE FILE):
 * for each path, the position of the last of its records written to
 * stdout, one line "POS PATH" each, after a first line "rxws-state 1".
 * No I/O here: state_file reads and writes the file.
 *
 * Blank lines, lines of spaces and lines that start with '#' are skipped,
 * so a file written or annotated by hand reads the same.
 */
#ifndef RXWS_STATE_CODEC_H
#define RXWS_STATE_CODEC_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "records/framing.h"
#include "ws/position.h"

#define STATE_HEADER "rxws-state 1\n"
#define STATE_HEADER_LEN (sizeof(STATE_HEADER) - 1)
/* The longest path a line may have: a tag's. */
#define STATE_PATH_MAX TAG_MAX

struct state_line {
	const char *path;
	size_t path_len;
	struct position pos;
};

/* Appends the whole file's text: the header, then the lines. 0, or -1 (no memory). */
int state_put(struct buf *out, const struct state_line *lines, size_t n);

/* Each line read: NULL to go on, else the parse stops with that why. */
typedef const char *(*state_line_fn)(void *arg, const struct state_line *line);

/*
 * Reads a file's n bytes, and gives each line to fn. NULL, or why the file
 * is not a state file, with *line_no the line at fault (0: the file as a
 * whole). An empty file has no lines (made, never written).
 */
const char *state_parse(const unsigned char *p, size_t n, state_line_fn fn, void *arg,
			size_t *line_no);

#endif
