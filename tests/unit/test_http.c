/* ws/http: HTTP/1.1 heads read strictly (RFC 9112); request targets decoded. */
#include "ws/http.h"

#include <stdlib.h>
#include <string.h>

#include "unit.h"

#define U(s) ((const unsigned char *)(s))

static const char request[] =
	"GET /chat?room=1 HTTP/1.1\r\n"
	"Host: example.org:8888\r\n"
	"Upgrade: websocket\r\n"
	"Connection: keep-alive, Upgrade\r\n"
	"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	"X-Empty:\r\n"
	"X-Spaced: \t  padded value \t\r\n"
	"\r\n";

/* Feeds the whole text; the result, with *used. */
static enum http_feed feed_all(struct http_head *h, bool response, const char *text,
			       size_t n, size_t *used, const char **why)
{
	*why = NULL;
	return http_head_feed(h, response, U(text), n, used, why);
}

static bool field_is(const struct http_head *h, const char *name, const char *value)
{
	size_t len;
	const char *v = http_field(h, name, &len);
	return v && len == strlen(value) && !memcmp(v, value, len);
}

TEST(http_head_feed_reads_a_request_line_and_its_fields)
{
	struct http_head h;
	size_t used;
	const char *why;

	http_head_init(&h);
	if (CHECK_INT(feed_all(&h, false, request, sizeof(request) - 1, &used, &why), ==,
		      HTTP_DONE)) {
		CHECK_UINT(used, ==, sizeof(request) - 1);
		CHECK_MEM(h.method, h.method_len, "GET", 3);
		CHECK_MEM(h.target, h.target_len, "/chat?room=1", 12);
		CHECK_INT(h.minor_version, ==, 1);
		CHECK_UINT(h.n_fields, ==, 6);
		CHECK(field_is(&h, "Host", "example.org:8888"));
		CHECK(field_is(&h, "X-Empty", ""));
		/* White space around a value is not the value's. */
		CHECK(field_is(&h, "X-Spaced", "padded value"));
	}
	http_head_free(&h);
}

TEST(http_head_feed_reads_a_status_line)
{
	static const struct {
		const char *head;
		int minor, status;
		const char *reason;
	} t[] = {
		{ "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n", 1, 101,
		  "Switching Protocols" },
		{ "HTTP/1.0 200\r\n\r\n", 0, 200, "" },
		{ "HTTP/1.1 404 \r\n\r\n", 1, 404, "" },
		{ "HTTP/1.1 407 Proxy Authentication Required\r\n\r\n", 1, 407,
		  "Proxy Authentication Required" },
	};

	for (size_t i = 0; i < N_OF(t); i++) {
		struct http_head h;
		size_t used;
		const char *why;
		CASE("%s", unit_show(t[i].head, strlen(t[i].head)));
		http_head_init(&h);
		if (CHECK_INT(feed_all(&h, true, t[i].head, strlen(t[i].head), &used, &why), ==,
			      HTTP_DONE)) {
			CHECK_INT(h.minor_version, ==, t[i].minor);
			CHECK_INT(h.status, ==, t[i].status);
			CHECK_MEM(h.reason, h.reason_len, t[i].reason, strlen(t[i].reason));
		}
		http_head_free(&h);
	}
}

/*
 * Cut anywhere, the head is the same; what comes after it stays the
 * caller's. (Not cut at 0: an empty first piece makes http_head_feed()
 * compute NULL + 0, which UBSan reports, http.c:146.)
 */
TEST(http_head_feed_takes_the_head_in_pieces_and_leaves_what_follows)
{
	char text[sizeof(request) + 8];
	size_t head = sizeof(request) - 1;

	memcpy(text, request, head);
	memcpy(text + head, "\x81\x02hi", 4);	/* a first frame */
	for (size_t cut = 1; cut <= head; cut++) {
		struct http_head h;
		size_t used = 99;
		const char *why;
		CASE("cut at %zu", cut);
		http_head_init(&h);
		enum http_feed rc = feed_all(&h, false, text, cut, &used, &why);
		if (cut < head) {
			CHECK_INT(rc, ==, HTTP_MORE);
			CHECK_UINT(used, ==, 0);
			rc = feed_all(&h, false, text + cut, head + 4 - cut, &used, &why);
		}
		if (CHECK_INT(rc, ==, HTTP_DONE)) {
			CHECK_UINT(used, ==, cut < head ? head - cut : head);
			CHECK_UINT(h.raw.len, ==, head);
			CHECK_UINT(h.n_fields, ==, 6);
			CHECK(field_is(&h, "connection", "keep-alive, Upgrade"));
		}
		http_head_free(&h);
	}
}

