/* tls: OpenSSL for rxws' own connections, server and client side (tls.h). */
#include "ws/tls.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>

static const unsigned char alpn_http11[] = "\x08http/1.1";

static void openssl_reason(char *why, size_t size, const char *what)
{
	unsigned long e = ERR_peek_last_error();
	const char *reason = e ? ERR_reason_error_string(e) : NULL;

	snprintf(why, size, "%s%s%s", what, reason ? ": " : "", reason ? reason : "");
	ERR_clear_error();
}

/* Chooses HTTP/1.1 when the client offers it; no ALPN otherwise. */
static int choose_alpn(SSL *ssl, const unsigned char **out, unsigned char *outlen,
		       const unsigned char *in, unsigned inlen, void *arg)
{
	(void)ssl;
	(void)arg;
	for (unsigned i = 0; i < inlen; i += 1u + in[i]) {
		if (in[i] == 8 && i + 9 <= inlen && !memcmp(in + i + 1, "http/1.1", 8)) {
			*out = in + i + 1;
			*outlen = 8;
			return SSL_TLSEXT_ERR_OK;
		}
	}
	return SSL_TLSEXT_ERR_NOACK;
}

SSL_CTX *tls_server_context(const char *cert, const char *key, char *why, size_t size)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (!ctx) {
		openssl_reason(why, size, "cannot set up TLS");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		openssl_reason(why, size, "--cert is not a PEM certificate");
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		openssl_reason(why, size, "--key is not a PEM private key");
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		openssl_reason(why, size, "--key is not the key of --cert");
		goto fail;
	}
	SSL_CTX_set_alpn_select_cb(ctx, choose_alpn, NULL);
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

SSL_CTX *tls_client_context(const char *cacert, bool insecure, char *why, size_t size)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (!ctx) {
		openssl_reason(why, size, "cannot set up TLS");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	if (insecure) {
		SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	} else {
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
		if (cacert ? SSL_CTX_load_verify_locations(ctx, cacert, NULL) != 1
			   : SSL_CTX_set_default_verify_paths(ctx) != 1) {
			openssl_reason(why, size, cacert ? "--cacert holds no PEM certificate"
							 : "cannot read the system's certificates");
			SSL_CTX_free(ctx);
			return NULL;
		}
	}
	SSL_CTX_set_alpn_protos(ctx, alpn_http11, sizeof(alpn_http11) - 1);
	return ctx;
}

void tls_context_free(SSL_CTX *ctx)
{
	SSL_CTX_free(ctx);
}

static bool is_ip_literal(const char *host)
{
	unsigned char addr[16];
	return inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1;
}

SSL *tls_session(SSL_CTX *ctx, bool server, const char *host)
{
	SSL *ssl = SSL_new(ctx);

	if (!ssl)
		return NULL;
	if (server) {
		SSL_set_accept_state(ssl);
		return ssl;
	}
	SSL_set_connect_state(ssl);
	if (host && is_ip_literal(host)) {
		X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host);
	} else if (host) {
		SSL_set_tlsext_host_name(ssl, host);
		SSL_set1_host(ssl, host);
	}
	return ssl;
}

/* What to do about the reason OpenSSL gave for refusing a certificate. */
static const char *certificate_hint(long error)
{
	switch (error) {
	case X509_V_ERR_HOSTNAME_MISMATCH:
	case X509_V_ERR_IP_ADDRESS_MISMATCH:
		return "connect by a name or address it is for";
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
		return "its CA is not trusted here: see --cacert";
	case X509_V_ERR_CERT_HAS_EXPIRED:
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return "check the clocks, or renew it";
	default:
		return "see --cacert, or --insecure to skip the check";
	}
}

void tls_explain(SSL *ssl, bool server, char *why, size_t size)
{
	long verify = SSL_get_verify_result(ssl);
	unsigned long e = ERR_peek_last_error();
	int reason = e ? ERR_GET_REASON(e) : 0;

	if (!server && verify != X509_V_OK) {
		snprintf(why, size, "the server's certificate was refused: %s (%s)",
			 X509_verify_cert_error_string(verify), certificate_hint(verify));
	} else if (reason == SSL_R_WRONG_VERSION_NUMBER || reason == SSL_R_HTTP_REQUEST ||
		   reason == SSL_R_UNKNOWN_PROTOCOL || reason == SSL_R_PACKET_LENGTH_TOO_LONG) {
		snprintf(why, size, server ? "the client does not speak TLS (plain HTTP on a TLS port)"
					   : "the server does not speak TLS on that port (use ws://)");
	} else {
		openssl_reason(why, size, "TLS failed");
		return;
	}
	ERR_clear_error();
}
