/* input: stdin's records, read by the loop where poll works (input.h). */
#include "app/input.h"

#include <libwebsockets.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"

/*
 * What the loop reads at once. The records it makes are decoded a slice
 * at a time as the loop takes them (reader.h), so this bounds bytes, not
 * records.
 */
#define READ_IN_LOOP (64u << 10)

int input_init(struct input *in, size_t cap)
{
	memset(in, 0, sizeof(*in));
	in->epoll_fd = -1;
	return inbox_init(&in->inbox, cap);
}

void input_set_context(struct input *in, struct lws_context *ctx)
{
	inbox_set_context(&in->inbox, ctx);
}

/* Watching stdin on or off (off while records wait, and once it ended). */
static void watch(struct input *in, bool on)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = in->reader.fd };

	epoll_ctl(in->epoll_fd, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, in->reader.fd, &ev);
}

/* Records wait to the inbox's capacity, as they would from the thread. */
static bool held_full(void *arg)
{
	struct input *in = arg;
	return in->held_n >= in->inbox.ring.cap;
}

/* Stdin is to be watched: room for its records, and none of a read left. */
static bool wants_more(const struct input *in)
{
	return in->gate_open && !in->stopping && !in->ended && !held_full((void *)in) &&
	       !reader_has_rest(&in->reader);
}

/* One step of the reader; said when it ends. */
static void step(struct input *in)
{
	int status;
	int more = reader_step(&in->reader, &status);

	if (more == 0) {
		in->ended = true;
		in->end_status = status;
	}
}

/* Records of a read, handed on by the reader: held for the loop. */
static int hold(void *arg, struct msg **msgs, size_t n)
{
	struct input *in = arg;

	if (in->stopping) {
		for (size_t i = 0; i < n; i++)
			msg_unref(msgs[i]);
		return -1;
	}
	if (in->held_first + in->held_n + n > in->held_cap) {
		/* Moved to the front first; grown only past that. */
		if (in->held_first) {
			memmove(in->held, in->held + in->held_first,
				in->held_n * sizeof(*in->held));
			in->held_first = 0;
		}
		if (in->held_n + n > in->held_cap) {
			size_t cap = 2 * (in->held_n + n);
			struct msg **h = realloc(in->held, cap * sizeof(*h));
			if (!h) {
				log_error("out of memory for stdin records");
				for (size_t i = 0; i < n; i++)
					msg_unref(msgs[i]);
				return -1;
			}
			in->held = h;
			in->held_cap = cap;
		}
	}
	memcpy(in->held + in->held_first + in->held_n, msgs, n * sizeof(*msgs));
	in->held_n += n;
	return 0;
}

/* The loop can watch fd: an epoll descriptor that says when it is readable, adopted. */
static bool start_in_loop(struct input *in, int fd, struct lws_context *ctx, const char *protocol)
{
	struct stat st;
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };
	struct lws_vhost *vhost = lws_get_vhost_by_name(ctx, "default");

	/* epoll takes no regular file: always readable, it would only spin. */
	if (!vhost || fstat(fd, &st) || S_ISREG(st.st_mode))
		return false;
	in->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (in->epoll_fd < 0)
		return false;
	if (epoll_ctl(in->epoll_fd, EPOLL_CTL_ADD, fd, &ev) ||
	    epoll_ctl(in->epoll_fd, EPOLL_CTL_DEL, fd, &ev)) {
		close(in->epoll_fd);	/* /dev/null, for one */
		in->epoll_fd = -1;
		return false;
	}
	lws_sock_file_fd_type desc = { .filefd = in->epoll_fd };
	in->watch = lws_adopt_descriptor_vhost(vhost, LWS_ADOPT_RAW_FILE_DESC, desc, protocol, NULL);
	if (!in->watch) {
		close(in->epoll_fd);
		in->epoll_fd = -1;
		return false;
	}
	return true;
}

int input_start(struct input *in, int fd, const struct config *cfg, struct stats *stats,
		struct lws_context *ctx, const char *protocol)
{
	if (start_in_loop(in, fd, ctx, protocol)) {
		if (reader_init(&in->reader, fd, cfg, stats, READ_IN_LOOP, hold, held_full, in))
			return -1;
		in->in_loop = true;
		if (wants_more(in))
			watch(in, true);
		return 0;
	}
	return reader_start(&in->reader, fd, cfg, &in->inbox, stats);
}

void input_readable(struct input *in, struct lws *wsi)
{
	struct epoll_event ev;

	if (wsi != in->watch || !wants_more(in))
		return;
	/*
	 * Asked again, now: an epoll descriptor may say readable for a
	 * moment after stdin stopped being so (another reader of it).
	 */
	if (epoll_wait(in->epoll_fd, &ev, 1, 0) != 1)
		return;
	step(in);
	if (!wants_more(in))
		watch(in, false);
}

void input_unwatched(struct input *in, struct lws *wsi)
{
	if (wsi != in->watch)
		return;
	in->watch = NULL;
	in->epoll_fd = -1;	/* lws closed it */
}

void input_open_gate(struct input *in)
{
	bool was = wants_more(in);

	in->gate_open = true;
	inbox_open_gate(&in->inbox);
	if (in->in_loop && !was && wants_more(in) && in->watch)
		watch(in, true);
}

size_t input_take(struct input *in, struct ring *into)
{
	if (!in->in_loop)
		return inbox_take(&in->inbox, into);
	bool was = wants_more(in);
	size_t n = 0;
	for (;;) {
		while (in->held_n && !ring_full(into)) {
			ring_push(into, in->held[in->held_first++]);
			in->held_n--;
			n++;
		}
		if (!in->held_n)
			in->held_first = 0;
		/* The rest of the last read, as room comes: no poll needed for it. */
		if (ring_full(into) || held_full(in) || !reader_has_rest(&in->reader) ||
		    in->stopping || in->ended)
			break;
		step(in);
	}
	if (!was && wants_more(in) && in->watch)
		watch(in, true);
	return n;
}

size_t input_count(struct input *in)
{
	return in->in_loop ? in->held_n : inbox_count(&in->inbox);
}

bool input_drained(struct input *in, int *status)
{
	if (!in->in_loop)
		return inbox_drained(&in->inbox, status);
	if (!in->ended || in->held_n)
		return false;
	if (status)
		*status = in->end_status;
	return true;
}

bool input_at_end(struct input *in)
{
	if (!in->in_loop)
		return inbox_settle(&in->inbox, 1000);
	if (in->ended || in->held_n || !reader_between_records(&in->reader))
		return in->ended && !in->held_n;
	struct pollfd p = { .fd = in->reader.fd, .events = POLLIN };
	return poll(&p, 1, 0) == 1 && (p.revents & POLLHUP) && !(p.revents & POLLIN);
}

void input_stop(struct input *in)
{
	bool was = wants_more(in);

	in->stopping = true;
	inbox_stop(&in->inbox);
	if (in->in_loop && was && in->watch)
		watch(in, false);
}

void input_end(struct input *in)
{
	input_stop(in);
	if (in->in_loop)
		reader_free(&in->reader);
	else
		reader_stop(&in->reader);
	in->in_loop = false;
	for (size_t i = 0; i < in->held_n; i++)
		msg_unref(in->held[in->held_first + i]);
	in->held_n = 0;
}

void input_free(struct input *in)
{
	input_end(in);
	free(in->held);
	in->held = NULL;
	inbox_destroy(&in->inbox);
}
