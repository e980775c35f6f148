/*
 * handshake: the WebSocket opening handshake (RFC 6455 4), both sides
 * (handshake.h).
 */
#include "ws/handshake.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "base/base64.h"
#include "base/sha1.h"

#ifndef RXWS_VERSION
#define RXWS_VERSION "0.0.0"
#endif

static const char accept_guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/* The Sec-WebSocket-Accept for a key: base64(SHA-1(key + GUID)). */
static int accept_for(const char *key, size_t key_len, char out[29])
{
	unsigned char digest[SHA1_LEN];
	char keyed[64 + sizeof(accept_guid)];
	struct buf b = { 0 };

	if (key_len > 64)
		return -1;
	memcpy(keyed, key, key_len);
	memcpy(keyed + key_len, accept_guid, sizeof(accept_guid) - 1);
	sha1(keyed, key_len + sizeof(accept_guid) - 1, digest);
	if (base64_put(&b, digest, sizeof(digest)) || b.len != 28) {
		buf_free(&b);
		return -1;
	}
	memcpy(out, b.data, 28);
	out[28] = '\0';
	buf_free(&b);
	return 0;
}

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

/* Whether one of the --header lines sets this header. */
static bool header_given(const struct ws_offer *o, const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < o->n_headers; i++)
		if (!strncasecmp(o->headers[i], name, n) && o->headers[i][n] == ':')
			return true;
	return false;
}

void client_handshake_init(struct client_handshake *h)
{
	memset(h, 0, sizeof(*h));
	http_head_init(&h->answer);
}

void client_handshake_free(struct client_handshake *h)
{
	http_head_free(&h->answer);
}

int handshake_request(struct client_handshake *h, struct buf *out,
		      const struct ws_offer *o)
{
	unsigned char nonce[16];
	struct buf key = { 0 };

	if (getrandom(nonce, sizeof(nonce), 0) != (ssize_t)sizeof(nonce) ||
	    base64_put(&key, nonce, sizeof(nonce))) {
		buf_free(&key);
		return -1;
	}
	memcpy(h->key, key.data, 24);
	h->key[24] = '\0';
	buf_free(&key);
	http_head_reset(&h->answer);

	if (append_str(out, "GET ") || append_target(out, o->target) ||
	    append_str(out, " HTTP/1.1\r\n") || append_header(out, "Host", o->host) ||
	    append_header(out, "Upgrade", "websocket") ||
	    append_header(out, "Connection", "Upgrade") ||
	    append_header(out, "Sec-WebSocket-Key", h->key) ||
	    append_header(out, "Sec-WebSocket-Version", "13"))
		return -1;
	if (o->n_protocols) {
		if (append_str(out, "Sec-WebSocket-Protocol: "))
			return -1;
		for (size_t i = 0; i < o->n_protocols; i++)
			if ((i && append_str(out, ", ")) || append_str(out, o->protocols[i]))
				return -1;
		if (append_str(out, "\r\n"))
			return -1;
	}
	if (o->deflate && append_header(out, "Sec-WebSocket-Extensions", DEFLATE_CLIENT_OFFER))
		return -1;
	if (o->authorization && !header_given(o, "Authorization") &&
	    append_header(out, "Authorization", o->authorization))
		return -1;
	if (!header_given(o, "User-Agent") &&
	    append_header(out, "User-Agent", "rxws/" RXWS_VERSION))
		return -1;
	/* --header lines were checked as 'Name: value' on one line. */
	for (size_t i = 0; i < o->n_headers; i++)
		if (append_str(out, o->headers[i]) || append_str(out, "\r\n"))
			return -1;
	if (o->extra && append_str(out, o->extra))
		return -1;
	return append_str(out, "\r\n");
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

/* Up to size - 1 bytes of text for a log line: printable ASCII only. */
static void printable(char *out, size_t size, const char *p, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < n && o + 1 < size; i++)
		out[o++] = p[i] >= 0x20 && p[i] < 0x7f ? p[i] : '?';
	out[o] = '\0';
}

static const char *hint_for_status(int status, bool from_rxws, bool sent_credentials)
{
	if (status == 401 && sent_credentials)
		return " (the server refused these credentials: check the token of --auth-token-file, "
		       "or user:password@ in the URL)";
	if (status == 401)
		return " (the server wants credentials: see --auth-token-file, or user:password@ in the URL)";
	if (status >= 300 && status < 400)
		return " (a redirect: rxws does not follow them; connect to where it points)";
	if (status == 404)
		return " (no WebSocket on that path)";
	if (from_rxws)
		return " (rxws-serve's log says why)";
	return "";
}

