/*
 * state_file: --state FILE as a process keeps it: for each path, the
 * position of the last of its records written to stdout (its text:
 * state_codec.h).
 *
 * It is read at start, with FILE.lock locked for the whole run (one
 * process at a time: a second one is refused; the lock is on a file of
 * its own because FILE itself is replaced at each change). A change
 * writes the whole text to FILE.tmp and renames it over FILE, so that a
 * kill at any moment, or a reader at any moment, finds either the old
 * file or the new one, never a mix. Nothing is synced: after a power cut
 * the file may be older than stdout (more records again), as the
 * filesystem decides.
 *
 * Not thread-safe, but for state_file_write: its one user (outpos) holds a
 * lock around the rest.
 */
#ifndef RXWS_STATE_FILE_H
#define RXWS_STATE_FILE_H

#include <stddef.h>

#include "base/buf.h"
#include "ws/position.h"

struct state_file;

/*
 * Reads FILE (none yet: no positions) and locks it: 0, or -1 having said
 * why on stderr (as progname), with *exit_code: 64 when it cannot be
 * read or is not a state file, 75 when another process holds it.
 */
int state_file_open(struct state_file **out, const char *name, const char *progname,
		    int *exit_code);
void state_file_close(struct state_file *f);

/* The paths it holds, in their order, and the position kept for each. */
size_t state_file_count(const struct state_file *f);
const char *state_file_path(const struct state_file *f, size_t i);
/* The position kept for path, or NULL. */
const struct position *state_file_get(const struct state_file *f, const char *path,
				      size_t len);

/*
 * The slot of path, made when new (it goes in the file with its first
 * position): its index, or -1 when out of memory or the path is longer
 * than STATE_PATH_MAX.
 */
long state_file_slot(struct state_file *f, const char *path, size_t len);
void state_file_set(struct state_file *f, long slot, const struct position *p);
/*
 * The file's text as it should read now, into out, when a position changed
 * since the last: 1 (written into out), 0 (nothing changed), -1 (no memory).
 */
int state_file_text(struct state_file *f, struct buf *out);
/*
 * Replaces the file with text (through FILE.tmp and a rename): 0, or the
 * errno of what failed. It touches nothing of f's that changes: it may run
 * in another thread than the one that makes the text.
 */
int state_file_write(const struct state_file *f, const struct buf *text);
/* Its name, for messages. */
const char *state_file_name(const struct state_file *f);

#endif
