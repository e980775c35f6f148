/*
 * fuzz_url: url_parse() (url.h), as rxws-connect and rxws-group read
 * their URL argument, user:password@ included.
 *
 * Input: the URL text, up to its first NUL (it is a C string).
 *
 * Checks, beyond no crash, leak or sanitizer report:
 *  - a refused URL leaves no parts behind (url_free() has nothing to do);
 *  - an accepted one has a scheme that says tls, a host with no '@',
 *    a port from 1 to 65535, a path that starts with '/', and no '#';
 *    the Host header is the host, in brackets when it was, with ":port"
 *    when the port is not the scheme's default, and has no '@';
 *  - the user part (before the last '@' ahead of the path) is kept
 *    exactly as its %-decoding, not one byte cut off; without one there
 *    is none; the URL shown in logs is the URL less the user part and the
 *    query, so it never holds the password;
 *  - the parts written back as a URL (always with the port, the user part
 *    %-encoded) parse to the same parts.
 */
#include "fuzz.h"
#include "base/url.h"

#include <ctype.h>
#include <strings.h>

static int hex(char c)
{
	return isdigit((unsigned char)c) ? c - '0'
	     : isxdigit((unsigned char)c) ? tolower((unsigned char)c) - 'a' + 10 : -1;
}

/* %-decodes n bytes into out (room for n); its length, or -1 on a bad escape. */
static long ref_decode(const char *s, size_t n, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '%') {
			out[o++] = s[i];
			continue;
		}
		if (i + 2 >= n || hex(s[i + 1]) < 0 || hex(s[i + 2]) < 0)
			return -1;
		out[o++] = (char)(hex(s[i + 1]) << 4 | hex(s[i + 2]));
		i += 2;
	}
	return (long)o;
}

/* Every byte of s %-encoded but letters and digits. */
static char *encoded(const char *s)
{
	char *out = malloc(3 * strlen(s) + 1), *w = out;
	CHECK(out != NULL);
	for (; *s; s++) {
		if (isalnum((unsigned char)*s))
			*w++ = *s;
		else
			w += sprintf(w, "%%%02X", (unsigned char)*s);
	}
	*w = '\0';
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = strndup((const char *)data, size);
	struct url u;

	CHECK(text != NULL);
	const char *why = url_parse(text, &u);
	if (why) {
		CHECK(!u.host && !u.path && !u.host_header && !u.userinfo && !u.shown);
		free(text);
		return 0;
	}

	CHECK(u.tls == !strncasecmp(text, "wss://", 6));
	CHECK(u.host[0] != '\0' && !strchr(u.host, '@'));
	CHECK(u.port >= 1 && u.port <= 65535);
	CHECK(u.path[0] == '/' && !strchr(u.path, '#'));
	CHECK(!strchr(u.host_header, '@'));

	/* The user part: up to the last '@' before the path or query. */
	const char *authority = text + (u.tls ? 6 : 5);
	size_t authority_len = strcspn(authority, "/?");
	const char *at = NULL;
	for (const char *q = authority; q < authority + authority_len; q++)
		if (*q == '@')
			at = q;
	const char *after_user = at ? at + 1 : authority;
	if (at) {
		char *want = malloc(size + 1);
		CHECK(want != NULL);
		long n = ref_decode(authority, (size_t)(at - authority), want);
		CHECK(n >= 0 && u.userinfo);
		CHECK(same_bytes(u.userinfo, strlen(u.userinfo), want, (size_t)n));
		free(want);
	} else {
		CHECK(!u.userinfo);
	}
	char *shown;
	CHECK(asprintf(&shown, "%.*s%.*s", (int)(authority - text), text,
		       (int)strcspn(after_user, "?"), after_user) > 0);
	CHECK(!strcmp(u.shown, shown));
	free(shown);

	bool v6 = *after_user == '[';
	char *want;
	if (u.port == (u.tls ? 443 : 80))
		CHECK(asprintf(&want, v6 ? "[%s]" : "%s", u.host) > 0);
	else
		CHECK(asprintf(&want, v6 ? "[%s]:%d" : "%s:%d", u.host, u.port) > 0);
	CHECK(!strcmp(u.host_header, want));
	free(want);

	char *again, *user = u.userinfo ? encoded(u.userinfo) : NULL;
	struct url v;
	CHECK(asprintf(&again, v6 ? "%s://%s%s[%s]:%d%s" : "%s://%s%s%s:%d%s",
		       u.tls ? "wss" : "ws", user ? user : "", user ? "@" : "",
		       u.host, u.port, u.path) > 0);
	why = url_parse(again, &v);
	if (why)
		fprintf(stderr, "url_parse(\"%s\"): %s\n", again, why);
	CHECK(why == NULL);
	CHECK(v.tls == u.tls && v.port == u.port);
	CHECK(!strcmp(v.host, u.host) && !strcmp(v.path, u.path));
	CHECK(!strcmp(v.host_header, u.host_header));
	CHECK(!v.userinfo == !u.userinfo);
	CHECK(!u.userinfo || !strcmp(v.userinfo, u.userinfo));
	url_free(&v);
	free(again);
	free(user);

	url_free(&u);
	CHECK(!u.host && !u.path && !u.host_header && !u.userinfo && !u.shown);
	free(text);
	return 0;
}
