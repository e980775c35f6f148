/*
 * wsframe: WebSocket frames (RFC 6455 5) written and read by us, for the
 * connections whose bytes lws leaves to us.
 *
 * Writing: frame heads and masking. Reading: a reader for the frames a
 * server sends a client, fed bytes as they come. It hands data out in
 * pieces as they arrive, so a message is copied only when it spans reads,
 * and control frames whole. It checks what a client must check: no mask,
 * no reserved bits (no extension was offered), known opcodes, short
 * unfragmented control frames, continuation only inside a message.
 */
#ifndef RXWS_WSFRAME_H
#define RXWS_WSFRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ws_opcode {
	WS_CONTINUATION = 0x0,
	WS_TEXT = 0x1,
	WS_BINARY = 0x2,
	WS_CLOSE = 0x8,
	WS_PING = 0x9,
	WS_PONG = 0xa,
};

#define WS_HEAD_MAX 14		/* 2 + 8 bytes of length + 4 of mask key */
#define WS_CONTROL_MAX 125

/*
 * Writes a whole frame of n payload bytes from p into w, which has room for
 * WS_HEAD_MAX + n; masked (RFC 6455 5.3) when key (4 bytes) is not NULL.
 * Returns the frame's length.
 */
size_t wsframe_write(unsigned char *w, enum ws_opcode op, bool fin,
		     const unsigned char *p, size_t n, const unsigned char *key);

/*
 * Where the reader's output goes. Each returns 0 to go on, or non-zero to
 * stop reading (the connection is closing).
 * data: a piece of a message; first and final say where it lies in it.
 */
struct wsframe_sink {
	int (*data)(void *arg, const unsigned char *p, size_t n,
		    bool first, bool final, bool binary);
	int (*control)(void *arg, enum ws_opcode op, const unsigned char *p,
		       size_t n);
	void *arg;
};

struct wsframe_reader {
	unsigned char head[WS_HEAD_MAX];
	size_t head_len;
	uint64_t left;			/* payload bytes still to come; 0: a head next */
	enum ws_opcode op;
	bool fin;
	bool in_message;		/* a fragmented message is under way */
	bool message_binary;
	bool piece_first;		/* the next data piece starts a message */
	unsigned char control[WS_CONTROL_MAX];
	size_t control_len;
};

enum wsframe_result {
	WSFRAME_OK,
	WSFRAME_STOPPED,	/* a sink callback said stop */
	WSFRAME_BAD,		/* protocol error: close with 1002 */
};

void wsframe_reader_init(struct wsframe_reader *r);
/* Reads n bytes; on WSFRAME_BAD, *why says what was wrong. */
enum wsframe_result wsframe_read(struct wsframe_reader *r, const unsigned char *p,
				 size_t n, const struct wsframe_sink *sink,
				 const char **why);

#endif
