/*
 * wsframe: WebSocket frames (RFC 6455 5), written and read, for either end of
 * a connection (wsframe.h).
 */
#include "ws/wsframe.h"

#include <stdlib.h>
#include <string.h>

#include "base/utf8.h"

/* The frame's head (RFC 6455 5.2); returns its length. */
static size_t frame_head(unsigned char *h, enum ws_opcode op, bool fin, bool compressed,
			 uint64_t len, const unsigned char *key)
{
	size_t n = 2;

	h[0] = (unsigned char)((fin ? 0x80 : 0) | (compressed ? 0x40 : 0) | op);
	if (len < 126) {
		h[1] = (unsigned char)len;
	} else if (len <= 0xffff) {
		h[1] = 126;
		h[2] = (unsigned char)(len >> 8);
		h[3] = (unsigned char)len;
		n = 4;
	} else {
		h[1] = 127;
		for (int i = 0; i < 8; i++)
			h[2 + i] = (unsigned char)(len >> (56 - 8 * i));
		n = 10;
	}
	if (key) {
		h[1] |= 0x80;
		memcpy(h + n, key, 4);
		n += 4;
	}
	return n;
}

/* XORs n bytes from p into w with the key, starting at key byte `at`. */
static void mask_copy(unsigned char *w, const unsigned char *p, size_t n,
		      const unsigned char key[4], unsigned at)
{
	unsigned char k[8];
	uint64_t k8;
	size_t i = 0;

	for (int j = 0; j < 8; j++)
		k[j] = key[(at + (unsigned)j) & 3];
	memcpy(&k8, k, 8);
	for (; i + 8 <= n; i += 8) {
		uint64_t v;
		memcpy(&v, p + i, 8);
		v ^= k8;
		memcpy(w + i, &v, 8);
	}
	for (; i < n; i++)
		w[i] = p[i] ^ key[(at + i) & 3];
}

size_t wsframe_write(unsigned char *w, enum ws_opcode op, bool fin, bool compressed,
		     const unsigned char *p, size_t n, const unsigned char *key)
{
	return wsframe_write2(w, op, fin, compressed, NULL, 0, p, n, key);
}

size_t wsframe_write2(unsigned char *w, enum ws_opcode op, bool fin, bool compressed,
		      const unsigned char *a, size_t an, const unsigned char *p, size_t n,
		      const unsigned char *key)
{
	size_t head = frame_head(w, op, fin, compressed, an + n, key);

	if (key) {
		if (an)
			mask_copy(w + head, a, an, key, 0);
		mask_copy(w + head + an, p, n, key, (unsigned)(an & 3));
	} else {
		if (an)
			memcpy(w + head, a, an);
		if (n)
			memcpy(w + head + an, p, n);
	}
	return head + an + n;
}

void wsframe_reader_free(struct wsframe_reader *r)
{
	free(r->control);
	r->control = NULL;
	r->control_len = 0;
}

void wsframe_reader_reset(struct wsframe_reader *r)
{
	bool from_client = r->from_client, deflate = r->deflate;
	uint64_t max_message = r->max_message;

	wsframe_reader_free(r);
	memset(r, 0, sizeof(*r));
	r->from_client = from_client;
	r->deflate = deflate;
	r->max_message = max_message;
}

static bool is_control(enum ws_opcode op)
{
	return op & 0x8;
}

/* What the first two bytes of a head say is wrong, or NULL. */
static const char *check_start(const struct wsframe_reader *r)
{
	unsigned op = r->head[0] & 0x0f;
	unsigned len7 = r->head[1] & 0x7f;
	bool rsv1 = r->head[0] & 0x40;

	if (r->head[0] & 0x30)
		return "RSV2 or RSV3 set, with no extension that defines them";
	if (r->from_client && !(r->head[1] & 0x80))
		return "an unmasked frame from the client";
	if (!r->from_client && (r->head[1] & 0x80))
		return "a masked frame from the server";
	switch (op) {
	case WS_CONTINUATION:
		if (!r->in_message)
			return "a continuation frame outside a message";
		return rsv1 ? "RSV1 set on a continuation frame" : NULL;
	case WS_TEXT:
	case WS_BINARY:
		if (r->in_message)
			return "a new message inside a fragmented one";
		return rsv1 && !r->deflate ? "RSV1 set, with no compression agreed" : NULL;
	case WS_CLOSE:
	case WS_PING:
	case WS_PONG:
		if (rsv1)
			return "RSV1 set on a control frame";
		if (!(r->head[0] & 0x80))
			return "a fragmented control frame";
		return len7 > WS_CONTROL_MAX ? "a control frame over 125 bytes" : NULL;
	default:
		return "a frame with an unknown opcode";
	}
}

static size_t head_size(const struct wsframe_reader *r)
{
	unsigned len7 = r->head[1] & 0x7f;
	size_t n = len7 == 127 ? 10 : len7 == 126 ? 4 : 2;
	return (r->head[1] & 0x80) ? n + 4 : n;
}

/* The head is whole: the frame's payload comes next. */
static enum wsframe_result start_frame(struct wsframe_reader *r, const char **why)
{
	unsigned len7 = r->head[1] & 0x7f;
	size_t len_end = len7 == 127 ? 10 : len7 == 126 ? 4 : 2;

