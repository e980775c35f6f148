/* cbor_json: one CBOR item written as JSON (cbor_json.h). */
#include "records/cbor_json.h"

#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base64.h"
#include "records/cbor_item.h"
#include "records/json_write.h"
#include "records/stack.h"

/* Enough for every integer json_to_cbor() reads (309 digits). */
#define BIGNUM_MAX_BYTES 130

/*
 * What an open level is written as: an array, a map with text keys as an
 * object, any other map as {"$map":[[key,value],...]}, a tag as
 * {"$tag":N,"$value":...}, an indefinite string as its chunks joined.
 */
enum level_kind { L_ARRAY, L_OBJECT, L_PAIRS, L_TAG, L_TEXT, L_BYTES };

struct json_level {
	enum level_kind kind;
	bool indefinite;
	uint64_t left;		/* items still to come, when definite */
	uint64_t count;		/* items written */
	size_t chunks_at;	/* L_BYTES: where its chunks start in byte_chunks */
};

struct json_out {
	const unsigned char *item;	/* the CBOR item, checked */
	size_t item_len;
	size_t at;			/* the next head to read in item */
	struct buf *json;		/* what is written */
	const unsigned char *map_flags;	/* cbor_check()'s, one per map in order */
	size_t next_map;		/* the next map's index in map_flags */
	struct stack levels;	/* as deep as cbor_check() let the item be */
	struct buf byte_chunks;	/* an indefinite byte string, put together */
};

static int put(struct json_out *w, const char *s)
{
	return buf_append(w->json, s, strlen(s));
}

/* What goes before the next item in its container: a comma, a colon... */
static int put_separator(struct json_out *w)
{
	struct json_level *top = stack_top(&w->levels);
	if (!top)
		return 0;
	switch (top->kind) {
	case L_ARRAY:
		return top->count ? put(w, ",") : 0;
	case L_OBJECT:
		if (top->count & 1)
			return put(w, ":");
		return top->count ? put(w, ",") : 0;
	case L_PAIRS:
		if (top->count & 1)
			return put(w, ",");
		return put(w, top->count ? ",[" : "[");
	default:
		return 0;
	}
}

/* What ends level l in JSON; a byte string's chunks, joined, first. */
static int put_close(struct json_out *w, struct json_level *l)
{
	switch (l->kind) {
	case L_ARRAY: return put(w, "]");
	case L_OBJECT: return put(w, "}");
	case L_PAIRS: return put(w, "]}");
	case L_TAG: return put(w, "}");
	case L_TEXT: return put(w, "\"");
	case L_BYTES: {
		size_t n = w->byte_chunks.len - l->chunks_at;
		/* No chunks: byte_chunks.data may be NULL. */
		int rc = put(w, "{\"$bytes\":\"") ||
			 (n && base64_put(w->json, w->byte_chunks.data + l->chunks_at, n)) ||
			 put(w, "\"}");
		w->byte_chunks.len = l->chunks_at;
		return rc;
	}
	}
	return 0;
}

/* An item is complete: close what it completes. */
static int item_written(struct json_out *w)
{
	struct json_level *top;
	while ((top = stack_top(&w->levels))) {
		top->count++;
		if (top->kind == L_PAIRS && !(top->count & 1) && put(w, "]"))
			return -1;
		if (top->indefinite || --top->left > 0)
			return 0;
		if (put_close(w, top))
			return -1;
		stack_pop(&w->levels);
	}
	return 0;
}

static int put_uint(struct json_out *w, uint64_t v)
{
	char s[24];
	snprintf(s, sizeof(s), "%" PRIu64, v);
	return put(w, s);
}

static int put_negint(struct json_out *w, uint64_t v)
{
	if (v == UINT64_MAX)	/* -1 - v does not fit 64 bits */
		return put(w, "-18446744073709551616");
	char s[24];
	snprintf(s, sizeof(s), "-%" PRIu64, v + 1);
	return put(w, s);
}

