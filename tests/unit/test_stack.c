/* records/stack: the growable, bounded stack of open levels of a walk. */
#include "records/stack.h"

#include <stdint.h>
#include <string.h>

#include "unit.h"

/* The size of cbor_item.c's levels, the largest walker's. */
struct level {
	uint64_t a, b;
	double c;
	size_t d;
	int e;
};

static const char too_deep[] = "too deep for this test";

TEST(stack_pops_levels_in_the_reverse_order_of_pushes)
{
	struct stack s;

	stack_init(&s, sizeof(int), 100, too_deep);
	CHECK(stack_top(&s) == NULL);
	for (int i = 1; i <= 5; i++)
		CHECK_OK(stack_push(&s, &i));
	CHECK_INT(s.depth, ==, 5);
	for (int i = 5; i >= 1; i--) {
		int *top = stack_top(&s);
		if (!CHECK(top != NULL))
			break;
		CHECK_INT(*top, ==, i);
		stack_pop(&s);
	}
	CHECK(stack_top(&s) == NULL);
	stack_free(&s);
}

TEST(stack_top_is_writable_in_place)
{
	struct stack s;
	int v = 1;

	stack_init(&s, sizeof(int), 10, too_deep);
	stack_push(&s, &v);
	stack_push(&s, &v);
	*(int *)stack_top(&s) = 42;
	CHECK_INT(*(int *)stack_top(&s), ==, 42);
	stack_pop(&s);
	CHECK_INT(*(int *)stack_top(&s), ==, 1);
	stack_free(&s);
}

TEST(stack_refuses_a_push_past_max_depth_in_the_callers_words)
{
	struct stack s;
	int v = 7;

	stack_init(&s, sizeof(int), 3, too_deep);
	for (int i = 0; i < 3; i++)
		CHECK_OK(stack_push(&s, &v));
	CHECK(stack_push(&s, &v) == too_deep);
	CHECK_INT(s.depth, ==, 3);
	/* Room again once a level is popped. */
	stack_pop(&s);
	CHECK_OK(stack_push(&s, &v));
	stack_free(&s);
}

TEST(stack_keeps_shallow_nesting_inline)
{
	struct stack s;
	struct level l = { 0 };
	int inline_levels = STACK_INLINE_BYTES / (int)sizeof(l);

	stack_init(&s, sizeof(l), 1000, too_deep);
	for (int i = 0; i < inline_levels; i++)
		CHECK_OK(stack_push(&s, &l));
	CHECK(s.levels == s.inline_levels);
	CHECK_OK(stack_push(&s, &l));
	CHECK(s.levels != s.inline_levels);
	stack_free(&s);
}

TEST(stack_grows_to_max_depth_keeping_every_level)
{
	struct stack s;

	stack_init(&s, sizeof(struct level), 1000, too_deep);
	for (int i = 0; i < 1000; i++) {
		struct level l = { .a = (uint64_t)i, .b = ~(uint64_t)i, .e = -i };
		if (!CHECK_OK(stack_push(&s, &l)))
			break;
	}
	CHECK(stack_push(&s, &(struct level){ 0 }) == too_deep);
	CHECK_INT(s.cap, <=, 1000);
	for (int i = 999; i >= 0 && s.depth; i--) {
		struct level *top = stack_top(&s);
		CASE("level %d", i);
		if (!CHECK(top->a == (uint64_t)i && top->b == ~(uint64_t)i && top->e == -i))
			break;
		stack_pop(&s);
	}
	stack_free(&s);
}

TEST(stack_levels_are_aligned_for_any_type)
{
	struct stack s;
	struct level l = { .c = 1.5 };

	stack_init(&s, sizeof(l), 200, too_deep);
	for (int i = 0; i < 200; i++) {
		stack_push(&s, &l);
		CASE("depth %d", s.depth);
		if (!CHECK_UINT((uintptr_t)stack_top(&s) % _Alignof(struct level), ==, 0))
			break;
	}
	stack_free(&s);
}

TEST(stack_free_empties_it_for_another_walk)
{
	struct stack s;
	int v = 3;

	stack_init(&s, sizeof(int), 5000, too_deep);
	for (int i = 0; i < 2000; i++)
		stack_push(&s, &v);
	stack_free(&s);
	CHECK_INT(s.depth, ==, 0);
	CHECK(s.levels == s.inline_levels);
	CHECK(stack_top(&s) == NULL);
	v = 4;
	CHECK_OK(stack_push(&s, &v));
	CHECK_INT(*(int *)stack_top(&s), ==, 4);
	stack_free(&s);
}

/* A depth under what fits inline is the bound, heap or not. */
TEST(stack_small_max_depth_bounds_the_inline_levels_too)
{
	struct stack s;
	char c = 'x';

	stack_init(&s, 1, 5, too_deep);
	for (int i = 0; i < 5; i++)
		CHECK_OK(stack_push(&s, &c));
	CHECK(stack_push(&s, &c) == too_deep);
	CHECK(s.levels == s.inline_levels);
	stack_free(&s);
}

const struct unit_test unit_tests[] = {
	RUN(stack_pops_levels_in_the_reverse_order_of_pushes),
	RUN(stack_top_is_writable_in_place),
	RUN(stack_refuses_a_push_past_max_depth_in_the_callers_words),
	RUN(stack_keeps_shallow_nesting_inline),
	RUN(stack_grows_to_max_depth_keeping_every_level),
	RUN(stack_levels_are_aligned_for_any_type),
	RUN(stack_free_empties_it_for_another_walk),
	RUN(stack_small_max_depth_bounds_the_inline_levels_too),
	{ NULL, NULL },
};
