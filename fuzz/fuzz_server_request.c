/*
 * fuzz_server_request: what a client sends to rxws-serve, as server.c
 * reads it: request heads (http.h), kept-alive ones one after the other;
 * for an upgrade, the checks of the opening handshake and the 101 answer
 * (handshake.h), the subprotocol and deflate choices (deflate.h); then the
 * client's masked frames (wsframe.h), compressed ones inflated, text
 * checked as it comes (fuzz_ws.h does the reading of frames).
 *
 * Input: byte 0 is the server's settings:
 *   bit 0      --protocol chat.v1,chat.v2 (else none)
 *   bit 1      --compress (permessage-deflate accepted)
 *   bits 2-3   --max-size 64, 1000, 65536 or 1 MiB
 * The rest is what the client sent. The sizes of the chunks it arrives in
 * come from a hash of the input.
 *
 * Checks, beyond no crash, leak or sanitizer report:
 *  - read whole and in random chunks, the same outcome: the same requests
 *    ending at the same offsets, the same verdicts, the same frames and
 *    the same end; a head's bytes are exactly those of the input up to
 *    its blank line; its parts are well-formed (a token method, a target
 *    without spaces or controls, token names, values without controls);
 *  - http_target_path() succeeds exactly when the target's path (before
 *    '?') starts with '/', its %-escapes are whole and it fits; its result
 *    is RFC 3986 5.2.4's removal of dot segments from the decoded path
 *    (written here from the RFC): it starts with '/', has no "." or ".."
 *    segment, and normalising it again (escaped) gives it back;
 *  - handshake_check() answers what a reference of RFC 6455 4.2.1 written
 *    here answers (405, 400, 426 or 101), chooses the client's first
 *    subprotocol that is served (one that was offered), and deflate only
 *    when --compress, never with a 256-byte window for the server;
 *  - the 101 of handshake_accept() reads back (http_head_feed(), a
 *    response) as a whole head: 101, Upgrade and Connection right,
 *    Sec-WebSocket-Accept the SHA-1 of the key and RFC 6455's GUID, the
 *    chosen subprotocol, an extension answer deflate_client_accept() takes
 *    with the agreed parameters; and a client that sent that key
 *    (handshake_response()) accepts it, agreeing on the same;
 *  - the frames after it as fuzz_client_frames checks them, for a server:
 *    masked, pieces in order, text UTF-8, messages within --max-size,
 *    control frames short, close payloads judged as RFC 6455 7.4 says.
 */
#include "fuzz_ws.h"
#include "records/framing.h"
#include "ws/handshake.h"
#include "ws/http.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <strings.h>

static const char *const served_protocols[] = { "chat.v1", "chat.v2" };
static const size_t limits[] = { 64, 1000, 65536, 1 << 20 };

#define REQUESTS_MAX 16		/* kept-alive requests read, at most */

struct outcome {
	struct buf log;			/* the requests and what became of them */
	enum http_feed last;		/* the last http_head_feed() */
	struct ws_reading ws;
};

