/* wake_thread: a thread that waits on one fd and can be woken (wake_thread.h). */
#include "base/wake_thread.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

int wake_thread_start(struct wake_thread *t, void *(*run)(void *), void *arg)
{
	t->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (t->wake_fd < 0)
		return -1;
	if (pthread_create(&t->thread, NULL, run, arg)) {
		close(t->wake_fd);
		return -1;
	}
	return 0;
}

void wake_thread_wake(struct wake_thread *t)
{
	uint64_t one = 1;
	if (write(t->wake_fd, &one, sizeof(one)) < 0) {
		/* The counter is already non-zero: the thread will wake. */
	}
}

bool wake_thread_wait(struct wake_thread *t, int fd, short events,
		      short *revents)
{
	struct pollfd pfd[2] = {
		{ .fd = fd, .events = events },
		{ .fd = t->wake_fd, .events = POLLIN },
	};
	bool woken = false;

	*revents = 0;
	if (poll(pfd, 2, -1) <= 0) {
		/*
		 * EINTR: the caller looks again. ENOMEM, the one other failure
		 * here, passes; a pause keeps the retries from spinning.
		 */
		if (errno != EINTR)
			nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
		return false;
	}
	if (pfd[1].revents & POLLIN) {
		uint64_t v;
		woken = read(t->wake_fd, &v, sizeof(v)) == sizeof(v);
	}
	*revents = pfd[0].revents;
	return woken;
}

void wake_thread_join(struct wake_thread *t)
{
	pthread_join(t->thread, NULL);
	close(t->wake_fd);
}
