/*
 * fuzz_ws.h: reading a WebSocket connection's frames the way wsconn.c
 * does, for the targets that get that far (fuzz_client_frames,
 * fuzz_server_request): wsframe_read() for either role, compressed
 * messages inflated piece by piece (inflate_piece()), text checked as it
 * comes (utf8_stream), a size limit on what messages hold, and close
 * frames judged (wsframe_close_parse()). Everything that comes out goes
 * into a log, so that the same bytes read whole and in chunks can be
 * compared; CHECK()s along the way hold it to RFC 6455 and RFC 7692.
 */
#ifndef RXWS_FUZZ_WS_H
#define RXWS_FUZZ_WS_H

#include "fuzz.h"
#include "ws/deflate.h"
#include "base/utf8.h"
#include "ws/wsframe.h"

struct ws_reading {
	struct wsframe_reader reader;
	bool deflate;
	struct deflate_stream z;
	size_t limit;			/* a message's size, inflated too; 0: none */

	struct buf log;			/* messages and control frames, in order */
	struct buf message;		/* the message under way */
	bool in_message, binary, compressed;
	struct utf8_stream utf8;
	size_t payload;			/* of the messages and control frames logged */

	/* How it ended. */
	bool stopped;
	enum wsframe_result result;
	const char *why;		/* wsframe_read()'s */
	unsigned fail_code;		/* our own: 1002, 1007, 1009; 0 */
	unsigned close_code;		/* the peer's close, once read; 0 */
};

static inline void ws_reading_init(struct ws_reading *w, bool from_client, bool deflate,
				   const struct deflate_params *params, size_t limit)
{
	memset(w, 0, sizeof(*w));
	w->reader.from_client = from_client;
	w->reader.deflate = deflate;
	w->reader.max_message = limit;
	wsframe_reader_reset(&w->reader);
	w->deflate = deflate;
	w->limit = limit;
	w->message.max = limit ? limit : (size_t)1 << 24;
	if (deflate)
		deflate_stream_init(&w->z, params, from_client);
}

static inline void ws_reading_free(struct ws_reading *w)
{
	if (w->deflate)
		deflate_stream_free(&w->z);
	wsframe_reader_free(&w->reader);
	buf_free(&w->log);
	buf_free(&w->message);
}

static inline void ws_log(struct ws_reading *w, const void *p, size_t n)
{
	CHECK(buf_append(&w->log, p, n) == 0);
}

/* The connection fails, with that close code: nothing more is read. */
static inline int ws_fail(struct ws_reading *w, unsigned code)
{
	w->fail_code = code;
	return 1;
}

static inline int ws_text_piece(struct ws_reading *w, const unsigned char *p, size_t n)
{
	if (w->binary || utf8_stream_feed(&w->utf8, p, n))
		return 0;
	return ws_fail(w, WS_CLOSE_INVALID_PAYLOAD);
}

/* What a compressed message inflates to, a piece at a time. */
static inline int ws_inflated(void *arg, const unsigned char *p, size_t n)
{
	struct ws_reading *w = arg;

	CHECK(n > 0);
	/* The first fault decides, whatever the pieces: text up to the limit. */
	size_t room = !w->limit ? n : w->limit > w->message.len ? w->limit - w->message.len : 0;
	if (ws_text_piece(w, p, n < room ? n : room))
		return 1;
	if (n > room)
		return ws_fail(w, WS_CLOSE_TOO_BIG);
	CHECK(buf_append(&w->message, p, n) == 0);
	return 0;
}