/* A bignum's bytes as a decimal number (tag 3: -1 - n). */
static int put_bignum(struct json_out *w, const unsigned char *b, size_t n, bool neg)
{
	uint32_t limb[BIGNUM_MAX_BYTES / 4 + 2] = { 0 };	/* little-endian */
	int nl = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t carry = b[i];
		for (int k = 0; k < nl || carry; k++) {
			uint64_t v = (uint64_t)(k < nl ? limb[k] : 0) * 256 + carry;
			limb[k] = (uint32_t)v;
			carry = (uint32_t)(v >> 32);
			if (k >= nl)
				nl = k + 1;
		}
	}
	if (neg) {	/* the magnitude is n + 1 */
		int k = 0;
		while (k < nl && ++limb[k] == 0)
			k++;
		if (k == nl)
			limb[nl++] = 1;
	}
	char digits[BIGNUM_MAX_BYTES * 3 + 4];
	size_t nd = 0;
	while (nl > 0) {	/* nine digits at a time, least first */
		uint64_t rem = 0;
		for (int k = nl - 1; k >= 0; k--) {
			uint64_t v = rem << 32 | limb[k];
			limb[k] = (uint32_t)(v / 1000000000u);
			rem = v % 1000000000u;
		}
		while (nl > 0 && limb[nl - 1] == 0)
			nl--;
		for (int d = 0; d < 9 && (nl > 0 || rem); d++) {
			digits[nd++] = (char)('0' + rem % 10);
			rem /= 10;
		}
	}
	if (!nd)
		digits[nd++] = '0';
	if (buf_reserve(w->json, nd + 1))
		return -1;
	if (neg)
		w->json->data[w->json->len++] = '-';
	while (nd)
		w->json->data[w->json->len++] = (unsigned char)digits[--nd];
	return 0;
}

/* The shortest decimal that reads back as d; always looks like a float. */
static int put_double(struct json_out *w, double d)
{
	if (isnan(d))
		return put(w, "{\"$float\":\"NaN\"}");
	if (isinf(d))
		return put(w, d > 0 ? "{\"$float\":\"Infinity\"}"
				    : "{\"$float\":\"-Infinity\"}");
	char s[40];
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(s, sizeof(s), "%.*g", prec, d);
		if (strtod(s, NULL) == d)
			break;
	}
	if (!strpbrk(s, ".e"))
		strcat(s, ".0");
	return put(w, s);
}

static int put_simple(struct json_out *w, const struct cbor_head *h)
{
	char s[32];
	switch (h->info) {
	case 25:
		return put_double(w, cbor_half_to_double((uint16_t)h->value));
	case 26: {
		uint32_t bits = (uint32_t)h->value;
		float f;
		memcpy(&f, &bits, 4);
		return put_double(w, f);
	}
	case 27: {
		double d;
		memcpy(&d, &h->value, 8);
		return put_double(w, d);
	}
	}
	switch (h->value) {
	case 20: return put(w, "false");
	case 21: return put(w, "true");
	case 22: return put(w, "null");
	case 23: return put(w, "{\"$undefined\":true}");
	}
	snprintf(s, sizeof(s), "{\"$simple\":%" PRIu64 "}", h->value);
	return put(w, s);
}

/* Tag 2 or 3 on a short definite byte string: a plain number. */
static bool small_bignum(struct json_out *w, const struct cbor_head *tag)
{
	struct cbor_head b;
	if (tag->value != 2 && tag->value != 3)
		return false;
	if (cbor_read_head(w->item + w->at, w->item_len - w->at, &b) <= 0 ||
	    b.major != CBOR_BYTES || b.indefinite || b.value > BIGNUM_MAX_BYTES)
		return false;
	return true;
}

