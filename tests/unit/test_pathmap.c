/* base/pathmap: a hash map from a path to the caller's pointer. */
#include "base/pathmap.h"

#include <stdio.h>
#include <string.h>

#include "unit.h"

static void *get(const struct pathmap *m, const char *key)
{
	return pathmap_get(m, key, strlen(key));
}

static int put(struct pathmap *m, const char *key, void *value)
{
	return pathmap_put(m, key, strlen(key), value);
}

static int values[20000];

TEST(pathmap_get_finds_what_put_stored)
{
	struct pathmap m;

	pathmap_init(&m);
	CHECK(get(&m, "/a") == NULL);	/* empty: nothing, and no table yet */
	CHECK_INT(put(&m, "/a", &values[0]), ==, 0);
	CHECK_INT(put(&m, "/b", &values[1]), ==, 0);
	CHECK_INT(put(&m, "/", &values[2]), ==, 0);
	CHECK(get(&m, "/a") == &values[0]);
	CHECK(get(&m, "/b") == &values[1]);
	CHECK(get(&m, "/") == &values[2]);
	CHECK(get(&m, "/c") == NULL);
	CHECK_UINT(m.count, ==, 3);
	pathmap_free(&m);
}

TEST(pathmap_copies_keys)
{
	struct pathmap m;
	char key[] = "/room/1";

	pathmap_init(&m);
	put(&m, key, &values[0]);
	key[6] = '2';
	CHECK(get(&m, "/room/1") == &values[0]);
	CHECK(get(&m, key) == NULL);
	pathmap_free(&m);
}

/* Keys are bytes of a length: a prefix, or a NUL inside, is another key. */
TEST(pathmap_keys_are_their_bytes_and_length)
{
	struct pathmap m;

	pathmap_init(&m);
	pathmap_put(&m, "/a", 2, &values[0]);
	pathmap_put(&m, "/ab", 3, &values[1]);
	pathmap_put(&m, "/a\0b", 4, &values[2]);
	pathmap_put(&m, "", 0, &values[3]);
	CHECK(pathmap_get(&m, "/a", 2) == &values[0]);
	CHECK(pathmap_get(&m, "/ab", 3) == &values[1]);
	CHECK(pathmap_get(&m, "/a\0b", 4) == &values[2]);
	CHECK(pathmap_get(&m, "/a\0c", 4) == NULL);
	CHECK(pathmap_get(&m, "", 0) == &values[3]);
	CHECK(pathmap_get(&m, "/A", 2) == NULL);
	CHECK(pathmap_get(&m, "/a", 1) == NULL);
	pathmap_free(&m);
}

TEST(pathmap_del_removes_that_key_only)
{
	struct pathmap m;

	pathmap_init(&m);
	pathmap_del(&m, "/x", 2);	/* nothing there: nothing done */
	put(&m, "/a", &values[0]);
	put(&m, "/b", &values[1]);
	pathmap_del(&m, "/a", 2);
	CHECK(get(&m, "/a") == NULL);
	CHECK(get(&m, "/b") == &values[1]);
	CHECK_UINT(m.count, ==, 1);
	pathmap_del(&m, "/a", 2);
	CHECK_UINT(m.count, ==, 1);
	/* The key may be put again. */
	CHECK_INT(put(&m, "/a", &values[5]), ==, 0);
	CHECK(get(&m, "/a") == &values[5]);
	pathmap_free(&m);
}

TEST(pathmap_grows_and_keeps_every_entry)
{
	struct pathmap m;
	char key[32];
	size_t n = N_OF(values);

	pathmap_init(&m);
	for (size_t i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "/sensor/%zu", i);
		if (!CHECK_INT(put(&m, key, &values[i]), ==, 0))
			break;
	}
	CHECK_UINT(m.count, ==, n);
	CHECK_UINT(m.cap & (m.cap - 1), ==, 0);	/* a power of two */
	CHECK_UINT(m.used * 4, <=, m.cap * 3);
	for (size_t i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "/sensor/%zu", i);
		CASE("%s", key);
		if (!CHECK(get(&m, key) == &values[i]))
			break;
	}
	pathmap_free(&m);
}

/* Deleted slots are reused or rebuilt away: churn does not grow the table. */
TEST(pathmap_does_not_grow_under_churn)
{
	struct pathmap m;
	char key[32];

	pathmap_init(&m);
	for (size_t i = 0; i < 100000; i++) {
		snprintf(key, sizeof(key), "/c/%zu", i);
		put(&m, key, &values[i % 10]);
		if (i >= 10) {
			snprintf(key, sizeof(key), "/c/%zu", i - 10);
			pathmap_del(&m, key, strlen(key));
		}
	}
	CHECK_UINT(m.count, ==, 10);
	CHECK_UINT(m.cap, <=, 64);
	for (size_t i = 100000 - 10; i < 100000; i++) {
		snprintf(key, sizeof(key), "/c/%zu", i);
		CASE("%s", key);
		CHECK(get(&m, key) == &values[i % 10]);
	}
	pathmap_free(&m);
}

static void add(void *value, void *arg)
{
	*(long *)arg += (int *)value - values;
}

TEST(pathmap_each_visits_every_live_entry_once)
{
	struct pathmap m;
	long sum = 0;
	char key[32];

	pathmap_init(&m);
	pathmap_each(&m, add, &sum);
	CHECK_INT(sum, ==, 0);
	for (int i = 1; i <= 100; i++) {
		snprintf(key, sizeof(key), "/%d", i);
		put(&m, key, &values[i]);
	}
	pathmap_del(&m, "/100", 4);
	pathmap_each(&m, add, &sum);
	CHECK_INT(sum, ==, 99 * 100 / 2);
	pathmap_free(&m);
}

TEST(pathmap_free_leaves_an_empty_map_that_may_be_used_again)
{
	struct pathmap m;

	pathmap_init(&m);
	put(&m, "/a", &values[0]);
	pathmap_free(&m);
	CHECK_UINT(m.count, ==, 0);
	CHECK(get(&m, "/a") == NULL);
	CHECK_INT(put(&m, "/a", &values[1]), ==, 0);
	CHECK(get(&m, "/a") == &values[1]);
	pathmap_free(&m);
}

const struct unit_test unit_tests[] = {
	RUN(pathmap_get_finds_what_put_stored),
	RUN(pathmap_copies_keys),
	RUN(pathmap_keys_are_their_bytes_and_length),
	RUN(pathmap_del_removes_that_key_only),
	RUN(pathmap_grows_and_keeps_every_entry),
	RUN(pathmap_does_not_grow_under_churn),
	RUN(pathmap_each_visits_every_live_entry_once),
	RUN(pathmap_free_leaves_an_empty_map_that_may_be_used_again),
	{ NULL, NULL },
};
