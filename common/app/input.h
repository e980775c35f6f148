/*
 * input: stdin's records, for the loop.
 *
 * Where poll(2) works on stdin (a pipe, a FIFO, a socket, a terminal),
 * the loop reads it itself: a record on stdin reaches the network without
 * a hand-off between threads and the wake-up it costs (B4's round trip).
 * The loop watches stdin through an epoll descriptor of its own, adopted
 * into lws: adopting stdin itself would make the open file, which the
 * processes around us share, non-blocking. When lws says the epoll
 * descriptor is readable, stdin is, and one read(2) does not block. The
 * records of a read wait here until the loop takes them; while any wait,
 * stdin is not watched, which is how a full connection queue stops it.
 *
 * Where epoll refuses stdin (a regular file, /dev/null: always readable,
 * never waiting), the reader thread reads it into the inbox, as before.
 */
#ifndef RXWS_INPUT_H
#define RXWS_INPUT_H

#include <stdbool.h>
#include <stddef.h>

#include "app/options.h"
#include "app/reader.h"
#include "base/inbox.h"
#include "base/ring.h"
#include "base/stats.h"

struct lws;
struct lws_context;

struct input {
	bool in_loop;			/* else the reader thread and the inbox */
	struct inbox inbox;
	struct reader reader;
	/* In the loop: */
	int epoll_fd;			/* watches stdin; -1 when not made */
	struct lws *watch;		/* the epoll descriptor, adopted */
	struct msg **held;		/* records read, not yet taken */
	size_t held_first, held_n, held_cap;
	bool gate_open, stopping, ended;
	int end_status;
};

/* Its inbox, for at most cap records between the thread and the loop. 0, or -1. */
int input_init(struct input *in, size_t cap);
/* The loop the reader thread wakes. */
void input_set_context(struct input *in, struct lws_context *ctx);
/*
 * Starts reading fd: in the loop where it can (protocol: the name of the
 * lws protocol whose callback calls input_readable on
 * LWS_CALLBACK_RAW_RX_FILE), else in the thread. 0, or -1 (said).
 */
int input_start(struct input *in, int fd, const struct config *cfg, struct stats *stats,
		struct lws_context *ctx, const char *protocol);
/* lws says the epoll descriptor is readable: one read, and its records. */
void input_readable(struct input *in, struct lws *wsi);
/* The adopted descriptor is gone (lws closed it). */
void input_unwatched(struct input *in, struct lws *wsi);

/* Loop side, either way. */
void input_open_gate(struct input *in);
/* Moves as many records as fit into the loop's ring; how many. */
size_t input_take(struct input *in, struct ring *into);
size_t input_count(struct input *in);
/* True when stdin ended and nothing is left; gives the status. */
bool input_drained(struct input *in, int *status);
/*
 * True when no record is left to come: stdin ended, or it is about to
 * (the thread reading a file is given up to a second to say which; a pipe
 * read by the loop has only its end left in it).
 */
bool input_at_end(struct input *in);
/* No more records wanted. */
void input_stop(struct input *in);
/* Stops reading: ends the thread, lets go of the records not taken. */
void input_end(struct input *in);
/* input_end, and the inbox. */
void input_free(struct input *in);

#endif