static const char *write_item(struct json_out *w)
{
	const char *oom = "out of memory";
	const char *why;

	do {
		struct cbor_head h;
		cbor_read_head(w->item + w->at, w->item_len - w->at, &h);	/* checked */
		w->at += h.size;
		struct json_level *top = stack_top(&w->levels);
		bool in_string = top && (top->kind == L_TEXT || top->kind == L_BYTES);

		if (h.major == CBOR_SIMPLE && h.indefinite) {	/* break */
			if (put_close(w, top))
				return oom;
			stack_pop(&w->levels);
			if (item_written(w))
				return oom;
			continue;
		}
		if (in_string) {	/* a chunk */
			const unsigned char *s = w->item + w->at;
			w->at += (size_t)h.value;
			int rc = top->kind == L_TEXT
				? json_put_escaped(w->json, s, (size_t)h.value)
				: buf_append(&w->byte_chunks, s, (size_t)h.value);
			if (rc)
				return oom;
			continue;
		}
		if (put_separator(w))
			return oom;

		switch (h.major) {
		case CBOR_UINT:
			if (put_uint(w, h.value))
				return oom;
			break;
		case CBOR_NEGINT:
			if (put_negint(w, h.value))
				return oom;
			break;
		case CBOR_BYTES:
		case CBOR_TEXT:
			if (h.indefinite) {
				struct json_level l = { .kind = h.major == CBOR_TEXT ? L_TEXT : L_BYTES,
						   .indefinite = true,
						   .chunks_at = w->byte_chunks.len };
				if (h.major == CBOR_TEXT && put(w, "\""))
					return oom;
				if ((why = stack_push(&w->levels, &l)))
					return why;
				continue;
			}
			if (h.major == CBOR_TEXT
			    ? json_put_string(w->json, w->item + w->at, (size_t)h.value)
			    : put(w, "{\"$bytes\":\"") ||
			      base64_put(w->json, w->item + w->at, (size_t)h.value) ||
			      put(w, "\"}"))
				return oom;
			w->at += (size_t)h.value;
			break;
		case CBOR_ARRAY:
		case CBOR_MAP: {
			struct json_level l = { .kind = L_ARRAY, .indefinite = h.indefinite,
					   .left = h.value };
			if (h.major == CBOR_MAP) {
				unsigned char flags = w->map_flags[w->next_map++];
				bool plain = (flags & CBOR_MAP_TEXT_KEYS) &&
					     !(flags & CBOR_MAP_LOOKS_SPECIAL);
				l.kind = plain ? L_OBJECT : L_PAIRS;
				l.left = h.value * 2;
				if (put(w, plain ? "{" : "{\"$map\":["))
					return oom;
			} else if (put(w, "[")) {
				return oom;
			}
			if (!h.indefinite && l.left == 0) {
				if (put_close(w, &l))
					return oom;
				break;
			}
			if ((why = stack_push(&w->levels, &l)))
				return why;
			continue;
		}
		case CBOR_TAG:
			if (small_bignum(w, &h)) {
				struct cbor_head b;
				cbor_read_head(w->item + w->at, w->item_len - w->at, &b);
				w->at += b.size;
				if (put_bignum(w, w->item + w->at, (size_t)b.value, h.value == 3))
					return oom;
				w->at += (size_t)b.value;
				break;
			}
			{
				char s[48];
				snprintf(s, sizeof(s), "{\"$tag\":%" PRIu64 ",\"$value\":", h.value);
				if (put(w, s))
					return oom;
			}
			if ((why = stack_push(&w->levels,
					      &(struct json_level){ .kind = L_TAG, .left = 1 })))
				return why;
			continue;
		default:
			if (put_simple(w, &h))
				return oom;
			break;
		}
		if (item_written(w))
			return oom;
	} while (w->levels.depth > 0);
	return NULL;
}

const char *cbor_to_json(const unsigned char *p, size_t n, struct buf *out)
{
	struct buf flags = { 0 };
	const char *why = cbor_check(p, n, &flags);
	if (why) {
		buf_free(&flags);
		return why;
	}
	struct json_out w = { .item = p, .item_len = n, .json = out,
			    .map_flags = flags.data };
	stack_init(&w.levels, sizeof(struct json_level), CBOR_MAX_DEPTH, CBOR_TOO_DEEP);
	size_t start = out->len;
	why = write_item(&w);
	if (why)
		out->len = start;
	stack_free(&w.levels);
	buf_free(&w.byte_chunks);
	buf_free(&flags);
	return why;
}
