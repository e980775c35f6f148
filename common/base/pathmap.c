/*
 * pathmap: a hash map from a path (string) to the caller's pointer
 * (pathmap.h).
 */
#include "base/pathmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static char tombstone;
#define TOMBSTONE (&tombstone)

/* FNV-1a: paths are short; this is fast and spreads them well enough. */
static size_t hash_of(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ull;
	}
	return (size_t)h;
}

void pathmap_init(struct pathmap *m)
{
	memset(m, 0, sizeof(*m));
}

void pathmap_free(struct pathmap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i].key && m->slots[i].key != TOMBSTONE)
			free(m->slots[i].key);
	free(m->slots);
	memset(m, 0, sizeof(*m));
}

static struct pathmap_slot *find(const struct pathmap *m, const char *key,
				 size_t len, size_t h)
{
	if (!m->cap)
		return NULL;
	for (size_t i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		struct pathmap_slot *s = &m->slots[i];
		if (!s->key)
			return NULL;
		if (s->key != TOMBSTONE && s->hash == h && s->len == len &&
		    !memcmp(s->key, key, len))
			return s;
	}
}

void *pathmap_get(const struct pathmap *m, const char *key, size_t len)
{
	struct pathmap_slot *s = find(m, key, len, hash_of(key, len));
	return s ? s->value : NULL;
}

static void insert(struct pathmap *m, struct pathmap_slot entry)
{
	size_t i = entry.hash & (m->cap - 1);
	while (m->slots[i].key && m->slots[i].key != TOMBSTONE)
		i = (i + 1) & (m->cap - 1);
	if (!m->slots[i].key)
		m->used++;
	m->slots[i] = entry;
	m->count++;
}

static int grow(struct pathmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 16;
	/* Many deletions: rebuilding at the same size is enough. */
	if (m->count * 2 < m->cap)
		cap = m->cap;
	struct pathmap_slot *old = m->slots;
	size_t old_cap = m->cap;
	m->slots = calloc(cap, sizeof(*m->slots));
	if (!m->slots) {
		m->slots = old;
		return -1;
	}
	m->cap = cap;
	m->used = m->count = 0;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].key && old[i].key != TOMBSTONE)
			insert(m, old[i]);
	free(old);
	return 0;
}

int pathmap_put(struct pathmap *m, const char *key, size_t len, void *value)
{
	if ((m->used + 1) * 4 > m->cap * 3 && grow(m))
		return -1;
	char *copy = malloc(len + 1);
	if (!copy)
		return -1;
	memcpy(copy, key, len);
	copy[len] = '\0';
	insert(m, (struct pathmap_slot){ copy, len, hash_of(key, len), value });
	return 0;
}

void pathmap_del(struct pathmap *m, const char *key, size_t len)
{
	struct pathmap_slot *s = find(m, key, len, hash_of(key, len));
	if (!s)
		return;
	free(s->key);
	s->key = TOMBSTONE;
	s->value = NULL;
	m->count--;
}

void pathmap_each(const struct pathmap *m, void (*fn)(void *value, void *arg),
		  void *arg)
{
	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i].key && m->slots[i].key != TOMBSTONE)
			fn(m->slots[i].value, arg);
}
