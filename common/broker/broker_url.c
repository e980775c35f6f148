/*
 * broker_url: parses a --broker URL into its parts (see broker_url.h).
 */
#include "broker/broker_url.h"

#include "base/url.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DEFAULT_PORT 6379
#define MAX_DB 1000000

/* A whole decimal number from 0 to max, or -1. */
static long number(const char *s, size_t n, long max)
{
	long v = 0;
	if (n == 0 || n > 9)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v <= max ? v : -1;
}

/* USER:PASSWORD@ (or :PASSWORD@, or PASSWORD alone is not allowed). */
static const char *parse_userinfo(const char *s, size_t n, struct broker_url *u)
{
	const char *colon = memchr(s, ':', n);
	if (!colon)
		return "the user part needs a password: USER:PASSWORD@ or :PASSWORD@";
	if (colon > s && !(u->user = url_unescape(s, (size_t)(colon - s))))
		return "bad percent-encoding in the user name";
	if (!(u->password = url_unescape(colon + 1, n - (size_t)(colon + 1 - s))))
		return "bad percent-encoding in the password";
	return NULL;
}

static const char *parse_tcp(const char *p, struct broker_url *u)
{
	const char *host_start, *host_end, *after;
	const char *why = url_host_span(p, p + strlen(p), &host_start, &host_end, &after);
	if (why)
		return why;
	if (!(u->host = strndup(host_start, (size_t)(host_end - host_start))))
		return "out of memory";
	u->port = DEFAULT_PORT;
	if (*after == ':') {
		size_t n = strcspn(after + 1, "/?");
		long port = number(after + 1, n, 65535);
		if (port < 1)
			return "the port must be a number from 1 to 65535";
		u->port = (int)port;
		after += 1 + n;
	}
	if (*after == '/' && after[1]) {
		long db = number(after + 1, strlen(after + 1), MAX_DB);
		if (db < 0)
			return "the database (/DB) must be a number";
		u->db = (int)db;
	} else if (*after && strcmp(after, "/")) {
		return "expected [/DB] after the host and port";
	}
	return NULL;
}

static const char *parse_unix(const char *p, struct broker_url *u)
{
	if (*p != '/')
		return "redis+unix:// needs an absolute socket path (redis+unix:///run/redis.sock)";
	size_t n = strcspn(p, "?");
	if (!(u->host = strndup(p, n)))
		return "out of memory";
	const char *q = p + n;
	if (!*q)
		return NULL;
	if (strncmp(q, "?db=", 4))
		return "the only query a socket URL takes is ?db=N";
	long db = number(q + 4, strlen(q + 4), MAX_DB);
	if (db < 0)
		return "?db= must be a number";
	u->db = (int)db;
	return NULL;
}

const char *broker_url_parse(const char *text, struct broker_url *out)
{
	const char *p, *why;

	memset(out, 0, sizeof(*out));
	if (!strncasecmp(text, "redis://", 8)) {
		p = text + 8;
	} else if (!strncasecmp(text, "redis+unix://", 13)) {
		p = text + 13;
		out->unix_socket = true;
	} else {
		return "the URL must start with redis:// or redis+unix://";
	}
	for (const char *c = text; *c; c++)
		if ((unsigned char)*c <= ' ' || *c == 0x7f)
			return "the URL holds a space or a control character";
	/* The last '@' ends the user part: a password may hold '@' encoded only. */
	const char *at = strchr(p, '@');
	if (at && (!out->unix_socket || at < p + strcspn(p, "/"))) {
		if ((why = parse_userinfo(p, (size_t)(at - p), out)))
			goto fail;
		p = at + 1;
	}
	why = out->unix_socket ? parse_unix(p, out) : parse_tcp(p, out);
	if (why)
		goto fail;
	int rc;
	if (out->unix_socket)
		rc = asprintf(&out->shown, "redis+unix://%s%s", out->host,
			      out->db ? "?db=" : "");
	else
		rc = asprintf(&out->shown, strchr(out->host, ':') ? "redis://[%s]:%d"
								  : "redis://%s:%d",
			      out->host, out->port);
	if (rc < 0) {
		out->shown = NULL;
		why = "out of memory";
		goto fail;
	}
	if (out->db) {
		char *with_db;
		if (asprintf(&with_db, out->unix_socket ? "%s%d" : "%s/%d", out->shown, out->db) < 0) {
			why = "out of memory";
			goto fail;
		}
		free(out->shown);
		out->shown = with_db;
	}
	return NULL;
fail:
	broker_url_free(out);
	return why;
}

void broker_url_free(struct broker_url *u)
{
	free(u->host);
	free(u->user);
	if (u->password) {
		/* Not left in freed memory. */
		memset(u->password, 0, strlen(u->password));
		free(u->password);
	}
	free(u->shown);
	memset(u, 0, sizeof(*u));
}
