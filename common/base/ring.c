/* ring: the bounded FIFO of messages waiting (ring.h). */
#include "base/ring.h"

#include <stdlib.h>

#define RING_FIRST_SIZE 8

int ring_init(struct ring *r, size_t cap)
{
	r->slots = NULL;
	r->cap = cap ? cap : 1;
	r->size = r->head = r->len = 0;
	return 0;
}

/* Room for one more: twice the slots, up to the cap. 0, or -1 (no memory). */
int ring_grow(struct ring *r)
{
	size_t size = r->size ? r->size * 2 : RING_FIRST_SIZE;
	if (size > r->cap)
		size = r->cap;
	struct msg **slots = malloc(size * sizeof(*slots));
	if (!slots)
		return -1;
	for (size_t i = 0; i < r->len; i++)
		slots[i] = r->slots[ring_slot(r, i)];
	free(r->slots);
	r->slots = slots;
	r->size = size;
	r->head = 0;
	return 0;
}

void ring_free(struct ring *r)
{
	ring_clear(r, FATE_LOST);
	free(r->slots);
	r->slots = NULL;
	r->size = 0;
}

void ring_drop_at(struct ring *r, size_t i, enum msg_fate fate)
{
	if (i >= r->len)
		return;
	msg_done(ring_at(r, i), fate);
	/* Shift the ones before it up by one: the head moves on. */
	for (size_t k = i; k > 0; k--)
		r->slots[ring_slot(r, k)] = r->slots[ring_slot(r, k - 1)];
	r->head = ring_slot(r, 1);
	r->len--;
}

size_t ring_truncate(struct ring *r, size_t i, enum msg_fate fate)
{
	size_t n = 0;
	while (r->len > i) {
		msg_done(ring_at(r, r->len - 1), fate);
		r->len--;
		n++;
	}
	return n;
}

size_t ring_clear(struct ring *r, enum msg_fate fate)
{
	size_t n = r->len;
	while (r->len) {
		msg_done(ring_pop(r), fate);
	}
	return n;
}
