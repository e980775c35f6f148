/*
 * url: the parts of a ws:// or wss:// URL that a connection needs.
 * IPv6 literals come in brackets ("ws://[::1]:8888/a"); the path keeps its
 * query; "user:password@" before the host is kept apart, percent-decoded,
 * for HTTP Basic authentication. The parts are copies: free them with
 * url_free().
 */
#ifndef RXWS_URL_H
#define RXWS_URL_H

#include <stdbool.h>
#include <stddef.h>

struct url {
	bool tls;
	char *host;		/* without brackets */
	int port;
	char *path;		/* "/" at least, with "?query" when given */
	char *host_header;	/* host[:port] as the Host header wants it */
	char *userinfo;		/* "user:password", decoded, or NULL: never log it */
	char *shown;		/* the URL without user info and query, for logs */
};

/* Returns NULL, or what is wrong with the URL. */
const char *url_parse(const char *text, struct url *out);
void url_free(struct url *u);

/* Percent-decodes s[0..n) into a new string; NULL on a bad escape or %00. */
char *url_unescape(const char *s, size_t n);
/*
 * The host of the authority at p, which ends before end: "[v6]" or a name
 * up to ':', '/' or '?'; *after is what follows it. NULL, or what is wrong.
 */
const char *url_host_span(const char *p, const char *end, const char **host_start,
			  const char **host_end, const char **after);

#endif
