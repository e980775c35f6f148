/* json_write: bytes written as JSON strings (json_write.h). */
#include "records/json_write.h"

#include <stdint.h>

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
