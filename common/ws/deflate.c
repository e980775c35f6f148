/*
 * deflate: permessage-deflate (RFC 7692), for either end of a connection
 * (deflate.h).
 */
#include "ws/deflate.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PIECE_SIZE (16u << 10)
/* zlib's memory for a compressor: 5 keeps it near 100 KiB a connection. */
#define MEM_LEVEL 5

static const unsigned char tail[4] = { 0x00, 0x00, 0xff, 0xff };

static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

static bool word_is(const char *p, size_t n, const char *word)
{
	return n == strlen(word) && !strncasecmp(p, word, n);
}

/* A window size: 8 to 15, possibly quoted. -1 when not. */
static int window_bits(const char *v, size_t n)
{
	if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
		v++;
		n -= 2;
	}
	if (n == 1 && v[0] >= '8' && v[0] <= '9')
		return v[0] - '0';
	if (n == 2 && v[0] == '1' && v[1] >= '0' && v[1] <= '5')
		return 10 + v[1] - '0';
	return -1;
}

/*
 * One extension of a list, "name; param; param=value": whether it is a
 * well-formed permessage-deflate with only known, unrepeated parameters.
 * A client's offer may give client_max_window_bits without a value (-1).
 */
static bool parse_extension(const char *p, size_t n, bool offer,
			    struct deflate_params *out)
{
	const char *end = p + n;
	const char *semi = memchr(p, ';', n);
	const char *name_end = semi ? semi : end;

	while (name_end > p && is_ows(name_end[-1]))
		name_end--;
	memset(out, 0, sizeof(*out));
	if (!word_is(p, (size_t)(name_end - p), "permessage-deflate"))
		return false;
	bool seen[4] = { false };
	while (semi) {
		const char *s = semi + 1;
		semi = memchr(s, ';', (size_t)(end - s));
		const char *e = semi ? semi : end;
		while (s < e && is_ows(*s))
			s++;
		while (e > s && is_ows(e[-1]))
			e--;
		const char *eq = memchr(s, '=', (size_t)(e - s));
		const char *name_stop = eq ? eq : e;
		while (name_stop > s && is_ows(name_stop[-1]))
			name_stop--;
		const char *v = eq ? eq + 1 : NULL;
		while (v && v < e && is_ows(*v))
			v++;
		size_t nlen = (size_t)(name_stop - s), vlen = v ? (size_t)(e - v) : 0;
		int bits = v ? window_bits(v, vlen) : -1;
		int which;
		if (word_is(s, nlen, "server_no_context_takeover") && !v) {
			which = 0;
			out->server_no_context_takeover = true;
		} else if (word_is(s, nlen, "client_no_context_takeover") && !v) {
			which = 1;
			out->client_no_context_takeover = true;
		} else if (word_is(s, nlen, "server_max_window_bits") && bits > 0) {
			which = 2;
			out->server_max_window_bits = bits;
		} else if (word_is(s, nlen, "client_max_window_bits") &&
			   (bits > 0 || (offer && !v))) {
			which = 3;
			out->client_max_window_bits = bits;
		} else {
			return false;	/* unknown, or a bad value */
		}
		if (seen[which])
			return false;
		seen[which] = true;
	}
	return true;
}

bool deflate_server_choose(const struct http_head *request,
			   struct deflate_params *params, char *answer,
			   size_t answer_size)
{
	for (size_t i = 0; i < request->n_fields; i++) {
		const struct http_field *f = &request->fields[i];
		if (!word_is(f->name, f->name_len, "Sec-WebSocket-Extensions"))
			continue;
		const char *p = f->value, *end = p + f->value_len, *item;
		size_t len;
		while (http_list_next(&p, end, &item, &len)) {
			struct deflate_params o;
			/* zlib cannot compress with a 256-byte window. */
			if (!parse_extension(item, len, true, &o) ||
			    o.server_max_window_bits == 8)
				continue;
			*params = o;
			int n = snprintf(answer, answer_size, "permessage-deflate%s%s",
					 o.server_no_context_takeover ? "; server_no_context_takeover" : "",
					 o.client_no_context_takeover ? "; client_no_context_takeover" : "");
			if (o.server_max_window_bits && n > 0 && (size_t)n < answer_size)
				n += snprintf(answer + n, answer_size - (size_t)n,
					      "; server_max_window_bits=%d", o.server_max_window_bits);
			if (o.client_max_window_bits > 0 && n > 0 && (size_t)n < answer_size)
				snprintf(answer + n, answer_size - (size_t)n,
					 "; client_max_window_bits=%d", o.client_max_window_bits);
			if (params->client_max_window_bits < 0)
				params->client_max_window_bits = 0;
			return true;
		}
	}
	return false;
}

const char *deflate_client_accept(const struct http_head *response,
				  struct deflate_params *params)
{
	const char *chosen = NULL;
	size_t chosen_len = 0;

