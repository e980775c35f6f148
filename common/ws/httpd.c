/* httpd: the plain HTTP rxws-serve answers on its WebSocket port (httpd.h). */
#include "ws/httpd.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ws/http.h"

#ifndef RXWS_VERSION
#define RXWS_VERSION "0.0.0"
#endif

#define FILE_PIECE (64u << 10)

int httpd_response(struct buf *out, int status, const char *extra,
		   const char *content_type, const void *body, size_t len,
		   bool head_only, bool keep_alive)
{
	char head[512];
	int n = snprintf(head, sizeof(head),
			 "HTTP/1.1 %d %s\r\nServer: rxws/" RXWS_VERSION "\r\n"
			 "Content-Type: %s\r\nContent-Length: %zu\r\n%s%s\r\n",
			 status, http_status_text(status), content_type, len,
			 keep_alive ? "" : "Connection: close\r\n", extra ? extra : "");
	if (n < 0 || (size_t)n >= sizeof(head) || buf_append(out, head, (size_t)n))
		return -1;
	return head_only || !len ? 0 : buf_append(out, body, len);
}

static const struct {
	const char *ext, *type;
} types[] = {
	{ "html", "text/html; charset=utf-8" },
	{ "htm", "text/html; charset=utf-8" },
	{ "css", "text/css; charset=utf-8" },
	{ "js", "text/javascript; charset=utf-8" },
	{ "mjs", "text/javascript; charset=utf-8" },
	{ "json", "application/json" },
	{ "map", "application/json" },
	{ "md", "text/markdown; charset=utf-8" },
	{ "txt", "text/plain; charset=utf-8" },
	{ "csv", "text/csv; charset=utf-8" },
	{ "xml", "application/xml" },
	{ "svg", "image/svg+xml" },
	{ "png", "image/png" },
	{ "jpg", "image/jpeg" },
	{ "jpeg", "image/jpeg" },
	{ "gif", "image/gif" },
	{ "webp", "image/webp" },
	{ "avif", "image/avif" },
	{ "ico", "image/vnd.microsoft.icon" },
	{ "wasm", "application/wasm" },
	{ "woff", "font/woff" },
	{ "woff2", "font/woff2" },
	{ "ttf", "font/ttf" },
	{ "otf", "font/otf" },
	{ "pdf", "application/pdf" },
	{ "mp3", "audio/mpeg" },
	{ "ogg", "audio/ogg" },
	{ "wav", "audio/wav" },
	{ "mp4", "video/mp4" },
	{ "webm", "video/webm" },
	{ "cbor", "application/cbor" },
};

const char *httpd_type_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *dot = strrchr(slash ? slash : path, '.');

	if (dot)
		for (size_t i = 0; i < sizeof(types) / sizeof(*types); i++)
			if (!strcasecmp(dot + 1, types[i].ext))
				return types[i].type;
	return "application/octet-stream";
}

/* Whether resolved lies inside root (a resolved directory). */
static bool inside(const char *root, const char *resolved)
{
	size_t n = strlen(root);
	return !strncmp(resolved, root, n) &&
	       (resolved[n] == '/' || resolved[n] == '\0' || (n == 1 && root[0] == '/'));
}

int httpd_open_static(const char *root, const char *path, struct httpd_file *f,
		      const char **type, off_t *size)
{
	char wanted[PATH_MAX], resolved[PATH_MAX];
	struct stat st;

	f->fd = -1;
	/* A NUL would end the name early: such a path names nothing here. */
	if (strlen(path) >= sizeof(wanted) - strlen(root) - 16)
		return 404;
	snprintf(wanted, sizeof(wanted), "%s%s", root, path);
	if (!realpath(wanted, resolved) || !inside(root, resolved) || stat(resolved, &st))
		return 404;
	if (S_ISDIR(st.st_mode)) {
		size_t n = strlen(resolved);
		if (n + sizeof("/index.html") > sizeof(resolved))
			return 404;
		snprintf(resolved + n, sizeof(resolved) - n, "/index.html");
		char again[PATH_MAX];
		if (!realpath(resolved, again) || !inside(root, again) || stat(again, &st))
			return 404;
		memcpy(resolved, again, sizeof(again));
	}
	if (!S_ISREG(st.st_mode))
		return 404;
	f->fd = open(resolved, O_RDONLY | O_CLOEXEC);
	if (f->fd < 0)
		return 404;
	f->left = st.st_size;
	*size = st.st_size;
	*type = httpd_type_of(resolved);
	return 0;
}

int httpd_file_send(struct httpd_file *f, struct transport *t, struct buf *scratch)
{
	while (f->left > 0 && !transport_choked(t)) {
		size_t want = f->left < (off_t)FILE_PIECE ? (size_t)f->left : FILE_PIECE;
		scratch->len = 0;
		if (buf_reserve(scratch, LWS_PRE + want))
			return -1;
		ssize_t n = read(f->fd, scratch->data + LWS_PRE, want);
		if (n <= 0)
			return -1;	/* the file shrank: the promised length cannot be kept */
		if (transport_write(t, scratch->data + LWS_PRE, (size_t)n))
			return -1;
		f->left -= n;
	}
	return f->left > 0 ? 0 : 1;
}

void httpd_file_close(struct httpd_file *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
}
