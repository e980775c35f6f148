/*
 * http: HTTP/1.1 message heads (RFC 9112), read strictly.
 *
 * A head arrives in pieces; http_head_feed() keeps what belongs to it (up
 * to HTTP_HEAD_MAX bytes) and says where it ends, so that what follows (a
 * WebSocket's first frames, a pipelined request) stays with the caller.
 * Lines must end in CRLF; obsolete line folding and header names that are
 * not tokens are refused. Parsed heads give the request line or status
 * line, and header lookup by name (case-insensitive), comma lists included.
 */
#ifndef RXWS_HTTP_H
#define RXWS_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"

#define HTTP_HEAD_MAX (16u << 10)
#define HTTP_HEADERS_MAX 64

struct http_field {
	const char *name, *value;	/* into the head; not NUL-terminated */
	size_t name_len, value_len;
};

struct http_head {
	struct buf raw;			/* the head's bytes, up to its blank line */
	/* Request: method, target, version. Response: version, status, reason. */
	const char *method, *target, *reason;
	size_t method_len, target_len, reason_len;
	int minor_version;		/* HTTP/1.x */
	int status;
	struct http_field fields[HTTP_HEADERS_MAX];
	size_t n_fields;
};

enum http_feed {
	HTTP_MORE,		/* the head is not whole yet */
	HTTP_DONE,		/* whole: *used bytes of this piece were the head's */
	HTTP_TOO_LARGE,		/* over HTTP_HEAD_MAX, or too many fields */
	HTTP_MALFORMED,		/* not an HTTP/1.x head */
};

void http_head_init(struct http_head *h);
void http_head_free(struct http_head *h);
/* Starts over for the next message (keeps the buffer). */
void http_head_reset(struct http_head *h);

/*
 * Takes n more bytes. A response must start with "HTTP/", which is told
 * at once; a request is parsed when it is whole. On HTTP_MALFORMED and
 * HTTP_TOO_LARGE, *why says what was wrong.
 */
enum http_feed http_head_feed(struct http_head *h, bool response,
			      const unsigned char *p, size_t n, size_t *used,
			      const char **why);

/* The first field of that name, its value and length; NULL when absent. */
const char *http_field(const struct http_head *h, const char *name, size_t *len);
/* How many fields have that name. */
size_t http_field_count(const struct http_head *h, const char *name);
/* Whether any field of that name lists token (comma lists, any case). */
bool http_field_has_token(const struct http_head *h, const char *name,
			  const char *token);

/*
 * The next element of a comma-separated list at *p (before end), trimmed;
 * false when none is left.
 */
bool http_list_next(const char **p, const char *end, const char **item,
		    size_t *item_len);

/*
 * The path of a request target ("/a/b?q"): percent-decoded, dot segments
 * removed ("/a/../b" is "/b"), NUL-terminated in out. Returns its length,
 * or -1 when the target is not an absolute path, has a bad escape or does
 * not fit. The decoded path may hold any byte: the caller checks it.
 */
long http_target_path(const char *target, size_t len, char *out, size_t size);
/* The decoded value of a query parameter into out; false when absent. */
bool http_query_param(const char *target, size_t len, const char *name,
		      char *out, size_t size);

/* The reason phrase of a status we send. */
const char *http_status_text(int status);

#endif
