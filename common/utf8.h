/*
 * utf8: strict UTF-8 validation (RFC 3629: no overlongs, no surrogates,
 * nothing above U+10FFFF), with a fast path for ASCII.
 */
#ifndef RXWS_UTF8_H
#define RXWS_UTF8_H

#include <stdbool.h>
#include <stddef.h>

bool utf8_valid(const unsigned char *s, size_t n);

/* The length of the valid sequence (one character) at s, or 0. */
size_t utf8_sequence(const unsigned char *s, size_t n);

#endif
