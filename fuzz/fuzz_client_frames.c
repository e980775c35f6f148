/*
 * fuzz_client_frames: what a ws:// client reads, as client.c and wsconn.c
 * read it: a proxy's answer to CONNECT (http.h, proxy.h), the handshake's
 * answer (handshake.h), then frames (wsframe.h), compressed ones inflated
 * (deflate.h), text checked as it comes (utf8.h). fuzz_ws.h does the
 * reading of frames.
 *
 * Input: byte 0 says what comes and seeds the chunk sizes:
 *   bit 0  0: the handshake's answer, then frames after a 101;
 *          1: frames alone (a handshake already done)
 *   bit 1  permessage-deflate: offered (with an answer), or agreed (frames
 *          alone), so that RSV1 messages are inflated
 *   bit 2  a proxy's answer to CONNECT comes first (with an answer)
 *   bit 3  subprotocols chat.v1 and chat.v2 offered
 *   bits 4-5  the message size limit: 64, 1000, 65536 or 1 MiB
 * The rest is what the server (or the proxy, then the server) sent. The
 * answer is read with the key of RFC 6455's example,
 * dGhlIHNhbXBsZSBub25jZQ==, so that an accepting answer can be found.
 *
 * Checks, beyond no crash, leak or sanitizer report:
 *  - the bytes read whole and in random chunks give the same outcome: the
 *    same proxy verdict, handshake result and reason (but for the text
 *    of a refusal's body, quoted as far as it came with the head), the
 *    same messages, control frames, and the same error or close;
 *  - the proxy's answer opens the tunnel exactly when its status is 2xx,
 *    and a refusal's reason is printable;
 *  - an accepted answer is a 101, agrees on nothing that was not offered
 *    (deflate, a subprotocol);
 *  - messages come as pieces in order: first, middle ones, final, of one
 *    kind (text or binary), never interleaved; RSV1 only with deflate;
 *  - a text message delivered (inflated or not) is valid UTF-8, and none
 *    is over the limit; control frames are pings, pongs and closes of at
 *    most 125 bytes; a close payload is judged as RFC 6455 7.4 says;
 *  - without deflate, no more payload comes out than went in.
 */
#include "fuzz_ws.h"
#include "ws/handshake.h"
#include "ws/proxy.h"

#include <strings.h>

static const char *const offered_protocols[] = { "chat.v1", "chat.v2" };

/* What came out of one reading. */
struct outcome {
	enum http_feed proxy;		/* the CONNECT answer's head */
	int proxy_status;
	bool tunnel;			/* proxy_answer_problem() said yes */
	enum handshake_state handshake;
	int status;			/* the answer's */
	bool body_quoted;		/* a refusal's reason may quote its text body */
	char why[400];
	bool deflate;			/* agreed */
	char protocol[128];
	struct ws_reading ws;
};

static void printable_only(const char *s)
{
	for (; *s; s++)
		CHECK(*s >= 0x20 && *s < 0x7f);
}

/* The proxy's answer to CONNECT, as tunnel_received() takes it. */
static bool proxy_part(struct http_head *a, struct outcome *o, const unsigned char *p,
		       size_t n, size_t *used)
{
	const char *problem = NULL;

	o->proxy = http_head_feed(a, true, p, n, used, &problem);
	CHECK(*used <= n);
	if (o->proxy == HTTP_MORE) {
		CHECK(*used == 0);
		return false;
	}
	if (o->proxy != HTTP_DONE) {
		CHECK(problem != NULL);
		return false;
	}
	o->proxy_status = a->status;
	CHECK(a->status >= 0 && a->status <= 999);
	const char *refused = proxy_answer_problem(a, o->why, sizeof(o->why));
	o->tunnel = !refused;
	CHECK(o->tunnel == (a->status >= 200 && a->status < 300));
	if (refused) {
		CHECK(refused == o->why);
		printable_only(o->why);
	}
	return o->tunnel;
}

