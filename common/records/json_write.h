/*
 * json_write: JSON strings written from bytes, escaped so that any bytes
 * make valid JSON text (control characters as \uXXXX).
 */
#ifndef RXWS_JSON_WRITE_H
#define RXWS_JSON_WRITE_H

#include <stddef.h>

#include "base/buf.h"

/* Writers: each returns 0, or -1 when out of memory. */
int json_put_string(struct buf *out, const unsigned char *s, size_t n);
/* The same without the quotes around it. */
int json_put_escaped(struct buf *out, const unsigned char *s, size_t n);

#endif
