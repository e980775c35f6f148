/*
 * wsframe: WebSocket frames (RFC 6455 5), written and read, for either end
 * of a connection.
 *
 * Writing: heads, masking (a client's frames), RSV1 for a compressed
 * message (RFC 7692). Reading: a reader fed bytes as they come, which
 * hands data out in pieces (a message is copied only when it spans reads)
 * and control frames whole. It checks every rule of RFC 6455 5 that a
 * frame alone can break: masking as the role requires, reserved bits,
 * known opcodes, short unfragmented control frames, continuation only
 * inside a message, and a message's size against the receiver's limit as
 * soon as a frame's head declares it. Close frames' payloads are checked
 * here too (RFC 6455 5.5.1, 7.4).
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

/* Close codes we send (RFC 6455 7.4.1). */
enum ws_close {
	WS_CLOSE_NORMAL = 1000,
	WS_CLOSE_GOING_AWAY = 1001,
	WS_CLOSE_PROTOCOL_ERROR = 1002,
	WS_CLOSE_UNSUPPORTED = 1003,
	WS_CLOSE_NO_STATUS = 1005,	/* never on the wire: an empty close */
	WS_CLOSE_ABNORMAL = 1006,	/* never on the wire: no close at all */
	WS_CLOSE_INVALID_PAYLOAD = 1007,
	WS_CLOSE_POLICY = 1008,
	WS_CLOSE_TOO_BIG = 1009,
	WS_CLOSE_INTERNAL = 1011,
};

#define WS_HEAD_MAX 14		/* 2 + 8 bytes of length + 4 of mask key */
#define WS_CONTROL_MAX 125

/*
 * Writes a whole frame of n payload bytes from p into w, which has room for
 * WS_HEAD_MAX + n; RSV1 set when compressed; masked (RFC 6455 5.3) when key
 * (4 bytes) is not NULL. Returns the frame's length.
 */
size_t wsframe_write(unsigned char *w, enum ws_opcode op, bool fin, bool compressed,
		     const unsigned char *p, size_t n, const unsigned char *key);
/* The same for a payload of two parts, a (an bytes) then p (n bytes). */
size_t wsframe_write2(unsigned char *w, enum ws_opcode op, bool fin, bool compressed,
		      const unsigned char *a, size_t an, const unsigned char *p, size_t n,
		      const unsigned char *key);

/*
 * Where the reader's output goes. Each returns 0 to go on, or non-zero to
 * stop reading (the connection is closing).
 * data: a piece of a message; first and final say where it lies in it,
 * compressed that its message had RSV1 set.
 */
struct wsframe_sink {
	int (*data)(void *arg, const unsigned char *p, size_t n, bool first,
		    bool final, bool binary, bool compressed);
	int (*control)(void *arg, enum ws_opcode op, const unsigned char *p,
		       size_t n);
	void *arg;
};

/*
 * One per connection, idle ones included: packed, and a control frame's
 * payload is held (in `control`, allocated then) only while it comes in
 * pieces: a whole one in the bytes read is handed on where it lies.
 */
struct wsframe_reader {
	uint64_t max_message;		/* set by the owner: an uncompressed message's limit; 0: none */
	uint64_t left;			/* payload bytes still to come; 0: a head next */
	uint64_t message_len;		/* payload so far, declared heads included */
	unsigned char *control;		/* a control frame's payload so far; NULL: none held */
	unsigned char head[WS_HEAD_MAX];
	unsigned char key[4];
	unsigned char head_len;
	unsigned char key_at;		/* where in the key the next byte is */
	unsigned char control_len;
	unsigned char op;		/* enum ws_opcode */
	/* Set by the owner before reading. */
	bool from_client;		/* frames must be masked: we are the server */
	bool deflate;			/* RSV1 may mark a compressed message */

	bool fin;
	bool in_message;		/* a fragmented message is under way */
	bool message_binary, message_compressed;
	bool piece_first;		/* the next data piece starts a message */
};

enum wsframe_result {
	WSFRAME_OK,
	WSFRAME_STOPPED,	/* a sink callback said stop */
	WSFRAME_BAD,		/* protocol error: fail with 1002 */
	WSFRAME_TOO_BIG,	/* over max_message: fail with 1009 */
	WSFRAME_NO_MEMORY,	/* for a control frame in pieces: fail with 1011 */
};

/*
 * Forgets the frame under way, and gives back what it held; keeps the
 * owner's settings (from_client, deflate, max_message).
 */
void wsframe_reader_reset(struct wsframe_reader *r);
/* Gives back what it holds (a reader dropped mid-frame). */
void wsframe_reader_free(struct wsframe_reader *r);
/*
 * Reads n bytes; masked payloads are unmasked in place, so p is written
 * to. On WSFRAME_BAD, WSFRAME_TOO_BIG or WSFRAME_NO_MEMORY, *why says what
 * was wrong.
 */
enum wsframe_result wsframe_read(struct wsframe_reader *r, unsigned char *p,
				 size_t n, const struct wsframe_sink *sink,
				 const char **why);

/* Whether a close code may be sent on the wire (RFC 6455 7.4). */
bool wsframe_close_code_valid(unsigned code);
/*
 * A close frame's payload: NULL and its code (WS_CLOSE_NO_STATUS when
 * empty), or why it is wrong and the code to fail the connection with.
 */
const char *wsframe_close_parse(const unsigned char *p, size_t n, unsigned *code,
				unsigned *fail_code);

#endif
