/*
 * cbor_json: one CBOR item written as compact JSON, for jq.
 *
 * What JSON cannot hold takes the $forms of rxws(7): byte strings
 * {"$bytes": base64}, tags {"$tag": N, "$value": v}, undefined, NaN and
 * infinities, simple values, and maps with keys that are not text (or
 * that would read as a $form) as {"$map": [[k, v], ...]}. Bignums of up
 * to 130 bytes are written as plain (exact) numbers. json_to_cbor() reads
 * all of it back to the same value.
 */
#ifndef RXWS_CBOR_JSON_H
#define RXWS_CBOR_JSON_H

#include <stddef.h>

#include "base/buf.h"

/* Checks p (one item, nothing after) and appends its JSON; NULL or why not. */
const char *cbor_to_json(const unsigned char *p, size_t n, struct buf *out);

#endif
