/* json: white space, strings and numbers of JSON text, checked (json.h). */
#include "records/json.h"

#include <stdint.h>
#include <string.h>

#include "base/utf8.h"

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

const char *json_scan_string(const unsigned char *p, size_t n, size_t pos,
			     struct json_string *s)
{
	size_t i = pos + 1, decoded = 0;

	s->plain = true;
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
		s->plain = false;
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
	s->end = i + 1;
	s->len = decoded;
	return NULL;
}

void json_unescape(const unsigned char *p, size_t pos,
		   const struct json_string *s, unsigned char *w)
{
	static const unsigned char simple[128] = {
		['"'] = '"', ['\\'] = '\\', ['/'] = '/', ['b'] = '\b',
		['f'] = '\f', ['n'] = '\n', ['r'] = '\r', ['t'] = '\t',
	};
	size_t to = s->end - 1;

	if (s->plain) {
		memcpy(w, p + pos + 1, s->len);
		return;
	}
	for (size_t i = pos + 1; i < to;) {
		if (p[i] != '\\') {
			*w++ = p[i++];
		} else if (p[i + 1] == 'u') {
			uint32_t cp;
			unicode_escape(p, to, &i, &cp);	/* checked already */
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
	struct json_string s;
	const char *why = json_scan_string(p, n, *pos, &s);
	if (why)
		return why;
	if (buf_reserve(out, s.len))
		return "out of memory";
	if (s.len) {	/* out->data may be NULL when it is 0 */
		json_unescape(p, *pos, &s, out->data + out->len);
		out->len += s.len;
	}
	*pos = s.end;
	return NULL;
}

/* ---- numbers ---- */

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

const char *json_scan_number(const unsigned char *p, size_t n, size_t pos,
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