TEST(http_head_feed_tells_an_answer_that_is_not_http_at_once)
{
	struct http_head h;
	size_t used;
	const char *why;

	http_head_init(&h);
	CHECK_INT(feed_all(&h, true, "SSH-2", 5, &used, &why), ==, HTTP_MALFORMED);
	CHECK_FAILS(why, "the answer is not HTTP");
	http_head_reset(&h);
	CHECK_INT(feed_all(&h, true, "HTTP", 4, &used, &why), ==, HTTP_MORE);
	http_head_free(&h);
}

TEST(http_head_feed_refuses_bare_lf_and_nul_as_soon_as_they_come)
{
	static const struct {
		const char *text;
		size_t n;
		const char *words;
	} t[] = {
		{ "GET / HTTP/1.1\n", 15, "bare LF" },
		{ "GET / HTTP/1.1\r\nHost: h\n\r\n", 26, "bare LF" },
		{ "\n", 1, "bare LF" },
		{ "GET / HTTP/1.1\r\nX: a\0b", 22, "a NUL byte in the head" },
	};

	for (size_t i = 0; i < N_OF(t); i++) {
		struct http_head h;
		size_t used;
		const char *why;
		CASE("%s", unit_show(t[i].text, t[i].n));
		http_head_init(&h);
		CHECK_INT(feed_all(&h, false, t[i].text, t[i].n, &used, &why), ==, HTTP_MALFORMED);
		CHECK_FAILS(why, t[i].words);
		http_head_free(&h);
	}
}

/* A CR at the end of one piece and its LF at the start of the next make a CRLF. */
TEST(http_head_feed_takes_a_crlf_split_across_pieces)
{
	struct http_head h;
	size_t used;
	const char *why;

	http_head_init(&h);
	CHECK_INT(feed_all(&h, false, "GET / HTTP/1.1\r", 15, &used, &why), ==, HTTP_MORE);
	CHECK_INT(feed_all(&h, false, "\nHost: h\r", 9, &used, &why), ==, HTTP_MORE);
	CHECK_INT(feed_all(&h, false, "\n\r", 2, &used, &why), ==, HTTP_MORE);
	CHECK_INT(feed_all(&h, false, "\n", 1, &used, &why), ==, HTTP_DONE);
	CHECK(field_is(&h, "host", "h"));
	http_head_free(&h);
}

static void check_malformed(bool response, const char *const *heads, size_t n,
			    const char *words)
{
	for (size_t i = 0; i < n; i++) {
		struct http_head h;
		size_t used;
		const char *why;
		CASE("%s", unit_show(heads[i], strlen(heads[i])));
		http_head_init(&h);
		CHECK_INT(feed_all(&h, response, heads[i], strlen(heads[i]), &used, &why), ==,
			  HTTP_MALFORMED);
		CHECK_FAILS(why, words);
		http_head_free(&h);
	}
}

TEST(http_head_feed_refuses_request_lines_that_are_not_method_target_version)
{
	static const char *const lines[] = {
		"GET  / HTTP/1.1\r\n\r\n", "GET /  HTTP/1.1\r\n\r\n", " GET / HTTP/1.1\r\n\r\n",
		"GET /\r\n\r\n", "GET / HTTP/2.0\r\n\r\n", "GET / HTTP/1.10\r\n\r\n",
		"GET / http/1.1\r\n\r\n", "GET / HTTP/1.x\r\n\r\n", "GET / HTTP/1.1 \r\n\r\n",
		"GET\r\n\r\n", "\r\n\r\n",
	};
	static const char *const methods[] = { "G(T / HTTP/1.1\r\n\r\n", "G@T / HTTP/1.1\r\n\r\n" };
	static const char *const targets[] = { "GET /a\x01 HTTP/1.1\r\n\r\n", "GET /\x7f HTTP/1.1\r\n\r\n" };

	check_malformed(false, lines, N_OF(lines), "the request line is not 'METHOD TARGET HTTP/1.x'");
	check_malformed(false, methods, N_OF(methods), "the method is not a token");
	check_malformed(false, targets, N_OF(targets), "control character or space");
}

