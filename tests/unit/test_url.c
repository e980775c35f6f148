/* base/url: the parts of a ws:// or wss:// URL. */
#include "base/url.h"

#include <stdlib.h>
#include <string.h>

#include "unit.h"

struct parts {
	const char *text;
	bool tls;
	const char *host;
	int port;
	const char *path, *host_header, *userinfo, *shown;
};

static void check_parts(const struct parts *want)
{
	struct url u;

	CASE("%s", want->text);
	if (!CHECK_OK(url_parse(want->text, &u)))
		return;
	CHECK(u.tls == want->tls);
	CHECK_STR(u.host, want->host);
	CHECK_INT(u.port, ==, want->port);
	CHECK_STR(u.path, want->path);
	CHECK_STR(u.host_header, want->host_header);
	CHECK_STR(u.userinfo, want->userinfo);
	CHECK_STR(u.shown, want->shown);
	url_free(&u);
}

TEST(url_parse_splits_host_port_and_path)
{
	static const struct parts t[] = {
		{ "ws://example.org:8888/feed", false, "example.org", 8888, "/feed",
		  "example.org:8888", NULL, "ws://example.org:8888/feed" },
		{ "ws://127.0.0.1:1/a/b/c", false, "127.0.0.1", 1, "/a/b/c",
		  "127.0.0.1:1", NULL, "ws://127.0.0.1:1/a/b/c" },
		{ "wss://h:65535/", true, "h", 65535, "/", "h:65535", NULL, "wss://h:65535/" },
	};

	for (size_t i = 0; i < N_OF(t); i++)
		check_parts(&t[i]);
}

/* The Host header leaves out the port when it is the scheme's own. */
TEST(url_parse_defaults_the_port_by_scheme_and_the_path_to_slash)
{
	static const struct parts t[] = {
		{ "ws://h", false, "h", 80, "/", "h", NULL, "ws://h" },
		{ "wss://h", true, "h", 443, "/", "h", NULL, "wss://h" },
		{ "ws://h:80/x", false, "h", 80, "/x", "h", NULL, "ws://h:80/x" },
		{ "wss://h:443", true, "h", 443, "/", "h", NULL, "wss://h:443" },
		{ "wss://h:80", true, "h", 80, "/", "h:80", NULL, "wss://h:80" },
		{ "ws://h:443", false, "h", 443, "/", "h:443", NULL, "ws://h:443" },
	};

	for (size_t i = 0; i < N_OF(t); i++)
		check_parts(&t[i]);
}

/* The query may hold a token: it goes to the server, not to the logs. */
TEST(url_parse_keeps_the_query_in_the_path_and_out_of_shown)
{
	static const struct parts t[] = {
		{ "ws://h/a?token=secret", false, "h", 80, "/a?token=secret", "h", NULL,
		  "ws://h/a" },
		{ "ws://h?x=1", false, "h", 80, "/?x=1", "h", NULL, "ws://h" },
		{ "ws://h:9/?", false, "h", 9, "/?", "h:9", NULL, "ws://h:9/" },
	};

	for (size_t i = 0; i < N_OF(t); i++)
		check_parts(&t[i]);
}

TEST(url_parse_takes_ipv6_literals_in_brackets)
{
	static const struct parts t[] = {
		{ "ws://[::1]:8888/audio", false, "::1", 8888, "/audio", "[::1]:8888", NULL,
		  "ws://[::1]:8888/audio" },
		{ "ws://[::1]", false, "::1", 80, "/", "[::1]", NULL, "ws://[::1]" },
		{ "wss://[2001:db8::7]:443/x?q", true, "2001:db8::7", 443, "/x?q",
		  "[2001:db8::7]", NULL, "wss://[2001:db8::7]:443/x" },
		/* A ']' in the path is the path's. */
		{ "ws://h/a]b", false, "h", 80, "/a]b", "h", NULL, "ws://h/a]b" },
	};

	for (size_t i = 0; i < N_OF(t); i++)
		check_parts(&t[i]);
}

/* user:password, decoded, for Basic authentication; never in shown. */
TEST(url_parse_keeps_user_info_apart_decoded)
{
	static const struct parts t[] = {
		{ "ws://user:pass@h/x", false, "h", 80, "/x", "h", "user:pass", "ws://h/x" },
		{ "ws://u:p%40ss%3a@h:81/x?t=1", false, "h", 81, "/x?t=1", "h:81", "u:p@ss:",
		  "ws://h:81/x" },
		{ "wss://tok@[::1]", true, "::1", 443, "/", "[::1]", "tok", "wss://[::1]" },
		/* The last '@' before the path ends the user part. */
		{ "ws://a@b@h/", false, "h", 80, "/", "h", "a@b", "ws://h/" },
		/* An '@' after the path's start is the path's. */
		{ "ws://h/a@b", false, "h", 80, "/a@b", "h", NULL, "ws://h/a@b" },
	};

	for (size_t i = 0; i < N_OF(t); i++)
		check_parts(&t[i]);
}

TEST(url_parse_takes_the_scheme_in_any_case)
{
	struct url u;

	if (CHECK_OK(url_parse("WSS://Example.ORG/", &u))) {
		CHECK(u.tls);
		CHECK_INT(u.port, ==, 443);
		CHECK_STR(u.host, "Example.ORG");
		url_free(&u);
	}
	if (CHECK_OK(url_parse("Ws://h", &u))) {
		CHECK(!u.tls);
		url_free(&u);
	}
}

