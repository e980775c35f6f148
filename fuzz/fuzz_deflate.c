/*
 * fuzz_deflate: permessage-deflate (deflate.h, RFC 7692): the messages a
 * peer compresses and the ones rxws inflates, and the negotiation of the
 * Sec-WebSocket-Extensions header.
 *
 * Input: byte 0 picks the part (mod 3):
 *  0  round trip. Byte 1: bit 0 server_no_context_takeover, bit 1
 *     client_no_context_takeover, bits 4-7 server_max_window_bits (8-15;
 *     below 8: not given); byte 2 the same for the client's window (bits
 *     4-7). Then messages: a length byte (bit 7: the next up to 64 bytes
 *     repeated to (length & 0x7f) x 512 bytes, else that many bytes), its
 *     bytes, and which end sends it (bit 0 of the byte after them); at
 *     most 16 messages and 256 KiB.
 *  1  untrusted compressed data. Byte 1: after how many bytes of output
 *     the sink stops (x 61; 0: it does not); byte 2: how many messages
 *     (1-4) the rest is cut into.
 *  2  negotiation: the rest, cut at newlines, as up to four
 *     Sec-WebSocket-Extensions lines of a request, and the same text as
 *     the one line of a server's answer.
 * The sizes of the pieces fed to inflate_piece() come from a hash of the
 * input.
 *
 * Checks, beyond no crash, leak or sanitizer report:
 *  0  each message, compressed by one end (deflate_message()) and inflated
 *     by the other in pieces cut anywhere, comes back the same, message
 *     after message; with no context takeover, a message compresses to
 *     the same bytes as it would on a fresh stream; an end told to keep
 *     a 256-byte window does not compress (deflate_can_compress());
 *  1  the data inflated whole and in pieces cut anywhere gives the same
 *     bytes and the same verdict (-1 with a reason, or 0); a stop from the
 *     sink is returned as is, and no output comes after it; the output
 *     stopped is the start of the output not stopped;
 *  2  deflate_server_choose() takes the first offer that a reference
 *     parser written from RFC 7692 7.1 finds acceptable, with the same
 *     parameters, and never one with server_max_window_bits=8; its answer
 *     is accepted by deflate_client_accept() with the same parameters;
 *     deflate_client_accept() accepts an answer exactly when the
 *     reference does.
 */
#include "fuzz.h"
#include "ws/deflate.h"
#include "ws/http.h"

#include <ctype.h>
#include <strings.h>

#define OUTPUT_MAX (1u << 20)	/* what a bomb may inflate to here */

/* ---- 0: round trip ---- */

struct collected {
	struct buf out;
	int stop_after;		/* stop once this much came out; 0: never */
	bool stopped;
};

static int collect(void *arg, const unsigned char *p, size_t n)
{
	struct collected *c = arg;

	CHECK(!c->stopped);	/* nothing after a stop */
	CHECK(n > 0 && n <= (16u << 10));
	if (c->out.len + n > OUTPUT_MAX) {
		c->stopped = true;
		return 2;
	}
	CHECK(buf_append(&c->out, p, n) == 0);
	if (c->stop_after && c->out.len >= (size_t)c->stop_after) {
		c->stopped = true;
		return 7;
	}
	return 0;
}

/* Inflates a message given in pieces of sizes from the seed (0: whole). */
static int inflate_message(struct deflate_stream *z, const unsigned char *p, size_t n,
			   uint32_t *seed, struct collected *c, const char **why)
{
	do {
		size_t take = *seed ? rng_next(seed) % 40 : n;
		if (take > n)
			take = n;
		int rc = inflate_piece(z, p, take, take == n, collect, c, why);
		if (rc)
			return rc;
		p += take;
		n -= take;
	} while (n);
	return 0;
}

static int window_of(uint8_t b)
{
	int bits = b >> 4;
	return bits < 8 ? 0 : bits;
}