TEST(http_head_feed_refuses_status_lines_that_are_not_http_1)
{
	static const char *const lines[] = {
		"HTTP/2 200 OK\r\n\r\n", "HTTP/1.1 20\r\n\r\n", "HTTP/1.1 200OK\r\n\r\n",
		"HTTP/1.1  200 OK\r\n\r\n", "HTTP/1.x 200 OK\r\n\r\n",
	};
	static const char *const codes[] = { "HTTP/1.1 2x0 OK\r\n\r\n", "HTTP/1.1 -20 OK\r\n\r\n" };

	check_malformed(true, lines, N_OF(lines), "the status line is not HTTP/1.x");
	check_malformed(true, codes, N_OF(codes), "the status code is not three digits");
}

TEST(http_head_feed_refuses_folded_nameless_and_bad_fields)
{
	static const char *const folded[] = {
		"GET / HTTP/1.1\r\nHost: h\r\n more\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: h\r\n\tmore\r\n\r\n",
	};
	static const char *const nameless[] = {
		"GET / HTTP/1.1\r\nHost h\r\n\r\n", "GET / HTTP/1.1\r\n: v\r\n\r\n",
	};
	static const char *const names[] = {
		"GET / HTTP/1.1\r\nHo st: h\r\n\r\n", "GET / HTTP/1.1\r\nHost : h\r\n\r\n",
		"GET / HTTP/1.1\r\nX(y): h\r\n\r\n", "GET / HTTP/1.1\r\nX\xc3\xa9: h\r\n\r\n",
	};
	static const char *const values[] = {
		"GET / HTTP/1.1\r\nX: a\x01z\r\n\r\n", "GET / HTTP/1.1\r\nX: a\x7fz\r\n\r\n",
		"GET / HTTP/1.1\r\nX: a\rz\r\n\r\n",
	};

	check_malformed(false, folded, N_OF(folded), "a folded header line");
	check_malformed(false, nameless, N_OF(nameless), "a header line without a name");
	check_malformed(false, names, N_OF(names), "a header name that is not a token");
	check_malformed(false, values, N_OF(values), "a header value holds a control character");
}

/* Bytes above 0x7f, and tabs, may be in a value. */
TEST(http_head_feed_takes_tabs_and_high_bytes_in_values)
{
	const char text[] = "GET / HTTP/1.1\r\nX: caf\xc3\xa9\tau lait\r\n\r\n";
	struct http_head h;
	size_t used;
	const char *why;

	http_head_init(&h);
	CHECK_INT(feed_all(&h, false, text, sizeof(text) - 1, &used, &why), ==, HTTP_DONE);
	CHECK(field_is(&h, "x", "caf\xc3\xa9\tau lait"));
	http_head_free(&h);
}

/* A head of exactly HTTP_HEAD_MAX bytes, or of n + extra bytes (over the bound). */
static char *head_of(size_t n)
{
	char *s = malloc(n + 1);
	if (!s)
		return NULL;
	const char *start = "GET / HTTP/1.1\r\nX: ";
	memset(s, 'v', n);
	memcpy(s, start, strlen(start));
	memcpy(s + n - 4, "\r\n\r\n", 4);
	s[n] = '\0';
	return s;
}

