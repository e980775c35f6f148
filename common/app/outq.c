/* outq: records on their way to stdout, and where they end (outq.h). */
#include "app/outq.h"

#include <stdlib.h>
#include <string.h>

void outq_free(struct outq *q)
{
	buf_free(&q->bytes);
	free(q->marks);
	q->marks = NULL;
	q->head = q->first = q->n_marks = q->cap_marks = 0;
}

static uint64_t last_mark_end(const struct outq *q)
{
	return q->n_marks > q->first ? q->marks[q->n_marks - 1].end : q->start;
}

static int reserve_marks(struct outq *q, size_t extra)
{
	if (q->n_marks + extra <= q->cap_marks)
		return 0;
	if (q->first) {	/* taken ones make room first */
		memmove(q->marks, q->marks + q->first, (q->n_marks - q->first) * sizeof(*q->marks));
		q->n_marks -= q->first;
		q->first = 0;
		if (q->n_marks + extra <= q->cap_marks)
			return 0;
	}
	size_t cap = q->cap_marks ? q->cap_marks : 16;
	while (cap < q->n_marks + extra)
		cap *= 2;
	struct out_mark *m = realloc(q->marks, cap * sizeof(*m));
	if (!m)
		return -1;
	q->marks = m;
	q->cap_marks = cap;
	return 0;
}

static int add_mark(struct outq *q, uint64_t end, uint64_t records, uint64_t payload)
{
	if (reserve_marks(q, 1))
		return -1;
	q->marks[q->n_marks++] = (struct out_mark){
		.end = end, .records = records, .payload = payload,
	};
	q->marked = records;
	return 0;
}

int outq_record_end(struct outq *q, uint64_t start, size_t payload_len)
{
	uint64_t since = last_mark_end(q), end = outq_end(q);

	/* A large record gets a run of its own: the run before it ends here. */
	if (end - start >= OUTQ_MARK_SPACING && start > since &&
	    add_mark(q, start, q->records, q->payload))
		return -1;
	q->records++;
	q->payload += payload_len;
	if (end - last_mark_end(q) >= OUTQ_MARK_SPACING)
		return add_mark(q, end, q->records, q->payload);
	return 0;
}

int outq_seal(struct outq *q)
{
	if (outq_end(q) == last_mark_end(q))
		return 0;
	return add_mark(q, outq_end(q), q->records, q->payload);
}

/* Everything was taken: the buffers start over, at the same place in stdout. */
static void reset_if_empty(struct outq *q)
{
	if (q->head < q->bytes.len)
		return;
	q->bytes.len = q->head = 0;
	q->first = q->n_marks = 0;
}

int outq_move(struct outq *to, struct outq *from)
{
	if (!outq_len(from))
		return 0;
	reset_if_empty(to);
	if (!to->bytes.len) {
		/* Swapping hands from the other's spare, empty buffers. */
		struct outq spare = *to;
		*to = *from;
		*from = spare;
	} else {
		size_t n = from->n_marks - from->first;
		if (reserve_marks(to, n) ||
		    buf_append(&to->bytes, outq_data(from), outq_len(from)))
			return -1;
		memcpy(to->marks + to->n_marks, from->marks + from->first, n * sizeof(*to->marks));
		to->n_marks += n;
		to->records = from->records;
		to->payload = from->payload;
		to->marked = from->marked;
	}
	from->bytes.len = from->head = 0;
	from->first = from->n_marks = 0;
	from->start = outq_end(to);
	from->records = from->marked = to->records;
	from->payload = to->payload;
	return 0;
}

size_t outq_cut(const struct outq *q, size_t room)
{
	size_t lo = q->first, hi = q->n_marks;

	if (lo == hi)
		return 0;
	/* The first mark past room: marks ascend, so a binary search. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (q->marks[mid].end - q->start <= room)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (size_t)(q->marks[lo > q->first ? lo - 1 : q->first].end - q->start);
}

void outq_take(struct outq *q, size_t n, struct out_mark *done)
{
	uint64_t upto = q->start + n;

	while (q->first < q->n_marks && q->marks[q->first].end <= upto) {
		if (done)
			*done = q->marks[q->first];
		q->first++;
	}
	q->head += n;
	q->start = upto;
	reset_if_empty(q);
}
