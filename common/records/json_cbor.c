/* json_cbor: JSON text converted to CBOR as it is read (json_cbor.h). */
#include "records/json_cbor.h"

#include <cbor.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/base64.h"
#include "records/cbor_item.h"
#include "records/json.h"
#include "records/stack.h"

#define MAX_INT_DIGITS 309	/* a little over 1024 bits */
#define MAX_FLOAT_CHARS 1024

/* A JSON string as a CBOR text string. */
static const char *put_text(const unsigned char *p, size_t n, size_t *pos,
			    struct buf *out)
{
	struct json_string s;
	const char *why = json_scan_string(p, n, *pos, &s);
	if (why)
		return why;
	if (out) {
		if (cbor_put_head(out, CBOR_TEXT, s.len) || buf_reserve(out, s.len))
			return "out of memory";
		json_unescape(p, *pos, &s, out->data + out->len);
		out->len += s.len;
	}
	*pos = s.end;
	return NULL;
}

/* ---- numbers ---- */

#define LIMBS 36	/* 32-bit limbs for MAX_INT_DIGITS decimal digits */

/* An integer beyond 64 bits: a CBOR bignum (tag 2, or 3 for -1 - n). */
static const char *put_bignum(const unsigned char *d, size_t nd, bool neg,
			      struct buf *out)
{
	uint32_t limb[LIMBS] = { 0 };	/* little-endian */
	for (size_t i = 0; i < nd; i++) {
		uint64_t carry = (uint64_t)(d[i] - '0');
		for (int k = 0; k < LIMBS; k++) {
			uint64_t v = (uint64_t)limb[k] * 10 + carry;
			limb[k] = (uint32_t)v;
			carry = v >> 32;
		}
	}
	if (neg)	/* CBOR says -1 - n: store n = |value| - 1 */
		for (int k = 0; k < LIMBS && limb[k]-- == 0; k++)
			;

	unsigned char bytes[LIMBS * 4];
	size_t nb = 0;
	for (int k = LIMBS - 1; k >= 0; k--)
		for (int s = 24; s >= 0; s -= 8) {
			unsigned char b = (unsigned char)(limb[k] >> s);
			if (b || nb)
				bytes[nb++] = b;
		}
	if (nb <= 8) {	/* -2^64 is the one that fits after all */
		uint64_t v = 0;
		for (size_t i = 0; i < nb; i++)
			v = v << 8 | bytes[i];
		return cbor_put_head(out, neg ? CBOR_NEGINT : CBOR_UINT, v)
			? "out of memory" : NULL;
	}
	if (cbor_put_head(out, CBOR_TAG, neg ? 3 : 2) ||
	    cbor_put_head(out, CBOR_BYTES, nb) || buf_append(out, bytes, nb))
		return "out of memory";
	return NULL;
}

static const char *put_integer(const unsigned char *p, size_t len,
			       struct buf *out)
{
	bool neg = p[0] == '-';
	const unsigned char *d = p + neg;
	size_t nd = len - neg;
	uint64_t v = 0;

	if (nd > MAX_INT_DIGITS)
		return "integer longer than 309 digits";
	for (size_t i = 0; i < nd; i++) {
		unsigned dig = (unsigned)(d[i] - '0');
		if (v > (UINT64_MAX - dig) / 10)
			return put_bignum(d, nd, neg, out);
		v = v * 10 + dig;
	}
	int rc = !neg ? cbor_put_head(out, CBOR_UINT, v)
	       : v == 0 ? cbor_put_head(out, CBOR_UINT, 0)
			: cbor_put_head(out, CBOR_NEGINT, v - 1);
	return rc ? "out of memory" : NULL;
}

