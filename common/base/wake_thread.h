/*
 * wake_thread: a thread that waits in poll(2) on one file and on an
 * eventfd, so that another thread can make it look again, or end, at once:
 * without cancelling it, and without making the file non-blocking (stdin
 * and stdout are shared with the processes around us).
 */
#ifndef RXWS_WAKE_THREAD_H
#define RXWS_WAKE_THREAD_H

#include <pthread.h>
#include <stdbool.h>

struct wake_thread {
	pthread_t thread;
	int wake_fd;
};

/* Makes the eventfd and starts run(arg): 0, or -1 with nothing left open. */
int wake_thread_start(struct wake_thread *t, void *(*run)(void *), void *arg);
/* Makes the thread's next (or current) wake_thread_wait return true. */
void wake_thread_wake(struct wake_thread *t);
/*
 * From the thread: waits until fd has one of events (or an error or a
 * hang-up) or a wake comes. true when woken, and the wake is used up;
 * *revents gets fd's, 0 when it has none.
 */
bool wake_thread_wait(struct wake_thread *t, int fd, short events,
		      short *revents);
/* Waits for the thread, which the caller has told to end; closes the eventfd. */
void wake_thread_join(struct wake_thread *t);

#endif
