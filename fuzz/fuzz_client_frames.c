/*
 * fuzz_client_frames: what a plain ws:// client reads from its server, as
 * client.c reads it: the handshake's answer (handshake.h), then frames
 * (wsframe.h).
 *
 * Input: byte 0 picks the part (even: the answer, then frames after a
 * 101; odd: frames alone) and seeds the chunk sizes; the rest is what the
 * server sent. The answer is read with the key of RFC 6455's example,
 * dGhlIHNhbXBsZSBub25jZQ==, so that an accepting answer can be found.
 *
 * Checks, beyond no crash, leak or sanitizer report:
 *  - the bytes read whole and in random chunks give the same outcome: the
 *    same handshake result and reason, the same messages, control frames
 *    and error;
 *  - messages come as pieces in order: first, middle ones, final, of one
 *    kind (text or binary), never interleaved;
 *  - control frames are pings, pongs or closes of at most 125 bytes;
 *  - no more payload comes out than went in, and an accepted answer's
 *    status is 101.
 */
#include "fuzz.h"
#include "handshake.h"
#include "wsframe.h"

/* What came out: each message and control frame in a line of its own. */
struct outcome {
	struct buf log;
	bool in_message;
	bool binary;
	size_t payload;
	enum handshake_state handshake;
	char why[300];
	enum wsframe_result frames;
	const char *frame_why;
};

static void log_bytes(struct outcome *o, const void *p, size_t n)
{
	CHECK(buf_append(&o->log, p, n) == 0);
}

static int on_data(void *arg, const unsigned char *p, size_t n, bool first,
		   bool final, bool binary, bool compressed)
{
	struct outcome *o = arg;

	CHECK(!compressed);	/* no deflate agreed: RSV1 is refused */
	CHECK(first == !o->in_message);
	if (first) {
		o->binary = binary;
		log_bytes(o, binary ? "B:" : "T:", 2);
	}
	CHECK(binary == o->binary);
	o->in_message = !final;
	o->payload += n;
	log_bytes(o, p, n);
	if (final)
		log_bytes(o, "\n", 1);
	return 0;
}

static int on_control(void *arg, enum ws_opcode op, const unsigned char *p, size_t n)
{
	struct outcome *o = arg;
	char head[16];

	CHECK(op == WS_PING || op == WS_PONG || op == WS_CLOSE);
	CHECK(n <= WS_CONTROL_MAX);
	o->payload += n;
	int len = snprintf(head, sizeof(head), "C%x:%zu:", (unsigned)op, n);
	log_bytes(o, head, (size_t)len);
	log_bytes(o, p, n);
	return 0;
}

/* Reads data in chunks from the seed (0: whole) into o. */
static void read_all(const uint8_t *input, size_t size, bool answer_first,
		     uint32_t seed, struct outcome *o)
{
	static const struct ws_offer offer = { .host = "h", .target = "/" };
	struct client_handshake h;
	struct ws_agreement agreed;
	struct wsframe_reader r = { .from_client = false };
	const struct wsframe_sink sink = { on_data, on_control, o };
	bool reading_frames = !answer_first;
	/* The reader unmasks in place: it gets a copy it may write. */
	uint8_t *copy = malloc(size ? size : 1);

	CHECK(copy != NULL);
	memcpy(copy, input, size);
	unsigned char *data = copy;
	client_handshake_init(&h);
	memcpy(h.key, "dGhlIHNhbXBsZSBub25jZQ==", 25);
	wsframe_reader_reset(&r);
	o->handshake = HANDSHAKE_MORE;
	o->frames = WSFRAME_OK;
	while (size) {
		size_t n = seed ? 1 + rng_next(&seed) % 64 : size;
		if (n > size)
			n = size;
		unsigned char *p = data;
		size_t len = n;
		if (!reading_frames) {
			size_t used = 0;
			o->handshake = handshake_response(&h, data, n, &used, &offer, &agreed,
							  o->why, sizeof(o->why));
			if (o->handshake == HANDSHAKE_FAILED)
				break;
			if (o->handshake == HANDSHAKE_MORE) {
				len = 0;	/* all taken into the head */
			} else {
				CHECK(used <= n);
				CHECK(h.answer.status == 101);
				p = data + used;
				len = n - used;
				reading_frames = true;
			}
		}
		if (len) {
			o->frames = wsframe_read(&r, p, len, &sink, &o->frame_why);
			if (o->frames != WSFRAME_OK)
				break;
		}
		data += n;
		size -= n;
	}
	client_handshake_free(&h);
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	bool answer_first = !(data[0] & 1);
	uint32_t seed = hash_bytes(data, size) | 1;
	struct outcome whole = { 0 }, chunked = { 0 };

	read_all(data + 1, size - 1, answer_first, 0, &whole);
	read_all(data + 1, size - 1, answer_first, seed, &chunked);

	CHECK(whole.handshake == chunked.handshake);
	CHECK(!strcmp(whole.why, chunked.why));
	CHECK(whole.frames == chunked.frames);
	CHECK(whole.frame_why == chunked.frame_why);
	CHECK(whole.payload <= size);
	CHECK(same_bytes(whole.log.data, whole.log.len, chunked.log.data, chunked.log.len));

	buf_free(&whole.log);
	buf_free(&chunked.log);
	return 0;
}