static const char *put_number(const unsigned char *p, size_t n, size_t *pos,
			      struct buf *out)
{
	size_t end;
	bool is_int;
	const char *why = json_scan_number(p, n, *pos, &end, &is_int);
	if (why)
		return why;
	size_t len = end - *pos;
	if (is_int) {
		if (len - (p[*pos] == '-') > MAX_INT_DIGITS)
			return "integer longer than 309 digits";
		why = out ? put_integer(p + *pos, len, out) : NULL;
	} else if (len > MAX_FLOAT_CHARS) {
		why = "number longer than 1024 characters";
	} else if (out) {
		char text[MAX_FLOAT_CHARS + 1];
		memcpy(text, p + *pos, len);
		text[len] = '\0';
		/* Too large for a double is infinite, as JSON readers take it. */
		why = cbor_put_float(out, strtod(text, NULL)) ? "out of memory" : NULL;
	}
	*pos = end;
	return why;
}

/* ---- the $forms ---- */

static bool text_is(const unsigned char *item, size_t len, const char *s)
{
	struct cbor_head h;
	size_t n = strlen(s);
	return cbor_read_head(item, len, &h) > 0 && h.major == CBOR_TEXT &&
	       !h.indefinite && h.value == n && h.size + n <= len &&
	       !memcmp(item + h.size, s, n);
}

/* The length of the (well-formed, our own) item at p. */
static size_t item_len(const unsigned char *p, size_t n)
{
	const char *why;
	long long len = cbor_item_length(p, n, &why);
	return len > 0 ? (size_t)len : n;
}

/* Replaces out from `at` on with what is in repl. */
static const char *replace_tail(struct buf *out, size_t at, struct buf *repl)
{
	out->len = at;
	int rc = buf_append(out, repl->data, repl->len);
	buf_free(repl);
	return rc ? "out of memory" : NULL;
}

static const char *form_bytes(struct buf *out, size_t at, const unsigned char *v,
			      size_t vlen)
{
	struct cbor_head h;
	struct buf repl = { 0 }, raw = { 0 };
	if (cbor_read_head(v, vlen, &h) <= 0 || h.major != CBOR_TEXT)
		return "$bytes needs a base64 string";
	if (base64_decode(v + h.size, (size_t)h.value, &raw)) {
		buf_free(&raw);
		return "$bytes is not valid base64";
	}
	int rc = cbor_put_head(&repl, CBOR_BYTES, raw.len) ||
		 buf_append(&repl, raw.data, raw.len);
	buf_free(&raw);
	if (rc) {
		buf_free(&repl);
		return "out of memory";
	}
	return replace_tail(out, at, &repl);
}

static const char *form_float(struct buf *out, size_t at, const unsigned char *v,
			      size_t vlen)
{
	double d = text_is(v, vlen, "NaN") ? NAN
		 : text_is(v, vlen, "Infinity") ? INFINITY
		 : text_is(v, vlen, "-Infinity") ? -INFINITY : 0;
	if (d == 0)
		return "$float must be \"NaN\", \"Infinity\" or \"-Infinity\"";
	out->len = at;
	return cbor_put_float(out, d) ? "out of memory" : NULL;
}

static const char *form_simple(struct buf *out, size_t at, const unsigned char *v,
			       size_t vlen)
{
	struct cbor_head h;
	if (cbor_read_head(v, vlen, &h) <= 0 || h.major != CBOR_UINT ||
	    h.value > 255 || (h.value >= 20 && h.value < 32))
		return "$simple must be 0 to 19 or 32 to 255";
	out->len = at;
	return cbor_put_head(out, CBOR_SIMPLE, h.value) ? "out of memory" : NULL;
}

/* {"$map": [[k, v], ...]}: a map with keys of any kind. */
static const char *form_map(struct buf *out, size_t at, const unsigned char *v,
			    size_t vlen)
{
	struct cbor_head outer, pair;
	struct buf repl = { 0 };
	const char *bad = "$map needs an array of [key, value] pairs";

	if (cbor_read_head(v, vlen, &outer) <= 0 || outer.major != CBOR_ARRAY)
		return bad;
	if (cbor_put_head(&repl, CBOR_MAP, outer.value))
		return "out of memory";
	size_t pos = outer.size;
	for (uint64_t i = 0; i < outer.value; i++) {
		if (cbor_read_head(v + pos, vlen - pos, &pair) <= 0 ||
		    pair.major != CBOR_ARRAY || pair.value != 2) {
			buf_free(&repl);
			return bad;
		}
		pos += pair.size;
		size_t k = item_len(v + pos, vlen - pos);
		size_t val = item_len(v + pos + k, vlen - pos - k);
		if (buf_append(&repl, v + pos, k + val)) {
			buf_free(&repl);
			return "out of memory";
		}
		pos += k + val;
	}
	return replace_tail(out, at, &repl);
}