static void note(struct outcome *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void note(struct outcome *o, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	CHECK(n > 0);
	CHECK(buf_append(&o->log, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1) == 0);
}

/* ---- references ---- */

static bool tchar(unsigned char c)
{
	return isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool name_is(const struct http_field *f, const char *name)
{
	return f->name_len == strlen(name) && !strncasecmp(f->name, name, f->name_len);
}

static size_t ref_count(const struct http_head *h, const char *name)
{
	size_t n = 0;
	for (size_t i = 0; i < h->n_fields; i++)
		n += name_is(&h->fields[i], name);
	return n;
}

static const struct http_field *ref_field(const struct http_head *h, const char *name)
{
	for (size_t i = 0; i < h->n_fields; i++)
		if (name_is(&h->fields[i], name))
			return &h->fields[i];
	return NULL;
}

/* The i-th element of the comma lists of every field of that name. */
static bool ref_item(const struct http_head *h, const char *name, size_t i,
		     const char **item, size_t *len)
{
	for (size_t k = 0; k < h->n_fields; k++) {
		if (!name_is(&h->fields[k], name))
			continue;
		const char *p = h->fields[k].value, *end = p + h->fields[k].value_len;
		while (p < end) {
			const char *comma = memchr(p, ',', (size_t)(end - p));
			const char *s = p, *e = comma ? comma : end;
			p = comma ? comma + 1 : end;
			while (s < e && (*s == ' ' || *s == '\t'))
				s++;
			while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
				e--;
			if (s < e && i-- == 0) {
				*item = s;
				*len = (size_t)(e - s);
				return true;
			}
		}
	}
	return false;
}

static bool ref_has_token(const struct http_head *h, const char *name, const char *token)
{
	const char *item;
	size_t len;
	for (size_t i = 0; ref_item(h, name, i, &item, &len); i++)
		if (len == strlen(token) && !strncasecmp(item, token, len))
			return true;
	return false;
}

/* RFC 6455 4.1: base64 of 16 bytes: 22 characters, the last with 4 zero bits, "==". */
static bool ref_key(const char *k, size_t len)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	if (len != 24 || k[22] != '=' || k[23] != '=')
		return false;
	for (size_t i = 0; i < 22; i++) {
		const char *at = k[i] ? strchr(alphabet, k[i]) : NULL;
		if (!at || (i == 21 && ((at - alphabet) & 0x0f)))
			return false;
	}
	return true;
}

/* RFC 6455 4.2.2: base64(SHA-1(key + GUID)). */
static void ref_accept(const char *key, size_t len, char out[29])
{
	static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
	unsigned char keyed[64 + sizeof(guid)], digest[EVP_MAX_MD_SIZE];
	unsigned digest_len = 0;

	CHECK(len <= 64);
	memcpy(keyed, key, len);
	memcpy(keyed + len, guid, sizeof(guid) - 1);
	CHECK(EVP_Digest(keyed, len + sizeof(guid) - 1, digest, &digest_len, EVP_sha1(), NULL));
	CHECK(digest_len == 20);
	CHECK(EVP_EncodeBlock((unsigned char *)out, digest, 20) == 28);
}

/* RFC 6455 4.2.1, and the first of the client's subprotocols that is served. */
static int ref_status(const struct http_head *h, size_t n_protocols, char *chosen)
{
	const struct http_field *f;

	chosen[0] = '\0';
	if (h->method_len != 3 || memcmp(h->method, "GET", 3))
		return 405;
	if (h->minor_version < 1 || ref_count(h, "Host") != 1 ||
	    !ref_has_token(h, "Connection", "upgrade"))
		return 400;
	f = ref_field(h, "Sec-WebSocket-Version");
	if (ref_count(h, "Sec-WebSocket-Version") != 1 || f->value_len != 2 ||
	    memcmp(f->value, "13", 2))
		return 426;
	f = ref_field(h, "Sec-WebSocket-Key");
	if (ref_count(h, "Sec-WebSocket-Key") != 1 || !ref_key(f->value, f->value_len))
		return 400;
	if (!n_protocols || !ref_count(h, "Sec-WebSocket-Protocol"))
		return 101;
	const char *item;
	size_t len;
	for (size_t i = 0; ref_item(h, "Sec-WebSocket-Protocol", i, &item, &len); i++)
		for (size_t k = 0; k < n_protocols; k++)
			if (len == strlen(served_protocols[k]) &&
			    !memcmp(item, served_protocols[k], len)) {
				memcpy(chosen, item, len);
				chosen[len] = '\0';
				return 101;
			}
	return 400;
}

static bool same_params(const struct deflate_params *a, const struct deflate_params *b)
{
	return a->server_no_context_takeover == b->server_no_context_takeover &&
	       a->client_no_context_takeover == b->client_no_context_takeover &&
	       a->server_max_window_bits == b->server_max_window_bits &&
	       a->client_max_window_bits == b->client_max_window_bits;
}

static int hex(char c)
{
	return isdigit((unsigned char)c) ? c - '0'
	     : isxdigit((unsigned char)c) ? tolower((unsigned char)c) - 'a' + 10 : -1;
}

/* The target's path (before '?' or '#') %-decoded into out; -1: not a path. */
static long ref_decoded(const char *t, size_t n, char *out, size_t size)
{
	size_t len = 0, o = 0;
	while (len < n && t[len] != '?' && t[len] != '#')
		len++;
	if (!len || t[0] != '/')
		return -1;
	for (size_t i = 0; i < len; i++) {
		char c = t[i];
		if (c == '%') {
			if (i + 2 >= len || hex(t[i + 1]) < 0 || hex(t[i + 2]) < 0)
				return -1;
			c = (char)(hex(t[i + 1]) << 4 | hex(t[i + 2]));
			i += 2;
		}
		if (o >= size)
			return -1;
		out[o++] = c;
	}
	return (long)o;
}

/* RFC 3986 5.2.4, for a path that starts with '/' (in is written to); out has room for n. */
static size_t ref_remove_dots(char *in, size_t n, char *out)
{
	size_t o = 0;
	while (n) {
		if (n >= 3 && !memcmp(in, "/./", 3)) {		/* B: "/./" to "/" */
			in += 2;
			n -= 2;
		} else if (n == 2 && !memcmp(in, "/.", 2)) {	/* B: "/." to "/" */
			in[1] = '/';
			in += 1;
			n -= 1;
		} else if (n >= 4 && !memcmp(in, "/../", 4)) {	/* C: and one segment less */
			in += 3;
			n -= 3;
			while (o > 0 && out[--o] != '/')
				;
		} else if (n == 3 && !memcmp(in, "/..", 3)) {
			in[2] = '/';
			in += 2;
			n -= 2;
			while (o > 0 && out[--o] != '/')
				;
		} else {					/* E: a segment as it is */
			size_t seg = 1;
			while (seg < n && in[seg] != '/')
				seg++;
			memcpy(out + o, in, seg);
			o += seg;
			in += seg;
			n -= seg;
		}
	}
	return o;
}

/* What could not stand in a target as it is: %-escaped. */
static size_t escaped(const char *p, size_t n, char *out)
{
	static const char digits[] = "0123456789ABCDEF";
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c <= ' ' || c >= 0x7f || c == '%' || c == '?' || c == '#') {
			out[o++] = '%';
			out[o++] = digits[c >> 4];
			out[o++] = digits[c & 15];
		} else {
			out[o++] = (char)c;
		}
	}
	return o;
}

