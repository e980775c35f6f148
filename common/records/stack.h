/*
 * stack: the open levels of a nested value being walked (a JSON text, a
 * CBOR item), pushed as containers open and popped as they close.
 *
 * The first levels live in the struct itself, on the caller's stack, so
 * that the shallow nesting of most values allocates nothing; deeper
 * nesting grows onto the heap, never past the depth the caller sets.
 */
#ifndef RXWS_STACK_H
#define RXWS_STACK_H

#include <stddef.h>

/* 32 levels of the largest walker's (40 bytes, cbor_item.c). */
#define STACK_INLINE_BYTES 1280

struct stack {
	unsigned char *levels;	/* inline_levels, or the heap once grown */
	size_t level_size;
	int depth;		/* levels pushed: 0 when none */
	int cap;		/* levels there is room for */
	int max_depth;
	const char *too_deep;	/* what a push past max_depth says */
	_Alignas(max_align_t) unsigned char inline_levels[STACK_INLINE_BYTES];
};

/* too_deep: the caller's words for a push past max_depth. */
void stack_init(struct stack *s, size_t level_size, int max_depth,
		const char *too_deep);
/* Gives back what grew: empty again, ready for another walk. */
void stack_free(struct stack *s);
/* Copies level on top. NULL, or why not: too deep, or out of memory. */
const char *stack_push(struct stack *s, const void *level);

/* The level on top, NULL when there is none. */
static inline void *stack_top(struct stack *s)
{
	return s->depth ? s->levels + (size_t)(s->depth - 1) * s->level_size
			: NULL;
}

static inline void stack_pop(struct stack *s)
{
	s->depth--;
}

#endif