static void round_trip(const uint8_t *data, size_t size)
{
	const uint8_t *p = data;
	size_t n = size;
	uint8_t b1 = take_byte(&p, &n), b2 = take_byte(&p, &n);
	struct deflate_params params = {
		.server_no_context_takeover = b1 & 1,
		.client_no_context_takeover = b1 & 2,
		.server_max_window_bits = window_of(b1),
		.client_max_window_bits = window_of(b2),
	};
	struct deflate_stream ends[2];		/* 0: the server, 1: the client */
	uint32_t seed = hash_bytes(data, size) | 1;
	struct buf message = { 0 }, packed = { 0 }, fresh_packed = { 0 };

	deflate_stream_init(&ends[0], &params, true);
	deflate_stream_init(&ends[1], &params, false);
	CHECK(deflate_can_compress(&ends[0]) == (params.server_max_window_bits != 8));
	CHECK(deflate_can_compress(&ends[1]) == (params.client_max_window_bits != 8));
	size_t sent = 0;
	for (int count = 0; n && count < 16 && sent < (256u << 10); count++) {
		uint8_t len = take_byte(&p, &n);
		message.len = 0;
		if (len & 0x80) {
			size_t k = n < 64 ? n : 64, total = (size_t)(len & 0x7f) << 9;
			for (size_t i = 0; k && i < total; i += k)
				CHECK(buf_append(&message, p, total - i < k ? total - i : k) == 0);
			p += k;
			n -= k;
		} else {
			size_t k = len < n ? len : n;
			CHECK(buf_append(&message, p, k) == 0);
			p += k;
			n -= k;
		}
		sent += message.len;
		int from = take_byte(&p, &n) & 1;
		struct deflate_stream *tx = &ends[from], *rx = &ends[!from];
		if (!deflate_can_compress(tx))
			continue;
		packed.len = 0;
		CHECK(deflate_message(tx, message.data, message.len, &packed) == 0);
		bool reset = from == 0 ? params.server_no_context_takeover
				       : params.client_no_context_takeover;
		if (reset) {
			/* What no context takeover means: nothing of earlier messages. */
			struct deflate_stream fresh;
			deflate_stream_init(&fresh, &params, from == 0);
			fresh_packed.len = 0;
			CHECK(deflate_message(&fresh, message.data, message.len, &fresh_packed) == 0);
			CHECK(same_bytes(packed.data, packed.len, fresh_packed.data, fresh_packed.len));
			deflate_stream_free(&fresh);
		}
		struct collected got = { 0 };
		const char *why = NULL;
		CHECK(inflate_message(rx, packed.data, packed.len, &seed, &got, &why) == 0);
		CHECK(same_bytes(got.out.data, got.out.len, message.data, message.len));
		buf_free(&got.out);
	}
	deflate_stream_free(&ends[0]);
	deflate_stream_free(&ends[1]);
	buf_free(&message);
	buf_free(&packed);
	buf_free(&fresh_packed);
}

/* ---- 1: untrusted compressed data ---- */

struct inflated {
	struct collected c;
	int rc[4];
	bool failed;
};

static void inflate_all(const uint8_t *p, size_t n, int messages, uint32_t seed,
			int stop_after, struct inflated *o)
{
	struct deflate_params params = { 0 };
	struct deflate_stream z;
	size_t each = n / (size_t)messages;

	deflate_stream_init(&z, &params, false);
	o->c.stop_after = stop_after;
	for (int m = 0; m < messages; m++) {
		size_t len = m == messages - 1 ? n - each * (size_t)m : each;
		const char *why = NULL;
		o->rc[m] = inflate_message(&z, p + each * (size_t)m, len, &seed, &o->c, &why);
		CHECK(o->rc[m] == 0 || o->rc[m] == -1 || o->rc[m] == 2 || o->rc[m] == 7);
		CHECK((o->rc[m] == -1) == (why != NULL));
		CHECK(o->c.stopped == (o->rc[m] == 2 || o->rc[m] == 7));
		if (o->rc[m])
			break;
	}
	deflate_stream_free(&z);
}

/* Whether the shorter of a and b is the start of the other. */
static bool one_starts_other(const struct buf *a, const struct buf *b)
{
	size_t n = a->len < b->len ? a->len : b->len;
	return !n || !memcmp(a->data, b->data, n);
}

