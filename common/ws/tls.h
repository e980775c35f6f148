/*
 * tls: OpenSSL for rxws' own connections, server and client side.
 *
 * A context per process: the server's certificate and key, or the
 * client's trusted authorities (the system's, or --cacert) and whether to
 * check at all (--insecure). ALPN offers and accepts HTTP/1.1 only, so a
 * browser never moves a page's WebSockets onto HTTP/2 (RFC 8441), which
 * rxws does not speak. Failures are put in words a user can act on.
 */
#ifndef RXWS_TLS_H
#define RXWS_TLS_H

#include <openssl/ssl.h>
#include <stdbool.h>
#include <stddef.h>

/* NULL, with why (a sentence), when the files are not a certificate and its key. */
SSL_CTX *tls_server_context(const char *cert, const char *key, char *why, size_t size);
SSL_CTX *tls_client_context(const char *cacert, bool insecure, char *why, size_t size);
void tls_context_free(SSL_CTX *ctx);

/*
 * A session for one connection. Client side, host is the name or address
 * the certificate must be for (and the SNI name); NULL on the server.
 */
SSL *tls_session(SSL_CTX *ctx, bool server, const char *host);

/* Why a session failed, after SSL_get_error() said SSL_ERROR_SSL. */
void tls_explain(SSL *ssl, bool server, char *why, size_t size);

#endif
