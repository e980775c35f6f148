/* base/buf: a growable byte buffer that never grows past its max. */
#include "base/buf.h"

#include <string.h>

#include "unit.h"

TEST(buf_append_grows_and_keeps_what_was_there)
{
	struct buf b = { 0 };
	char chunk[100];

	for (int i = 0; i < 50; i++) {
		memset(chunk, 'a' + i % 26, sizeof(chunk));
		if (!CHECK_INT(buf_append(&b, chunk, sizeof(chunk)), ==, 0))
			break;
	}
	CHECK_UINT(b.len, ==, 5000);
	CHECK_UINT(b.cap, >=, b.len);
	for (size_t i = 0; i < b.len; i += 100) {
		CASE("chunk at %zu", i);
		CHECK_INT(b.data[i], ==, 'a' + (int)(i / 100) % 26);
		CHECK_INT(b.data[i + 99], ==, 'a' + (int)(i / 100) % 26);
	}
	buf_free(&b);
}

TEST(buf_append_of_nothing_changes_nothing)
{
	struct buf b = { 0 };

	CHECK_INT(buf_append(&b, NULL, 0), ==, 0);
	CHECK_UINT(b.len, ==, 0);
	CHECK_INT(buf_append_byte(&b, 'x'), ==, 0);
	CHECK_INT(buf_append(&b, NULL, 0), ==, 0);
	CHECK_MEM(b.data, b.len, "x", 1);
	buf_free(&b);
}

TEST(buf_never_grows_past_its_max)
{
	struct buf b = { .max = 10 };

	CHECK_INT(buf_append(&b, "0123456789", 10), ==, 0);
	CHECK_UINT(b.cap, <=, 10);
	CHECK_INT(buf_append_byte(&b, 'x'), ==, -1);
	CHECK_INT(buf_reserve(&b, 1), ==, -1);
	/* What it held is untouched by the failure. */
	CHECK_MEM(b.data, b.len, "0123456789", 10);
	buf_free(&b);

	b = (struct buf){ .max = 10 };
	CHECK_INT(buf_append(&b, "01234567890", 11), ==, -1);
	CHECK_UINT(b.len, ==, 0);
	buf_free(&b);
}

TEST(buf_capacity_doubles_but_stops_at_max)
{
	struct buf b = { .max = 300 };

	CHECK_INT(buf_reserve(&b, 1), ==, 0);
	CHECK_UINT(b.cap, ==, 256);
	b.len = 256;
	CHECK_INT(buf_reserve(&b, 1), ==, 0);
	CHECK_UINT(b.cap, ==, 300);	/* not 512 */
	CHECK_INT(buf_reserve(&b, 44), ==, 0);
	CHECK_INT(buf_reserve(&b, 45), ==, -1);
	buf_free(&b);
}

TEST(buf_reserve_refuses_a_size_that_would_overflow)
{
	struct buf b = { 0 };

	buf_append(&b, "abc", 3);
	CHECK_INT(buf_reserve(&b, SIZE_MAX), ==, -1);
	CHECK_INT(buf_reserve(&b, SIZE_MAX - 2), ==, -1);
	CHECK_INT(buf_reserve(&b, SIZE_MAX / 2), ==, -1);
	CHECK_MEM(b.data, b.len, "abc", 3);
	buf_free(&b);
}

TEST(buf_consume_drops_the_front_and_keeps_the_rest)
{
	struct buf b = { 0 };

	buf_append(&b, "abcdef", 6);
	buf_consume(&b, 0);
	CHECK_MEM(b.data, b.len, "abcdef", 6);
	buf_consume(&b, 2);
	CHECK_MEM(b.data, b.len, "cdef", 4);
	buf_consume(&b, 4);
	CHECK_UINT(b.len, ==, 0);
	buf_append(&b, "xy", 2);
	buf_consume(&b, 100);	/* more than there is: empty */
	CHECK_UINT(b.len, ==, 0);
	buf_free(&b);
}

TEST(buf_swap_exchanges_contents_and_limits)
{
	struct buf a = { .max = 100 }, b = { 0 };

	buf_append(&a, "first", 5);
	buf_append(&b, "second one", 10);
	buf_swap(&a, &b);
	CHECK_MEM(a.data, a.len, "second one", 10);
	CHECK_MEM(b.data, b.len, "first", 5);
	CHECK_UINT(a.max, ==, 0);
	CHECK_UINT(b.max, ==, 100);
	buf_free(&a);
	buf_free(&b);
}

TEST(buf_free_empties_the_buffer_and_keeps_its_max)
{
	struct buf b = { .max = 4 };

	buf_append(&b, "abcd", 4);
	buf_free(&b);
	CHECK(b.data == NULL);
	CHECK_UINT(b.len, ==, 0);
	CHECK_UINT(b.cap, ==, 0);
	CHECK_UINT(b.max, ==, 4);
	/* Used again, under the same limit. */
	CHECK_INT(buf_append(&b, "wxyz", 4), ==, 0);
	CHECK_INT(buf_append_byte(&b, '!'), ==, -1);
	buf_free(&b);
}

const struct unit_test unit_tests[] = {
	RUN(buf_append_grows_and_keeps_what_was_there),
	RUN(buf_append_of_nothing_changes_nothing),
	RUN(buf_never_grows_past_its_max),
	RUN(buf_capacity_doubles_but_stops_at_max),
	RUN(buf_reserve_refuses_a_size_that_would_overflow),
	RUN(buf_consume_drops_the_front_and_keeps_the_rest),
	RUN(buf_swap_exchanges_contents_and_limits),
	RUN(buf_free_empties_the_buffer_and_keeps_its_max),
	{ NULL, NULL },
};