TEST(http_head_feed_takes_a_head_of_16_kib_and_no_more)
{
	char *ok = head_of(HTTP_HEAD_MAX), *over = head_of(HTTP_HEAD_MAX + 1);
	struct http_head h;
	size_t used;
	const char *why;

	if (!CHECK(ok && over))
		goto done;
	http_head_init(&h);
	CHECK_INT(feed_all(&h, false, ok, HTTP_HEAD_MAX, &used, &why), ==, HTTP_DONE);
	http_head_reset(&h);
	CHECK_INT(feed_all(&h, false, over, HTTP_HEAD_MAX + 1, &used, &why), ==, HTTP_TOO_LARGE);
	CHECK_FAILS(why, "a head over 16 KiB");
	/* The same, a byte at a time: told when the 16 KiB are there. */
	http_head_reset(&h);
	enum http_feed rc = HTTP_MORE;
	size_t i = 0;
	for (; i <= HTTP_HEAD_MAX && rc == HTTP_MORE; i++)
		rc = feed_all(&h, false, over + i, 1, &used, &why);
	CHECK_INT(rc, ==, HTTP_TOO_LARGE);
	CHECK_UINT(i, ==, HTTP_HEAD_MAX);
	http_head_free(&h);
done:
	free(ok);
	free(over);
}

TEST(http_head_feed_takes_64_fields_and_no_more)
{
	for (int n = HTTP_HEADERS_MAX; n <= HTTP_HEADERS_MAX + 1; n++) {
		struct buf text = { 0 };
		struct http_head h;
		size_t used;
		const char *why;
		buf_append(&text, "GET / HTTP/1.1\r\n", 16);
		for (int i = 0; i < n; i++)
			buf_append(&text, "X-F: 1\r\n", 8);
		buf_append(&text, "\r\n", 2);
		CASE("%d fields", n);
		http_head_init(&h);
		enum http_feed rc = feed_all(&h, false, (char *)text.data, text.len, &used, &why);
		if (n == HTTP_HEADERS_MAX) {
			CHECK_INT(rc, ==, HTTP_DONE);
			CHECK_UINT(http_field_count(&h, "x-f"), ==, HTTP_HEADERS_MAX);
		} else {
			CHECK_INT(rc, ==, HTTP_TOO_LARGE);
			CHECK_FAILS(why, "more than 64 header fields");
		}
		http_head_free(&h);
		buf_free(&text);
	}
}

TEST(http_field_finds_the_first_by_name_in_any_case)
{
	const char text[] = "GET / HTTP/1.1\r\nHost: a\r\nX-Dup: one\r\nx-dup: two\r\n\r\n";
	struct http_head h;
	size_t used, len = 99;
	const char *why;

	http_head_init(&h);
	if (CHECK_INT(feed_all(&h, false, text, sizeof(text) - 1, &used, &why), ==, HTTP_DONE)) {
		CHECK(field_is(&h, "HOST", "a"));
		CHECK(field_is(&h, "x-dup", "one"));
		CHECK_UINT(http_field_count(&h, "X-DUP"), ==, 2);
		CHECK_UINT(http_field_count(&h, "X-Du"), ==, 0);
		CHECK(http_field(&h, "Hos", &len) == NULL);
		CHECK_UINT(len, ==, 0);
		CHECK(http_field(&h, "Host2", &len) == NULL);
	}
	http_head_free(&h);
}

TEST(http_field_has_token_looks_through_comma_lists_of_every_such_field)
{
	const char text[] = "GET / HTTP/1.1\r\nConnection: keep-alive , ,Upgrade\r\n"
			    "Sec-WebSocket-Extensions: a\r\nSec-WebSocket-Extensions: ,b,\r\n"
			    "X: upgrade2\r\n\r\n";
	struct http_head h;
	size_t used;
	const char *why;

	http_head_init(&h);
	if (CHECK_INT(feed_all(&h, false, text, sizeof(text) - 1, &used, &why), ==, HTTP_DONE)) {
		CHECK(http_field_has_token(&h, "connection", "upgrade"));
		CHECK(http_field_has_token(&h, "Connection", "KEEP-ALIVE"));
		CHECK(!http_field_has_token(&h, "Connection", "keep"));
		CHECK(http_field_has_token(&h, "sec-websocket-extensions", "b"));
		CHECK(!http_field_has_token(&h, "X", "upgrade"));
		CHECK(!http_field_has_token(&h, "Absent", "upgrade"));
	}
	http_head_free(&h);
}