static void untrusted(const uint8_t *data, size_t size)
{
	const uint8_t *p = data;
	size_t n = size;
	int stop_after = take_byte(&p, &n) * 61;
	int messages = 1 + take_byte(&p, &n) % 4;
	uint32_t seed = hash_bytes(data, size) | 1;
	struct inflated whole = { 0 }, chunked = { 0 }, stopped = { 0 };

	inflate_all(p, n, messages, 0, 0, &whole);
	inflate_all(p, n, messages, seed, 0, &chunked);
	CHECK(!memcmp(whole.rc, chunked.rc, sizeof(whole.rc)));
	if (whole.c.out.len < OUTPUT_MAX - (16u << 10) && chunked.c.out.len < OUTPUT_MAX - (16u << 10))
		CHECK(same_bytes(whole.c.out.data, whole.c.out.len,
				 chunked.c.out.data, chunked.c.out.len));
	else	/* both stopped at the cap, after sink calls of other sizes */
		CHECK(one_starts_other(&whole.c.out, &chunked.c.out));
	if (stop_after) {
		inflate_all(p, n, messages, seed ^ 0x5bd1e995u, stop_after, &stopped);
		CHECK(stopped.c.out.len <= whole.c.out.len ||
		      whole.c.out.len >= OUTPUT_MAX - (16u << 10));
		CHECK(one_starts_other(&stopped.c.out, &whole.c.out));
		/* It stops when the sink says, if that much comes out at all. */
		if (whole.c.out.len >= (size_t)stop_after)
			CHECK(stopped.c.stopped);
	}
	buf_free(&whole.c.out);
	buf_free(&chunked.c.out);
	buf_free(&stopped.c.out);
}

/* ---- 2: negotiation, against a reference ---- */

static bool ows(char c)
{
	return c == ' ' || c == '\t';
}

static void trim(const char **s, const char **e)
{
	while (*s < *e && ows(**s))
		(*s)++;
	while (*e > *s && ows((*e)[-1]))
		(*e)--;
}

static bool is_word(const char *s, const char *e, const char *word)
{
	return (size_t)(e - s) == strlen(word) && !strncasecmp(s, word, (size_t)(e - s));
}

/* A window size value: a token or quoted string of 8 to 15. -1: not one. */
static int ref_bits(const char *s, const char *e)
{
	if (e - s >= 2 && *s == '"' && e[-1] == '"') {
		s++;
		e--;
	}
	int v = 0;
	if (s == e || e - s > 2 || (*s == '0'))
		return -1;
	for (const char *q = s; q < e; q++) {
		if (!isdigit((unsigned char)*q))
			return -1;
		v = v * 10 + (*q - '0');
	}
	return v >= 8 && v <= 15 ? v : -1;
}

/*
 * RFC 7692 7.1: "permessage-deflate" and parameters, each at most once:
 * the two no_context_takeover ones without a value, server_max_window_bits
 * with one, client_max_window_bits with one (or, in an offer, without).
 */
static bool ref_extension(const char *s, const char *e, bool offer, struct deflate_params *o)
{
	const char *part = s;
	bool first = true, seen[4] = { false };

	memset(o, 0, sizeof(*o));
	for (;;) {
		const char *semi = memchr(part, ';', (size_t)(e - part));
		const char *ps = part, *pe = semi ? semi : e;
		trim(&ps, &pe);
		if (first) {
			if (!is_word(ps, pe, "permessage-deflate"))
				return false;
			first = false;
		} else {
			const char *eq = memchr(ps, '=', (size_t)(pe - ps));
			const char *ns = ps, *ne = eq ? eq : pe;
			trim(&ns, &ne);
			const char *vs = eq ? eq + 1 : NULL, *ve = pe;
			if (vs)
				trim(&vs, &ve);
			int which, bits = vs ? ref_bits(vs, ve) : -1;
			if (is_word(ns, ne, "server_no_context_takeover") && !vs) {
				which = 0;
				o->server_no_context_takeover = true;
			} else if (is_word(ns, ne, "client_no_context_takeover") && !vs) {
				which = 1;
				o->client_no_context_takeover = true;
			} else if (is_word(ns, ne, "server_max_window_bits") && bits > 0) {
				which = 2;
				o->server_max_window_bits = bits;
			} else if (is_word(ns, ne, "client_max_window_bits") &&
				   (bits > 0 || (offer && !vs))) {
				which = 3;
				o->client_max_window_bits = bits > 0 ? bits : 0;
			} else {
				return false;
			}
			if (seen[which])
				return false;
			seen[which] = true;
		}
		if (!semi)
			return true;
		part = semi + 1;
	}
}

static bool same_params(const struct deflate_params *a, const struct deflate_params *b)
{
	return a->server_no_context_takeover == b->server_no_context_takeover &&
	       a->client_no_context_takeover == b->client_no_context_takeover &&
	       a->server_max_window_bits == b->server_max_window_bits &&
	       a->client_max_window_bits == b->client_max_window_bits;
}