	r->op = r->head[0] & 0x0f;	/* 4 bits */
	r->fin = r->head[0] & 0x80;
	if (len7 < 126) {
		r->left = len7;
	} else {
		r->left = 0;
		for (size_t i = 2; i < len_end; i++)
			r->left = r->left << 8 | r->head[i];
		if (r->left >> 63) {
			*why = "a frame length with its most significant bit set";
			return WSFRAME_BAD;
		}
	}
	if (r->head[1] & 0x80)
		memcpy(r->key, r->head + len_end, 4);
	r->key_at = 0;
	r->head_len = 0;
	if (is_control(r->op))
		return WSFRAME_OK;
	if (r->op != WS_CONTINUATION) {
		r->message_binary = r->op == WS_BINARY;
		r->message_compressed = r->head[0] & 0x40;
		r->message_len = 0;
		r->piece_first = true;
		r->in_message = true;
	}
	/* A compressed message's limit is on what it inflates to. */
	r->message_len += r->left;
	if (r->max_message && !r->message_compressed && r->message_len > r->max_message) {
		*why = "a message over the size limit";
		return WSFRAME_TOO_BIG;
	}
	return WSFRAME_OK;
}

/*
 * A piece of a control frame's payload. Most come whole and are handed on
 * where they lie; one in pieces is held until its end (at most 125 bytes),
 * and the memory given back then. 0, 1 (the sink said stop) or -1 (no
 * memory to hold it).
 */
static int control_piece(struct wsframe_reader *r, unsigned char *p, size_t n,
			 const struct wsframe_sink *sink)
{
	if (!r->control && !r->left)
		return sink->control(sink->arg, (enum ws_opcode)r->op, p, n) ? 1 : 0;
	if (!r->control) {
		r->control = malloc(WS_CONTROL_MAX);
		if (!r->control)
			return -1;
		r->control_len = 0;
	}
	if (n)
		memcpy(r->control + r->control_len, p, n);
	r->control_len += (unsigned char)n;
	if (r->left)
		return 0;
	int rc = sink->control(sink->arg, (enum ws_opcode)r->op, r->control, r->control_len);
	wsframe_reader_free(r);
	return rc ? 1 : 0;
}

/*
 * Hands on a piece of payload; the frame ends when r->left reaches 0. 0,
 * 1 (the sink said stop) or -1 (no memory).
 */
static int emit(struct wsframe_reader *r, unsigned char *p, size_t n,
		const struct wsframe_sink *sink)
{
	if (r->from_client && n) {
		mask_copy(p, p, n, r->key, r->key_at);
		r->key_at = (unsigned char)((r->key_at + n) & 3);
	}
	r->left -= n;
	if (is_control(r->op))
		return control_piece(r, p, n, sink);
	bool first = r->piece_first, final = r->fin && !r->left;
	r->piece_first = false;
	if (final)
		r->in_message = false;
	/* An empty piece in the middle of a message says nothing. */
	if (!n && !first && !final)
		return 0;
	return sink->data(sink->arg, p, n, first, final, r->message_binary,
			  r->message_compressed) ? 1 : 0;
}

/* emit()'s answer as the reader's result (WSFRAME_OK: go on). */
static enum wsframe_result emitted(int rc, const char **why)
{
	if (!rc)
		return WSFRAME_OK;
	if (rc > 0)
		return WSFRAME_STOPPED;
	*why = "out of memory for a control frame";
	return WSFRAME_NO_MEMORY;
}

enum wsframe_result wsframe_read(struct wsframe_reader *r, unsigned char *p,
				 size_t n, const struct wsframe_sink *sink,
				 const char **why)
{
	while (n) {
		if (r->left) {
			size_t take = r->left < n ? (size_t)r->left : n;
			enum wsframe_result rc = emitted(emit(r, p, take, sink), why);
			if (rc != WSFRAME_OK)
				return rc;
			p += take;
			n -= take;
			continue;
		}
		r->head[r->head_len++] = *p++;
		n--;
		if (r->head_len == 2 && (*why = check_start(r)))
			return WSFRAME_BAD;
		if (r->head_len < 2 || r->head_len < head_size(r))
			continue;
		enum wsframe_result rc = start_frame(r, why);
		if (rc != WSFRAME_OK)
			return rc;
		/* An empty frame ends here: no payload will call for it. */
		if (!r->left && (rc = emitted(emit(r, p, 0, sink), why)) != WSFRAME_OK)
			return rc;
	}
	return WSFRAME_OK;
}

bool wsframe_close_code_valid(unsigned code)
{
	if (code >= 3000 && code <= 4999)
		return true;	/* registered (3xxx) and private (4xxx) */
	switch (code) {
	case 1000: case 1001: case 1002: case 1003:
	case 1007: case 1008: case 1009: case 1010: case 1011:
		return true;
	default:
		/*
		 * 1004-1006 and 1015 are reserved; 1012-1014 were assigned
		 * after RFC 6455, and its conformance cases refuse them too.
		 */
		return false;
	}
}

const char *wsframe_close_parse(const unsigned char *p, size_t n, unsigned *code,
				unsigned *fail_code)
{
	*fail_code = WS_CLOSE_PROTOCOL_ERROR;
	if (n == 0) {
		*code = WS_CLOSE_NO_STATUS;
		return NULL;
	}
	if (n == 1)
		return "a close frame of one byte";
	*code = (unsigned)p[0] << 8 | p[1];
	if (!wsframe_close_code_valid(*code))
		return "a close frame with a code that may not be sent";
	if (!utf8_valid(p + 2, n - 2)) {
		*fail_code = WS_CLOSE_INVALID_PAYLOAD;
		return "a close frame whose reason is not UTF-8";
	}
	return NULL;
}
