/*
 * handshake: the WebSocket opening handshake (RFC 6455 4), both sides.
 *
 * Client: the upgrade request (a fresh key, subprotocols, the deflate
 * offer, authorization, --header lines, User-Agent), then the answer's
 * head, checked: 101, the upgrade headers, the key's answer, and nothing
 * chosen that was not offered. Server: whether a request is an opening
 * handshake at all, every check RFC 6455 4.2.1 asks of it, the
 * subprotocol and deflate choices, and the 101 answer.
 */
#ifndef RXWS_HANDSHAKE_H
#define RXWS_HANDSHAKE_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "ws/deflate.h"
#include "ws/http.h"

/* What a client asks for. */
struct ws_offer {
	const char *host;		/* the Host header */
	const char *target;		/* path and query */
	const char *const *protocols;	/* subprotocols, in order of preference */
	size_t n_protocols;
	bool deflate;
	const char *authorization;	/* an Authorization value, or NULL */
	const char *const *headers;	/* more lines, "Name: value" */
	size_t n_headers;
	const char *extra;		/* more lines, CRLF-ended, or NULL */
};

/* What the two ends agreed on. */
struct ws_agreement {
	char protocol[128];		/* "" when none */
	bool deflate;
	struct deflate_params deflate_params;
	char deflate_answer[160];	/* server: the Sec-WebSocket-Extensions it answers */
};

struct client_handshake {
	char key[25];			/* base64 of 16 random bytes */
	struct http_head answer;
};

enum handshake_state {
	HANDSHAKE_MORE,		/* the answer's head is not whole yet */
	HANDSHAKE_DONE,		/* accepted: frames follow */
	HANDSHAKE_FAILED,	/* refused or wrong; why says why */
};

void client_handshake_init(struct client_handshake *h);
void client_handshake_free(struct client_handshake *h);
/* Appends the request to out. -1: no memory or no randomness. */
int handshake_request(struct client_handshake *h, struct buf *out,
		      const struct ws_offer *offer);
/*
 * Takes n more bytes of the answer; *used of them were its head (frames
 * may follow in the same piece). On DONE the answer's head stays in
 * h->answer for the caller's own headers.
 */
enum handshake_state handshake_response(struct client_handshake *h,
					const unsigned char *p, size_t n, size_t *used,
					const struct ws_offer *offer,
					struct ws_agreement *agreed,
					char *why, size_t why_size);

/* What a server accepts. */
struct ws_policy {
	const char *const *protocols;	/* --protocol; none: no subprotocol chosen */
	size_t n_protocols;
	/* A subprotocol of the server's own, chosen first when offered, whatever protocols says. */
	const char *own;
	bool deflate;
};

/* Whether a request asks for a WebSocket (Upgrade: websocket). */
bool handshake_is_upgrade(const struct http_head *request);
/*
 * 101 when the request is a valid opening handshake (agreed says what was
 * chosen); otherwise the HTTP status to refuse it with, and why.
 */
int handshake_check(const struct http_head *request, const struct ws_policy *policy,
		    struct ws_agreement *agreed, char *why, size_t why_size);
/* Appends the 101 answer; extra: more header lines (CRLF-ended), or NULL. */
int handshake_accept(struct buf *out, const struct http_head *request,
		     const struct ws_agreement *agreed, const char *extra);

#endif
