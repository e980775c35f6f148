/*
 * outpos: the positions of the records on their way to stdout (rxws(7),
 * HISTORY AND RECOVERY), from the loop that makes the records to the
 * thread that writes them: once a write to stdout has returned, the last
 * position of each path among the records it carried goes to the state
 * file (state_file.h), before the next write. So the file never says more
 * than stdout got, and after a kill at most that last write comes again.
 * The file is replaced (some hundred microseconds) outside every lock the
 * loop takes: the loop never waits for it.
 *
 * Records are numbered as outq counts them. A write ends at a mark of the
 * outq, never between two, so of a path's records between two marks only
 * the last one's position is kept: what waits stays bounded by the marks,
 * not by the number of records.
 */
#ifndef RXWS_OUTPOS_H
#define RXWS_OUTPOS_H

#include <stddef.h>
#include <stdint.h>

#include "app/state_file.h"
#include "ws/position.h"

struct outpos;

/* Keeps f (state_file_close()d by outpos_free). NULL when out of memory. */
struct outpos *outpos_new(struct state_file *f);
void outpos_free(struct outpos *o);

/*
 * Record number `record`, of path, at pos, was appended to stdout's outq,
 * whose marks count `marked` records so far. 0, or -1 when out of memory.
 */
int outpos_add(struct outpos *o, uint64_t record, uint64_t marked, const char *path,
	       size_t len, const struct position *pos);
/*
 * The records up to number `records` were written (writer.h's hook, from
 * the writer's thread): their positions are the file's from now on.
 */
void outpos_written(void *o, uint64_t records);
/*
 * Writes the file, when positions changed (writer.h's hook, after each
 * write, or the loop's for a position reached without a record). Two
 * callers at once: the newer text is the one left. 0, or the errno, also
 * kept for outpos_error.
 */
int outpos_settle(void *o);
/* The errno of a write of the state file that failed (0: none), and its name. */
int outpos_error(struct outpos *o);
const char *outpos_file(const struct outpos *o);

#endif
