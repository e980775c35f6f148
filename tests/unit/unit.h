/*
 * unit: the harness of the unit tests in C (tests/unit/test_*.c), which
 * test the modules of common/ that do no I/O one by one, through what
 * their headers promise.
 *
 * Our own rather than check or cmocka, though Debian packages both: what
 * the tests need is a few checks that say what they saw and a main that
 * runs a list of functions, a couple of hundred lines here. Either library
 * would be one more build dependency for every machine and CI image that
 * runs make check, for nothing the tests use (check's fork per test and
 * its own report formats, cmocka's mocks, which modules without I/O do not
 * need); git's t/unit-tests and redis' testhelp.h chose the same. The
 * output is TAP, as bats prints it, so tests/unit/run counts it the way
 * tests/run counts the suite.
 *
 * A test file has one binary to itself (build/unit/test_NAME). Each test
 * is a function, TEST(name), named for what the module promises, and the
 * file lists them in order in unit_tests[] with RUN(name); a test left out
 * of the list is an unused static function, which -Werror refuses. Run
 * with arguments, a binary runs only the tests whose names contain one of
 * them (build/unit/test_utf8 overlong).
 *
 * A check does not end its test: it prints what failed and evaluates to
 * false, so a test says everything that is wrong at once, and stops where
 * going on makes no sense: if (!CHECK(p != NULL)) return;
 * CASE() names the row of a table (or the split of an input) that the
 * checks after it are about, for their messages.
 */
#ifndef RXWS_UNIT_H
#define RXWS_UNIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct unit_test {
	const char *name;
	void (*fn)(void);
};

/* Each test file defines it: { RUN(a), RUN(b), ..., { NULL, NULL } }. */
extern const struct unit_test unit_tests[];

#define TEST(name) static void name(void)
#define RUN(name) { #name, name }

/* The number of elements of an array (a table of cases). */
#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

#define CHECK(cond) unit_check(!!(cond), __FILE__, __LINE__, #cond)
/*
 * Integers, compared with op (== != < <= > >=), both values shown on
 * failure; each operand is evaluated once.
 */
#define CHECK_INT(a, op, b) \
	unit_check_int(__FILE__, __LINE__, #a " " #op " " #b, (intmax_t)(a), #op, \
		       (intmax_t)(b))
#define CHECK_UINT(a, op, b) \
	unit_check_uint(__FILE__, __LINE__, #a " " #op " " #b, (uintmax_t)(a), #op, \
			(uintmax_t)(b))
/* Two strings, either of which may be NULL: equal, or both NULL. */
#define CHECK_STR(a, b) unit_check_str(__FILE__, __LINE__, #a " == " #b, (a), (b))
/* Two byte strings, shown escaped on failure. */
#define CHECK_MEM(a, alen, b, blen) \
	unit_check_mem(__FILE__, __LINE__, #a " == " #b, (a), (alen), (b), (blen))
/*
 * The modules say "NULL, or why not": CHECK_OK passes on NULL and shows
 * the reason otherwise; CHECK_FAILS passes on a reason that contains
 * words (NULL: any reason).
 */
#define CHECK_OK(why) unit_check_ok(__FILE__, __LINE__, #why, (why))
#define CHECK_FAILS(why, words) unit_check_fails(__FILE__, __LINE__, #why, (why), (words))

/* Names what the next checks of this test are about. */
#define CASE(...) unit_case(__VA_ARGS__)

int unit_check(bool ok, const char *file, int line, const char *expr);
int unit_check_int(const char *file, int line, const char *expr,
		   intmax_t a, const char *op, intmax_t b);
int unit_check_uint(const char *file, int line, const char *expr,
		    uintmax_t a, const char *op, uintmax_t b);
int unit_check_str(const char *file, int line, const char *expr,
		   const char *a, const char *b);
int unit_check_mem(const char *file, int line, const char *expr,
		   const void *a, size_t alen, const void *b, size_t blen);
int unit_check_ok(const char *file, int line, const char *expr, const char *why);
int unit_check_fails(const char *file, int line, const char *expr,
		     const char *why, const char *words);
void unit_case(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * n bytes as a C string literal, escaped and cut short when long, for
 * CASE(): in one of a few static buffers, so that a message may show two.
 */
const char *unit_show(const void *p, size_t n);

/*
 * The bytes that hex digits stand for ("a1 61 78 01": spaces are for the
 * reader), into out; their number. A test's own table is wrong when the
 * digits are odd or do not fit: that ends the binary.
 */
size_t unit_hex(const char *hex, unsigned char *out, size_t size);

#endif
