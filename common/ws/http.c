/* http: HTTP/1.1 message heads (RFC 9112), read strictly (http.h). */
#include "ws/http.h"

#include <string.h>
#include <strings.h>

void http_head_init(struct http_head *h)
{
	memset(h, 0, sizeof(*h));
	h->raw.max = HTTP_HEAD_MAX;
}

void http_head_free(struct http_head *h)
{
	buf_free(&h->raw);
}

void http_head_reset(struct http_head *h)
{
	struct buf raw = h->raw;

	memset(h, 0, sizeof(*h));
	h->raw = raw;
	h->raw.len = 0;
}

static bool is_tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z') || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* Splits the lines of the whole head into the request or status line and fields. */
static enum http_feed parse(struct http_head *h, bool response, const char **why)
{
	const char *p = (const char *)h->raw.data;
	const char *end = p + h->raw.len - 2;	/* before the final CRLF */
	const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
	size_t len = (size_t)(eol - p);

	if (response) {
		/* HTTP/1.x SP 3DIGIT SP reason */
		if (len < 12 || memcmp(p, "HTTP/1.", 7) || p[7] < '0' || p[7] > '9' ||
		    p[8] != ' ' || (len > 12 && p[12] != ' ')) {
			*why = "the status line is not HTTP/1.x";
			return HTTP_MALFORMED;
		}
		h->minor_version = p[7] - '0';
		for (int i = 9; i < 12; i++) {
			if (p[i] < '0' || p[i] > '9') {
				*why = "the status code is not three digits";
				return HTTP_MALFORMED;
			}
			h->status = h->status * 10 + (p[i] - '0');
		}
		h->reason = len > 13 ? p + 13 : p + len;
		h->reason_len = len > 13 ? len - 13 : 0;
	} else {
		/* method SP target SP HTTP/1.x */
		const char *sp1 = memchr(p, ' ', len);
		const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1)) : NULL;
		if (!sp1 || !sp2 || sp1 == p || sp2 == sp1 + 1 || eol - sp2 != 9 ||
		    memcmp(sp2 + 1, "HTTP/1.", 7) || sp2[8] < '0' || sp2[8] > '9') {
			*why = "the request line is not 'METHOD TARGET HTTP/1.x'";
			return HTTP_MALFORMED;
		}
		for (const char *q = p; q < sp1; q++)
			if (!is_tchar((unsigned char)*q)) {
				*why = "the method is not a token";
				return HTTP_MALFORMED;
			}
		for (const char *q = sp1 + 1; q < sp2; q++)
			if ((unsigned char)*q <= ' ' || *q == 0x7f) {
				*why = "the request target holds a control character or space";
				return HTTP_MALFORMED;
			}
		h->method = p;
		h->method_len = (size_t)(sp1 - p);
		h->target = sp1 + 1;
		h->target_len = (size_t)(sp2 - sp1 - 1);
		h->minor_version = sp2[8] - '0';
	}

	for (p = eol + 2; p < end; p = eol + 2) {
		eol = memmem(p, (size_t)(end + 2 - p), "\r\n", 2);
		if (is_ows(*p)) {
			*why = "a folded header line (obsolete, RFC 9112 5.2)";
			return HTTP_MALFORMED;
		}
		const char *colon = memchr(p, ':', (size_t)(eol - p));
		if (!colon || colon == p) {
			*why = "a header line without a name";
			return HTTP_MALFORMED;
		}
		for (const char *q = p; q < colon; q++)
			if (!is_tchar((unsigned char)*q)) {
				*why = "a header name that is not a token";
				return HTTP_MALFORMED;
			}
		const char *v = colon + 1, *ve = eol;
		while (v < ve && is_ows(*v))
			v++;
		while (ve > v && is_ows(ve[-1]))
			ve--;
		for (const char *q = v; q < ve; q++)
			if (((unsigned char)*q < ' ' && *q != '\t') || *q == 0x7f) {
				*why = "a header value holds a control character";
				return HTTP_MALFORMED;
			}
		if (h->n_fields == HTTP_HEADERS_MAX) {
			*why = "more than 64 header fields";
			return HTTP_TOO_LARGE;
		}
		h->fields[h->n_fields++] = (struct http_field){
			.name = p, .name_len = (size_t)(colon - p),
			.value = v, .value_len = (size_t)(ve - v),
		};
	}
	return HTTP_DONE;
}

enum http_feed http_head_feed(struct http_head *h, bool response,
			      const unsigned char *p, size_t n, size_t *used,
			      const char **why)
{
	size_t before = h->raw.len;
	size_t room = HTTP_HEAD_MAX - before;
	size_t take = n < room ? n : room;

	*used = 0;
	if (buf_append(&h->raw, p, take)) {
		*why = "out of memory";
		return HTTP_TOO_LARGE;
	}
	const unsigned char *d = h->raw.data;
	if (response && h->raw.len >= 5 && memcmp(d, "HTTP/", 5)) {
		*why = "the answer is not HTTP";
		return HTTP_MALFORMED;
	}
	size_t from = before > 3 ? before - 3 : 0;
	const unsigned char *blank = memmem(d + from, h->raw.len - from, "\r\n\r\n", 4);
	size_t end = blank ? (size_t)(blank - d) + 4 : h->raw.len;
	/* A lone LF ends no line here: it is an error, seen at once. */
	for (size_t i = before; i < end; i++) {
		if (d[i] == '\n' && (i == 0 || d[i - 1] != '\r')) {
			*why = "a line that ends in a bare LF, not CRLF";
			return HTTP_MALFORMED;
		}
		if (!d[i]) {
			*why = "a NUL byte in the head";
			return HTTP_MALFORMED;
		}
	}
	if (!blank) {
		if (h->raw.len >= HTTP_HEAD_MAX) {
			*why = "a head over 16 KiB";
			return HTTP_TOO_LARGE;
		}
		return HTTP_MORE;
	}
	size_t head_len = (size_t)(blank - d) + 4;
	*used = head_len - before;
	h->raw.len = head_len;
	return parse(h, response, why);
}

