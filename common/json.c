#include "json.h"

#include <cbor.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "cbor_item.h"
#include "utf8.h"

#define MAX_INT_DIGITS 309	/* a little over 1024 bits */
#define MAX_FLOAT_CHARS 1024

size_t json_skip_space(const unsigned char *p, size_t n, size_t pos)
{
	while (pos < n && (p[pos] == ' ' || p[pos] == '\t' || p[pos] == '\n' ||
			   p[pos] == '\r'))
		pos++;
	return pos;
}

/* ---- strings ---- */

static int hex4(const unsigned char *p, uint32_t *v)
{
	*v = 0;
	for (int i = 0; i < 4; i++) {
		unsigned char c = p[i];
		int d = c >= '0' && c <= '9' ? c - '0'
		      : c >= 'a' && c <= 'f' ? c - 'a' + 10
		      : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (d < 0)
			return -1;
		*v = *v << 4 | (uint32_t)d;
	}
	return 0;
}

/* The code point of the \u escape (one or a surrogate pair) at p[i]. */
static const char *unicode_escape(const unsigned char *p, size_t n, size_t *i,
				  uint32_t *cp)
{
	if (*i + 6 > n || hex4(p + *i + 2, cp))
		return "bad \\u escape in a string";
	*i += 6;
	if (*cp >= 0xdc00 && *cp <= 0xdfff)
		return "lone surrogate in a string";
	if (*cp >= 0xd800 && *cp <= 0xdbff) {
		uint32_t lo;
		if (*i + 6 > n || p[*i] != '\\' || p[*i + 1] != 'u' ||
		    hex4(p + *i + 2, &lo) || lo < 0xdc00 || lo > 0xdfff)
			return "lone surrogate in a string";
		*i += 6;
		*cp = 0x10000 + ((*cp - 0xd800) << 10) + (lo - 0xdc00);
	}
	return NULL;
}

