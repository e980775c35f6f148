#include "handshake.h"

#include <libwebsockets.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

static const char accept_guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

static int append_str(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

static int append_header(struct buf *b, const char *name, const char *value)
{
	return append_str(b, name) || append_str(b, ": ") || append_str(b, value) ||
	       append_str(b, "\r\n");
}

/*
 * The path and query as the request line's target: what would break the
 * line (spaces, control characters) percent-encoded, the rest as given.
 */
static int append_target(struct buf *b, const char *path)
{
	static const char hex[] = "0123456789ABCDEF";

	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if (*p > ' ' && *p != 0x7f) {
			if (buf_append_byte(b, *p))
				return -1;
			continue;
		}
		char escaped[3] = { '%', hex[*p >> 4], hex[*p & 15] };
		if (buf_append(b, escaped, 3))
			return -1;
	}
	return 0;
}

int handshake_request(struct handshake *h, struct buf *out, const char *host,
		      const char *path, const struct config *cfg)
{
	unsigned char nonce[16];

	if (getrandom(nonce, sizeof(nonce), 0) != (ssize_t)sizeof(nonce))
		return -1;
	lws_b64_encode_string((const char *)nonce, sizeof(nonce), h->key, sizeof(h->key));
	h->head.len = 0;
	h->head.max = HANDSHAKE_HEAD_MAX;
	h->status = 0;

	if (append_str(out, "GET ") || append_target(out, path) ||
	    append_str(out, " HTTP/1.1\r\n") || append_header(out, "Host", host) ||
	    append_header(out, "Upgrade", "websocket") ||
	    append_header(out, "Connection", "Upgrade") ||
	    append_header(out, "Sec-WebSocket-Key", h->key) ||
	    append_header(out, "Sec-WebSocket-Version", "13"))
		return -1;
	if (cfg->token && (append_str(out, "Authorization: Bearer ") ||
			   append_str(out, cfg->token) || append_str(out, "\r\n")))
		return -1;
	/* --header lines were checked as 'Name: value' on one line. */
	for (size_t i = 0; i < cfg->n_headers; i++)
		if (append_str(out, cfg->headers[i]) || append_str(out, "\r\n"))
			return -1;
	return append_str(out, "\r\n");
}

void handshake_free(struct handshake *h)
{
	buf_free(&h->head);
}

static bool has_token(const char *list, size_t len, const char *token)
{
	size_t tlen = strlen(token);
	const char *p = list, *end = list + len;

	while (p < end) {
		while (p < end && (*p == ' ' || *p == '\t' || *p == ','))
			p++;
		const char *start = p;
		while (p < end && *p != ',')
			p++;
		const char *stop = p;
		while (stop > start && (stop[-1] == ' ' || stop[-1] == '\t'))
			stop--;
		if ((size_t)(stop - start) == tlen && !strncasecmp(start, token, tlen))
			return true;
	}
	return false;
}

/* A reason phrase for a log line: printable ASCII, cut short. */
static void printable(char *out, size_t size, const char *p, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < n && o + 1 < size; i++)
		out[o++] = p[i] >= 0x20 && p[i] < 0x7f ? p[i] : '?';
	out[o] = '\0';
}

static const char *hint_for_status(int status)
{
	if (status == 401)
		return " (the server wants a token: see --auth-token-file)";
	if (status >= 300 && status < 400)
		return " (a redirect: rxws does not follow them; connect to where it points)";
	return " (the server refused the handshake: its path, origin or number of"
	       " clients; its log says why)";
}

struct response_headers {
	bool upgrade, connection, accepted;
	const char *unoffered;
};