TEST(url_parse_refuses_what_is_not_a_websocket_url)
{
	static const struct {
		const char *text, *words;
	} t[] = {
		{ "http://h/", "must start with ws:// or wss://" },
		{ "h:80/x", "must start with ws://" },
		{ "ws:/h", "must start with ws://" },
		{ "ws://h/#top", "fragment" },
		{ "ws://h#", "fragment" },
		{ "ws://", "no host" },
		{ "ws:///path", "no host" },
		{ "ws://:80/", "no host" },
		{ "ws://u:p@/x", "no host" },
		{ "ws://[]/", "no host" },
		{ "ws://[::1/a]", "no ']'" },
		{ "ws://[::1", "no ']'" },
		{ "ws://[::1]x/", "unexpected characters after the host" },
		{ "ws://h:0/", "port must be a number from 1 to 65535" },
		{ "ws://h:65536/", "port must be" },
		{ "ws://h:-1/", "port must be" },
		{ "ws://h:/", "port must be" },
		{ "ws://h:x/", "port must be" },
		{ "ws://h:80x/", "unexpected characters after the host" },
		{ "ws://h\x01/", "a character a host name cannot have" },
		{ "ws://h\x7f", "a character a host name cannot have" },
		{ "ws://a b/", "a character a host name cannot have" },
		{ "ws://a[b/", "a character a host name cannot have" },
		{ "ws://u:%4@h/", "bad %-escape" },
		{ "ws://u:%zz@h/", "bad %-escape" },
		{ "ws://u:%00@h/", "%00" },
	};

	for (size_t i = 0; i < N_OF(t); i++) {
		struct url u;
		CASE("%s", unit_show(t[i].text, strlen(t[i].text)));
		CHECK_FAILS(url_parse(t[i].text, &u), t[i].words);
		/* Nothing is left to free, and url_free() may still be called. */
		CHECK(!u.host && !u.path && !u.host_header && !u.userinfo && !u.shown);
		url_free(&u);
	}
}

TEST(url_unescape_decodes_percent_escapes)
{
	static const struct {
		const char *in;
		size_t n;
		const char *out;	/* NULL: refused */
	} t[] = {
		{ "plain", 5, "plain" },
		{ "", 0, "" },
		{ "a%20b", 5, "a b" },
		{ "%41%42%7e%7E", 12, "AB~~" },
		{ "%2f%3A%40", 9, "/:@" },
		{ "abc%41", 3, "abc" },		/* no more than n bytes are read */
		{ "100%", 4, NULL },
		{ "%4", 2, NULL },
		{ "%4142", 2, NULL },		/* the escape is cut by n */
		{ "%g1", 3, NULL },
		{ "%00", 3, NULL },		/* it would end the C string */
		{ "a%00b", 5, NULL },
	};

	for (size_t i = 0; i < N_OF(t); i++) {
		CASE("%s (%zu bytes)", unit_show(t[i].in, strlen(t[i].in)), t[i].n);
		char *out = url_unescape(t[i].in, t[i].n);
		CHECK_STR(out, t[i].out);
		free(out);
	}
}

TEST(url_host_span_ends_the_host_at_a_port_path_or_query)
{
	static const struct {
		const char *authority;
		size_t end;		/* where the authority ends */
		const char *host, *after;	/* host NULL: refused */
	} t[] = {
		{ "host:80/x", 9, "host", ":80/x" },
		{ "host/x", 6, "host", "/x" },
		{ "host?q", 6, "host", "?q" },
		{ "host", 4, "host", "" },
		{ "[::1]:80/", 9, "::1", ":80/" },
		{ "[fe80::1]", 9, "fe80::1", "" },
		{ "[::1/a]", 4, NULL, NULL },	/* the ']' is past the authority */
		{ ":80", 3, NULL, NULL },
		{ "/x", 2, NULL, NULL },
		{ "[]", 2, NULL, NULL },
	};

	for (size_t i = 0; i < N_OF(t); i++) {
		const char *p = t[i].authority, *start, *end, *after;
		CASE("%s", p);
		const char *why = url_host_span(p, p + t[i].end, &start, &end, &after);
		if (!t[i].host) {
			CHECK_FAILS(why, NULL);
			continue;
		}
		if (!CHECK_OK(why))
			continue;
		CHECK_MEM(start, (size_t)(end - start), t[i].host, strlen(t[i].host));
		CHECK_STR(after, t[i].after);
	}
}

const struct unit_test unit_tests[] = {
	RUN(url_parse_splits_host_port_and_path),
	RUN(url_parse_defaults_the_port_by_scheme_and_the_path_to_slash),
	RUN(url_parse_keeps_the_query_in_the_path_and_out_of_shown),
	RUN(url_parse_takes_ipv6_literals_in_brackets),
	RUN(url_parse_keeps_user_info_apart_decoded),
	RUN(url_parse_takes_the_scheme_in_any_case),
	RUN(url_parse_refuses_what_is_not_a_websocket_url),
	RUN(url_unescape_decodes_percent_escapes),
	RUN(url_host_span_ends_the_host_at_a_port_path_or_query),
	{ NULL, NULL },
};
