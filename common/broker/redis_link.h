/*
 * redis_link: one connection to Redis that keeps itself connected, for
 * one thread: connect, AUTH, SELECT and PING, then on any failure a
 * backoff until it is back, giving up after so many failed attempts in a
 * row. Each loss, each first failure and each recovery is logged with its
 * reason. What it needs of its owner (waiting, stopping, giving up) comes
 * through struct redis_link_owner.
 */
#ifndef RXWS_REDIS_LINK_H
#define RXWS_REDIS_LINK_H

#include <hiredis/hiredis.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "base/backoff.h"
#include "broker/broker_url.h"

struct redis_link_owner {
	const struct broker_url *url;
	double retry_delay, retry_max;	/* the backoff's first wait, and its ceiling */
	long retries;			/* failed attempts in a row before giving up; -1: never */
	atomic_uint_least64_t *reconnects;	/* counted: connections made again */
	pthread_mutex_t *mu;		/* guards each link's fd (see redis_link.fd) */
	/* Waits up to us microseconds; false when the owner is stopping. */
	bool (*sleep)(void *arg, uint64_t us);
	bool (*stopping)(void *arg);
	/* No more attempts (retries): why. */
	void (*give_up)(void *arg, const char *why);
	void *arg;
};

/* One connection to Redis, owned by one thread. */
struct redis_link {
	const struct redis_link_owner *owner;
	const char *role;		/* for logs: "appender", "reader" */
	redisContext *c;		/* NULL while not connected */
	int fd;				/* c's socket, -1: under owner->mu, for a shutdown from another thread */
	unsigned generation;		/* connections made so far */
	struct backoff bo;
	long failures;			/* failed attempts in a row */
	bool was_up;			/* a connection was lost: say so once it is back */
	struct timespec up_since;
	char reason[256];		/* why the last attempt or connection failed */
};

void redis_link_init(struct redis_link *l, const struct redis_link_owner *owner,
		     const char *role);
/* 0 when connected (AUTH, SELECT and PING done); -1 when stopping or given up. */
int redis_link_ensure(struct redis_link *l);
/* The connection failed for reason: it is dropped, and logged. */
void redis_link_fail(struct redis_link *l, const char *reason);
void redis_link_close(struct redis_link *l);
/* Why a reply is an error, or NULL; a NULL reply is the connection's error. */
const char *redis_link_reply_error(struct redis_link *l, const redisReply *r);

#endif
