/*
 * cbor_item: what rxws needs of CBOR (RFC 8949) for untrusted input, and for
 * writing it.
 *
 * Nothing here builds a tree or allocates by a length a peer declares:
 * items are walked in place, with declared sizes checked against the bytes
 * that are really there (so the five-byte "array of 2^28 items" costs
 * nothing) and nesting bounded by CBOR_MAX_DEPTH. Heads are written with
 * libcbor's encoders.
 */
#ifndef RXWS_CBOR_ITEM_H
#define RXWS_CBOR_ITEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "records/stack.h"

#define CBOR_MAX_DEPTH 1000
#define CBOR_TOO_DEEP "nested deeper than 1000 levels"

enum {
	CBOR_UINT, CBOR_NEGINT, CBOR_BYTES, CBOR_TEXT,
	CBOR_ARRAY, CBOR_MAP, CBOR_TAG, CBOR_SIMPLE,
};

struct cbor_head {
	int major;
	int info;		/* the low five bits of the first byte */
	uint64_t value;		/* argument: length, count, tag, or float bits */
	bool indefinite;
	size_t size;		/* bytes the head takes */
};

/* Reads one head: its size, 0 when more bytes are needed, -1 malformed. */
int cbor_read_head(const unsigned char *p, size_t n, struct cbor_head *h);
double cbor_half_to_double(uint16_t half);

/*
 * Checks that p holds exactly one well-formed item. NULL when it does,
 * else why not. With map_flags, also notes for each map, in order, the
 * CBOR_MAP_* facts that writing it as JSON needs.
 */
#define CBOR_MAP_TEXT_KEYS 1	/* every key is a text string */
#define CBOR_MAP_LOOKS_SPECIAL 2	/* its keys are those of a $form */
const char *cbor_check(const unsigned char *p, size_t n, struct buf *map_flags);

/*
 * The length of the first item of a CBOR sequence (RFC 8742) in p, for
 * splitting stdin: 0 when the item is not complete yet, -1 when it is
 * malformed (*why says how).
 */
long long cbor_item_length(const unsigned char *p, size_t n, const char **why);
/*
 * The same; when the item is not complete, *at_least is a length it
 * cannot be shorter than, from the lengths and counts its heads declare
 * (each item a byte at least), so that an item too large to hold is known
 * as soon as its heads are there. UINT64_MAX when that overflows.
 */
long long cbor_item_split(const unsigned char *p, size_t n, uint64_t *at_least,
			  const char **why);

/*
 * Skips an item as its bytes come, keeping none of them: for an item
 * too large to hold. cbor_skip_init() once, cbor_skip_start() for each
 * item, cbor_skip_free() at the end. cbor_skip_feed() returns how many
 * bytes of p it took: all of them while the item goes on, fewer when it
 * ended (done is set), -1 when it is malformed, nested deeper than
 * CBOR_MAX_DEPTH, or out of memory.
 */
struct cbor_skip {
	struct stack left;	/* per level, its items left; see cbor_item.c */
	uint64_t string_left;
	bool string_is_item;	/* the string being skipped is an item */
	unsigned char head[9];
	size_t head_len;
	bool done;
};
void cbor_skip_init(struct cbor_skip *s);
void cbor_skip_start(struct cbor_skip *s);
long long cbor_skip_feed(struct cbor_skip *s, const unsigned char *p, size_t n);
void cbor_skip_free(struct cbor_skip *s);

/* Writers: each returns 0, or -1 when out of memory. */
int cbor_put_head(struct buf *b, int major, uint64_t value);
/* A float in the shortest of half, single, double that holds it exactly. */
int cbor_put_float(struct buf *b, double d);

#endif
