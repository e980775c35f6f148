/*
 * transport: the bytes of one connection, over an lws raw socket, in clear
 * or through TLS (OpenSSL with memory BIOs: lws moves the ciphertext, we
 * encrypt and decrypt), so that everything above it is the same for ws://
 * and wss://, TCP and unix sockets, client and server.
 *
 * Writes never block: what the socket cannot take now, lws keeps and
 * sends when it can; writers ask transport_choked() before writing more.
 */
#ifndef RXWS_TRANSPORT_H
#define RXWS_TRANSPORT_H

#include <libwebsockets.h>
#include <openssl/ssl.h>
#include <stdbool.h>

struct transport_tls;

/*
 * Small, since every connection has one: what only TLS needs (and why it
 * failed: only TLS fails here) is behind a pointer, NULL in clear.
 */
struct transport {
	struct lws *wsi;
	struct transport_tls *tls;
	bool server;
};

enum transport_result {
	TRANSPORT_OK,
	TRANSPORT_READY,	/* the TLS handshake just finished */
	TRANSPORT_STOPPED,	/* the sink said stop */
	TRANSPORT_FAILED,	/* transport_problem() says why; drop the connection */
	TRANSPORT_ENDED,	/* the peer ended TLS (close_notify) */
};

/*
 * Where received bytes go: return 0 to go on, non-zero to stop. The bytes
 * may be changed in place (unmasking).
 */
typedef int (*transport_sink)(void *arg, unsigned char *p, size_t n);

void transport_init(struct transport *t, struct lws *wsi, bool server);
/* Starts TLS (client: host names the certificate to expect). -1: no memory. */
int transport_start_tls(struct transport *t, SSL_CTX *ctx, const char *host);
/* Bytes from the socket (RAW_RX): what they carry goes to sink. */
enum transport_result transport_received(struct transport *t, unsigned char *in,
					 size_t n, transport_sink sink, void *arg);
/*
 * Sends n bytes from p. In clear, p must have LWS_PRE writable bytes before
 * it (lws' rule for lws_write). -1 when the connection is broken.
 */
int transport_write(struct transport *t, unsigned char *p, size_t n);
bool transport_choked(const struct transport *t);
/* lws still holds part of an earlier write (no system call to know). */
bool transport_buffered(const struct transport *t);
/* Why it failed (after TRANSPORT_FAILED). */
const char *transport_problem(const struct transport *t);
/* TLS: says goodbye (close_notify) before the socket closes. */
void transport_goodbye(struct transport *t);
void transport_free(struct transport *t);

#endif