TEST(http_list_next_gives_each_element_trimmed_and_skips_empty_ones)
{
	const char list[] = " a , ,b\t,,c d ,";
	const char *p = list, *end = list + sizeof(list) - 1, *item;
	size_t len;
	static const char *const want[] = { "a", "b", "c d" };

	for (size_t i = 0; i < N_OF(want); i++) {
		CASE("element %zu", i);
		if (!CHECK(http_list_next(&p, end, &item, &len)))
			return;
		CHECK_MEM(item, len, want[i], strlen(want[i]));
	}
	CHECK(!http_list_next(&p, end, &item, &len));
	p = list;
	CHECK(!http_list_next(&p, list, &item, &len));	/* an empty list */
}

TEST(http_head_reset_starts_over_for_the_next_message)
{
	const char two[] = "GET /one HTTP/1.1\r\nA: 1\r\n\r\nPOST /two HTTP/1.0\r\nB: 2\r\n\r\n";
	struct http_head h;
	size_t used;
	const char *why;

	http_head_init(&h);
	CHECK_INT(feed_all(&h, false, two, sizeof(two) - 1, &used, &why), ==, HTTP_DONE);
	CHECK_UINT(used, ==, 27);
	http_head_reset(&h);
	CHECK_UINT(h.n_fields, ==, 0);
	CHECK_INT(feed_all(&h, false, two + used, sizeof(two) - 1 - used, &used, &why), ==,
		  HTTP_DONE);
	CHECK_MEM(h.method, h.method_len, "POST", 4);
	CHECK_MEM(h.target, h.target_len, "/two", 4);
	CHECK_INT(h.minor_version, ==, 0);
	CHECK_UINT(h.n_fields, ==, 1);
	CHECK(field_is(&h, "b", "2"));
	CHECK(http_field(&h, "a", &used) == NULL);
	http_head_free(&h);
}

TEST(http_target_path_decodes_and_removes_dot_segments)
{
	static const struct {
		const char *target;
		const char *path;	/* NULL: refused */
		long len;
	} t[] = {
		{ "/", "/", 1 }, { "/a/b?q=1", "/a/b", 4 }, { "/a#frag", "/a", 2 },
		{ "/a%20b", "/a b", 4 }, { "/%41%62", "/Ab", 3 },
		{ "/a/./b", "/a/b", 4 }, { "/a/../b", "/b", 2 }, { "/a/b/..", "/a/", 3 },
		{ "/a/b/.", "/a/b/", 5 }, { "/..", "/", 1 }, { "/../../x", "/x", 2 },
		{ "/%2e%2e/x", "/x", 2 },		/* escaped dots are dots */
		{ "/a%2f..%2fb", "/b", 2 },		/* and an escaped slash a slash */
		{ "/a/..b/.c", "/a/..b/.c", 9 },	/* not whole segments */
		{ "//a", "//a", 3 }, { "/a+b", "/a+b", 4 },
		{ "a/b", NULL, -1 }, { "", NULL, -1 }, { "?x", NULL, -1 },
		{ "http://h/a", NULL, -1 }, { "/%zz", NULL, -1 }, { "/%4", NULL, -1 },
		{ "/a%2", NULL, -1 },
	};

	for (size_t i = 0; i < N_OF(t); i++) {
		char out[64];
		CASE("%s", t[i].target);
		long n = http_target_path(t[i].target, strlen(t[i].target), out, sizeof(out));
		CHECK_INT(n, ==, t[i].len);
		if (t[i].path && n >= 0)
			CHECK_STR(out, t[i].path);
	}
}

TEST(http_target_path_may_hold_any_byte_and_must_fit)
{
	char out[8];

	/* %00 decodes to a NUL: the caller checks the path. */
	CHECK_INT(http_target_path("/a%00", 5, out, sizeof(out)), ==, 3);
	CHECK_MEM(out, 3, "/a\0", 3);
	/* The target is not NUL-terminated: len ends it. */
	CHECK_INT(http_target_path("/abcdef", 3, out, sizeof(out)), ==, 3);
	CHECK_STR(out, "/ab");
	/* Room for the path and its NUL, or -1. */
	CHECK_INT(http_target_path("/abcdef", 7, out, 8), ==, 7);
	CHECK_INT(http_target_path("/abcdefg", 8, out, 8), ==, -1);
}