static size_t utf8_put(unsigned char *w, uint32_t cp)
{
	if (cp < 0x80) {
		w[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		w[0] = (unsigned char)(0xc0 | cp >> 6);
		w[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		w[0] = (unsigned char)(0xe0 | cp >> 12);
		w[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		w[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	w[0] = (unsigned char)(0xf0 | cp >> 18);
	w[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
	w[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
	w[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

/*
 * Checks the string whose opening quote is at p[pos]: *end is just past its
 * closing quote, *len the bytes it decodes to, *plain whether it has no
 * escapes (so its bytes are its value).
 */
static const char *scan_string(const unsigned char *p, size_t n, size_t pos,
			       size_t *end, size_t *len, bool *plain)
{
	size_t i = pos + 1, decoded = 0;

	*plain = true;
	for (;;) {
		const unsigned char *q = memchr(p + i, '"', n - i);
		size_t stop = q ? (size_t)(q - p) : n;
		/* Runs of ordinary bytes are most of most strings. */
		while (i < stop && p[i] != '\\' && p[i] >= 0x20) {
			i++;
			decoded++;
		}
		if (i >= n)
			return "unterminated string";
		if (p[i] == '"')
			break;
		if (p[i] < 0x20)
			return "control character in a string";
		*plain = false;
		if (i + 1 >= n)
			return "unterminated string";
		if (p[i + 1] == 'u') {
			uint32_t cp;
			const char *why = unicode_escape(p, n, &i, &cp);
			if (why)
				return why;
			decoded += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
		} else if (p[i + 1] && strchr("\"\\/bfnrt", p[i + 1])) {
			i += 2;
			decoded++;
		} else {
			return "bad escape in a string";
		}
	}
	/* Escapes are ASCII: the raw bytes are UTF-8 exactly when the value is. */
	if (!utf8_valid(p + pos + 1, i - pos - 1))
		return "string is not valid UTF-8";
	*end = i + 1;
	*len = decoded;
	return NULL;
}

static void decode_string(const unsigned char *p, size_t from, size_t to,
			  unsigned char *w)
{
	static const unsigned char simple[128] = {
		['"'] = '"', ['\\'] = '\\', ['/'] = '/', ['b'] = '\b',
		['f'] = '\f', ['n'] = '\n', ['r'] = '\r', ['t'] = '\t',
	};
	for (size_t i = from; i < to;) {
		if (p[i] != '\\') {
			*w++ = p[i++];
		} else if (p[i + 1] == 'u') {
			uint32_t cp;
			unicode_escape(p, to, &i, &cp);	/* checked by scan_string */
			w += utf8_put(w, cp);
		} else {
			*w++ = simple[p[i + 1]];
			i += 2;
		}
	}
}

const char *json_string(const unsigned char *p, size_t n, size_t *pos,
			struct buf *out)
{
	size_t end, len;
	bool plain;
	const char *why = scan_string(p, n, *pos, &end, &len, &plain);
	if (why)
		return why;
	if (buf_reserve(out, len))
		return "out of memory";
	if (plain && len)	/* out->data may be NULL when len is 0 */
		memcpy(out->data + out->len, p + *pos + 1, len);
	else if (!plain)
		decode_string(p, *pos + 1, end - 1, out->data + out->len);
	out->len += len;
	*pos = end;
	return NULL;
}

/* A JSON string as a CBOR text string. */
static const char *put_text(const unsigned char *p, size_t n, size_t *pos,
			    struct buf *out)
{
	size_t end, len;
	bool plain;
	const char *why = scan_string(p, n, *pos, &end, &len, &plain);
	if (why)
		return why;
	if (!out) {
		*pos = end;
		return NULL;
	}
	if (cbor_put_head(out, CBOR_TEXT, len) || buf_reserve(out, len))
		return "out of memory";
	if (plain)
		memcpy(out->data + out->len, p + *pos + 1, len);
	else
		decode_string(p, *pos + 1, end - 1, out->data + out->len);
	out->len += len;
	*pos = end;
	return NULL;
}

/* ---- numbers ---- */

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static const char *scan_number(const unsigned char *p, size_t n, size_t pos,
			       size_t *end, bool *is_int)
{
	size_t i = pos;
	if (i < n && p[i] == '-')
		i++;
	if (i >= n || !is_digit(p[i]))
		return "bad number";
	if (p[i] == '0')
		i++;
	else
		while (i < n && is_digit(p[i]))
			i++;
	*is_int = true;
	if (i < n && p[i] == '.') {
		i++;
		if (i >= n || !is_digit(p[i]))
			return "bad number: no digits after '.'";
		while (i < n && is_digit(p[i]))
			i++;
		*is_int = false;
	}
	if (i < n && (p[i] == 'e' || p[i] == 'E')) {
		i++;
		if (i < n && (p[i] == '+' || p[i] == '-'))
			i++;
		if (i >= n || !is_digit(p[i]))
			return "bad number: no digits in the exponent";
		while (i < n && is_digit(p[i]))
			i++;
		*is_int = false;
	}
	*end = i;
	return NULL;
}

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
	const char *why = scan_number(p, n, *pos, &end, &is_int);
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

#define SHALLOW 32

struct stack {
	struct frame *f;
	int depth, cap;
	struct frame shallow[SHALLOW];
};

static const char *push(struct stack *s, struct frame fr)
{
	if (s->depth >= CBOR_MAX_DEPTH)
		return "nested deeper than 1000 levels";
	if (s->depth + 1 >= s->cap) {
		int cap = s->cap * 4 > CBOR_MAX_DEPTH + 1 ? CBOR_MAX_DEPTH + 1 : s->cap * 4;
		struct frame *f = malloc((size_t)cap * sizeof(*f));
		if (!f)
			return "out of memory";
		memcpy(f, s->f, (size_t)(s->depth + 1) * sizeof(*f));
		if (s->f != s->shallow)
			free(s->f);
		s->f = f;
		s->cap = cap;
	}
	s->f[++s->depth] = fr;
	return NULL;
}

/* The container on top is complete: give it its real head. */
static const char *close_container(struct stack *s, struct buf *out)
{
	struct frame fr = s->f[s->depth--];
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
		struct frame *top = &s->f[s->depth];

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
				if ((why = push(s, fr)))
					return why;
				if (out && buf_append_byte(out, c == '{' ? 0xa0 : 0x80))
					return "out of memory";
				i++;
				want = c == '{' ? KEY_OR_END : VALUE_OR_END;
				continue;
			}
			if (c == '"')
				why = put_text(p, n, &i, out);
			else if (c == '-' || is_digit(c))
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
		s->f[s->depth].count++;
		want = COMMA_OR_END;
	}
}

const char *json_value_to_cbor(const unsigned char *p, size_t n, size_t *pos,
			       struct buf *out)
{
	struct stack s = { .f = NULL, .depth = 0, .cap = SHALLOW };
	s.f = s.shallow;
	size_t start = out ? out->len : 0;
	const char *why = parse(p, n, pos, out, &s);
	if (s.f != s.shallow)
		free(s.f);
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

/* ---- writers ---- */

int json_put_escaped(struct buf *out, const unsigned char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	/* Worst case: every byte a \u00XX escape. */
	if (n > SIZE_MAX / 6 || buf_reserve(out, n * 6))
		return -1;
	unsigned char *w = out->data + out->len;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];
		if (c >= 0x20 && c != '"' && c != '\\') {
			*w++ = c;
			continue;
		}
		*w++ = '\\';
		switch (c) {
		case '"': *w++ = '"'; break;
		case '\\': *w++ = '\\'; break;
		case '\n': *w++ = 'n'; break;
		case '\r': *w++ = 'r'; break;
		case '\t': *w++ = 't'; break;
		case '\b': *w++ = 'b'; break;
		case '\f': *w++ = 'f'; break;
		default:
			*w++ = 'u';
			*w++ = '0';
			*w++ = '0';
			*w++ = (unsigned char)hex[c >> 4];
			*w++ = (unsigned char)hex[c & 15];
		}
	}
	out->len = (size_t)(w - out->data);
	return 0;
}

int json_put_string(struct buf *out, const unsigned char *s, size_t n)
{
	return buf_append_byte(out, '"') || json_put_escaped(out, s, n) ||
	       buf_append_byte(out, '"');
}
