/*
 * fuzz_utf8: utf8_valid() (utf8.h), which decides whether a --string
 * record may be sent and whether a text frame or a CBOR text string is
 * accepted.
 *
 * Input: any bytes.
 *
 * Checks, beyond no crash or sanitizer report (it reads eight bytes at a
 * time): it agrees with a plain decoder written from RFC 3629 (no
 * overlongs, no surrogates, nothing above U+10FFFF), for the input and for
 * each of its prefixes and suffixes up to 16 bytes off.
 */
#include "fuzz.h"
#include "utf8.h"

/* One code point at a time, the slow way. */
static bool reference(const uint8_t *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		uint8_t c = s[i];
		size_t need = c < 0x80 ? 0 : (c & 0xe0) == 0xc0 ? 1
			    : (c & 0xf0) == 0xe0 ? 2 : (c & 0xf8) == 0xf0 ? 3 : 9;
		if (need == 9 || n - i <= need)
			return false;	/* not a lead byte, or cut short */
		uint32_t cp = need == 0 ? c : c & (0x3f >> need);
		for (size_t k = 1; k <= need; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		static const uint32_t least[] = { 0, 0x80, 0x800, 0x10000 };
		if (cp < least[need] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += need + 1;
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of its own size, so that reading past it is caught. */
	for (size_t cut = 0; cut <= 16 && cut <= size; cut++) {
		uint8_t *p = malloc(size - cut ? size - cut : 1);
		CHECK(p != NULL);
		memcpy(p, data, size - cut);
		CHECK(utf8_valid(p, size - cut) == reference(p, size - cut));
		memcpy(p, data + cut, size - cut);
		CHECK(utf8_valid(p, size - cut) == reference(p, size - cut));
		free(p);
	}
	return 0;
}
