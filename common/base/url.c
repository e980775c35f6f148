/* url: the parts of a ws:// or wss:// URL that a connection needs (url.h). */
#include "base/url.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

char *url_unescape(const char *s, size_t n)
{
	char *out = malloc(n + 1), *w = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '%') {
			*w++ = s[i];
			continue;
		}
		/* %00 would end the credentials early: they are C strings. */
		if (i + 2 >= n || !isxdigit((unsigned char)s[i + 1]) ||
		    !isxdigit((unsigned char)s[i + 2]) || (s[i + 1] == '0' && s[i + 2] == '0')) {
			free(out);
			return NULL;
		}
		char hex[3] = { s[i + 1], s[i + 2], '\0' };
		*w++ = (char)strtol(hex, NULL, 16);
		i += 2;
	}
	*w = '\0';
	return out;
}

const char *url_host_span(const char *p, const char *end, const char **host_start,
			  const char **host_end, const char **after)
{
	if (*p == '[') {
		*host_start = p + 1;
		/* Within the authority: a ']' in the path closes nothing. */
		*host_end = memchr(*host_start, ']', (size_t)(end - *host_start));
		if (!*host_end)
			return "no ']' after an IPv6 address";
		*after = *host_end + 1;
	} else {
		*host_start = p;
		*host_end = p + strcspn(p, ":/?");
		*after = *host_end;
	}
	if (*host_end == *host_start)
		return "no host in the URL";
	return NULL;
}

const char *url_parse(const char *text, struct url *out)
{
	const char *p;
	int default_port;

	memset(out, 0, sizeof(*out));
	if (strchr(text, '#'))
		return "a fragment (#...) means nothing in a WebSocket URL (RFC 6455)";
	if (!strncasecmp(text, "ws://", 5)) {
		p = text + 5;
		default_port = 80;
	} else if (!strncasecmp(text, "wss://", 6)) {
		p = text + 6;
		out->tls = true;
		default_port = 443;
	} else {
		return "the URL must start with ws:// or wss://";
	}

	const char *authority = p;
	/* user[:password]@ ends at the last '@' before the path. */
	const char *authority_end = p + strcspn(p, "/?");
	const char *at = NULL;
	for (const char *q = p; q < authority_end; q++)
		if (*q == '@')
			at = q;
	if (at)
		p = at + 1;

	const char *host_start, *host_end, *after;
	const char *why = url_host_span(p, authority_end, &host_start, &host_end, &after);
	if (why)
		return why;
	/* It goes into the Host header as it is (the path is escaped there). */
	for (const char *q = host_start; q < host_end; q++)
		if ((unsigned char)*q <= ' ' || *q == 0x7f || *q == '@' || *q == '[' || *q == ']')
			return "the host has a character a host name cannot have";

	out->port = default_port;
	if (*after == ':') {
		char *end;
		long port = strtol(after + 1, &end, 10);
		if (end == after + 1 || port < 1 || port > 65535)
			return "the port must be a number from 1 to 65535";
		out->port = (int)port;
		after = end;
	}
	if (*after && *after != '/' && *after != '?')
		return "unexpected characters after the host";

	size_t path_len = strlen(after);
	out->host = strndup(host_start, (size_t)(host_end - host_start));
	if (*after == '/') {
		out->path = strndup(after, path_len);
	} else {
		/* "ws://h?x" has the path "/" and the query "x". */
		out->path = malloc(path_len + 2);
		if (out->path) {
			out->path[0] = '/';
			memcpy(out->path + 1, after, path_len);
			out->path[path_len + 1] = '\0';
		}
	}

	bool v6 = *p == '[';
	size_t hh = strlen(out->host ? out->host : "") + 16;
	out->host_header = malloc(hh);
	if (!out->host || !out->path || !out->host_header) {
		url_free(out);
		return "out of memory";
	}
	if (out->port == default_port)
		snprintf(out->host_header, hh, v6 ? "[%s]" : "%s", out->host);
	else
		snprintf(out->host_header, hh, v6 ? "[%s]:%d" : "%s:%d",
			 out->host, out->port);
	if (at && !(out->userinfo = url_unescape(authority, (size_t)(at - authority)))) {
		url_free(out);
		return "the user part of the URL has a bad %-escape, or %00 (which cannot be sent)";
	}
	/* As given, less the user part and the query (which may hold a token). */
	if (asprintf(&out->shown, "%.*s%.*s", (int)(authority - text), text,
		     (int)strcspn(p, "?"), p) < 0) {
		out->shown = NULL;
		url_free(out);
		return "out of memory";
	}
	return NULL;
}

void url_free(struct url *u)
{
	free(u->host);
	free(u->path);
	free(u->host_header);
	free(u->userinfo);
	free(u->shown);
	u->host = u->path = u->host_header = u->userinfo = u->shown = NULL;
}