/* Reads data in chunks from the seed (0: whole) into o. */
static void read_all(const uint8_t *input, size_t size, uint8_t sel, uint32_t seed,
		     struct outcome *o)
{
	bool answer_first = !(sel & 1), deflate = sel & 2;
	bool proxy = answer_first && (sel & 4);
	static const size_t limits[] = { 64, 1000, 65536, 1 << 20 };
	const struct ws_offer offer = {
		.host = "h", .target = "/", .deflate = deflate,
		.protocols = offered_protocols, .n_protocols = (sel & 8) ? 2 : 0,
	};
	struct http_head proxy_answer;
	struct client_handshake h;
	struct ws_agreement agreed;
	enum { PROXY, ANSWER, FRAMES, DONE } state = proxy ? PROXY : answer_first ? ANSWER : FRAMES;
	/* The reader unmasks in place: it gets a copy it may write. */
	uint8_t *copy = malloc(size ? size : 1);
	const struct deflate_params none = { 0 };

	CHECK(copy != NULL);
	memcpy(copy, input, size);
	unsigned char *data = copy;
	http_head_init(&proxy_answer);
	client_handshake_init(&h);
	memcpy(h.key, "dGhlIHNhbXBsZSBub25jZQ==", 25);
	memset(&agreed, 0, sizeof(agreed));
	o->proxy = HTTP_MORE;
	o->handshake = HANDSHAKE_MORE;
	ws_reading_init(&o->ws, false, !answer_first && deflate, &none, limits[(sel >> 4) & 3]);
	while (size && state != DONE) {
		size_t n = seed ? 1 + rng_next(&seed) % 64 : size;
		if (n > size)
			n = size;
		unsigned char *p = data;
		size_t len = n, used = 0;
		if (state == PROXY) {
			if (proxy_part(&proxy_answer, o, p, len, &used))
				state = ANSWER;
			else if (o->proxy != HTTP_MORE)
				state = DONE;
			p += used;
			len = state == ANSWER ? len - used : 0;
		}
		if (state == ANSWER && len) {
			o->handshake = handshake_response(&h, p, len, &used, &offer, &agreed,
							  o->why, sizeof(o->why));
			CHECK(used <= len);
			if (o->handshake == HANDSHAKE_FAILED) {
				size_t type_len;
				const char *type = http_field(&h.answer, "Content-Type", &type_len);
				o->status = h.answer.status;
				o->body_quoted = type && type_len >= 10 &&
						 !strncasecmp(type, "text/plain", 10);
				printable_only(o->why);
				state = DONE;
			} else if (o->handshake == HANDSHAKE_MORE) {
				CHECK(used == 0);
			} else {
				CHECK(h.answer.status == 101);
				CHECK(!agreed.deflate || deflate);
				CHECK(!agreed.protocol[0] || offer.n_protocols);
				o->deflate = agreed.deflate;
				snprintf(o->protocol, sizeof(o->protocol), "%s", agreed.protocol);
				ws_reading_free(&o->ws);
				ws_reading_init(&o->ws, false, agreed.deflate, &agreed.deflate_params,
						limits[(sel >> 4) & 3]);
				state = FRAMES;
				p += used;
				len -= used;
			}
		}
		if (state == FRAMES) {
			ws_reading_feed(&o->ws, p, len);
			if (o->ws.stopped)
				state = DONE;
		}
		data += n;
		size -= n;
	}
	http_head_free(&proxy_answer);
	client_handshake_free(&h);
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	uint32_t seed = hash_bytes(data, size) | 1;
	struct outcome whole = { 0 }, chunked = { 0 };

	read_all(data + 1, size - 1, data[0], 0, &whole);
	read_all(data + 1, size - 1, data[0], seed, &chunked);

	CHECK(whole.proxy == chunked.proxy);
	CHECK(whole.proxy_status == chunked.proxy_status);
	CHECK(whole.tunnel == chunked.tunnel);
	CHECK(whole.handshake == chunked.handshake);
	CHECK(whole.status == chunked.status);
	/* The body's text is quoted as far as it came with the head. */
	CHECK(whole.body_quoted || !strcmp(whole.why, chunked.why));
	CHECK(whole.deflate == chunked.deflate);
	CHECK(!strcmp(whole.protocol, chunked.protocol));
	ws_reading_same(&whole.ws, &chunked.ws);
	if (!whole.ws.deflate)
		CHECK(whole.ws.payload <= size);

	ws_reading_free(&whole.ws);
	ws_reading_free(&chunked.ws);
	return 0;
}
