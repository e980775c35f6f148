/*
 * sha1: SHA-1 (FIPS 180-4) of a short message, for the opening handshake's
 * Sec-WebSocket-Accept (RFC 6455 4.2.2), where it proves nothing secret:
 * not for anything that needs a secure hash.
 *
 * Ours rather than OpenSSL's: the first EVP digest of a process loads
 * OpenSSL's providers, which makes some 2 MB of libcrypto resident in a
 * ws:// server or client that otherwise never touches it.
 */
#ifndef RXWS_SHA1_H
#define RXWS_SHA1_H

#include <stddef.h>

#define SHA1_LEN 20

void sha1(const void *p, size_t n, unsigned char out[SHA1_LEN]);

#endif
