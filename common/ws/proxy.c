/* proxy: whether and how a client goes through an HTTP proxy (proxy.h). */
#include "ws/proxy.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/base64.h"
#include "base/url.h"

#ifndef RXWS_VERSION
#define RXWS_VERSION "0.0.0"
#endif

/* curl's default proxy port. */
#define PROXY_DEFAULT_PORT 1080

static const char *env_first(const char *const *names)
{
	for (; *names; names++) {
		const char *v = getenv(*names);
		if (v && *v)
			return v;
	}
	return NULL;
}

/* [http://][user[:password]@]host[:port][/] */
static const char *parse_proxy_url(const char *url, struct proxy *p)
{
	const char *s = url;
	const char *scheme_end = strstr(s, "://");

	memset(p, 0, sizeof(*p));
	if (scheme_end) {
		size_t n = (size_t)(scheme_end - s);
		if (!(n == 4 && !strncasecmp(s, "http", 4)))
			return "only http:// proxies are supported (no https://, no SOCKS)";
		s = scheme_end + 3;
	}
	const char *end = s + strcspn(s, "/?#");
	const char *at = memchr(s, '@', (size_t)(end - s));
	if (at) {
		/* The last '@' ends the user part: passwords may hold one. */
		for (const char *q = at + 1; q < end; q++)
			if (*q == '@')
				at = q;
		char *user = url_unescape(s, (size_t)(at - s));
		struct buf b = { 0 };
		if (!user)
			return "the proxy URL's user part has a bad %-escape, or %00 (which cannot be sent)";
		if (buf_append(&b, "Basic ", 6) ||
		    base64_put(&b, (const unsigned char *)user, strlen(user)) ||
		    buf_append_byte(&b, '\0')) {
			free(user);
			buf_free(&b);
			return "out of memory";
		}
		free(user);
		p->authorization = (char *)b.data;
		s = at + 1;
	}
	const char *host = s, *host_end, *after;
	if (*s == '[') {
		host = s + 1;
		host_end = memchr(host, ']', (size_t)(end - host));
		if (!host_end)
			return "no ']' after the proxy's IPv6 address";
		after = host_end + 1;
	} else {
		host_end = memchr(s, ':', (size_t)(end - s));
		if (!host_end)
			host_end = end;
		after = host_end;
	}
	if (host_end == host)
		return "no host in the proxy URL";
	p->port = PROXY_DEFAULT_PORT;
	if (after < end && *after == ':') {
		char *stop;
		long port = strtol(after + 1, &stop, 10);
		if (stop == after + 1 || stop != end || port < 1 || port > 65535)
			return "the proxy's port must be a number from 1 to 65535";
		p->port = (int)port;
	} else if (after != end) {
		return "unexpected characters after the proxy's host";
	}
	p->host = strndup(host, (size_t)(host_end - host));
	bool v6 = *s == '[';
	if (!p->host || asprintf(&p->shown, v6 ? "[%s]:%d" : "%s:%d", p->host, p->port) < 0) {
		p->shown = NULL;
		return "out of memory";
	}
	return NULL;
}

/* An address with a prefix length ("10.0.0.0/8", "fd00::/8") covering host. */
static bool cidr_covers(const char *item, size_t len, const char *host)
{
	char net[64];
	const char *slash = memchr(item, '/', len);
	unsigned char a[16], b[16];
	int family = strchr(host, ':') ? AF_INET6 : AF_INET;

	if (!slash || (size_t)(slash - item) >= sizeof(net))
		return false;
	memcpy(net, item, (size_t)(slash - item));
	net[slash - item] = '\0';
	long bits = strtol(slash + 1, NULL, 10);
	if (inet_pton(family, net, a) != 1 || inet_pton(family, host, b) != 1)
		return false;
	long max = family == AF_INET ? 32 : 128;
	if (bits < 0 || bits > max)
		return false;
	for (long i = 0; i < bits; i++)
		if ((a[i / 8] ^ b[i / 8]) & (0x80 >> (i % 8)))
			return false;
	return true;
}

