/*
 * handshake: the client's side of the WebSocket opening handshake
 * (RFC 6455 4.1), for connections whose bytes lws leaves to us.
 *
 * It writes the upgrade request, with a fresh key, the token and --header
 * lines; then collects the response head and checks it: status 101, the
 * upgrade headers, the key's answer, and nothing we did not offer.
 */
#ifndef RXWS_HANDSHAKE_H
#define RXWS_HANDSHAKE_H

#include <stddef.h>

#include "buf.h"
#include "options.h"

/* A response head larger than this is refused. */
#define HANDSHAKE_HEAD_MAX (16u << 10)

struct handshake {
	char key[25];			/* base64 of 16 random bytes */
	struct buf head;		/* the response head, as it comes */
	int status;			/* the response's HTTP status, once known */
};

enum handshake_state {
	HANDSHAKE_MORE,		/* the response head is not whole yet */
	HANDSHAKE_DONE,		/* accepted: frames follow */
	HANDSHAKE_FAILED,	/* refused or wrong; the reason says why */
};

/* Appends the request to out. -1: no memory. */
int handshake_request(struct handshake *h, struct buf *out, const char *host,
		      const char *path, const struct config *cfg);

/*
 * Takes n more bytes of the response. On DONE, *rest points to the bytes
 * after the head (frames) and *rest_len says how many; on FAILED, why
 * says why in a sentence.
 */
enum handshake_state handshake_response(struct handshake *h, const unsigned char *p,
					size_t n, const unsigned char **rest,
					size_t *rest_len, char *why, size_t why_size);

void handshake_free(struct handshake *h);

#endif