/* ---- the checks ---- */

static void check_head(const struct http_head *h)
{
	CHECK(h->method_len > 0 && h->target_len > 0);
	for (size_t i = 0; i < h->method_len; i++)
		CHECK(tchar((unsigned char)h->method[i]));
	for (size_t i = 0; i < h->target_len; i++)
		CHECK((unsigned char)h->target[i] > ' ' && h->target[i] != 0x7f);
	CHECK(h->minor_version >= 0 && h->minor_version <= 9);
	CHECK(h->n_fields <= HTTP_HEADERS_MAX);
	for (size_t i = 0; i < h->n_fields; i++) {
		const struct http_field *f = &h->fields[i];
		CHECK(f->name_len > 0);
		for (size_t k = 0; k < f->name_len; k++)
			CHECK(tchar((unsigned char)f->name[k]));
		for (size_t k = 0; k < f->value_len; k++)
			CHECK(((unsigned char)f->value[k] >= ' ' || f->value[k] == '\t') &&
			      f->value[k] != 0x7f);
		if (f->value_len)
			CHECK(!strchr(" \t", f->value[0]) && !strchr(" \t", f->value[f->value_len - 1]));
	}
	/* Lookups by name, any case. */
	static const char *const names[] = { "Host", "Upgrade", "Connection",
					     "Sec-WebSocket-Key", "Sec-WebSocket-Protocol" };
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
		size_t len;
		const char *v = http_field(h, names[i], &len);
		const struct http_field *f = ref_field(h, names[i]);
		CHECK(v == (f ? f->value : NULL) && len == (f ? f->value_len : 0));
		CHECK(http_field_count(h, names[i]) == ref_count(h, names[i]));
	}
	CHECK(handshake_is_upgrade(h) == ref_has_token(h, "Upgrade", "websocket"));
	CHECK(http_field_has_token(h, "Connection", "upgrade") ==
	      ref_has_token(h, "Connection", "upgrade"));
}

