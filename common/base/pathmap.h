/*
 * pathmap: a hash map from a path (string) to the caller's pointer.
 * Keys are copied; values are the caller's. Open addressing, grows at
 * three quarters full, so lookups stay one or two probes.
 */
#ifndef RXWS_PATHMAP_H
#define RXWS_PATHMAP_H

#include <stddef.h>

struct pathmap_slot {
	char *key;		/* NULL: empty; TOMBSTONE: deleted */
	size_t len;
	size_t hash;
	void *value;
};

struct pathmap {
	struct pathmap_slot *slots;
	size_t cap;		/* a power of two */
	size_t used;		/* live and deleted slots */
	size_t count;		/* live entries */
};

void pathmap_init(struct pathmap *m);
void pathmap_free(struct pathmap *m);
void *pathmap_get(const struct pathmap *m, const char *key, size_t len);
/* Returns 0, or -1 when out of memory. The key must not be there yet. */
int pathmap_put(struct pathmap *m, const char *key, size_t len, void *value);
void pathmap_del(struct pathmap *m, const char *key, size_t len);

/* Visits every entry; fn may not change the map. */
void pathmap_each(const struct pathmap *m, void (*fn)(void *value, void *arg),
		  void *arg);

#endif
