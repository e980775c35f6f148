/*
 * utf8: strict UTF-8 validation (RFC 3629: no overlongs, no surrogates,
 * nothing above U+10FFFF), with a fast path for ASCII; whole, or fed in
 * pieces that may split a character anywhere (a text message arriving in
 * fragments, or coming out of a decompressor), failing at the first byte
 * that cannot be part of valid UTF-8.
 */
#ifndef RXWS_UTF8_H
#define RXWS_UTF8_H

#include <stdbool.h>
#include <stddef.h>

bool utf8_valid(const unsigned char *s, size_t n);

/* The length of the valid sequence (one character) at s, or 0. */
size_t utf8_sequence(const unsigned char *s, size_t n);

/* The start of a character carried over from the last piece. */
struct utf8_stream {
	unsigned char held[4];
	unsigned char held_len;
};

void utf8_stream_init(struct utf8_stream *u);
/* false as soon as the bytes fed so far cannot begin valid UTF-8. */
bool utf8_stream_feed(struct utf8_stream *u, const unsigned char *p, size_t n);
/* true when what was fed ends on a character boundary. */
bool utf8_stream_complete(const struct utf8_stream *u);

#endif