static long check_path(const struct http_head *h, char *path, size_t size)
{
	char decoded[TAG_MAX + 1], want[TAG_MAX + 2], again[3 * (TAG_MAX + 1)], path2[TAG_MAX + 1];
	long len = http_target_path(h->target, h->target_len, path, size);
	long dlen = ref_decoded(h->target, h->target_len, decoded, size - 1);

	CHECK((len >= 0) == (dlen >= 0));
	if (len < 0)
		return len;
	size_t wlen = ref_remove_dots(decoded, (size_t)dlen, want);
	CHECK(same_bytes(path, (size_t)len, want, wlen));
	CHECK(path[0] == '/' && path[len] == '\0');
	for (long s = 0; s < len;) {		/* no "." or ".." segment */
		long e = s + 1;
		while (e < len && path[e] != '/')
			e++;
		CHECK(!(e - s == 2 && path[s + 1] == '.'));
		CHECK(!(e - s == 3 && path[s + 1] == '.' && path[s + 2] == '.'));
		s = e;
	}
	size_t alen = escaped(path, (size_t)len, again);
	long len2 = http_target_path(again, alen, path2, size);
	CHECK(same_bytes(path2, len2 < 0 ? 0 : (size_t)len2, path, (size_t)len) && len2 == len);

	char token[64];
	if (http_query_param(h->target, h->target_len, "token", token, sizeof(token)))
		CHECK(memchr(h->target, '?', h->target_len) && strlen(token) < sizeof(token));
	return len;
}

/* The 101: what a client makes of it. */
static void check_answer(const struct http_head *request, const struct ws_agreement *agreed,
			 size_t n_protocols)
{
	struct buf out = { 0 };
	struct http_head a;
	const char *why = NULL;
	size_t used = 0, len, klen;
	char want[29];
	const char *key = http_field(request, "Sec-WebSocket-Key", &klen);

	CHECK(handshake_accept(&out, request, agreed, NULL) == 0);
	http_head_init(&a);
	CHECK(http_head_feed(&a, true, out.data, out.len, &used, &why) == HTTP_DONE);
	CHECK(used == out.len);
	CHECK(a.status == 101 && a.minor_version == 1);
	CHECK(ref_has_token(&a, "Upgrade", "websocket"));
	CHECK(ref_has_token(&a, "Connection", "upgrade"));
	ref_accept(key, klen, want);
	const char *accept = http_field(&a, "Sec-WebSocket-Accept", &len);
	CHECK(accept && len == 28 && !memcmp(accept, want, 28));
	const char *protocol = http_field(&a, "Sec-WebSocket-Protocol", &len);
	CHECK(ref_count(&a, "Sec-WebSocket-Protocol") == (agreed->protocol[0] ? 1u : 0u));
	if (protocol)
		CHECK(len == strlen(agreed->protocol) && !memcmp(protocol, agreed->protocol, len));
	CHECK(ref_count(&a, "Sec-WebSocket-Extensions") == (agreed->deflate ? 1u : 0u));
	struct deflate_params back;
	CHECK(deflate_client_accept(&a, &back) == NULL);
	if (agreed->deflate)
		CHECK(same_params(&back, &agreed->deflate_params));

	/* A client that sent this key, these subprotocols and the deflate offer. */
	struct client_handshake c;
	struct ws_agreement theirs;
	const struct ws_offer offer = { .host = "h", .target = "/", .deflate = true,
					.protocols = served_protocols, .n_protocols = n_protocols };
	char problem[400];
	client_handshake_init(&c);
	memcpy(c.key, key, 24);
	c.key[24] = '\0';
	enum handshake_state st = handshake_response(&c, out.data, out.len, &used, &offer,
						     &theirs, problem, sizeof(problem));
	if (st != HANDSHAKE_DONE)
		fprintf(stderr, "the client refuses the 101: %s\n", problem);
	CHECK(st == HANDSHAKE_DONE && used == out.len);
	CHECK(!strcmp(theirs.protocol, agreed->protocol));
	CHECK(theirs.deflate == agreed->deflate);
	if (agreed->deflate)
		CHECK(same_params(&theirs.deflate_params, &agreed->deflate_params));
	client_handshake_free(&c);
	http_head_free(&a);
	buf_free(&out);
}

enum state { REQUEST, FRAMES, DONE };

/* A whole request head: what server.c would make of it. */
static enum state handle(const struct http_head *h, uint8_t sel, int requests,
			 struct outcome *o)
{
	char path[TAG_MAX + 1];
	long len = check_path(h, path, sizeof(path));

	check_head(h);
	note(o, "R %.*s %.*s %zu fields; path %ld\n", (int)h->method_len, h->method,
	     (int)h->target_len, h->target, h->n_fields, len);
	if (!handshake_is_upgrade(h)) {
		bool keep_alive = h->minor_version >= 1 &&
				  !http_field_has_token(h, "Connection", "close");
		bool get = (h->method_len == 3 && !memcmp(h->method, "GET", 3)) ||
			   (h->method_len == 4 && !memcmp(h->method, "HEAD", 4));
		return keep_alive && get && len >= 0 && requests < REQUESTS_MAX ? REQUEST : DONE;
	}

