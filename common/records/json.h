/*
 * json: the tokens of JSON text (RFC 8259) that its readers share: white
 * space, strings (checked, and read as UTF-8) and numbers (checked).
 *
 * Strings are checked in one pass that also measures their value, so a
 * reader can make room for it once and then write it (json_unescape).
 */
#ifndef RXWS_JSON_H
#define RXWS_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"

size_t json_skip_space(const unsigned char *p, size_t n, size_t pos);

/* A checked string: where it ends, and the value it stands for. */
struct json_string {
	size_t end;	/* just past its closing quote */
	size_t len;	/* bytes of its value, as UTF-8 */
	bool plain;	/* no escapes: its bytes are its value */
};

/* Checks the string whose opening quote is at p[pos]. NULL, or why not. */
const char *json_scan_string(const unsigned char *p, size_t n, size_t pos,
			     struct json_string *s);
/* Writes the value (s->len bytes) of the string checked at p[pos] to w. */
void json_unescape(const unsigned char *p, size_t pos,
		   const struct json_string *s, unsigned char *w);
/* Reads the JSON string at p[*pos] ('"' first) into out, as UTF-8. */
const char *json_string(const unsigned char *p, size_t n, size_t *pos,
			struct buf *out);

/*
 * Checks the number at p[pos]: *end is just past it, *is_int whether it
 * has neither a fraction nor an exponent. NULL, or why it is not one.
 */
const char *json_scan_number(const unsigned char *p, size_t n, size_t pos,
			     size_t *end, bool *is_int);

#endif
