/* state_file: --state FILE, replaced whole through a rename (state_file.h). */
#include "app/state_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/options.h"
#include "app/state_codec.h"
#include "base/buf.h"
#include "base/pathmap.h"

/* More than any state file: a longer one is something else. */
#define STATE_FILE_MAX (64u << 20)

struct slot {
	char *path;
	size_t len;
	struct position pos;
	bool known;		/* it has a position, so a line */
};

struct state_file {
	char *name, *tmp;	/* FILE, and FILE.tmp renamed over it */
	int lock_fd;		/* FILE.lock, locked */
	struct slot *slots;
	size_t n_slots, cap_slots;
	struct pathmap by_path;	/* path -> slot index + 1 */
	bool dirty;
	struct state_line *lines;	/* the file's, as it is written */
	const char *progname;
};

size_t state_file_count(const struct state_file *f)
{
	return f->n_slots;
}

const char *state_file_path(const struct state_file *f, size_t i)
{
	return f->slots[i].path;
}

const char *state_file_name(const struct state_file *f)
{
	return f->name;
}

static long find(const struct state_file *f, const char *path, size_t len)
{
	void *v = pathmap_get(&f->by_path, path, len);
	return v ? (long)((uintptr_t)v - 1) : -1;
}

const struct position *state_file_get(const struct state_file *f, const char *path,
				      size_t len)
{
	long i = find(f, path, len);
	return i >= 0 && f->slots[i].known ? &f->slots[i].pos : NULL;
}

static long add_slot(struct state_file *f, const char *path, size_t len)
{
	if (len > STATE_PATH_MAX)
		return -1;
	if (f->n_slots == f->cap_slots) {
		size_t cap = f->cap_slots ? 2 * f->cap_slots : 8;
		struct slot *s = realloc(f->slots, cap * sizeof(*s));
		struct state_line *l = realloc(f->lines, cap * sizeof(*l));
		if (s)
			f->slots = s;
		if (l)
			f->lines = l;
		if (!s || !l)
			return -1;
		f->cap_slots = cap;
	}
	char *copy = strndup(path, len);
	size_t i = f->n_slots;
	if (!copy || pathmap_put(&f->by_path, copy, len, (void *)(uintptr_t)(i + 1))) {
		free(copy);
		return -1;
	}
	f->slots[f->n_slots++] = (struct slot){ .path = copy, .len = len };
	return (long)i;
}

long state_file_slot(struct state_file *f, const char *path, size_t len)
{
	long i = find(f, path, len);
	return i >= 0 ? i : add_slot(f, path, len);
}

void state_file_set(struct state_file *f, long slot, const struct position *p)
{
	struct slot *s = &f->slots[slot];
	if (s->known && s->pos.offset == p->offset && !strcmp(s->pos.epoch, p->epoch))
		return;
	s->pos = *p;
	s->known = true;
	f->dirty = true;
}