static void read_header(struct response_headers *rh, const char *line, size_t len,
			const char *expected_accept)
{
	const char *colon = memchr(line, ':', len);
	if (!colon)
		return;
	size_t name_len = (size_t)(colon - line);
	const char *value = colon + 1, *end = line + len;
	while (value < end && (*value == ' ' || *value == '\t'))
		value++;
	while (end > value && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	size_t value_len = (size_t)(end - value);

#define IS(name) (name_len == sizeof(name) - 1 && !strncasecmp(line, name, name_len))
	if (IS("Upgrade"))
		rh->upgrade = has_token(value, value_len, "websocket");
	else if (IS("Connection"))
		rh->connection = has_token(value, value_len, "upgrade");
	else if (IS("Sec-WebSocket-Accept"))
		rh->accepted = value_len == strlen(expected_accept) &&
			       !memcmp(value, expected_accept, value_len);
	else if (IS("Sec-WebSocket-Extensions"))
		rh->unoffered = "an extension";
	else if (IS("Sec-WebSocket-Protocol"))
		rh->unoffered = "a subprotocol";
#undef IS
}

static enum handshake_state fail(char *why, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum handshake_state fail(char *why, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, size, fmt, ap);
	va_end(ap);
	return HANDSHAKE_FAILED;
}

/* The head is whole (len bytes, up to its blank line): is it a yes? */
static enum handshake_state check_head(struct handshake *h, const char *head, size_t len,
				       char *why, size_t why_size)
{
	const char *line_end = memmem(head, len, "\r\n", 2);
	size_t line_len = (size_t)(line_end - head);
	int status = 0;

	/* "HTTP/1.x NNN reason": the head is not a C string. */
	for (size_t i = 9; i < 12 && i < line_len && head[i] >= '0' && head[i] <= '9'; i++)
		status = status * 10 + (head[i] - '0');
	if (line_len < 12 || memcmp(head, "HTTP/1.", 7) || head[8] != ' ' || status < 100)
		return fail(why, why_size, "the server's answer is not HTTP%s",
			    " (if the server speaks TLS, use wss://)");
	h->status = status;
	if (status != 101) {
		char reason[64];
		printable(reason, sizeof(reason), head + 12, line_len - 12);
		return fail(why, why_size, "the server answered HTTP %d%s, not 101%s",
			    status, reason, hint_for_status(status));
	}

	unsigned char digest[20];
	char expected[32], keyed[sizeof(h->key) + sizeof(accept_guid)];
	snprintf(keyed, sizeof(keyed), "%s%s", h->key, accept_guid);
	lws_SHA1((unsigned char *)keyed, strlen(keyed), digest);
	lws_b64_encode_string((char *)digest, sizeof(digest), expected, sizeof(expected));

	struct response_headers rh = { 0 };
	const char *p = line_end + 2, *end = head + len;
	while (p < end) {
		const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
		if (!eol)
			eol = end;
		read_header(&rh, p, (size_t)(eol - p), expected);
		p = eol + 2;
	}
	if (!rh.upgrade || !rh.connection)
		return fail(why, why_size, "the server answered 101 without upgrading to WebSocket");
	if (!rh.accepted)
		return fail(why, why_size,
			    "the server's Sec-WebSocket-Accept does not answer our key");
	if (rh.unoffered)
		return fail(why, why_size, "the server chose %s that was not offered",
			    rh.unoffered);
	return HANDSHAKE_DONE;
}

enum handshake_state handshake_response(struct handshake *h, const unsigned char *p,
					size_t n, const unsigned char **rest,
					size_t *rest_len, char *why, size_t why_size)
{
	size_t before = h->head.len;
	/* Only what can hold the head is kept: frames that follow stay in p. */
	size_t take = n < HANDSHAKE_HEAD_MAX - before ? n : HANDSHAKE_HEAD_MAX - before;

	if (buf_append(&h->head, p, take))
		return fail(why, why_size, "out of memory for the handshake");
	if (h->head.len >= 5 && memcmp(h->head.data, "HTTP/", 5))
		return fail(why, why_size, "the server's answer is not HTTP%s",
			    " (if the server speaks TLS, use wss://)");

	size_t from = before > 3 ? before - 3 : 0;
	unsigned char *blank = memmem(h->head.data + from, h->head.len - from, "\r\n\r\n", 4);
	if (!blank) {
		if (h->head.len >= HANDSHAKE_HEAD_MAX)
			return fail(why, why_size, "the server's handshake answer is over %u bytes",
				    HANDSHAKE_HEAD_MAX);
		return HANDSHAKE_MORE;
	}
	size_t head_len = (size_t)(blank - h->head.data) + 4;
	*rest = p + (head_len - before);
	*rest_len = n - (head_len - before);
	return check_head(h, (const char *)h->head.data, head_len - 2, why, why_size);
}
