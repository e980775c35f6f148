/* base/sha1: SHA-1 of a message, as FIPS 180-4 and OpenSSL make it. */
#include "base/sha1.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

/* FIPS 180-4's examples (NIST's "SHA1.pdf"), and the empty message. */
static const struct {
	const char *text;
	const char *digest;
} vectors[] = {
	{ "", "da39a3ee 5e6b4b0d 3255bfef 95601890 afd80709" },
	{ "abc", "a9993e36 4706816a ba3e2571 7850c26c 9cd0d89d" },
	{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	  "84983e44 1c3bd26e baae4aa1 f95129e5 e54670f1" },
};

TEST(sha1_gives_the_fips_examples)
{
	for (size_t i = 0; i < N_OF(vectors); i++) {
		unsigned char want[SHA1_LEN], got[SHA1_LEN];
		CASE("\"%s\"", vectors[i].text);
		unit_hex(vectors[i].digest, want, sizeof(want));
		sha1(vectors[i].text, strlen(vectors[i].text), got);
		CHECK_MEM(got, sizeof(got), want, sizeof(want));
	}
}

/*
 * RFC 3174 7.3's other tests: a million "a" (many blocks), and "01234567"
 * 80 times (an exact multiple of the block).
 */
TEST(sha1_gives_the_rfc3174_long_examples)
{
	static const struct {
		const char *piece;
		size_t times;
		const char *digest;
	} cases[] = {
		{ "a", 1000000, "34aa973c d4c4daa4 f61eeb2b dbad2731 6534016f" },
		{ "01234567", 80, "dea356a2 cddd90c7 a7ecedc5 ebb56393 4f460452" },
	};

	for (size_t i = 0; i < N_OF(cases); i++) {
		size_t k = strlen(cases[i].piece), n = k * cases[i].times;
		unsigned char *msg = malloc(n), want[SHA1_LEN], got[SHA1_LEN];
		CASE("\"%s\" %zu times", cases[i].piece, cases[i].times);
		if (!CHECK(msg != NULL))
			return;
		for (size_t j = 0; j < cases[i].times; j++)
			memcpy(msg + j * k, cases[i].piece, k);
		unit_hex(cases[i].digest, want, sizeof(want));
		sha1(msg, n, got);
		free(msg);
		CHECK_MEM(got, sizeof(got), want, sizeof(want));
	}
}

/* Every length around the block's edges (55, 56, 63, 64, ...), against OpenSSL's. */
TEST(sha1_agrees_with_openssl_at_every_length)
{
	unsigned char msg[300];

	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (unsigned char)(i * 131 + 7);
	for (size_t n = 0; n <= sizeof(msg); n++) {
		unsigned char want[EVP_MAX_MD_SIZE], got[SHA1_LEN];
		unsigned want_len = 0;
		CASE("%zu bytes", n);
		if (!CHECK(EVP_Digest(msg, n, want, &want_len, EVP_sha1(), NULL)))
			return;
		sha1(msg, n, got);
		CHECK_MEM(got, sizeof(got), want, want_len);
	}
}

/* RFC 6455 1.3's example: the key's accept, before base64 (s3pPLMBiTxaQ9kYGzzhZRbK+xOo=). */
TEST(sha1_gives_the_rfc6455_example_accept)
{
	static const char keyed[] = "dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
	unsigned char want[SHA1_LEN], got[SHA1_LEN];

	unit_hex("b3 7a 4f 2c c0 62 4f 16 90 f6 46 06 cf 38 59 45 b2 be c4 ea", want, sizeof(want));
	sha1(keyed, strlen(keyed), got);
	CHECK_MEM(got, sizeof(got), want, sizeof(want));
}

const struct unit_test unit_tests[] = {
	RUN(sha1_gives_the_fips_examples),
	RUN(sha1_gives_the_rfc3174_long_examples),
	RUN(sha1_agrees_with_openssl_at_every_length),
	RUN(sha1_gives_the_rfc6455_example_accept),
	{ NULL, NULL },
};