/* The first line of a short text body that came with a refusal. */
static void refusal_text(const struct http_head *h, const unsigned char *rest,
			 size_t rest_len, char *out, size_t size)
{
	size_t n = 0;
	const char *type = http_field(h, "Content-Type", &n);

	out[0] = '\0';
	if (!type || n < 10 || strncasecmp(type, "text/plain", 10) || !rest_len)
		return;
	const unsigned char *eol = memchr(rest, '\n', rest_len);
	size_t len = eol ? (size_t)(eol - rest) : rest_len;
	if (len > 120)
		len = 120;
	char text[128];
	printable(text, sizeof(text), (const char *)rest, len);
	snprintf(out, size, ": %s", text);
}

/* The subprotocol the server chose: one we offered, or none. */
static const char *check_protocol(const struct http_head *a, const struct ws_offer *o,
				  struct ws_agreement *agreed)
{
	size_t len;
	const char *chosen = http_field(a, "Sec-WebSocket-Protocol", &len);

	agreed->protocol[0] = '\0';
	if (!chosen)
		return NULL;
	if (http_field_count(a, "Sec-WebSocket-Protocol") > 1)
		return "the server chose more than one subprotocol";
	for (size_t i = 0; i < o->n_protocols; i++) {
		if (strlen(o->protocols[i]) == len && !memcmp(o->protocols[i], chosen, len)) {
			snprintf(agreed->protocol, sizeof(agreed->protocol), "%s", o->protocols[i]);
			return NULL;
		}
	}
	return "the server chose a subprotocol that was not offered";
}

enum handshake_state handshake_response(struct client_handshake *h,
					const unsigned char *p, size_t n, size_t *used,
					const struct ws_offer *o,
					struct ws_agreement *agreed,
					char *why, size_t why_size)
{
	const char *problem = NULL;
	struct http_head *a = &h->answer;

	switch (http_head_feed(a, true, p, n, used, &problem)) {
	case HTTP_MORE:
		return HANDSHAKE_MORE;
	case HTTP_TOO_LARGE:
		return fail(why, why_size, "the server's handshake answer is over %u bytes (%s)",
			    HTTP_HEAD_MAX, problem);
	case HTTP_MALFORMED:
		return fail(why, why_size, "the server's answer is not HTTP%s",
			    " (if the server speaks TLS, use wss://)");
	case HTTP_DONE:
		break;
	}
	if (a->status != 101) {
		char reason[64], text[136];
		size_t server_len;
		const char *server = http_field(a, "Server", &server_len);
		printable(reason, sizeof(reason), a->reason, a->reason_len);
		refusal_text(a, p + *used, n - *used, text, sizeof(text));
		return fail(why, why_size, "the server answered HTTP %d%s%s%s, not 101%s",
			    a->status, *reason ? " " : "", reason, text,
			    hint_for_status(a->status, server && server_len >= 4 &&
						       !strncasecmp(server, "rxws", 4),
					    o->authorization != NULL));
	}
	char expected[29];
	size_t len;
	const char *accept = http_field(a, "Sec-WebSocket-Accept", &len);
	if (!http_field_has_token(a, "Upgrade", "websocket") ||
	    !http_field_has_token(a, "Connection", "upgrade"))
		return fail(why, why_size, "the server answered 101 without upgrading to WebSocket");
	if (accept_for(h->key, strlen(h->key), expected) || !accept || len != 28 ||
	    memcmp(accept, expected, 28))
		return fail(why, why_size,
			    "the server's Sec-WebSocket-Accept does not answer our key");
	if ((problem = check_protocol(a, o, agreed)))
		return fail(why, why_size, "%s", problem);
	agreed->deflate = false;
	if (http_field_count(a, "Sec-WebSocket-Extensions")) {
		if (!o->deflate)
			return fail(why, why_size, "the server chose an extension that was not offered");
		if ((problem = deflate_client_accept(a, &agreed->deflate_params)))
			return fail(why, why_size, "%s", problem);
		agreed->deflate = true;
	}
	return HANDSHAKE_DONE;
}

bool handshake_is_upgrade(const struct http_head *request)
{
	return http_field_has_token(request, "Upgrade", "websocket");
}

/* RFC 6455 4.1: the key is base64 of 16 bytes. */
static bool key_valid(const char *key, size_t len)
{
	struct buf raw = { 0 };
	bool ok = len == 24 && !base64_decode((const unsigned char *)key, len, &raw) &&
		  raw.len == 16;
	buf_free(&raw);
	return ok;
}

