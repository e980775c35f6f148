/* redis_link: one Redis connection that keeps itself connected (redis_link.h). */
#include "broker/redis_link.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/log.h"

/* How long one connection attempt, and one command, may take. */
#define CONNECT_TIMEOUT_S 5
#define COMMAND_TIMEOUT_S 10
/* A connection that stayed up this long starts the backoff over. */
#define STABLE_S 1

void redis_link_init(struct redis_link *l, const struct redis_link_owner *owner,
		     const char *role)
{
	memset(l, 0, sizeof(*l));
	l->owner = owner;
	l->role = role;
	l->fd = -1;
	backoff_init(&l->bo, owner->retry_delay, owner->retry_max);
}

static double seconds_since(const struct timespec *t)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

static void set_fd(struct redis_link *l, int fd)
{
	pthread_mutex_lock(l->owner->mu);
	l->fd = fd;
	pthread_mutex_unlock(l->owner->mu);
}

void redis_link_close(struct redis_link *l)
{
	if (!l->c)
		return;
	set_fd(l, -1);
	redisFree(l->c);
	l->c = NULL;
}

const char *redis_link_reply_error(struct redis_link *l, const redisReply *r)
{
	if (!r) {
		if (l->c && l->c->err == REDIS_ERR_IO &&
		    (errno == EAGAIN || errno == EWOULDBLOCK))
			return "no answer within " "10" " s";
		if (l->c && l->c->err == REDIS_ERR_EOF)
			return "the server closed the connection";
		return l->c && l->c->errstr[0] ? l->c->errstr : "connection lost";
	}
	if (r->type == REDIS_REPLY_ERROR)
		return r->str ? r->str : "error";
	return NULL;
}

/* One command of the handshake; NULL, or why it failed (in l->reason). */
static const char *handshake_step(struct redis_link *l, const char *what,
				  int argc, const char **argv)
{
	redisReply *r = redisCommandArgv(l->c, argc, argv, NULL);
	const char *err = redis_link_reply_error(l, r);
	if (err) {
		if (!strncmp(err, "NOAUTH", 6))
			snprintf(l->reason, sizeof(l->reason),
				 "authentication required (%s): give USER:PASSWORD@ in the URL", err);
		else if (!strncmp(err, "WRONGPASS", 9) || !strcmp(what, "AUTH"))
			snprintf(l->reason, sizeof(l->reason), "authentication failed (%s)", err);
		else
			snprintf(l->reason, sizeof(l->reason), "%s failed: %s", what, err);
	}
	if (r)
		freeReplyObject(r);
	return err ? l->reason : NULL;
}

/* NULL when connected, else why not (in l->reason). */
static const char *try_connect(struct redis_link *l)
{
	const struct broker_url *u = l->owner->url;
	struct timeval connect_tv = { CONNECT_TIMEOUT_S, 0 };
	struct timeval command_tv = { COMMAND_TIMEOUT_S, 0 };

	l->c = u->unix_socket ? redisConnectUnixWithTimeout(u->host, connect_tv)
			      : redisConnectWithTimeout(u->host, u->port, connect_tv);
	if (!l->c) {
		snprintf(l->reason, sizeof(l->reason), "out of memory");
		return l->reason;
	}
	if (l->c->err) {
		snprintf(l->reason, sizeof(l->reason), "%s", l->c->errstr);
		goto fail;
	}
	redisSetTimeout(l->c, command_tv);
	if (!u->unix_socket)
		redisEnableKeepAlive(l->c);
	if (u->password) {
		const char *argv[3] = { "AUTH", u->user ? u->user : u->password, u->password };
		if (handshake_step(l, "AUTH", u->user ? 3 : 2, argv))
			goto fail;
	}
	if (u->db) {
		char db[16];
		snprintf(db, sizeof(db), "%d", u->db);
		const char *argv[2] = { "SELECT", db };
		if (handshake_step(l, "SELECT", 2, argv))
			goto fail;
	}
	const char *ping[1] = { "PING" };
	if (handshake_step(l, "PING", 1, ping))
		goto fail;
	set_fd(l, l->c->fd);
	return NULL;
fail:
	redisFree(l->c);
	l->c = NULL;
	return l->reason;
}

int redis_link_ensure(struct redis_link *l)
{
	const struct redis_link_owner *o = l->owner;
	const char *shown = o->url->shown;

	while (!l->c) {
		if (o->stopping(o->arg))
			return -1;
		if (!try_connect(l)) {
			if (l->failures || l->was_up)
				log_notice("broker %s: %s connected again", shown, l->role);
			else
				log_info("broker %s: %s connected", shown, l->role);
			if (l->was_up)
				atomic_fetch_add(o->reconnects, 1);
			l->failures = 0;
			l->generation++;
			clock_gettime(CLOCK_MONOTONIC, &l->up_since);
			return 0;
		}
		if (o->stopping(o->arg))
			return -1;
		l->failures++;
		long retries = o->retries;
		if (retries >= 0 && l->failures > retries) {
			char why[640];
			snprintf(why, sizeof(why), "cannot reach the broker %s: %s (gave up after %ld retr%s, --retries)",
				 shown, l->reason, retries, retries == 1 ? "y" : "ies");
			o->give_up(o->arg, why);
			return -1;
		}
		uint64_t wait = backoff_next_us(&l->bo);
		if (l->failures == 1 && !l->was_up)
			log_warn("broker %s: %s cannot connect: %s; retrying in %.2g s",
				 shown, l->role, l->reason, (double)wait / 1e6);
		else
			log_info("broker %s: %s cannot connect: %s; retrying in %.2g s",
				 shown, l->role, l->reason, (double)wait / 1e6);
		if (!o->sleep(o->arg, wait))
			return -1;
	}
	return 0;
}

void redis_link_fail(struct redis_link *l, const char *reason)
{
	const struct redis_link_owner *o = l->owner;
	char why[sizeof(l->reason)];

	/* reason may be l->reason, or the context's own text. */
	snprintf(why, sizeof(why), "%s", reason);
	if (!o->stopping(o->arg))
		log_warn("broker %s: %s lost the connection: %s; reconnecting",
			 o->url->shown, l->role, why);
	/* Flapping connections keep backing off; stable ones start over. */
	if (seconds_since(&l->up_since) >= STABLE_S)
		backoff_reset(&l->bo);
	memcpy(l->reason, why, sizeof(why));
	l->was_up = true;
	redis_link_close(l);
}