static int write_all(int fd, const unsigned char *p, size_t n)
{
	while (n) {
		ssize_t k = write(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return errno;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

int state_file_text(struct state_file *f, struct buf *out)
{
	size_t n = 0;

	if (!f->dirty)
		return 0;
	for (size_t i = 0; i < f->n_slots; i++)
		if (f->slots[i].known)
			f->lines[n++] = (struct state_line){ f->slots[i].path, f->slots[i].len,
							     f->slots[i].pos };
	out->len = 0;
	out->max = STATE_FILE_MAX;
	if (state_put(out, f->lines, n))
		return -1;
	f->dirty = false;
	return 1;
}

int state_file_write(const struct state_file *f, const struct buf *text)
{
	int err;
	int fd = open(f->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);

	if (fd < 0)
		return errno;
	err = write_all(fd, text->data, text->len);
	if (close(fd) && !err)
		err = errno;
	if (!err && rename(f->tmp, f->name))
		err = errno;
	if (err)
		unlink(f->tmp);
	return err;
}

void state_file_close(struct state_file *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n_slots; i++)
		free(f->slots[i].path);
	free(f->slots);
	free(f->lines);
	pathmap_free(&f->by_path);
	if (f->lock_fd >= 0)
		close(f->lock_fd);
	free(f->name);
	free(f->tmp);
	free(f);
}

/* ---- Opening ---- */

struct reading {
	struct state_file *f;
	char why[TAG_MAX + 64];
};

static const char *take_line(void *arg, const struct state_line *l)
{
	struct reading *r = arg;

	if (find(r->f, l->path, l->path_len) >= 0) {
		/* (A path read is a tag: no control characters to show.) */
		snprintf(r->why, sizeof(r->why), "the path %.*s comes twice", (int)l->path_len,
			 l->path);
		return r->why;
	}
	long i = add_slot(r->f, l->path, l->path_len);
	if (i < 0)
		return "out of memory";
	r->f->slots[i].pos = l->pos;
	r->f->slots[i].known = true;
	return NULL;
}

/* The whole file, read; ENOENT when there is none. */
static int read_all(const char *name, unsigned char **out, size_t *n)
{
	struct stat st;
	unsigned char *p = NULL;
	size_t size, got = 0;
	int err = 0;
	int fd = open(name, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return errno;
	if (fstat(fd, &st)) {
		err = errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		err = EINVAL;
		goto out;
	}
	if ((uint64_t)st.st_size > STATE_FILE_MAX) {
		err = EFBIG;
		goto out;
	}
	size = (size_t)st.st_size;
	if (!(p = malloc(size + 1))) {
		err = ENOMEM;
		goto out;
	}
	while (got < size) {
		ssize_t k = read(fd, p + got, size - got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			err = k < 0 ? errno : EIO;
			goto out;
		}
		got += (size_t)k;
	}
	*out = p;
	*n = size;
	p = NULL;
out:
	free(p);
	close(fd);
	return err;
}

static int lock(struct state_file *f, int *exit_code)
{
	char *name = NULL;

	if (asprintf(&name, "%s.lock", f->name) < 0) {
		fprintf(stderr, "%s: out of memory\n", f->progname);
		*exit_code = EXIT_SOFTWARE;
		return -1;
	}
	f->lock_fd = open(name, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
	if (f->lock_fd < 0) {
		fprintf(stderr, "%s: cannot open --state %s: its lock %s: %s (the directory "
			"must exist, and this user may write in it)\n", f->progname, f->name,
			name, strerror(errno));
		*exit_code = EXIT_USAGE;
	} else if (flock(f->lock_fd, LOCK_EX | LOCK_NB)) {
		if (errno == EWOULDBLOCK) {
			fprintf(stderr, "%s: --state %s is in use by another process: one run at a "
				"time may keep a state file (try again once it has ended)\n",
				f->progname, f->name);
			*exit_code = EXIT_TEMPFAIL;
		} else {
			fprintf(stderr, "%s: cannot lock %s: %s\n", f->progname, name,
				strerror(errno));
			*exit_code = EXIT_USAGE;
		}
	} else {
		free(name);
		return 0;
	}
	free(name);
	return -1;
}

static int read_state(struct state_file *f, int *exit_code)
{
	unsigned char *p = NULL;
	size_t n = 0, line_no;
	struct reading r = { .f = f };
	int err = read_all(f->name, &p, &n);

	*exit_code = EXIT_USAGE;
	if (err == ENOENT)
		return 0;	/* a first run */
	if (err) {
		fprintf(stderr, "%s: cannot read --state %s: %s\n", f->progname, f->name,
			err == EINVAL ? "not a regular file" : strerror(err));
		return -1;
	}
	const char *why = state_parse(p, n, take_line, &r, &line_no);
	free(p);
	if (why) {
		char line[32] = "";
		if (line_no)
			snprintf(line, sizeof(line), "line %zu: ", line_no);
		fprintf(stderr, "%s: --state %s: %s%s: not a state file of rxws; fix it, or remove "
			"it to start anew (live, or where --since or --last say)\n", f->progname,
			f->name, line, why);
		return -1;
	}
	return 0;
}

int state_file_open(struct state_file **out, const char *name, const char *progname,
		    int *exit_code)
{
	struct state_file *f = calloc(1, sizeof(*f));

	*out = NULL;
	*exit_code = EXIT_SOFTWARE;
	if (!f || !(f->name = strdup(name)) || asprintf(&f->tmp, "%s.tmp", name) < 0) {
		if (f)
			free(f->name);
		free(f);
		fprintf(stderr, "%s: out of memory\n", progname);
		return -1;
	}
	f->progname = progname;
	f->lock_fd = -1;
	pathmap_init(&f->by_path);
	if (lock(f, exit_code) || read_state(f, exit_code)) {
		state_file_close(f);
		return -1;
	}
	*out = f;
	return 0;
}
