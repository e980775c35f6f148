/* outpos: positions of records on their way to stdout, to the state file (outpos.h). */
#include "app/outpos.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct entry {
	uint64_t record;
	long slot;		/* of the state file */
	struct position pos;
};

struct outpos {
	pthread_mutex_t mu;	/* the loop adds, the writer takes */
	pthread_mutex_t file_mu;	/* one replacement of the file at a time */
	uint64_t made, written;	/* texts made, and the newest written (by number) */
	struct state_file *file;
	struct entry *entries;	/* entries[head .. n), oldest first */
	size_t head, n, cap;
	int error;
};

struct outpos *outpos_new(struct state_file *f)
{
	struct outpos *o = calloc(1, sizeof(*o));
	if (!o)
		return NULL;
	pthread_mutex_init(&o->mu, NULL);
	pthread_mutex_init(&o->file_mu, NULL);
	o->file = f;
	return o;
}

void outpos_free(struct outpos *o)
{
	if (!o)
		return;
	pthread_mutex_destroy(&o->mu);
	pthread_mutex_destroy(&o->file_mu);
	state_file_close(o->file);
	free(o->entries);
	free(o);
}

static int reserve(struct outpos *o)
{
	if (o->n < o->cap)
		return 0;
	if (o->head) {	/* taken ones make room first */
		memmove(o->entries, o->entries + o->head, (o->n - o->head) * sizeof(*o->entries));
		o->n -= o->head;
		o->head = 0;
		if (o->n < o->cap)
			return 0;
	}
	size_t cap = o->cap ? 2 * o->cap : 64;
	struct entry *e = realloc(o->entries, cap * sizeof(*e));
	if (!e)
		return -1;
	o->entries = e;
	o->cap = cap;
	return 0;
}

int outpos_add(struct outpos *o, uint64_t record, uint64_t marked, const char *path,
	       size_t len, const struct position *pos)
{
	int rc = -1;

	pthread_mutex_lock(&o->mu);
	long slot = state_file_slot(o->file, path, len);
	if (slot < 0)
		goto out;
	struct entry *tail = o->n > o->head ? &o->entries[o->n - 1] : NULL;
	/* No write can end between the tail and this one: this one stands for both. */
	if (tail && tail->slot == slot && tail->record > marked) {
		tail->record = record;
		tail->pos = *pos;
		rc = 0;
		goto out;
	}
	if (reserve(o))
		goto out;
	o->entries[o->n++] = (struct entry){ record, slot, *pos };
	rc = 0;
out:
	pthread_mutex_unlock(&o->mu);
	return rc;
}

void outpos_written(void *arg, uint64_t records)
{
	struct outpos *o = arg;

	pthread_mutex_lock(&o->mu);
	while (o->head < o->n && o->entries[o->head].record <= records) {
		const struct entry *e = &o->entries[o->head++];
		state_file_set(o->file, e->slot, &e->pos);
	}
	if (o->head == o->n)
		o->head = o->n = 0;
	pthread_mutex_unlock(&o->mu);
}

int outpos_settle(void *arg)
{
	struct outpos *o = arg;
	struct buf text = { 0 };
	int err = 0;

	pthread_mutex_lock(&o->mu);
	int made = o->error ? 0 : state_file_text(o->file, &text);
	uint64_t number = made > 0 ? ++o->made : 0;
	pthread_mutex_unlock(&o->mu);
	if (made < 0)
		err = ENOMEM;
	if (made > 0) {
		pthread_mutex_lock(&o->file_mu);
		/* A newer text went out first: this one would take the file back. */
		if (number > o->written) {
			err = state_file_write(o->file, &text);
			o->written = number;
		}
		pthread_mutex_unlock(&o->file_mu);
	}
	buf_free(&text);
	if (err) {
		pthread_mutex_lock(&o->mu);
		if (!o->error)
			o->error = err;
		pthread_mutex_unlock(&o->mu);
	}
	return err;
}

int outpos_error(struct outpos *o)
{
	pthread_mutex_lock(&o->mu);
	int err = o->error;
	pthread_mutex_unlock(&o->mu);
	return err;
}

const char *outpos_file(const struct outpos *o)
{
	return state_file_name(o->file);
}
