/* base64: bytes written as base64 and read back strictly (base64.h). */
#include "base/base64.h"

#include <stdint.h>

static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int base64_put(struct buf *out, const unsigned char *p, size_t n)
{
	if (buf_reserve(out, (n + 2) / 3 * 4))
		return -1;
	unsigned char *w = out->data + out->len;
	size_t i = 0;
	for (; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		*w++ = (unsigned char)alphabet[v >> 18];
		*w++ = (unsigned char)alphabet[(v >> 12) & 63];
		*w++ = (unsigned char)alphabet[(v >> 6) & 63];
		*w++ = (unsigned char)alphabet[v & 63];
	}
	if (i < n) {
		uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0);
		*w++ = (unsigned char)alphabet[v >> 18];
		*w++ = (unsigned char)alphabet[(v >> 12) & 63];
		*w++ = i + 1 < n ? (unsigned char)alphabet[(v >> 6) & 63] : '=';
		*w++ = '=';
	}
	out->len = (size_t)(w - out->data);
	return 0;
}

static int value_of(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A'
	     : c >= 'a' && c <= 'z' ? c - 'a' + 26
	     : c >= '0' && c <= '9' ? c - '0' + 52
	     : c == '+' ? 62 : c == '/' ? 63 : -1;
}

int base64_decode(const unsigned char *p, size_t n, struct buf *out)
{
	size_t pad = 0;

	while (n && p[n - 1] == '=' && pad < 3) {
		n--;
		pad++;
	}
	/* Padding, when given, completes the last group of four exactly. */
	if (pad > 2 || n % 4 == 1 || (pad && (n + pad) % 4))
		return -1;
	if (buf_reserve(out, n / 4 * 3 + 3))
		return -1;
	uint32_t acc = 0;
	int bits = 0;
	for (size_t i = 0; i < n; i++) {
		int v = value_of(p[i]);
		if (v < 0)
			return -1;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out->data[out->len++] = (unsigned char)(acc >> bits);
		}
	}
	/* The bits left over must be zero: one encoding per byte string. */
	return (acc & ((1u << bits) - 1)) ? -1 : 0;
}
