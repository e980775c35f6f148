/*
 * delivery: acknowledged, resumable streams between rxws tools: the wire form
 * (rxws(7), DELIVERY), which any other peer never sees or ignores
 * (delivery.h).
 */
#include "ws/delivery.h"

#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

static const char ack_prefix[] = "rxws-ack ";

uint64_t delivery_random(void)
{
	uint64_t v = 0;
	while (!v)
		if (getrandom(&v, sizeof(v), 0) != (ssize_t)sizeof(v))
			v = 0x9e3779b97f4a7c15ull ^ (uint64_t)(uintptr_t)&v;
	return v;
}

void delivery_session_id(char out[DELIVERY_SESSION_LEN + 1], const char *name,
			 const char *path)
{
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned len = 0;

	if (name) {
		/* The same name (and path) gives the same session, in any process. */
		EVP_MD_CTX *md = EVP_MD_CTX_new();
		if (md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) &&
		    EVP_DigestUpdate(md, name, strlen(name)) &&
		    EVP_DigestUpdate(md, "\n", 1) &&
		    (!path || EVP_DigestUpdate(md, path, strlen(path))) &&
		    EVP_DigestFinal_ex(md, digest, &len) && len >= 16) {
			EVP_MD_CTX_free(md);
			for (int i = 0; i < 16; i++)
				snprintf(out + 2 * i, 3, "%02x", digest[i]);
			return;
		}
		EVP_MD_CTX_free(md);
	}
	uint64_t a = delivery_random(), b = delivery_random();
	snprintf(out, DELIVERY_SESSION_LEN + 1, "%016" PRIx64 "%016" PRIx64, a, b);
}

int delivery_offer_put(struct buf *out, const struct delivery_offer *o)
{
	char line[256];
	int n = snprintf(line, sizeof(line),
			 DELIVERY_HEADER ": 1; session=%s; instance=%016" PRIx64 "; peer=%016" PRIx64
			 "; received=%" PRIu64 "; first=%" PRIu64 "%s\r\n",
			 o->session, o->instance, o->peer, o->received, o->first,
			 o->pos ? "; pos=1" : "");
	return n < 0 || (size_t)n >= sizeof(line) ? -1 : buf_append(out, line, (size_t)n);
}

int delivery_answer_put(struct buf *out, const struct delivery_answer *a)
{
	char line[200];
	int n = snprintf(line, sizeof(line),
			 DELIVERY_HEADER ": 1; instance=%016" PRIx64 "; received=%" PRIu64
			 "; next=%" PRIu64 "%s\r\n",
			 a->instance, a->received, a->next, a->pos ? "; pos=1" : "");
	return n < 0 || (size_t)n >= sizeof(line) ? -1 : buf_append(out, line, (size_t)n);
}

/* "k=v" among the ';'-separated parameters of value (not NUL-terminated). */
static bool param(const char *value, size_t len, const char *key, const char **v,
		  size_t *vlen)
{
	size_t klen = strlen(key);
	const char *p = value, *end = value + len;

	while (p < end) {
		while (p < end && (*p == ' ' || *p == ';'))
			p++;
		const char *stop = memchr(p, ';', (size_t)(end - p));
		if (!stop)
			stop = end;
		if ((size_t)(stop - p) > klen && p[klen] == '=' && !strncasecmp(p, key, klen)) {
			*v = p + klen + 1;
			*vlen = (size_t)(stop - *v);
			while (*vlen && (*v)[*vlen - 1] == ' ')
				(*vlen)--;
			return true;
		}
		p = stop;
	}
	return false;
}

static bool number(const char *value, size_t len, const char *key, int base, uint64_t *out)
{
	const char *v;
	size_t n;
	char text[24];

	if (!param(value, len, key, &v, &n) || !n || n >= sizeof(text))
		return false;
	memcpy(text, v, n);
	text[n] = '\0';
	char *end;
	unsigned long long x = strtoull(text, &end, base);
	if (*end || text[0] == '-' || text[0] == '+')
		return false;
	*out = x;
	return true;
}

/* The header's value when it speaks version 1. */
static const char *version1(const struct http_head *h, size_t *len)
{
	const char *v = http_field(h, DELIVERY_HEADER, len);
	if (!v || *len < 1 || v[0] != '1' || (*len > 1 && v[1] != ';' && v[1] != ' '))
		return NULL;
	return v;
}

bool delivery_offer_get(const struct http_head *h, struct delivery_offer *o)
{
	size_t len, slen;
	const char *v = version1(h, &len), *s;

	if (!v || !param(v, len, "session", &s, &slen) || slen != DELIVERY_SESSION_LEN)
		return false;
	for (size_t i = 0; i < slen; i++)
		if (!strchr("0123456789abcdef", s[i]))
			return false;
	memcpy(o->session, s, slen);
	o->session[slen] = '\0';
	uint64_t pos = 0;
	o->pos = number(v, len, "pos", 10, &pos) && pos == 1;
	return number(v, len, "instance", 16, &o->instance) && o->instance &&
	       number(v, len, "peer", 16, &o->peer) &&
	       number(v, len, "received", 10, &o->received) &&
	       number(v, len, "first", 10, &o->first) && o->first;
}

bool delivery_answer_get(const struct http_head *h, struct delivery_answer *a)
{
	size_t len;
	const char *v = version1(h, &len);
	uint64_t pos = 0;

	if (!v)
		return false;
	a->pos = number(v, len, "pos", 10, &pos) && pos == 1;
	return number(v, len, "instance", 16, &a->instance) && a->instance &&
	       number(v, len, "received", 10, &a->received) &&
	       number(v, len, "next", 10, &a->next) && a->next;
}

size_t delivery_ack_put(unsigned char out[DELIVERY_ACK_MAX], uint64_t count)
{
	int n = snprintf((char *)out, DELIVERY_ACK_MAX, "%s%" PRIu64, ack_prefix, count);
	return n > 0 ? (size_t)n : 0;
}

bool delivery_ack_get(const unsigned char *p, size_t n, uint64_t *count)
{
	size_t k = sizeof(ack_prefix) - 1;
	uint64_t v = 0;

	if (n <= k || n > DELIVERY_ACK_MAX || memcmp(p, ack_prefix, k))
		return false;
	for (size_t i = k; i < n; i++) {
		if (p[i] < '0' || p[i] > '9' || v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(p[i] - '0');
	}
	*count = v;
	return true;
}
