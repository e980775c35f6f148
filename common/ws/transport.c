/* transport: the bytes of one connection, clear or TLS (transport.h). */
#include "ws/transport.h"

#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "ws/tls.h"

/* What one SSL_read may hand on at once. */
#define PLAIN_SIZE (64u << 10)
/* Ciphertext moves to lws in writes of at most this. */
#define CIPHER_CHUNK (256u << 10)

struct transport_tls {
	SSL *ssl;
	bool ready;			/* the TLS handshake is done */
	unsigned char *plain;		/* what TLS decrypted, handed on */
	struct buf cipher;		/* what TLS encrypted, for lws */
	char problem[256];		/* why it failed */
};

void transport_init(struct transport *t, struct lws *wsi, bool server)
{
	memset(t, 0, sizeof(*t));
	t->wsi = wsi;
	t->server = server;
}

void transport_free(struct transport *t)
{
	struct transport_tls *tls = t->tls;

	if (!tls)
		return;
	if (tls->ssl)
		SSL_free(tls->ssl);	/* and its BIOs */
	free(tls->plain);
	buf_free(&tls->cipher);
	free(tls);
	t->tls = NULL;
}

/* Moves what TLS has written to lws. */
static int flush_cipher(struct transport *t)
{
	struct transport_tls *tls = t->tls;
	BIO *out = SSL_get_wbio(tls->ssl);
	size_t pending;

	while ((pending = BIO_ctrl_pending(out)) > 0) {
		size_t n = pending < CIPHER_CHUNK ? pending : CIPHER_CHUNK;
		tls->cipher.len = 0;
		if (buf_reserve(&tls->cipher, LWS_PRE + n))
			return -1;
		int got = BIO_read(out, tls->cipher.data + LWS_PRE, (int)n);
		if (got <= 0)
			return -1;
		if (lws_write(t->wsi, tls->cipher.data + LWS_PRE, (size_t)got, LWS_WRITE_RAW) < 0)
			return -1;
	}
	return 0;
}

int transport_start_tls(struct transport *t, SSL_CTX *ctx, const char *host)
{
	struct transport_tls *tls = calloc(1, sizeof(*tls));

	if (!tls)
		return -1;
	t->tls = tls;
	BIO *in = BIO_new(BIO_s_mem()), *out = BIO_new(BIO_s_mem());
	tls->ssl = tls_session(ctx, t->server, host);
	tls->plain = malloc(PLAIN_SIZE);
	if (!in || !out || !tls->ssl || !tls->plain) {
		BIO_free(in);
		BIO_free(out);
		return -1;
	}
	SSL_set_bio(tls->ssl, in, out);
	if (t->server)
		return 0;
	/* The client speaks first: its hello goes out now. */
	int rc = SSL_do_handshake(tls->ssl);
	if (rc <= 0 && SSL_get_error(tls->ssl, rc) != SSL_ERROR_WANT_READ)
		return -1;
	return flush_cipher(t);
}

static enum transport_result failed(struct transport *t, int rc)
{
	struct transport_tls *tls = t->tls;
	int err = SSL_get_error(tls->ssl, rc);

	if (err == SSL_ERROR_ZERO_RETURN)
		return TRANSPORT_ENDED;
	if (err == SSL_ERROR_SSL)
		tls_explain(tls->ssl, t->server, tls->problem, sizeof(tls->problem));
	else
		snprintf(tls->problem, sizeof(tls->problem), "TLS failed (%s)",
			 err == SSL_ERROR_SYSCALL ? "the connection broke" : "internal error");
	ERR_clear_error();
	return TRANSPORT_FAILED;
}

enum transport_result transport_received(struct transport *t, unsigned char *in,
					 size_t n, transport_sink sink, void *arg)
{
	struct transport_tls *tls = t->tls;
	enum transport_result result = TRANSPORT_OK;

	if (!tls)
		return sink(arg, in, n) ? TRANSPORT_STOPPED : TRANSPORT_OK;

	if (BIO_write(SSL_get_rbio(tls->ssl), in, (int)n) != (int)n) {
		snprintf(tls->problem, sizeof(tls->problem), "out of memory for TLS");
		return TRANSPORT_FAILED;
	}
	if (!tls->ready) {
		int rc = SSL_do_handshake(tls->ssl);
		if (rc <= 0) {
			if (SSL_get_error(tls->ssl, rc) != SSL_ERROR_WANT_READ) {
				enum transport_result r = failed(t, rc);
				flush_cipher(t);	/* the alert, if any */
				return r;
			}
			return flush_cipher(t) ? TRANSPORT_FAILED : TRANSPORT_OK;
		}
		tls->ready = true;
		result = TRANSPORT_READY;
	}
	for (;;) {
		int got = SSL_read(tls->ssl, tls->plain, PLAIN_SIZE);
		if (got <= 0) {
			if (SSL_get_error(tls->ssl, got) == SSL_ERROR_WANT_READ)
				break;
			return failed(t, got);
		}
		if (sink(arg, tls->plain, (size_t)got))
			return TRANSPORT_STOPPED;
	}
	/* Reading may have written too (session tickets, key updates). */
	return flush_cipher(t) ? TRANSPORT_FAILED : result;
}

int transport_write(struct transport *t, unsigned char *p, size_t n)
{
	if (!n)
		return 0;
	if (!t->tls)
		return lws_write(t->wsi, p, n, LWS_WRITE_RAW) < 0 ? -1 : 0;
	while (n) {
		int chunk = n > (1u << 30) ? 1 << 30 : (int)n;
		int rc = SSL_write(t->tls->ssl, p, chunk);
		if (rc <= 0)
			return -1;
		p += rc;
		n -= (size_t)rc;
	}
	return flush_cipher(t);
}

bool transport_choked(const struct transport *t)
{
	return lws_send_pipe_choked(t->wsi);
}

bool transport_buffered(const struct transport *t)
{
	return lws_partial_buffered(t->wsi);
}

const char *transport_problem(const struct transport *t)
{
	return t->tls && t->tls->problem[0] ? t->tls->problem : "the connection failed";
}

void transport_goodbye(struct transport *t)
{
	if (t->tls && t->tls->ready) {
		SSL_shutdown(t->tls->ssl);
		flush_cipher(t);
	}
}