bool proxy_host_excluded(const char *list, const char *host)
{
	const char *p = list, *end = list + strlen(list), *item;
	size_t len, hlen = strlen(host);

	while (http_list_next(&p, end, &item, &len)) {
		if (len == 1 && *item == '*')
			return true;
		if (memchr(item, '/', len)) {
			if (cidr_covers(item, len, host))
				return true;
			continue;
		}
		if (*item == '[' && len > 2 && item[len - 1] == ']') {
			item++;
			len -= 2;
		}
		if (*item == '.') {	/* ".example.org" as "example.org" */
			item++;
			len--;
		}
		if (len == hlen && !strncasecmp(item, host, len))
			return true;
		/* A domain covers its subdomains. */
		if (hlen > len && host[hlen - len - 1] == '.' &&
		    !strncasecmp(host + hlen - len, item, len))
			return true;
	}
	return false;
}

const char *proxy_choose(const char *explicit, const char *noproxy, bool tls,
			 const char *host, int port, struct proxy *out, bool *use)
{
	static const char *const for_tls[] = { "https_proxy", "HTTPS_PROXY", "all_proxy",
					       "ALL_PROXY", NULL };
	/* Not HTTP_PROXY: CGI programs get it from a request's Proxy header. */
	static const char *const for_plain[] = { "http_proxy", "all_proxy", "ALL_PROXY", NULL };
	static const char *const no_proxy[] = { "no_proxy", "NO_PROXY", NULL };
	const char *url = explicit ? explicit : env_first(tls ? for_tls : for_plain);

	(void)port;
	*use = false;
	memset(out, 0, sizeof(*out));
	if (!url || !*url)
		return NULL;
	const char *skip = noproxy ? noproxy : env_first(no_proxy);
	if (skip && proxy_host_excluded(skip, host))
		return NULL;
	const char *problem = parse_proxy_url(url, out);
	if (problem) {
		proxy_free(out);
		return problem;
	}
	*use = true;
	return NULL;
}

void proxy_free(struct proxy *p)
{
	free(p->host);
	free(p->authorization);
	free(p->shown);
	memset(p, 0, sizeof(*p));
}

int proxy_request(const struct proxy *p, const char *host, int port, struct buf *out)
{
	char target[300];
	int n = snprintf(target, sizeof(target), strchr(host, ':') ? "[%s]:%d" : "%s:%d",
			 host, port);
	if (n < 0 || (size_t)n >= sizeof(target))
		return -1;
	char head[1024];
	n = snprintf(head, sizeof(head),
		     "CONNECT %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: rxws/" RXWS_VERSION "\r\n",
		     target, target);
	if (n < 0 || (size_t)n >= sizeof(head) || buf_append(out, head, (size_t)n))
		return -1;
	if (p->authorization &&
	    (buf_append(out, "Proxy-Authorization: ", 21) ||
	     buf_append(out, p->authorization, strlen(p->authorization)) ||
	     buf_append(out, "\r\n", 2)))
		return -1;
	return buf_append(out, "\r\n", 2);
}

const char *proxy_answer_problem(const struct http_head *a, char *why, size_t size)
{
	if (a->status >= 200 && a->status < 300)
		return NULL;
	const char *hint = a->status == 407 ? " (the proxy wants credentials: give them in"
					      " the proxy URL, http://user:password@host:port)"
			 : a->status == 403 ? " (the proxy does not allow this destination)"
			 : "";
	char reason[64];
	size_t n = a->reason_len < sizeof(reason) - 1 ? a->reason_len : sizeof(reason) - 1;
	for (size_t i = 0; i < n; i++)
		reason[i] = a->reason[i] >= 0x20 && a->reason[i] < 0x7f ? a->reason[i] : '?';
	reason[n] = '\0';
	snprintf(why, size, "the proxy refused the tunnel: HTTP %d%s%s%s", a->status,
		 n ? " " : "", reason, hint);
	return why;
}
