/*
 * fuzz_proxy: the proxy settings a client reads (proxy.h): a --proxy URL
 * (proxy_choose() with it given), --noproxy lists (proxy_host_excluded()),
 * and the CONNECT request made from them. The proxy's answer is read in
 * fuzz_client_frames.
 *
 * Input: byte 0 picks the part:
 *   even  a --noproxy list, then after the first newline the host asked
 *         for (both up to a NUL);
 *   odd   a --proxy URL (up to a NUL); bit 1: the server is wss:// on
 *         port 443 (else ws:// on 80), bit 2: its host is ::1 (else
 *         example.com).
 *
 * Checks, beyond no crash, leak or sanitizer report:
 *  - noproxy: the answer does not change with the case of the letters of
 *    the list or the host; a list covers a host exactly when one of its
 *    items alone does; "*" covers every host; a plain name covers itself
 *    and its subdomains, not a name that only ends with it; an address
 *    with the whole prefix (/32, /128) covers itself, and one past it
 *    (/33, /129) nothing;
 *  - proxy URL: accepted only with no scheme or http:// (any case); then
 *    a host without '@', '/', '?' or '#', a port from 1 to 65535 (1080
 *    when none is given), "host:port" shown (never the user part), and,
 *    when a user part was given, an Authorization "Basic " + the base64
 *    of exactly its %-decoding; refused, nothing is left to free;
 *  - the CONNECT request reads back (http_head_feed()) as one whole head
 *    for the server's host:port (in brackets for IPv6), with that Host and
 *    the proxy's Authorization.
 */
#include "fuzz.h"
#include "ws/http.h"
#include "ws/proxy.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <openssl/evp.h>
#include <strings.h>

/* ---- noproxy ---- */

static char *cased(const char *s, int (*to)(int))
{
	char *c = strdup(s);
	CHECK(c != NULL);
	for (char *p = c; *p; p++)
		*p = (char)to((unsigned char)*p);
	return c;
}

static bool plain_name(const char *s)
{
	if (!*s || *s == '.')
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '.' && *s != '-')
			return false;
	return true;
}

static bool excluded_with(const char *fmt, const char *item, const char *host)
{
	char *list;
	CHECK(asprintf(&list, fmt, item) > 0);
	bool covered = proxy_host_excluded(list, host);
	free(list);
	return covered;
}

static void noproxy(const char *text)
{
	const char *nl = strchr(text, '\n');
	char *list = strndup(text, nl ? (size_t)(nl - text) : strlen(text));
	const char *host = nl ? nl + 1 : "example.com";

	CHECK(list != NULL);
	bool covered = proxy_host_excluded(list, host);

	/* Any case. */
	char *ll = cased(list, tolower), *lh = cased(host, tolower);
	char *ul = cased(list, toupper), *uh = cased(host, toupper);
	CHECK(proxy_host_excluded(ll, lh) == covered);
	CHECK(proxy_host_excluded(ul, uh) == covered);
	CHECK(proxy_host_excluded(ll, uh) == covered);
	free(ll);
	free(lh);
	free(ul);
	free(uh);

	/* Item by item: a list is its items, or'ed. */
	bool any = false, star = false;
	for (char *save = NULL, *item = strtok_r(list, ",", &save); item;
	     item = strtok_r(NULL, ",", &save)) {
		any |= proxy_host_excluded(item, host);
		const char *s = item + strspn(item, " \t");
		size_t len = strlen(s);
		while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
			len--;
		star |= len == 1 && *s == '*';
	}
	CHECK(covered == any);
	if (star)
		CHECK(covered);

	/* Names and their subdomains. */
	if (plain_name(host) && strlen(host) < 200) {
		CHECK(excluded_with("%s", host, host));
		CHECK(excluded_with(".%s", host, host));
		CHECK(excluded_with("x,%s", host, host));
		char *sub, *near;
		CHECK(asprintf(&sub, "a.%s", host) > 0 && asprintf(&near, "a%s", host) > 0);
		CHECK(proxy_host_excluded(host, sub));
		CHECK(!proxy_host_excluded(host, near));
		free(sub);
		free(near);
	}

	/* Addresses and prefixes. */
	unsigned char a[16];
	if (strlen(host) < 60 && inet_pton(AF_INET, host, a) == 1) {
		CHECK(excluded_with("%s/32", host, host));
		CHECK(!excluded_with("%s/33", host, host));
	} else if (strlen(host) < 60 && inet_pton(AF_INET6, host, a) == 1) {
		CHECK(excluded_with("%s/128", host, host));
		CHECK(!excluded_with("%s/129", host, host));
	}
	free(list);
}

/* ---- the proxy URL ---- */

static int hex(char c)
{
	return isdigit((unsigned char)c) ? c - '0'
	     : isxdigit((unsigned char)c) ? tolower((unsigned char)c) - 'a' + 10 : -1;
}