	for (size_t i = 0; i < response->n_fields; i++) {
		const struct http_field *f = &response->fields[i];
		if (!word_is(f->name, f->name_len, "Sec-WebSocket-Extensions"))
			continue;
		const char *p = f->value, *end = p + f->value_len, *item;
		size_t len;
		while (http_list_next(&p, end, &item, &len)) {
			if (chosen)
				return "the server chose more than one extension";
			chosen = item;
			chosen_len = len;
		}
	}
	memset(params, 0, sizeof(*params));
	if (!chosen)
		return NULL;
	if (!parse_extension(chosen, chosen_len, false, params))
		return "the server chose an extension, or parameters, that were not offered";
	return NULL;
}

void deflate_stream_init(struct deflate_stream *z, const struct deflate_params *p,
			 bool server)
{
	memset(z, 0, sizeof(*z));
	z->server = server;
	int bits = server ? p->server_max_window_bits : p->client_max_window_bits;
	z->tx_window_bits = bits <= 0 ? 15 : bits == 8 ? 0 : bits;
	z->tx_reset = server ? p->server_no_context_takeover
			     : p->client_no_context_takeover;
}

void deflate_stream_free(struct deflate_stream *z)
{
	if (z->tx_ready)
		deflateEnd(&z->tx);
	if (z->rx_ready)
		inflateEnd(&z->rx);
	free(z->piece);
	z->tx_ready = z->rx_ready = false;
	z->piece = NULL;
}

bool deflate_can_compress(const struct deflate_stream *z)
{
	return z->tx_window_bits != 0;
}

int deflate_message(struct deflate_stream *z, const unsigned char *p, size_t n,
		    struct buf *out)
{
	/*
	 * RFC 7692 7.2.3.6: an empty message is one 0x00 (an empty stored
	 * block, less the tail). zlib would not flush again with nothing new.
	 */
	if (!n)
		return buf_append_byte(out, 0x00);
	if (!z->tx_ready) {
		if (deflateInit2(&z->tx, Z_DEFAULT_COMPRESSION, Z_DEFLATED,
				 -z->tx_window_bits, MEM_LEVEL, Z_DEFAULT_STRATEGY) != Z_OK)
			return -1;
		z->tx_ready = true;
	}
	/* What a sync flush can make of n bytes, with room to spare. */
	size_t bound = deflateBound(&z->tx, (uLong)n) + 16;
	if (buf_reserve(out, bound))
		return -1;
	z->tx.next_in = (unsigned char *)(uintptr_t)p;
	z->tx.avail_in = (uInt)n;
	z->tx.next_out = out->data + out->len;
	z->tx.avail_out = (uInt)bound;
	if (deflate(&z->tx, Z_SYNC_FLUSH) != Z_OK || z->tx.avail_in)
		return -1;
	size_t made = bound - z->tx.avail_out;
	/* RFC 7692 7.2.1: the flush's empty block's 4 bytes are implied. */
	if (made >= 4 && !memcmp(out->data + out->len + made - 4, tail, 4))
		made -= 4;
	out->len += made;
	if (z->tx_reset)
		deflateReset(&z->tx);
	return 0;
}

/* Runs the inflater over what it has, handing output on. */
static int drain(struct deflate_stream *z, int (*sink)(void *, const unsigned char *, size_t),
		 void *arg, const char **why)
{
	for (;;) {
		z->rx.next_out = z->piece;
		z->rx.avail_out = PIECE_SIZE;
		int rc = inflate(&z->rx, Z_SYNC_FLUSH);
		size_t got = PIECE_SIZE - z->rx.avail_out;
		/*
		 * What came out before bad data is handed on first, as it is
		 * when the bad data comes in a later piece: where the message
		 * was cut must not change what is seen (its size, its UTF-8).
		 */
		if (got) {
			int stop = sink(arg, z->piece, got);
			if (stop)
				return stop;
		}
		if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
			*why = "compressed data that does not inflate";
			return -1;
		}
		/* A final deflate block (allowed): the next bytes start afresh. */
		if (rc == Z_STREAM_END) {
			inflateReset(&z->rx);
			if (!z->rx.avail_in)
				return 0;
			continue;
		}
		/* Room left over: it took all it could of the input. */
		if (z->rx.avail_out)
			return 0;
	}
}

int inflate_piece(struct deflate_stream *z, const unsigned char *p, size_t n,
		  bool final, int (*sink)(void *arg, const unsigned char *out, size_t len),
		  void *arg, const char **why)
{
	if (!z->rx_ready) {
		z->piece = malloc(PIECE_SIZE);
		/* A larger window than the peer's reads its data all the same. */
		if (!z->piece || inflateInit2(&z->rx, -15) != Z_OK) {
			free(z->piece);
			z->piece = NULL;
			*why = "out of memory for the decompressor";
			return -1;
		}
		z->rx_ready = true;
	}
	z->rx.next_in = (unsigned char *)(uintptr_t)p;
	z->rx.avail_in = (uInt)n;
	int rc = drain(z, sink, arg, why);
	if (rc || !final)
		return rc;
	z->rx.next_in = (unsigned char *)(uintptr_t)tail;
	z->rx.avail_in = sizeof(tail);
	return drain(z, sink, arg, why);
}
