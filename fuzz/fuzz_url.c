/*
 * fuzz_url: url_parse() (url.h), as rxws-connect and rxws-group read
 * their URL argument.
 *
 * Input: the URL text, up to its first NUL (it is a C string).
 *
 * Checks, beyond no crash, leak or sanitizer report:
 *  - a refused URL leaves no parts behind (url_free() has nothing to do);
 *  - an accepted one has a scheme that says tls, a host with no '@',
 *    a port from 1 to 65535, a path that starts with '/', and no '#';
 *    the Host header is the host, in brackets when it was, with ":port"
 *    when the port is not the scheme's default;
 *  - the parts written back as a URL (always with the port) parse to the
 *    same parts.
 */
#include "fuzz.h"
#include "url.h"

#include <strings.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = strndup((const char *)data, size);
	struct url u;

	CHECK(text != NULL);
	const char *why = url_parse(text, &u);
	if (why) {
		CHECK(!u.host && !u.path && !u.host_header);
		free(text);
		return 0;
	}

	CHECK(u.tls == !strncasecmp(text, "wss://", 6));
	CHECK(u.host[0] != '\0' && !strchr(u.host, '@'));
	CHECK(u.port >= 1 && u.port <= 65535);
	CHECK(u.path[0] == '/' && !strchr(u.path, '#'));

	bool v6 = text[u.tls ? 6 : 5] == '[';
	char *want;
	if (u.port == (u.tls ? 443 : 80))
		CHECK(asprintf(&want, v6 ? "[%s]" : "%s", u.host) > 0);
	else
		CHECK(asprintf(&want, v6 ? "[%s]:%d" : "%s:%d", u.host, u.port) > 0);
	CHECK(!strcmp(u.host_header, want));
	free(want);

	char *again;
	struct url v;
	CHECK(asprintf(&again, v6 ? "%s://[%s]:%d%s" : "%s://%s:%d%s",
		       u.tls ? "wss" : "ws", u.host, u.port, u.path) > 0);
	why = url_parse(again, &v);
	if (why)
		fprintf(stderr, "url_parse(\"%s\"): %s\n", again, why);
	CHECK(why == NULL);
	CHECK(v.tls == u.tls && v.port == u.port);
	CHECK(!strcmp(v.host, u.host) && !strcmp(v.path, u.path));
	CHECK(!strcmp(v.host_header, u.host_header));
	url_free(&v);
	free(again);

	url_free(&u);
	CHECK(!u.host && !u.path && !u.host_header);
	free(text);
	return 0;
}
