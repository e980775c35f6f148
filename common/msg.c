#include "msg.h"

#include <libwebsockets.h>
#include <stdlib.h>
#include <string.h>

struct msg *msg_new(const char *tag, size_t tag_len, size_t payload_len)
{
	size_t tag_room = tag ? tag_len + 1 : 0;
	/* Keep the payload's headroom aligned for lws' header writes. */
	size_t head = sizeof(struct msg) + tag_room;
	head = (head + 15) & ~(size_t)15;
	if (payload_len > SIZE_MAX - head - LWS_PRE)
		return NULL;

	struct msg *m = malloc(head + LWS_PRE + payload_len);
	if (!m)
		return NULL;
	m->refs = 1;
	m->kind = FRAME_TEXT;
	m->recno = 0;
	m->len = payload_len;
	m->tag_len = tag ? tag_len : 0;
	m->tag = NULL;
	if (tag) {
		m->tag = (char *)(m + 1);
		memcpy(m->tag, tag, tag_len);
		m->tag[tag_len] = '\0';
	}
	m->payload = (unsigned char *)m + head + LWS_PRE;
	return m;
}

struct msg *msg_ref(struct msg *m)
{
	m->refs++;
	return m;
}

void msg_unref(struct msg *m)
{
	if (m && --m->refs == 0)
		free(m);
}

#define RING_FIRST_SIZE 8

int ring_init(struct ring *r, size_t cap)
{
	r->slots = NULL;
	r->cap = cap ? cap : 1;
	r->size = r->head = r->len = 0;
	return 0;
}

static int ring_grow(struct ring *r)
{
	size_t size = r->size ? r->size * 2 : RING_FIRST_SIZE;
	if (size > r->cap)
		size = r->cap;
	struct msg **slots = malloc(size * sizeof(*slots));
	if (!slots)
		return -1;
	for (size_t i = 0; i < r->len; i++)
		slots[i] = r->slots[(r->head + i) % r->size];
	free(r->slots);
	r->slots = slots;
	r->size = size;
	r->head = 0;
	return 0;
}

void ring_free(struct ring *r)
{
	ring_clear(r);
	free(r->slots);
	r->slots = NULL;
	r->size = 0;
}

int ring_push(struct ring *r, struct msg *m)
{
	if (r->len == r->size && ring_grow(r))
		return -1;
	r->slots[(r->head + r->len) % r->size] = m;
	r->len++;
	return 0;
}

struct msg *ring_peek(const struct ring *r)
{
	return r->len ? r->slots[r->head] : NULL;
}

struct msg *ring_pop(struct ring *r)
{
	if (!r->len)
		return NULL;
	struct msg *m = r->slots[r->head];
	r->head = (r->head + 1) % r->size;
	r->len--;
	return m;
}

void ring_drop_second(struct ring *r)
{
	if (r->len < 2)
		return;
	size_t second = (r->head + 1) % r->size;
	msg_unref(r->slots[second]);
	r->slots[second] = r->slots[r->head];
	r->head = second;
	r->len--;
}

size_t ring_clear(struct ring *r)
{
	size_t n = r->len;
	while (r->len)
		msg_unref(ring_pop(r));
	return n;
}