	const struct ws_policy policy = {
		.protocols = served_protocols, .n_protocols = (sel & 1) ? 2 : 0,
		.deflate = sel & 2,
	};
	struct ws_agreement agreed;
	char why[300] = "", chosen[128];
	int status = handshake_check(h, &policy, &agreed, why, sizeof(why));
	int want = ref_status(h, policy.n_protocols, chosen);
	if (status != want)
		fprintf(stderr, "handshake_check: %d (%s), the reference: %d\n", status, why, want);
	CHECK(status == want);
	note(o, "handshake %d\n", status);
	if (status != 101) {
		CHECK(why[0] != '\0');
		return DONE;
	}
	CHECK(!strcmp(agreed.protocol, chosen));
	CHECK(!agreed.deflate || policy.deflate);
	if (agreed.deflate)
		CHECK(agreed.deflate_params.server_max_window_bits != 8);
	check_answer(h, &agreed, policy.n_protocols);
	if (len < 0)
		return DONE;	/* refused before the handshake is looked at */
	ws_reading_free(&o->ws);
	ws_reading_init(&o->ws, true, agreed.deflate, &agreed.deflate_params,
			limits[(sel >> 2) & 3]);
	return FRAMES;
}

/* Reads the input in chunks from the seed (0: whole) into o. */
static void serve(const uint8_t *input, size_t size, uint8_t sel, uint32_t seed,
		  struct outcome *o)
{
	/* The reader unmasks in place: it gets a copy it may write. */
	uint8_t *copy = malloc(size ? size : 1);
	const struct deflate_params none = { 0 };
	struct http_head h;
	enum state state = REQUEST;
	size_t head_start = 0;
	int requests = 0;

	CHECK(copy != NULL);
	memcpy(copy, input, size);
	http_head_init(&h);
	o->last = HTTP_MORE;
	ws_reading_init(&o->ws, true, false, &none, 0);
	for (size_t at = 0; at < size && state != DONE;) {
		size_t n = seed ? 1 + rng_next(&seed) % 64 : size - at;
		if (n > size - at)
			n = size - at;
		unsigned char *p = copy + at;
		size_t len = n;
		while (len && state == REQUEST) {
			size_t used = 0;
			const char *why = NULL;
			o->last = http_head_feed(&h, false, p, len, &used, &why);
			CHECK(used <= len);
			if (o->last == HTTP_MORE) {
				CHECK(used == 0);
				len = 0;
				break;
			}
			if (o->last != HTTP_DONE) {
				CHECK(why != NULL);
				state = DONE;
				break;
			}
			/* The head is the input up to its blank line, nothing more. */
			size_t end = (size_t)(p - copy) + used;
			CHECK(same_bytes(h.raw.data, h.raw.len, input + head_start, end - head_start));
			CHECK(h.raw.len >= 4 && !memcmp(h.raw.data + h.raw.len - 4, "\r\n\r\n", 4));
			CHECK(!memmem(h.raw.data, h.raw.len - 2, "\r\n\r\n", 4));
			note(o, "head %zu-%zu\n", head_start, end);
			state = handle(&h, sel, ++requests, o);
			head_start = end;
			p += used;
			len -= used;
			if (state == REQUEST)
				http_head_reset(&h);
		}
		if (state == FRAMES) {
			ws_reading_feed(&o->ws, p, len);
			if (o->ws.stopped)
				state = DONE;
		}
		at += n;
	}
	http_head_free(&h);
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	uint32_t seed = hash_bytes(data, size) | 1;
	struct outcome whole = { 0 }, chunked = { 0 };

	serve(data + 1, size - 1, data[0], 0, &whole);
	serve(data + 1, size - 1, data[0], seed, &chunked);

	CHECK(whole.last == chunked.last);
	CHECK(same_bytes(whole.log.data, whole.log.len, chunked.log.data, chunked.log.len));
	ws_reading_same(&whole.ws, &chunked.ws);

	buf_free(&whole.log);
	buf_free(&chunked.log);
	ws_reading_free(&whole.ws);
	ws_reading_free(&chunked.ws);
	return 0;
}
