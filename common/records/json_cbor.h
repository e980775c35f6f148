/*
 * json_cbor: JSON text (RFC 8259) read straight into CBOR.
 *
 * There is no tree: the parser writes each value's CBOR as it reads it,
 * with an explicit stack (nesting at most CBOR_MAX_DEPTH), so deep or
 * large input costs what it is and never more. Numbers keep their exact
 * value: integers of any size up to 309 digits (beyond 64 bits as CBOR
 * bignums), the rest as the shortest exact float. Objects of the $forms
 * of rxws(7) ({"$bytes": base64}, {"$tag": N, "$value": v}, ...) become
 * the CBOR they stand for.
 */
#ifndef RXWS_JSON_CBOR_H
#define RXWS_JSON_CBOR_H

#include <stddef.h>

#include "base/buf.h"

/*
 * Reads one JSON value at p[*pos], writing its CBOR to out (NULL: only
 * check it), and moves *pos past it. NULL, or why the text is not valid.
 */
const char *json_value_to_cbor(const unsigned char *p, size_t n, size_t *pos,
			       struct buf *out);
/* The whole of p is one JSON value, with white space around it at most. */
const char *json_to_cbor(const unsigned char *p, size_t n, struct buf *out);

#endif
