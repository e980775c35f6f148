/*
 * outq: records on their way to stdout: their bytes, and marks where
 * records end, each with the count of records (and of their payload
 * bytes) up to it.
 *
 * A write that ends at a mark never leaves part of a record behind, and
 * the records it wrote are known exactly. Small records share a mark (a
 * run is marked once it reaches OUTQ_MARK_SPACING bytes), and a large one
 * has a mark at each end, so the bytes between two marks are one record
 * or a run of small ones within PIPE_BUF: a write of up to PIPE_BUF bytes
 * to a pipe is atomic.
 */
#ifndef RXWS_OUTQ_H
#define RXWS_OUTQ_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

#define OUTQ_MARK_SPACING 1024u

struct out_mark {
	uint64_t end;		/* in stdout's bytes, from the start of the run */
	uint64_t records;	/* records up to it, in all */
	uint64_t payload;	/* their payload bytes, in all */
};

struct outq {
	struct buf bytes;	/* bytes.data[head] is stdout's byte `start` */
	size_t head;		/* bytes at the front already taken */
	uint64_t start;
	struct out_mark *marks;	/* marks[first .. n_marks), oldest first */
	size_t first, n_marks, cap_marks;
	/* The records appended so far, marked or not. */
	uint64_t records, payload;
	/* The records up to the last mark: a write may end after the last of them. */
	uint64_t marked;
};

void outq_free(struct outq *q);
/* Bytes waiting (appended, not taken). */
static inline size_t outq_len(const struct outq *q)
{
	return q->bytes.len - q->head;
}
/* Where q's bytes end, in stdout's bytes. */
static inline uint64_t outq_end(const struct outq *q)
{
	return q->start + outq_len(q);
}
/* The bytes waiting (NULL before the first append: no arithmetic on it). */
static inline const unsigned char *outq_data(const struct outq *q)
{
	return q->bytes.data ? q->bytes.data + q->head : NULL;
}
/*
 * A record that starts at `start` (the outq_end() before its framing
 * appended it to q->bytes) and holds payload_len bytes of payload: counted,
 * and marked when due. -1: no memory for a mark.
 */
int outq_record_end(struct outq *q, uint64_t start, size_t payload_len);
/* The count of records up to q's last mark (or all before q's first byte). */
static inline uint64_t outq_marked(const struct outq *q)
{
	return q->marked;
}
/* A mark at the end of what was appended (nothing is left unmarked). */
int outq_seal(struct outq *q);
/*
 * Moves all of from (sealed) to the end of to; from is left empty, at
 * to's end. -1: no memory (nothing moved).
 */
int outq_move(struct outq *to, struct outq *from);
/*
 * How many bytes from the front make the longest run of whole marks that
 * is at most room; when even the first mark is further, the bytes up to
 * it (to be written alone). 0 when q is empty.
 */
size_t outq_cut(const struct outq *q, size_t room);
/* The first n bytes (a cut) were written: they leave q; their last mark is *done. */
void outq_take(struct outq *q, size_t n, struct out_mark *done);

#endif
