/*
 * json: JSON text (RFC 8259) read straight into CBOR, and the pieces of
 * JSON that rxws writes.
 *
 * There is no tree: the parser writes each value's CBOR as it reads it,
 * with an explicit stack (nesting at most CBOR_MAX_DEPTH), so deep or
 * large input costs what it is and never more. Numbers keep their exact
 * value: integers of any size up to 309 digits (beyond 64 bits as CBOR
 * bignums), the rest as the shortest exact float. Objects of the $forms
 * of rxws(7) ({"$bytes": base64}, {"$tag": N, "$value": v}, ...) become
 * the CBOR they stand for.
 */
#ifndef RXWS_JSON_H
#define RXWS_JSON_H

#include <stddef.h>

#include "buf.h"

/*
 * Reads one JSON value at p[*pos], writing its CBOR to out (NULL: only
 * check it), and moves *pos past it. NULL, or why the text is not valid.
 */
const char *json_value_to_cbor(const unsigned char *p, size_t n, size_t *pos,
			       struct buf *out);
/* The whole of p is one JSON value, with white space around it at most. */
const char *json_to_cbor(const unsigned char *p, size_t n, struct buf *out);

/* Reads the JSON string at p[*pos] ('"' first) into out, as UTF-8. */
const char *json_string(const unsigned char *p, size_t n, size_t *pos,
			struct buf *out);
size_t json_skip_space(const unsigned char *p, size_t n, size_t pos);

/* Writers: each returns 0, or -1 when out of memory. */
int json_put_string(struct buf *out, const unsigned char *s, size_t n);
/* The same without the quotes around it. */
int json_put_escaped(struct buf *out, const unsigned char *s, size_t n);

#endif