TEST(http_query_param_finds_a_parameter_and_decodes_it)
{
	static const struct {
		const char *target, *name;
		const char *value;	/* NULL: false */
	} t[] = {
		{ "/p?token=abc&x=1", "token", "abc" }, { "/p?token=abc&x=1", "x", "1" },
		{ "/p?t=a+b%20c%2B", "t", "a b c+" }, { "/p?t=", "t", "" },
		{ "/p?tokenx=1&token=2", "token", "2" }, { "/p?t=1&t=2", "t", "1" },
		{ "/p?token=abc", "tok", NULL }, { "/p?token", "token", NULL },
		{ "/p", "token", NULL }, { "/p?a=1", "token", NULL },
		{ "/p?t=%zz", "t", NULL }, { "/p?t=%2", "t", NULL },
	};

	for (size_t i = 0; i < N_OF(t); i++) {
		char out[32] = "unchanged";
		CASE("%s, %s", t[i].target, t[i].name);
		bool found = http_query_param(t[i].target, strlen(t[i].target), t[i].name, out,
					      sizeof(out));
		CHECK(found == (t[i].value != NULL));
		if (found && t[i].value)
			CHECK_STR(out, t[i].value);
	}
	/* A value too long for out is not found. */
	char small[4];
	CHECK(!http_query_param("/p?t=abcd", 9, "t", small, sizeof(small)));
	CHECK(http_query_param("/p?t=abc", 8, "t", small, sizeof(small)));
}

TEST(http_status_text_names_the_statuses_we_send)
{
	static const struct {
		int status;
		const char *text;
	} t[] = {
		{ 101, "Switching Protocols" }, { 200, "OK" }, { 400, "Bad Request" },
		{ 401, "Unauthorized" }, { 403, "Forbidden" }, { 404, "Not Found" },
		{ 426, "Upgrade Required" }, { 431, "Request Header Fields Too Large" },
		{ 503, "Service Unavailable" }, { 418, "Error" }, { 0, "Error" },
	};

	for (size_t i = 0; i < N_OF(t); i++) {
		CASE("%d", t[i].status);
		CHECK_STR(http_status_text(t[i].status), t[i].text);
	}
}

const struct unit_test unit_tests[] = {
	RUN(http_head_feed_reads_a_request_line_and_its_fields),
	RUN(http_head_feed_reads_a_status_line),
	RUN(http_head_feed_takes_the_head_in_pieces_and_leaves_what_follows),
	RUN(http_head_feed_tells_an_answer_that_is_not_http_at_once),
	RUN(http_head_feed_refuses_bare_lf_and_nul_as_soon_as_they_come),
	RUN(http_head_feed_takes_a_crlf_split_across_pieces),
	RUN(http_head_feed_refuses_request_lines_that_are_not_method_target_version),
	RUN(http_head_feed_refuses_status_lines_that_are_not_http_1),
	RUN(http_head_feed_refuses_folded_nameless_and_bad_fields),
	RUN(http_head_feed_takes_tabs_and_high_bytes_in_values),
	RUN(http_head_feed_takes_a_head_of_16_kib_and_no_more),
	RUN(http_head_feed_takes_64_fields_and_no_more),
	RUN(http_field_finds_the_first_by_name_in_any_case),
	RUN(http_field_has_token_looks_through_comma_lists_of_every_such_field),
	RUN(http_list_next_gives_each_element_trimmed_and_skips_empty_ones),
	RUN(http_head_reset_starts_over_for_the_next_message),
	RUN(http_target_path_decodes_and_removes_dot_segments),
	RUN(http_target_path_may_hold_any_byte_and_must_fit),
	RUN(http_query_param_finds_a_parameter_and_decodes_it),
	RUN(http_status_text_names_the_statuses_we_send),
	{ NULL, NULL },
};