static const char *form_tag(struct buf *out, size_t at, const unsigned char *tag,
			    size_t tlen, const unsigned char *v, size_t vlen)
{
	struct cbor_head h;
	struct buf repl = { 0 };
	if (cbor_read_head(tag, tlen, &h) <= 0 || h.major != CBOR_UINT)
		return "$tag must be an unsigned integer";
	if (cbor_put_head(&repl, CBOR_TAG, h.value) || buf_append(&repl, v, vlen)) {
		buf_free(&repl);
		return "out of memory";
	}
	return replace_tail(out, at, &repl);
}

/*
 * An object just closed at out[at]: if its keys are those of a $form, it
 * becomes what the form stands for (rxws(7)); any other object is a map.
 */
static const char *rewrite_form(struct buf *out, size_t at, uint64_t pairs)
{
	const unsigned char *p = out->data + at;
	size_t n = out->len - at;
	struct cbor_head head;

	if ((pairs != 1 && pairs != 2) || cbor_read_head(p, n, &head) <= 0)
		return NULL;
	size_t k1 = head.size, k1len = item_len(p + k1, n - k1);
	size_t v1 = k1 + k1len, v1len = item_len(p + v1, n - v1);
	const unsigned char *key = p + k1, *val = p + v1;

	if (pairs == 2) {
		size_t k2 = v1 + v1len, k2len = item_len(p + k2, n - k2);
		size_t v2 = k2 + k2len, v2len = n - v2;
		if (text_is(key, k1len, "$tag") && text_is(p + k2, k2len, "$value"))
			return form_tag(out, at, val, v1len, p + v2, v2len);
		if (text_is(key, k1len, "$value") && text_is(p + k2, k2len, "$tag"))
			return form_tag(out, at, p + v2, v2len, val, v1len);
		return NULL;
	}
	if (text_is(key, k1len, "$bytes"))
		return form_bytes(out, at, val, v1len);
	if (text_is(key, k1len, "$float"))
		return form_float(out, at, val, v1len);
	if (text_is(key, k1len, "$simple"))
		return form_simple(out, at, val, v1len);
	if (text_is(key, k1len, "$map"))
		return form_map(out, at, val, v1len);
	if (text_is(key, k1len, "$undefined")) {
		if (v1len != 1 || *val != 0xf5)
			return "$undefined must be true";
		out->len = at;
		return cbor_put_head(out, CBOR_SIMPLE, 23) ? "out of memory" : NULL;
	}
	return NULL;
}

/* ---- the parser ---- */

struct frame {
	bool object;
	size_t head_at;		/* where its head byte is in out */
	uint64_t count;		/* items, or pairs */
};

enum want { VALUE, VALUE_OR_END, KEY, KEY_OR_END, COLON, COMMA_OR_END };

/* The container on top is complete: give it its real head. */
static const char *close_container(struct stack *s, struct buf *out)
{
	struct frame fr = *(struct frame *)stack_top(s);
	stack_pop(s);
	if (!out)
		return NULL;

	unsigned char head[9];
	size_t k = fr.object ? cbor_encode_map_start((size_t)fr.count, head, 9)
			     : cbor_encode_array_start((size_t)fr.count, head, 9);
	if (k > 1) {
		/* One byte was kept for the head: make room for the rest. */
		if (buf_reserve(out, k - 1))
			return "out of memory";
		memmove(out->data + fr.head_at + k, out->data + fr.head_at + 1,
			out->len - fr.head_at - 1);
		out->len += k - 1;
	}
	memcpy(out->data + fr.head_at, head, k);
	return fr.object ? rewrite_form(out, fr.head_at, fr.count) : NULL;
}