/* The next element of a comma list, trimmed, empty ones skipped. */
static bool ref_next(const char **p, const char *end, const char **s, const char **e)
{
	while (*p < end) {
		const char *comma = memchr(*p, ',', (size_t)(end - *p));
		*s = *p;
		*e = comma ? comma : end;
		*p = comma ? comma + 1 : end;
		trim(s, e);
		if (*s < *e)
			return true;
	}
	return false;
}

/* A head of the given first line and Sec-WebSocket-Extensions lines. */
static bool head_of(struct http_head *h, bool response, const char *first,
		    const char *const *values, const size_t *lens, size_t n_values)
{
	struct buf text = { 0 };
	const char *why;
	size_t used;

	CHECK(buf_append(&text, first, strlen(first)) == 0);
	for (size_t i = 0; i < n_values; i++) {
		CHECK(buf_append(&text, "Sec-WebSocket-Extensions: ", 26) == 0);
		CHECK(buf_append(&text, values[i], lens[i]) == 0);
		CHECK(buf_append(&text, "\r\n", 2) == 0);
	}
	CHECK(buf_append(&text, "\r\n", 2) == 0);
	bool ok = http_head_feed(h, response, text.data, text.len, &used, &why) == HTTP_DONE;
	CHECK(!ok || used == text.len);
	buf_free(&text);
	return ok;
}

/* Whether a value holds what cannot be in a header field (then it is not tried). */
static bool fits_a_field(const char *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == '\r' || v[i] == '\n' || v[i] == '\0')
			return false;
	return true;
}

static void negotiation(const uint8_t *data, size_t size)
{
	const char *values[4];
	size_t lens[4], n_values = 0;
	const char *p = (const char *)data, *end = p + size;

	while (p < end && n_values < 4) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		if (fits_a_field(p, (size_t)(e - p))) {
			values[n_values] = p;
			lens[n_values++] = (size_t)(e - p);
		}
		p = nl ? nl + 1 : end;
	}

	/* The server's choice among the offers. */
	struct http_head request;
	http_head_init(&request);
	if (head_of(&request, false, "GET / HTTP/1.1\r\n", values, lens, n_values)) {
		struct deflate_params chosen, want;
		char answer[160];
		bool accepted = deflate_server_choose(&request, &chosen, answer, sizeof(answer));
		bool found = false;
		for (size_t i = 0; i < request.n_fields && !found; i++) {
			const struct http_field *f = &request.fields[i];
			const char *q = f->value, *qe = q + f->value_len, *s, *e;
			while (!found && ref_next(&q, qe, &s, &e))
				found = ref_extension(s, e, true, &want) &&
					want.server_max_window_bits != 8;
		}
		CHECK(accepted == found);
		if (accepted) {
			CHECK(same_params(&chosen, &want));
			CHECK(chosen.server_max_window_bits != 8);
			/* The answer, read by a client that offered it all. */
			struct http_head response;
			struct deflate_params back;
			const char *values1[1] = { answer };
			size_t lens1[1] = { strlen(answer) };
			http_head_init(&response);
			CHECK(head_of(&response, true, "HTTP/1.1 101 Switching Protocols\r\n",
				      values1, lens1, 1));
			const char *why = deflate_client_accept(&response, &back);
			if (why)
				fprintf(stderr, "answer '%s': %s\n", answer, why);
			CHECK(why == NULL);
			CHECK(same_params(&back, &chosen));
			http_head_free(&response);
		}
	}
	http_head_free(&request);

	/* The same text as a server's answer. */
	struct http_head response;
	http_head_init(&response);
	if (head_of(&response, true, "HTTP/1.1 101 Switching Protocols\r\n", values, lens,
		    n_values)) {
		struct deflate_params got, want = { 0 };
		const char *why = deflate_client_accept(&response, &got);
		size_t items = 0;
		const char *is = NULL, *ie = NULL;
		for (size_t i = 0; i < response.n_fields; i++) {
			const struct http_field *f = &response.fields[i];
			const char *q = f->value, *qe = q + f->value_len, *s, *e;
			while (ref_next(&q, qe, &s, &e))
				if (items++ == 0) {
					is = s;
					ie = e;
				}
		}
		bool ok = items == 0 || (items == 1 && ref_extension(is, ie, false, &want));
		CHECK((why == NULL) == ok);
		if (ok)
			CHECK(same_params(&got, &want));
	}
	http_head_free(&response);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	switch (data[0] % 3) {
	case 0:
		round_trip(data + 1, size - 1);
		break;
	case 1:
		untrusted(data + 1, size - 1);
		break;
	default:
		negotiation(data + 1, size - 1);
		break;
	}
	return 0;
}