/* %-decodes n bytes into out (room for n); its length, or -1 on a bad escape. */
static long ref_decode(const char *s, size_t n, unsigned char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '%') {
			out[o++] = (unsigned char)s[i];
			continue;
		}
		if (i + 2 >= n || hex(s[i + 1]) < 0 || hex(s[i + 2]) < 0)
			return -1;
		out[o++] = (unsigned char)(hex(s[i + 1]) << 4 | hex(s[i + 2]));
		i += 2;
	}
	return (long)o;
}

/* The bytes a base64 text stands for; -1 when it is not base64. */
static long ref_base64(const char *s, unsigned char *out)
{
	size_t n = strlen(s);
	if (n % 4)
		return -1;
	int len = EVP_DecodeBlock(out, (const unsigned char *)s, (int)n);
	if (len < 0)
		return -1;
	if (n && s[n - 1] == '=')
		len--;
	if (n > 1 && s[n - 2] == '=')
		len--;
	return len;
}

static void check_connect(const struct proxy *p, bool tls, bool v6)
{
	const char *host = v6 ? "::1" : "example.com";
	int port = tls ? 443 : 80;
	char want[64];
	struct buf req = { 0 };
	struct http_head h;
	const char *why = NULL;
	size_t used = 0, len;

	snprintf(want, sizeof(want), v6 ? "[%s]:%d" : "%s:%d", host, port);
	CHECK(proxy_request(p, host, port, &req) == 0);
	http_head_init(&h);
	CHECK(http_head_feed(&h, false, req.data, req.len, &used, &why) == HTTP_DONE);
	CHECK(used == req.len);
	CHECK(h.method_len == 7 && !memcmp(h.method, "CONNECT", 7));
	CHECK(h.target_len == strlen(want) && !memcmp(h.target, want, h.target_len));
	const char *v = http_field(&h, "Host", &len);
	CHECK(v && len == strlen(want) && !memcmp(v, want, len));
	v = http_field(&h, "Proxy-Authorization", &len);
	if (p->authorization) {	/* as a field's value: without trailing spaces */
		size_t alen = strlen(p->authorization);
		while (alen && p->authorization[alen - 1] == ' ')
			alen--;
		CHECK(v && len == alen && !memcmp(v, p->authorization, len));
	}
	else
		CHECK(!v);
	http_head_free(&h);
	buf_free(&req);
}

static void proxy_url(const char *url, bool tls, bool v6)
{
	struct proxy p;
	bool use = true;
	const char *why = proxy_choose(url, "", tls, v6 ? "::1" : "example.com",
				       tls ? 443 : 80, &p, &use);

	if (why || !*url) {
		CHECK(!use);
		CHECK(!p.host && !p.authorization && !p.shown);
		return;
	}
	CHECK(use);

	/* [http://][user[:password]@]host[:port][/...] */
	const char *scheme_end = strstr(url, "://");
	const char *s = url;
	if (scheme_end) {
		CHECK(scheme_end - url == 4 && !strncasecmp(url, "http", 4));
		s = scheme_end + 3;
	}
	size_t authority = strcspn(s, "/?#");
	const char *at = NULL;
	for (const char *q = s; q < s + authority; q++)
		if (*q == '@')
			at = q;

	CHECK(p.host && *p.host);
	CHECK(!strpbrk(p.host, "@/?#"));
	CHECK(p.port >= 1 && p.port <= 65535);
	/* The port, when one is given after the host (or its brackets). */
	const char *hs = at ? at + 1 : s, *end = s + authority;
	const char *after = *hs == '[' ? memchr(hs, ']', (size_t)(end - hs)) : hs;
	CHECK(after != NULL);
	after = memchr(after, ':', (size_t)(end - after));
	if (!after)
		CHECK(p.port == 1080);
	else
		CHECK(p.port == atoi(after + 1));
	char *shown;
	CHECK(asprintf(&shown, *hs == '[' ? "[%s]:%d" : "%s:%d", p.host, p.port) > 0);
	CHECK(!strcmp(p.shown, shown));
	free(shown);

	if (at) {
		unsigned char user[8192], sent[8192];
		long n = ref_decode(s, (size_t)(at - s), user);
		CHECK(n >= 0);
		CHECK(p.authorization && !strncmp(p.authorization, "Basic ", 6));
		CHECK(strlen(p.authorization + 6) < sizeof(sent));
		long m = ref_base64(p.authorization + 6, sent);
		CHECK(same_bytes(sent, m < 0 ? 0 : (size_t)m, user, (size_t)n) && m >= 0);
	} else {
		CHECK(!p.authorization);
	}
	check_connect(&p, tls, v6);
	proxy_free(&p);
	CHECK(!p.host && !p.authorization && !p.shown);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	char *text = strndup((const char *)data + 1, size - 1);
	CHECK(text != NULL);
	if (data[0] & 1)
		proxy_url(text, data[0] & 2, data[0] & 4);
	else
		noproxy(text);
	free(text);
	return 0;
}
