#include "wsframe.h"

#include <string.h>

/* The frame's head (RFC 6455 5.2); returns its length. */
static size_t frame_head(unsigned char *h, enum ws_opcode op, bool fin,
			 uint64_t len, const unsigned char *key)
{
	size_t n = 2;

	h[0] = (unsigned char)((fin ? 0x80 : 0) | op);
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

static void mask_copy(unsigned char *w, const unsigned char *p, size_t n,
		      const unsigned char key[4])
{
	unsigned char k[8] = { key[0], key[1], key[2], key[3],
			       key[0], key[1], key[2], key[3] };
	uint64_t k8;
	size_t i = 0;

	memcpy(&k8, k, 8);
	for (; i + 8 <= n; i += 8) {
		uint64_t v;
		memcpy(&v, p + i, 8);
		v ^= k8;
		memcpy(w + i, &v, 8);
	}
	for (; i < n; i++)
		w[i] = p[i] ^ key[i & 3];
}

size_t wsframe_write(unsigned char *w, enum ws_opcode op, bool fin,
		     const unsigned char *p, size_t n, const unsigned char *key)
{
	size_t head = frame_head(w, op, fin, n, key);

	if (key)
		mask_copy(w + head, p, n, key);
	else if (n)
		memcpy(w + head, p, n);
	return head + n;
}

void wsframe_reader_init(struct wsframe_reader *r)
{
	memset(r, 0, sizeof(*r));
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

	if (r->head[0] & 0x70)
		return "reserved bits set, with no extension agreed";
	if (r->head[1] & 0x80)
		return "a masked frame from the server";
	switch (op) {
	case WS_CONTINUATION:
		return r->in_message ? NULL : "a continuation frame outside a message";
	case WS_TEXT:
	case WS_BINARY:
		return r->in_message ? "a new message inside a fragmented one" : NULL;
	case WS_CLOSE:
	case WS_PING:
	case WS_PONG:
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
	return len7 == 127 ? 10 : len7 == 126 ? 4 : 2;
}

/* The head is whole: the frame's payload comes next. */
static const char *start_frame(struct wsframe_reader *r)
{
	unsigned len7 = r->head[1] & 0x7f;

	r->op = r->head[0] & 0x0f;
	r->fin = r->head[0] & 0x80;
	if (len7 < 126) {
		r->left = len7;
	} else {
		r->left = 0;
		for (size_t i = 2; i < r->head_len; i++)
			r->left = r->left << 8 | r->head[i];
		if (r->left >> 63)
			return "a frame length over 2^63";
	}
	r->head_len = 0;
	r->control_len = 0;
	if (r->op == WS_TEXT || r->op == WS_BINARY) {
		r->message_binary = r->op == WS_BINARY;
		r->piece_first = true;
		r->in_message = true;
	}
	return NULL;
}

/* Hands on a piece of payload; the frame ends when r->left reaches 0. */
static int emit(struct wsframe_reader *r, const unsigned char *p, size_t n,
		const struct wsframe_sink *sink)
{
	r->left -= n;
	if (is_control(r->op)) {
		memcpy(r->control + r->control_len, p, n);
		r->control_len += n;
		if (r->left)
			return 0;
		return sink->control(sink->arg, r->op, r->control, r->control_len);
	}
	bool first = r->piece_first, final = r->fin && !r->left;
	r->piece_first = false;
	if (!r->left && r->fin)
		r->in_message = false;
	/* An empty frame in the middle of a message says nothing. */
	if (!n && !first && !final)
		return 0;
	return sink->data(sink->arg, p, n, first, final, r->message_binary);
}

enum wsframe_result wsframe_read(struct wsframe_reader *r, const unsigned char *p,
				 size_t n, const struct wsframe_sink *sink,
				 const char **why)
{
	while (n) {
		if (r->left) {
			size_t take = r->left < n ? (size_t)r->left : n;
			if (emit(r, p, take, sink))
				return WSFRAME_STOPPED;
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
		if ((*why = start_frame(r)))
			return WSFRAME_BAD;
		/* An empty frame ends here: no payload will call for it. */
		if (!r->left && emit(r, p, 0, sink))
			return WSFRAME_STOPPED;
	}
	return WSFRAME_OK;
}
