/*
 * deflate: permessage-deflate (RFC 7692), for either end of a connection.
 *
 * Negotiation: the client's offer, the server's choice among a request's
 * offers, the client's check of the answer. Then per connection: each
 * message compressed whole (sync flush, the 00 00 FF FF tail taken off,
 * the context kept between messages unless the peer asked otherwise), and
 * received compressed messages inflated piece by piece as they arrive,
 * so that what they inflate to can be checked (size, UTF-8) before the
 * message is whole. zlib cannot compress with a 256-byte window: when a
 * peer asks for one, messages go out uncompressed, which RFC 7692 allows.
 */
#ifndef RXWS_DEFLATE_H
#define RXWS_DEFLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <zlib.h>

#include "base/buf.h"
#include "ws/http.h"

/* What the client offers: any window for its own compression. */
#define DEFLATE_CLIENT_OFFER "permessage-deflate; client_max_window_bits"

struct deflate_params {
	bool server_no_context_takeover, client_no_context_takeover;
	int server_max_window_bits, client_max_window_bits;	/* 0: not given */
};

/*
 * Server: the first acceptable offer among the request's
 * Sec-WebSocket-Extensions, and the answer to it (a header value).
 * Returns true when one is accepted.
 */
bool deflate_server_choose(const struct http_head *request,
			   struct deflate_params *params, char *answer,
			   size_t answer_size);
/* Client: NULL when the server's answer is one we can accept, or why not. */
const char *deflate_client_accept(const struct http_head *response,
				  struct deflate_params *params);

struct deflate_stream {
	bool server;
	int tx_window_bits;		/* 0: we may not compress */
	bool tx_reset;			/* no context takeover for what we send */
	bool tx_ready, rx_ready;
	z_stream tx, rx;
	unsigned char *piece;		/* inflated output, handed on in pieces */
};

void deflate_stream_init(struct deflate_stream *z, const struct deflate_params *p,
			 bool server);
void deflate_stream_free(struct deflate_stream *z);

/* Appends the compressed form of a whole message to out. -1: no memory. */
int deflate_message(struct deflate_stream *z, const unsigned char *p, size_t n,
		    struct buf *out);
bool deflate_can_compress(const struct deflate_stream *z);

/*
 * Inflates a piece of a compressed message, handing what comes out to
 * sink (which returns non-zero to stop). final: the message's last piece.
 * Returns 0, the sink's non-zero, or -1 with *why when the data is not
 * valid deflate.
 */
int inflate_piece(struct deflate_stream *z, const unsigned char *p, size_t n,
		  bool final, int (*sink)(void *arg, const unsigned char *out, size_t len),
		  void *arg, const char **why);

#endif
