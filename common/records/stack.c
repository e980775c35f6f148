/* stack: the open levels of a nested value, bounded by a depth (stack.h). */
#include "records/stack.h"

#include <stdlib.h>
#include <string.h>

/* The levels that fit inline: never more than the depth allows. */
static int inline_cap(const struct stack *s)
{
	int fits = (int)(STACK_INLINE_BYTES / s->level_size);
	return fits < s->max_depth ? fits : s->max_depth;
}

void stack_init(struct stack *s, size_t level_size, int max_depth,
		const char *too_deep)
{
	s->levels = s->inline_levels;
	s->level_size = level_size;
	s->depth = 0;
	s->max_depth = max_depth;
	s->cap = inline_cap(s);
	s->too_deep = too_deep;
}

void stack_free(struct stack *s)
{
	if (s->levels != s->inline_levels)
		free(s->levels);
	s->levels = s->inline_levels;
	s->depth = 0;
	s->cap = inline_cap(s);
}

const char *stack_push(struct stack *s, const void *level)
{
	if (s->depth >= s->max_depth)
		return s->too_deep;
	if (s->depth == s->cap) {
		int cap = s->cap > s->max_depth / 4 ? s->max_depth
			  : s->cap ? s->cap * 4 : 4;
		if (cap > s->max_depth)
			cap = s->max_depth;
		unsigned char *levels = malloc((size_t)cap * s->level_size);
		if (!levels)
			return "out of memory";
		memcpy(levels, s->levels, (size_t)s->depth * s->level_size);
		if (s->levels != s->inline_levels)
			free(s->levels);
		s->levels = levels;
		s->cap = cap;
	}
	memcpy(s->levels + (size_t)s->depth * s->level_size, level, s->level_size);
	s->depth++;
	return NULL;
}
