/* utf8: UTF-8 checked, whole or as it comes (utf8.h). */
#include "base/utf8.h"

#include <stdint.h>
#include <string.h>

/*
 * How many bytes the character led by c has, and the range its second
 * byte must be in (the rest are 80..BF); 0 when c leads nothing.
 */
static size_t sequence_shape(unsigned char c, unsigned char *lo, unsigned char *hi)
{
	*lo = 0x80;
	*hi = 0xbf;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return 2;
	if (c >= 0xe0 && c <= 0xef) {
		if (c == 0xe0)
			*lo = 0xa0;	/* overlong */
		else if (c == 0xed)
			*hi = 0x9f;	/* surrogates */
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (c == 0xf0)
			*lo = 0x90;	/* overlong */
		else if (c == 0xf4)
			*hi = 0x8f;	/* above U+10FFFF */
		return 4;
	}
	return 0;
}

/*
 * Of the n bytes at s (fewer than the character needs, or all of it):
 * how many of them are a valid start; 0 when the first byte is already
 * wrong. Equal to the character's length when it is whole and valid.
 */
static size_t valid_prefix(const unsigned char *s, size_t n, size_t *need)
{
	unsigned char lo, hi;
	size_t len = sequence_shape(s[0], &lo, &hi);

	*need = len;
	if (!len)
		return 0;
	size_t k = 1;
	if (k < n && k < len) {
		if (s[1] < lo || s[1] > hi)
			return 0;
		k++;
	}
	for (; k < n && k < len; k++)
		if ((s[k] & 0xc0) != 0x80)
			return 0;
	return k;
}

size_t utf8_sequence(const unsigned char *s, size_t n)
{
	size_t need;

	if (!n)
		return 0;
	size_t k = valid_prefix(s, n, &need);
	return k == need ? need : 0;
}

/* The offset of the first byte that breaks UTF-8 at or after i, or n. */
static size_t scan(const unsigned char *s, size_t n, size_t *incomplete_at)
{
	size_t i = 0;

	*incomplete_at = n;
	while (i < n) {
		/* Most text is ASCII: check eight bytes at a time. */
		while (i + 8 <= n) {
			uint64_t w;
			memcpy(&w, s + i, 8);
			if (w & 0x8080808080808080ull)
				break;
			i += 8;
		}
		if (i >= n)
			break;
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		size_t need, k = valid_prefix(s + i, n - i, &need);
		if (k && k == need) {
			i += need;
			continue;
		}
		/* A valid start cut off by the end of the piece. */
		if (k && i + k == n)
			*incomplete_at = i;
		return i;
	}
	return n;
}

bool utf8_valid(const unsigned char *s, size_t n)
{
	size_t incomplete;
	return scan(s, n, &incomplete) == n;
}

void utf8_stream_init(struct utf8_stream *u)
{
	u->held_len = 0;
}

bool utf8_stream_feed(struct utf8_stream *u, const unsigned char *p, size_t n)
{
	/* First finish the character the last piece began. */
	while (u->held_len && n) {
		u->held[u->held_len++] = *p++;
		n--;
		size_t need, k = valid_prefix(u->held, u->held_len, &need);
		if (!k || k != u->held_len)
			return false;
		if (k == need)
			u->held_len = 0;
	}
	if (!n)
		return true;

	size_t incomplete, end = scan(p, n, &incomplete);
	if (end == n)
		return true;
	if (incomplete != end)
		return false;
	u->held_len = (unsigned char)(n - end);
	memcpy(u->held, p + end, u->held_len);
	return true;
}

bool utf8_stream_complete(const struct utf8_stream *u)
{
	return u->held_len == 0;
}