static inline int ws_on_data(void *arg, const unsigned char *p, size_t n, bool first,
			     bool final, bool binary, bool compressed)
{
	struct ws_reading *w = arg;

	/* Pieces come in order: first, middle ones, final, of one kind. */
	CHECK(first == !w->in_message);
	CHECK(!compressed || w->deflate);	/* RSV1 only when agreed */
	if (first) {
		w->binary = binary;
		w->compressed = compressed;
		w->message.len = 0;
		utf8_stream_init(&w->utf8);
	}
	CHECK(binary == w->binary && compressed == w->compressed);
	CHECK(n > 0 || first || final);		/* no empty middle pieces */
	w->in_message = !final;
	if (compressed) {
		const char *why = NULL;
		int rc = inflate_piece(&w->z, p, n, final, ws_inflated, w, &why);
		if (rc < 0) {
			CHECK(why != NULL);
			return ws_fail(w, WS_CLOSE_INVALID_PAYLOAD);
		}
		if (rc)
			return rc;
	} else {
		if (ws_text_piece(w, p, n))
			return 1;
		/* The reader enforces the limit on what heads declare. */
		CHECK(!w->limit || w->message.len + n <= w->limit);
		CHECK(buf_append(&w->message, p, n) == 0);
	}
	if (!final)
		return 0;
	if (!w->binary && !utf8_stream_complete(&w->utf8))
		return ws_fail(w, WS_CLOSE_INVALID_PAYLOAD);
	/* What the stream let through is text for the reference too. */
	CHECK(w->binary || utf8_reference(w->message.data, w->message.len));
	char head[40];
	int len = snprintf(head, sizeof(head), "%c%s:%zu:", w->binary ? 'B' : 'T',
			   w->compressed ? "z" : "", w->message.len);
	ws_log(w, head, (size_t)len);
	ws_log(w, w->message.data, w->message.len);
	w->payload += w->message.len;
	ws_log(w, "\n", 1);
	return 0;
}

/* RFC 6455 7.4: the codes a close frame may carry. */
static inline bool ws_reference_code(unsigned code)
{
	return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1011) ||
	       (code >= 3000 && code <= 4999);
}

static inline int ws_on_close(struct ws_reading *w, const unsigned char *p, size_t n)
{
	unsigned code = 0, fail_code = 0;
	const char *why = wsframe_close_parse(p, n, &code, &fail_code);

	/* The reference: empty, or a code that may be sent and UTF-8 after it. */
	if (n == 0) {
		CHECK(!why && code == WS_CLOSE_NO_STATUS);
	} else if (n == 1) {
		CHECK(why && fail_code == WS_CLOSE_PROTOCOL_ERROR);
	} else {
		unsigned wire = (unsigned)p[0] << 8 | p[1];
		CHECK(wsframe_close_code_valid(wire) == ws_reference_code(wire));
		if (!ws_reference_code(wire))
			CHECK(why && fail_code == WS_CLOSE_PROTOCOL_ERROR);
		else if (!utf8_reference(p + 2, n - 2))
			CHECK(why && fail_code == WS_CLOSE_INVALID_PAYLOAD);
		else
			CHECK(!why && code == wire);
	}
	if (why)
		return ws_fail(w, fail_code);
	w->close_code = code;
	return 1;	/* the peer closes: what follows is not read */
}

static inline int ws_on_control(void *arg, enum ws_opcode op, const unsigned char *p,
				size_t n)
{
	struct ws_reading *w = arg;
	char head[24];

	CHECK(op == WS_PING || op == WS_PONG || op == WS_CLOSE);
	CHECK(n <= WS_CONTROL_MAX);
	int len = snprintf(head, sizeof(head), "C%x:%zu:", (unsigned)op, n);
	ws_log(w, head, (size_t)len);
	ws_log(w, p, n);
	ws_log(w, "\n", 1);
	w->payload += n;
	return op == WS_CLOSE ? ws_on_close(w, p, n) : 0;
}

/* n more bytes from the peer (p is written to: masks come off in place). */
static inline void ws_reading_feed(struct ws_reading *w, unsigned char *p, size_t n)
{
	const struct wsframe_sink sink = { ws_on_data, ws_on_control, w };

	if (w->stopped || !n)
		return;
	w->result = wsframe_read(&w->reader, p, n, &sink, &w->why);
	switch (w->result) {
	case WSFRAME_OK:
		CHECK(!w->fail_code && !w->close_code);
		return;
	case WSFRAME_STOPPED:
		CHECK(w->fail_code || w->close_code);
		break;
	case WSFRAME_BAD:
	case WSFRAME_TOO_BIG:
	case WSFRAME_NO_MEMORY:
		CHECK(w->why != NULL && !w->fail_code && !w->close_code);
		CHECK(w->result != WSFRAME_TOO_BIG || w->limit);
		break;
	}
	w->stopped = true;
}

/* Two readings of the same bytes came to the same end, by the same way. */
static inline void ws_reading_same(const struct ws_reading *a, const struct ws_reading *b)
{
	CHECK(a->stopped == b->stopped);
	CHECK(a->result == b->result);
	CHECK(a->why == b->why);
	CHECK(a->fail_code == b->fail_code);
	CHECK(a->close_code == b->close_code);
	CHECK(a->payload == b->payload);
	CHECK(same_bytes(a->log.data, a->log.len, b->log.data, b->log.len));
}

#endif