/* The first of the client's subprotocols that the server serves. */
static int choose_protocol(const struct http_head *r, const struct ws_policy *policy,
			   struct ws_agreement *agreed, char *why, size_t why_size)
{
	struct buf offered = { 0 };

	agreed->protocol[0] = '\0';
	if (!http_field_count(r, "Sec-WebSocket-Protocol"))
		return 0;
	if (policy->own && http_field_has_token(r, "Sec-WebSocket-Protocol", policy->own)) {
		snprintf(agreed->protocol, sizeof(agreed->protocol), "%s", policy->own);
		return 0;
	}
	if (!policy->n_protocols)
		return 0;
	for (size_t i = 0; i < r->n_fields; i++) {
		const struct http_field *f = &r->fields[i];
		if (f->name_len != 22 || strncasecmp(f->name, "Sec-WebSocket-Protocol", 22))
			continue;
		const char *p = f->value, *end = p + f->value_len, *item;
		size_t len;
		while (http_list_next(&p, end, &item, &len)) {
			for (size_t k = 0; k < policy->n_protocols; k++) {
				if (strlen(policy->protocols[k]) == len &&
				    !memcmp(policy->protocols[k], item, len) &&
				    len < sizeof(agreed->protocol)) {
					memcpy(agreed->protocol, item, len);
					agreed->protocol[len] = '\0';
					buf_free(&offered);
					return 0;
				}
			}
			if (offered.len < 200 && ((offered.len && buf_append(&offered, ", ", 2)) ||
						  buf_append(&offered, item, len)))
				break;
		}
	}
	char shown[256];
	printable(shown, sizeof(shown), (const char *)offered.data, offered.len);
	snprintf(why, why_size, "none of the subprotocols offered (%s) is served (--protocol)",
		 shown);
	buf_free(&offered);
	return -1;
}

int handshake_check(const struct http_head *r, const struct ws_policy *policy,
		    struct ws_agreement *agreed, char *why, size_t why_size)
{
	size_t len;
	const char *key = http_field(r, "Sec-WebSocket-Key", &len);
	const char *version = NULL;

#define REFUSE(status, text) do { snprintf(why, why_size, "%s", text); return status; } while (0)
	if (r->method_len != 3 || memcmp(r->method, "GET", 3))
		REFUSE(405, "a WebSocket handshake must be a GET");
	if (r->minor_version < 1)
		REFUSE(400, "a WebSocket handshake needs HTTP/1.1");
	if (http_field_count(r, "Host") != 1)
		REFUSE(400, "no Host header, or more than one");
	if (!http_field_has_token(r, "Connection", "upgrade"))
		REFUSE(400, "Upgrade without 'Connection: Upgrade'");
	size_t vlen;
	version = http_field(r, "Sec-WebSocket-Version", &vlen);
	if (http_field_count(r, "Sec-WebSocket-Version") != 1 || vlen != 2 ||
	    memcmp(version, "13", 2))
		REFUSE(426, "only WebSocket version 13 is spoken");
	if (http_field_count(r, "Sec-WebSocket-Key") != 1 || !key_valid(key, len))
		REFUSE(400, "Sec-WebSocket-Key is not the base64 of 16 bytes");
#undef REFUSE
	if (choose_protocol(r, policy, agreed, why, why_size))
		return 400;
	agreed->deflate = policy->deflate &&
			  deflate_server_choose(r, &agreed->deflate_params,
						agreed->deflate_answer,
						sizeof(agreed->deflate_answer));
	return 101;
}

int handshake_accept(struct buf *out, const struct http_head *request,
		     const struct ws_agreement *agreed, const char *extra)
{
	size_t len;
	const char *key = http_field(request, "Sec-WebSocket-Key", &len);
	char accept[29];

	if (accept_for(key, len, accept))
		return -1;
	if (append_str(out, "HTTP/1.1 101 Switching Protocols\r\n") ||
	    append_header(out, "Upgrade", "websocket") ||
	    append_header(out, "Connection", "Upgrade") ||
	    append_header(out, "Sec-WebSocket-Accept", accept) ||
	    append_header(out, "Server", "rxws/" RXWS_VERSION))
		return -1;
	if (agreed->protocol[0] &&
	    append_header(out, "Sec-WebSocket-Protocol", agreed->protocol))
		return -1;
	if (agreed->deflate &&
	    append_header(out, "Sec-WebSocket-Extensions", agreed->deflate_answer))
		return -1;
	if (extra && append_str(out, extra))
		return -1;
	return append_str(out, "\r\n");
}
