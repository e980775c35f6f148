/*
 * buf: a growable byte buffer.
 *
 * Growth is the caller's decision: buf_reserve() fails instead of
 * exceeding what the caller asks for, so every buffer stays within a limit
 * the caller derived from a user-visible option.
 */
#ifndef RXWS_BUF_H
#define RXWS_BUF_H

#include <stddef.h>

struct buf {
	unsigned char *data;
	size_t len;
	size_t cap;
	size_t max;	/* capacity never grows past this; 0: no bound */
};

/*
 * Make room for `extra` more bytes. Returns 0, or -1 when out of memory or
 * when the buffer would pass its max.
 */
int buf_reserve(struct buf *b, size_t extra);
int buf_append(struct buf *b, const void *p, size_t n);
int buf_append_byte(struct buf *b, unsigned char c);
/* Drop the first n bytes, keeping the rest. */
void buf_consume(struct buf *b, size_t n);
void buf_swap(struct buf *a, struct buf *b);
void buf_free(struct buf *b);

#endif