static bool name_is(const struct http_field *f, const char *name)
{
	return f->name_len == strlen(name) && !strncasecmp(f->name, name, f->name_len);
}

const char *http_field(const struct http_head *h, const char *name, size_t *len)
{
	for (size_t i = 0; i < h->n_fields; i++)
		if (name_is(&h->fields[i], name)) {
			*len = h->fields[i].value_len;
			return h->fields[i].value;
		}
	*len = 0;
	return NULL;
}

size_t http_field_count(const struct http_head *h, const char *name)
{
	size_t n = 0;
	for (size_t i = 0; i < h->n_fields; i++)
		n += name_is(&h->fields[i], name);
	return n;
}

bool http_list_next(const char **p, const char *end, const char **item,
		    size_t *item_len)
{
	const char *s = *p;

	for (;;) {
		while (s < end && (is_ows(*s) || *s == ','))
			s++;
		if (s >= end) {
			*p = s;
			return false;
		}
		const char *e = memchr(s, ',', (size_t)(end - s));
		if (!e)
			e = end;
		const char *t = e;
		while (t > s && is_ows(t[-1]))
			t--;
		*item = s;
		*item_len = (size_t)(t - s);
		*p = e;
		if (*item_len)
			return true;
		s = e;
	}
}

bool http_field_has_token(const struct http_head *h, const char *name,
			  const char *token)
{
	size_t tlen = strlen(token);

	for (size_t i = 0; i < h->n_fields; i++) {
		if (!name_is(&h->fields[i], name))
			continue;
		const char *p = h->fields[i].value, *end = p + h->fields[i].value_len;
		const char *item;
		size_t len;
		while (http_list_next(&p, end, &item, &len))
			if (len == tlen && !strncasecmp(item, token, tlen))
				return true;
	}
	return false;
}

static int hex_value(char c)
{
	return c >= '0' && c <= '9' ? c - '0'
	     : c >= 'a' && c <= 'f' ? c - 'a' + 10
	     : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Percent-decodes n bytes into out; its length, or -1. */
static long unescape(const char *p, size_t n, char *out, size_t size, bool plus_is_space)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (c == '%') {
			if (i + 2 >= n)
				return -1;
			int hi = hex_value(p[i + 1]), lo = hex_value(p[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			c = (char)(hi << 4 | lo);
			i += 2;
		} else if (c == '+' && plus_is_space) {
			c = ' ';
		}
		if (o + 1 >= size)
			return -1;
		out[o++] = c;
	}
	out[o] = '\0';
	return (long)o;
}

long http_target_path(const char *target, size_t len, char *out, size_t size)
{
	size_t path_len = 0;

	/* The target is not NUL-terminated: it ends at len. */
	while (path_len < len && target[path_len] != '?' && target[path_len] != '#')
		path_len++;
	if (!path_len || target[0] != '/')
		return -1;
	long n = unescape(target, path_len, out, size, false);
	if (n < 0)
		return -1;
	/* RFC 3986 5.2.4, on whole segments: "." goes, ".." takes one back. */
	size_t w = 0;
	for (size_t r = 0; r < (size_t)n;) {
		size_t end = r + 1;
		while (end < (size_t)n && out[end] != '/')
			end++;
		size_t seg = end - r - 1;	/* after the '/' */
		const char *s = out + r + 1;
		bool last = end == (size_t)n;
		if (seg == 1 && s[0] == '.') {
			if (last)
				out[w++] = '/';
		} else if (seg == 2 && s[0] == '.' && s[1] == '.') {
			while (w > 0 && out[--w] != '/')
				;
			if (last)
				out[w++] = '/';
		} else {
			memmove(out + w, out + r, end - r);
			w += end - r;
		}
		r = end;
	}
	if (!w)
		out[w++] = '/';
	out[w] = '\0';
	return (long)w;
}

bool http_query_param(const char *target, size_t len, const char *name,
		      char *out, size_t size)
{
	const char *q = memchr(target, '?', len);
	size_t name_len = strlen(name);

	if (!q)
		return false;
	const char *end = target + len;
	for (const char *p = q + 1; p < end;) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *stop = amp ? amp : end;
		if ((size_t)(stop - p) > name_len && p[name_len] == '=' &&
		    !memcmp(p, name, name_len))
			return unescape(p + name_len + 1, (size_t)(stop - p - (long)name_len - 1),
					out, size, true) >= 0;
		p = stop + 1;
	}
	return false;
}

const char *http_status_text(int status)
{
	switch (status) {
	case 101: return "Switching Protocols";
	case 200: return "OK";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 426: return "Upgrade Required";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Error";
	}
}
