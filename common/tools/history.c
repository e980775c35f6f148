/* history: the last messages of each path, kept for replay (history.h). */
#include "tools/history.h"

#include <stdlib.h>
#include <string.h>

#define RING_FIRST 8

void history_init(struct history *h, size_t per_path, size_t max_bytes, double max_age)
{
	memset(h, 0, sizeof(*h));
	h->per_path = per_path;
	h->max_bytes = max_bytes;
	h->max_age_us = max_age > 0 ? (uint64_t)(max_age * 1e6) : 0;
}

static size_t cost(const struct msg *m)
{
	return m->len + HISTORY_ENTRY_COST;
}

static struct history_slot *slot_at(const struct history *h, size_t i)
{
	return &h->fifo[(h->fifo_head + i) % h->fifo_cap];
}

static bool slot_live(const struct history_slot *s)
{
	const struct path_history *ph = s->ph;
	return s->gen == ph->gen && ph->len && s->off >= ph->first && s->off < ph->first + ph->len;
}

/* The path's oldest message goes (it is the one a live slot names first). */
static void drop_oldest(struct history *h, struct path_history *ph)
{
	struct msg *m = ph->ring[ph->head];

	h->bytes -= cost(m);
	h->messages--;
	ph->head = (ph->head + 1) % ph->cap;
	ph->len--;
	ph->first++;
	msg_unkeep(m);
}

static void release_slot(struct history *h, struct history_slot *s)
{
	struct path_history *ph = s->ph;

	ph->slots--;
	if (history_unused(ph) && h->unused)
		h->unused(h->owner, ph);
}

/* The FIFO's oldest slot goes, and with it its message if still kept. */
static void pop_slot(struct history *h)
{
	struct history_slot s = *slot_at(h, 0);

	h->fifo_head = (h->fifo_head + 1) % h->fifo_cap;
	h->fifo_len--;
	if (slot_live(&s))
		drop_oldest(h, s.ph);
	else
		h->stale--;
	release_slot(h, &s);
}

/* Stale slots outnumber the live ones: squeezed out, in order. */
static void compact(struct history *h)
{
	size_t out = 0, len = h->fifo_len;
	struct history_slot *fresh = malloc((h->fifo_cap ? h->fifo_cap : 1) * sizeof(*fresh));

	if (!fresh)
		return;		/* later, then */
	for (size_t i = 0; i < len; i++) {
		struct history_slot *s = slot_at(h, i);
		if (slot_live(s))
			fresh[out++] = *s;
	}
	struct history_slot *old = h->fifo;
	size_t old_head = h->fifo_head, old_cap = h->fifo_cap;
	h->fifo = fresh;
	h->fifo_head = 0;
	h->fifo_len = out;
	h->stale = 0;
	for (size_t i = 0; i < len; i++) {
		struct history_slot *s = &old[(old_head + i) % old_cap];
		if (!(s->gen == s->ph->gen && s->ph->len && s->off >= s->ph->first &&
		      s->off < s->ph->first + s->ph->len))
			release_slot(h, s);
	}
	free(old);
}

static int push_slot(struct history *h, struct path_history *ph, uint64_t off, uint64_t now_us)
{
	if (h->fifo_len == h->fifo_cap) {
		size_t cap = h->fifo_cap ? 2 * h->fifo_cap : 64;
		struct history_slot *f = malloc(cap * sizeof(*f));
		if (!f)
			return -1;
		for (size_t i = 0; i < h->fifo_len; i++)
			f[i] = *slot_at(h, i);
		free(h->fifo);
		h->fifo = f;
		h->fifo_cap = cap;
		h->fifo_head = 0;
	}
	*slot_at(h, h->fifo_len) = (struct history_slot){
		.ph = ph, .off = off, .at_us = now_us, .gen = ph->gen,
	};
	h->fifo_len++;
	ph->slots++;
	return 0;
}

static int grow_ring(struct path_history *ph, size_t limit)
{
	size_t cap = ph->cap ? 2 * ph->cap : RING_FIRST;
	if (cap > limit)
		cap = limit;
	struct msg **r = malloc(cap * sizeof(*r));
	if (!r)
		return -1;
	for (size_t i = 0; i < ph->len; i++)
		r[i] = ph->ring[(ph->head + i) % ph->cap];
	free(ph->ring);
	ph->ring = r;
	ph->cap = cap;
	ph->head = 0;
	return 0;
}

void history_clear_path(struct history *h, struct path_history *ph)
{
	h->stale += ph->len;
	while (ph->len) {
		struct msg *m = ph->ring[ph->head];
		h->bytes -= cost(m);
		h->messages--;
		ph->head = (ph->head + 1) % ph->cap;
		ph->len--;
		msg_unkeep(m);
	}
	ph->gen++;
	ph->first = 0;
}

int history_add(struct history *h, struct path_history *ph, struct msg *m, uint64_t now_us)
{
	if (!history_on(h) || !m->pos)
		return 0;
	if (ph->len && m->pos != ph->first + ph->len)
		history_clear_path(h, ph);
	if (ph->len == h->per_path) {
		/* Its own oldest goes: its slot stays behind, stale. */
		drop_oldest(h, ph);
		h->stale++;
	}
	if (ph->len == ph->cap && grow_ring(ph, h->per_path))
		return -1;
	if (push_slot(h, ph, m->pos, now_us))
		return -1;
	if (!ph->len)
		ph->first = m->pos;
	ph->ring[(ph->head + ph->len) % ph->cap] = msg_keep(m);
	ph->len++;
	h->bytes += cost(m);
	h->messages++;
	while (h->bytes > h->max_bytes && h->fifo_len)
		pop_slot(h);
	history_expire(h, now_us);
	if (h->stale > 64 && h->stale > h->fifo_len / 2)
		compact(h);
	return 0;
}

void history_expire(struct history *h, uint64_t now_us)
{
	if (!h->max_age_us)
		return;
	while (h->fifo_len && now_us - slot_at(h, 0)->at_us > h->max_age_us)
		pop_slot(h);
}

struct msg *history_at(const struct path_history *ph, uint64_t off)
{
	if (!ph->len || off < ph->first || off >= ph->first + ph->len)
		return NULL;
	return ph->ring[(ph->head + (off - ph->first)) % ph->cap];
}

uint64_t history_first(const struct path_history *ph)
{
	return ph->len ? ph->first : 0;
}

uint64_t history_last(const struct path_history *ph)
{
	return ph->len ? ph->first + ph->len - 1 : 0;
}

bool history_unused(const struct path_history *ph)
{
	return !ph->len && !ph->slots;
}

void history_path_free(struct path_history *ph)
{
	free(ph->ring);
	ph->ring = NULL;
	ph->cap = ph->head = ph->len = 0;
}

void history_free(struct history *h)
{
	/* Every live slot's message goes; the paths are their owners'. */
	for (size_t i = 0; i < h->fifo_len; i++) {
		struct history_slot *s = slot_at(h, i);
		if (slot_live(s))
			drop_oldest(h, s->ph);
		s->ph->slots--;
	}
	free(h->fifo);
	h->fifo = NULL;
	h->fifo_len = h->fifo_cap = h->fifo_head = 0;
}
