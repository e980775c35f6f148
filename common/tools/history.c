/* history: the last messages of each path, kept for replay (history.h). */
#include "tools/history.h"

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK_SIZE ((size_t)64 << 10)
#define INDEX_FIRST 8

struct history_block {
	struct history_block *next;
	size_t size, used;
	alignas(max_align_t) unsigned char data[];
};

/* A message in the log: this head, then its payload, padded to 8. */
struct entry {
	struct path_history *ph;
	uint64_t off;
	uint64_t at_us;
	uint32_t len;
	uint8_t kind;		/* enum frame_kind */
	bool dead;		/* its path let go of it */
};

static size_t entry_size(size_t len)
{
	return (sizeof(struct entry) + len + 7) & ~(size_t)7;
}

/* What it costs the budget. */
static size_t cost(size_t len)
{
	return len + HISTORY_ENTRY_COST;
}

void history_init(struct history *h, size_t per_path, size_t max_bytes, double max_age)
{
	memset(h, 0, sizeof(*h));
	h->per_path = per_path;
	h->max_bytes = max_bytes;
	h->max_age_us = max_age > 0 ? (uint64_t)(max_age * 1e6) : 0;
}

static struct entry *log_start(const struct history *h)
{
	struct history_block *b = h->oldest;
	if (b && h->start == b->used && b->next)
		b = b->next;	/* (never: the start moves to the next block at once) */
	return b && h->start < b->used ? (struct entry *)(b->data + h->start) : NULL;
}

static void block_done(struct history *h)
{
	struct history_block *b = h->oldest;

	h->oldest = b->next;
	h->start = 0;
	if (!h->oldest)
		h->newest = NULL;
	if (!h->spare && b->size == BLOCK_SIZE) {
		b->next = NULL;
		b->used = 0;
		h->spare = b;
	} else {
		free(b);
	}
}

/* The log's first message goes; with it, its path's oldest when it is live. */
static void pop_start(struct history *h)
{
	struct entry *e = log_start(h);
	struct path_history *ph = e->ph;

	if (e->dead) {
		h->dead -= cost(e->len);
	} else {
		h->bytes -= cost(e->len);
		ph->head = (ph->head + 1) % ph->cap;
		ph->len--;
		ph->first++;
		h->messages--;
	}
	ph->in_log--;
	h->start += entry_size(e->len);
	if (h->start >= h->oldest->used)
		block_done(h);
	if (history_unused(ph) && h->unused)
		h->unused(h->owner, ph);
}

/* The path's oldest goes for its own count: dead where it lies. */
static void drop_oldest(struct history *h, struct path_history *ph)
{
	struct entry *e = (struct entry *)ph->index[ph->head];

	e->dead = true;
	h->bytes -= cost(e->len);
	h->dead += cost(e->len);
	ph->head = (ph->head + 1) % ph->cap;
	ph->len--;
	ph->first++;
	h->messages--;
}

/* Room at the log's end for an entry of size n: a pointer to it, or NULL. */
static unsigned char *log_room(struct history *h, size_t n)
{
	struct history_block *b = h->newest;

	if (b && b->size - b->used >= n)
		return b->data + b->used;
	if (n <= BLOCK_SIZE && h->spare) {
		b = h->spare;
		h->spare = NULL;
	} else {
		size_t size = n > BLOCK_SIZE ? n : BLOCK_SIZE;
		if (!(b = malloc(sizeof(*b) + size)))
			return NULL;
		b->size = size;
		b->used = 0;
		b->next = NULL;
	}
	if (h->newest)
		h->newest->next = b;
	else
		h->oldest = b;
	h->newest = b;
	return b->data;
}

/*
 * The messages kept, copied in order into a log of new blocks, their
 * paths' index pointing there; the dead ones left out. -1: no memory (the
 * log stays as it was).
 */
static int compact(struct history *h)
{
	struct history fresh = *h;
	struct history_block *old = h->oldest;
	size_t start = h->start;

	fresh.oldest = fresh.newest = fresh.spare = NULL;
	fresh.start = 0;
	for (struct history_block *b = old; b; b = b->next, start = 0) {
		for (size_t at = start; at < b->used;) {
			struct entry *e = (struct entry *)(b->data + at);
			size_t n = entry_size(e->len);
			at += n;
			if (e->dead)
				continue;
			unsigned char *to = log_room(&fresh, n);
			if (!to) {
				while (fresh.oldest)
					block_done(&fresh);
				free(fresh.spare);
				return -1;
			}
			memcpy(to, e, n);
			fresh.newest->used += n;
			struct path_history *ph = e->ph;
			ph->index[(ph->head + (e->off - ph->first)) % ph->cap] = to;
		}
	}
	/* The dead ones go: their paths may be left with nothing. */
	for (struct history_block *b = old; b; b = b->next, start = 0) {
		for (size_t at = (b == old ? h->start : 0); at < b->used;) {
			struct entry *e = (struct entry *)(b->data + at);
			at += entry_size(e->len);
			if (e->dead && !--e->ph->in_log && history_unused(e->ph) && h->unused)
				h->unused(h->owner, e->ph);
		}
	}
	while (h->oldest)
		block_done(h);
	h->oldest = fresh.oldest;
	h->newest = fresh.newest;
	h->start = 0;
	h->dead = 0;
	return 0;
}

