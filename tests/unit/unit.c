/*
 * unit: the main of every unit test binary, and its checks (unit.h).
 *
 * Prints TAP: "ok N - name" or "not ok N - name" for each test run, after
 * the "# " lines of the checks that failed in it, then the plan, "1..N".
 * Exits 1 when a test failed, 2 when an argument named no test.
 */
#include "unit.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *current_test;
static char current_case[256];
static unsigned failures;	/* checks failed in the current test */

/* The failure of one check: where, what, and the test's case. */
static void failed(const char *file, int line, const char *expr)
{
	const char *base = strrchr(file, '/');

	if (failures++ == 0)
		printf("# %s:\n", current_test);
	printf("#   %s:%d: failed: %s\n", base ? base + 1 : file, line, expr);
	if (current_case[0])
		printf("#     case: %s\n", current_case);
}

int unit_check(bool ok, const char *file, int line, const char *expr)
{
	if (!ok)
		failed(file, line, expr);
	return ok;
}

/* a op b, as the comparison is written in the check; -1, 0 or 1 is a <=> b. */
static bool holds(int cmp, const char *op)
{
	return !strcmp(op, "==") ? cmp == 0 : !strcmp(op, "!=") ? cmp != 0
	     : !strcmp(op, "<") ? cmp < 0 : !strcmp(op, "<=") ? cmp <= 0
	     : !strcmp(op, ">") ? cmp > 0 : !strcmp(op, ">=") ? cmp >= 0
	     : (fprintf(stderr, "unit: no comparison %s\n", op), abort(), false);
}

int unit_check_int(const char *file, int line, const char *expr,
		   intmax_t a, const char *op, intmax_t b)
{
	bool ok = holds((a > b) - (a < b), op);

	if (!ok) {
		failed(file, line, expr);
		printf("#     left %" PRIdMAX ", right %" PRIdMAX "\n", a, b);
	}
	return ok;
}

int unit_check_uint(const char *file, int line, const char *expr,
		    uintmax_t a, const char *op, uintmax_t b)
{
	bool ok = holds((a > b) - (a < b), op);

	if (!ok) {
		failed(file, line, expr);
		printf("#     left %" PRIuMAX ", right %" PRIuMAX "\n", a, b);
	}
	return ok;
}

int unit_check_str(const char *file, int line, const char *expr,
		   const char *a, const char *b)
{
	bool ok = (!a && !b) || (a && b && !strcmp(a, b));

	if (!ok) {
		failed(file, line, expr);
		printf("#     left  %s\n", a ? unit_show(a, strlen(a)) : "NULL");
		printf("#     right %s\n", b ? unit_show(b, strlen(b)) : "NULL");
	}
	return ok;
}

int unit_check_mem(const char *file, int line, const char *expr,
		   const void *a, size_t alen, const void *b, size_t blen)
{
	bool ok = alen == blen && (!alen || !memcmp(a, b, alen));

	if (!ok) {
		failed(file, line, expr);
		printf("#     left  (%zu) %s\n", alen, alen ? unit_show(a, alen) : "\"\"");
		printf("#     right (%zu) %s\n", blen, blen ? unit_show(b, blen) : "\"\"");
	}
	return ok;
}

int unit_check_ok(const char *file, int line, const char *expr, const char *why)
{
	if (why) {
		failed(file, line, expr);
		printf("#     said: %s\n", why);
	}
	return !why;
}

int unit_check_fails(const char *file, int line, const char *expr,
		     const char *why, const char *words)
{
	bool ok = why && (!words || strstr(why, words));

	if (!ok) {
		failed(file, line, expr);
		if (why)
			printf("#     said: %s\n#     not:  ...%s...\n", why, words);
		else
			printf("#     said nothing wrong%s%s\n", words ? ", expected: " : "",
			       words ? words : "");
	}
	return ok;
}

void unit_case(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(current_case, sizeof(current_case), fmt, ap);
	va_end(ap);
}

const char *unit_show(const void *p, size_t n)
{
	static char bufs[4][200];
	static unsigned next;
	char *out = bufs[next++ % 4];
	const unsigned char *s = p;
	size_t w = 0, room = sizeof(bufs[0]) - 8;	/* for "\"...\"" and NUL */

	out[w++] = '"';
	for (size_t i = 0; i < n; i++) {
		char esc[8];
		unsigned char c = s[i];
		if (c == '"' || c == '\\')
			snprintf(esc, sizeof(esc), "\\%c", c);
		else if (c == '\n')
			snprintf(esc, sizeof(esc), "\\n");
		else if (c == '\t')
			snprintf(esc, sizeof(esc), "\\t");
		else if (c < 0x20 || c >= 0x7f)
			snprintf(esc, sizeof(esc), "\\x%02x", c);
		else
			snprintf(esc, sizeof(esc), "%c", c);
		size_t k = strlen(esc);
		if (w + k > room) {
			memcpy(out + w, "...", 3);
			w += 3;
			break;
		}
		memcpy(out + w, esc, k);
		w += k;
	}
	out[w++] = '"';
	out[w] = '\0';
	return out;
}

size_t unit_hex(const char *hex, unsigned char *out, size_t size)
{
	size_t n = 0;
	int high = -1;

	for (const char *p = hex; *p; p++) {
		char c = *p;
		int v = c >= '0' && c <= '9' ? c - '0'
		      : c >= 'a' && c <= 'f' ? c - 'a' + 10
		      : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (c == ' ')
			continue;
		if (v < 0 || (high < 0 && n == size)) {
			fprintf(stderr, "unit_hex: bad digits, or too many: %s\n", hex);
			abort();
		}
		if (high < 0) {
			high = v;
		} else {
			out[n++] = (unsigned char)(high << 4 | v);
			high = -1;
		}
	}
	if (high >= 0) {
		fprintf(stderr, "unit_hex: an odd number of digits: %s\n", hex);
		abort();
	}
	return n;
}

/* Whether the test is one the arguments ask for (all, with none). */
static bool chosen(const char *name, int argc, char **argv)
{
	if (argc < 2)
		return true;
	for (int i = 1; i < argc; i++)
		if (strstr(name, argv[i]))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	unsigned run = 0, bad = 0;

	/* Each line out at once: a crash leaves the lines before it. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (const struct unit_test *t = unit_tests; t->name; t++) {
		if (!chosen(t->name, argc, argv))
			continue;
		current_test = t->name;
		current_case[0] = '\0';
		failures = 0;
		t->fn();
		run++;
		if (failures)
			bad++;
		printf("%sok %u - %s\n", failures ? "not " : "", run, t->name);
	}
	printf("1..%u\n", run);
	if (!run && argc > 1) {
		fprintf(stderr, "%s: no test's name has any of the words given\n", argv[0]);
		return 2;
	}
	return bad ? 1 : 0;
}
