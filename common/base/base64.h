/*
 * base64: standard base64 (RFC 4648 4), written with padding and read
 * strictly: padding is optional but at most two '=' and only at the end,
 * and the bits a short last group leaves over must be zero, so that each
 * byte string has exactly one accepted form.
 */
#ifndef RXWS_BASE64_H
#define RXWS_BASE64_H

#include <stddef.h>

#include "base/buf.h"

/* Appends the base64 of n bytes. -1: no room. */
int base64_put(struct buf *out, const unsigned char *p, size_t n);
/* Appends what n base64 characters decode to. -1: not base64, or no room. */
int base64_decode(const unsigned char *p, size_t n, struct buf *out);

#endif