static int grow_index(struct path_history *ph, size_t limit)
{
	size_t cap = ph->cap ? 2 * ph->cap : INDEX_FIRST;
	if (cap > limit)
		cap = limit;
	unsigned char **r = malloc(cap * sizeof(*r));
	if (!r)
		return -1;
	for (size_t i = 0; i < ph->len; i++)
		r[i] = ph->index[(ph->head + i) % ph->cap];
	free(ph->index);
	ph->index = r;
	ph->cap = cap;
	ph->head = 0;
	return 0;
}

void history_clear_path(struct history *h, struct path_history *ph)
{
	while (ph->len)
		drop_oldest(h, ph);
	ph->first = 0;
}

int history_add(struct history *h, struct path_history *ph, const struct msg *m, uint64_t now_us)
{
	if (!history_on(h) || !m->pos)
		return 0;
	if (ph->len && m->pos != ph->first + ph->len)
		history_clear_path(h, ph);
	if (cost(m->len) > h->max_bytes) {
		history_clear_path(h, ph);	/* what it kept is older than this */
		return 0;
	}
	if (ph->len == h->per_path)
		drop_oldest(h, ph);
	if (ph->len == ph->cap && grow_index(ph, h->per_path))
		return -1;
	size_t n = entry_size(m->len);
	unsigned char *at = log_room(h, n);
	if (!at)
		return -1;
	struct entry *e = (struct entry *)at;
	*e = (struct entry){ .ph = ph, .off = m->pos, .at_us = now_us,
			     .len = (uint32_t)m->len, .kind = (uint8_t)m->kind };
	memcpy(e + 1, m->payload, m->len);
	h->newest->used += n;
	if (!ph->len)
		ph->first = m->pos;
	ph->index[(ph->head + ph->len) % ph->cap] = at;
	ph->len++;
	ph->in_log++;
	h->bytes += cost(m->len);
	h->messages++;
	/*
	 * Only now, with ph holding this one, may older ones go: a path left
	 * with nothing is its owner's to free (history_unused()).
	 */
	while (h->bytes > h->max_bytes)
		pop_start(h);
	/* Dead at the log's start (one path, or paths alike): their room now. */
	for (struct entry *e; (e = log_start(h)) && e->dead;)
		pop_start(h);
	history_expire(h, now_us);
	/* Room that dead messages hold comes back: the log stays within twice the kept. */
	if (h->dead > h->bytes && h->dead >= BLOCK_SIZE)
		compact(h);
	return 0;
}

void history_expire(struct history *h, uint64_t now_us)
{
	struct entry *e;

	if (!h->max_age_us)
		return;
	while ((e = log_start(h)) && now_us - e->at_us > h->max_age_us)
		pop_start(h);
}

bool history_has(const struct path_history *ph, uint64_t off)
{
	return ph->len && off >= ph->first && off < ph->first + ph->len;
}

struct msg *history_copy(const struct path_history *ph, uint64_t off)
{
	const struct entry *e =
		(const struct entry *)ph->index[(ph->head + (off - ph->first)) % ph->cap];
	struct msg *m = msg_new(NULL, 0, e->len);

	if (!m)
		return NULL;
	memcpy(m->payload, e + 1, e->len);
	m->kind = (enum frame_kind)e->kind;
	m->pos = e->off;
	return m;
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
	return !ph->len && !ph->in_log;
}

void history_path_free(struct path_history *ph)
{
	free(ph->index);
	ph->index = NULL;
	ph->cap = ph->head = ph->len = 0;
}

void history_free(struct history *h)
{
	/* The paths' counts go with the log; the paths are their owners'. */
	while (log_start(h)) {
		struct entry *e = log_start(h);
		if (!e->dead) {
			e->ph->len = 0;
			e->dead = true;
		}
		e->ph->in_log--;
		h->start += entry_size(e->len);
		if (h->start >= h->oldest->used)
			block_done(h);
	}
	while (h->oldest)
		block_done(h);
	free(h->spare);
	h->spare = NULL;
	h->bytes = h->dead = h->messages = 0;
}