static const char *put_literal(const unsigned char *p, size_t n, size_t *pos,
			       struct buf *out)
{
	static const struct {
		const char *text;
		uint64_t simple;
	} literals[] = {
		{ .text = "true", .simple = 21 },
		{ .text = "false", .simple = 20 },
		{ .text = "null", .simple = 22 },
	};

	for (size_t i = 0; i < 3; i++) {
		size_t len = strlen(literals[i].text);
		if (n - *pos >= len && !memcmp(p + *pos, literals[i].text, len)) {
			*pos += len;
			if (out && cbor_put_head(out, CBOR_SIMPLE, literals[i].simple))
				return "out of memory";
			return NULL;
		}
	}
	return "unexpected character in JSON";
}

static const char *parse(const unsigned char *p, size_t n, size_t *pos,
			 struct buf *out, struct stack *s)
{
	size_t i = *pos;
	enum want want = VALUE;
	const char *why;

	for (;;) {
		i = json_skip_space(p, n, i);
		if (i >= n)
			return "unexpected end of JSON";
		unsigned char c = p[i];
		struct frame *top = stack_top(s);

		switch (want) {
		case KEY_OR_END:
			if (c == '}') {
				i++;
				if ((why = close_container(s, out)))
					return why;
				break;
			}
			/* fall through */
		case KEY:
			if (c != '"')
				return "expected a string key";
			if ((why = put_text(p, n, &i, out)))
				return why;
			want = COLON;
			continue;
		case COLON:
			if (c != ':')
				return "expected ':' after a key";
			i++;
			want = VALUE;
			continue;
		case COMMA_OR_END:
			if (c == ',') {
				i++;
				want = top->object ? KEY : VALUE;
				continue;
			}
			if (c != (top->object ? '}' : ']'))
				return "expected ',' or the end of the array or object";
			i++;
			if ((why = close_container(s, out)))
				return why;
			break;
		case VALUE_OR_END:
			if (c == ']') {
				i++;
				if ((why = close_container(s, out)))
					return why;
				break;
			}
			/* fall through */
		case VALUE:
			if (c == '{' || c == '[') {
				struct frame fr = { .object = c == '{',
						    .head_at = out ? out->len : 0 };
				if ((why = stack_push(s, &fr)))
					return why;
				if (out && buf_append_byte(out, c == '{' ? 0xa0 : 0x80))
					return "out of memory";
				i++;
				want = c == '{' ? KEY_OR_END : VALUE_OR_END;
				continue;
			}
			if (c == '"')
				why = put_text(p, n, &i, out);
			else if (c == '-' || (c >= '0' && c <= '9'))
				why = put_number(p, n, &i, out);
			else
				why = put_literal(p, n, &i, out);
			if (why)
				return why;
			break;
		}
		/* A value is complete. */
		if (s->depth == 0) {
			*pos = i;
			return NULL;
		}
		((struct frame *)stack_top(s))->count++;
		want = COMMA_OR_END;
	}
}

const char *json_value_to_cbor(const unsigned char *p, size_t n, size_t *pos,
			       struct buf *out)
{
	struct stack s;
	stack_init(&s, sizeof(struct frame), CBOR_MAX_DEPTH, CBOR_TOO_DEEP);
	size_t start = out ? out->len : 0;
	const char *why = parse(p, n, pos, out, &s);
	stack_free(&s);
	if (why && out)
		out->len = start;
	return why;
}

const char *json_to_cbor(const unsigned char *p, size_t n, struct buf *out)
{
	size_t pos = json_skip_space(p, n, 0);
	if (pos == n)
		return "empty: no JSON value";
	const char *why = json_value_to_cbor(p, n, &pos, out);
	if (why)
		return why;
	if (json_skip_space(p, n, pos) != n)
		return "more after the JSON value";
	return NULL;
}
