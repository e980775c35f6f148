/*
 * httpd: the plain HTTP that rxws-serve answers on its WebSocket port:
 * whole responses with a short text body (refusals, 404, 426), and the
 * files of --static (GET and HEAD), each with the type its extension says
 * (UTF-8 for text), never a file outside the directory.
 */
#ifndef RXWS_HTTPD_H
#define RXWS_HTTPD_H

#include <stdbool.h>
#include <sys/types.h>

#include "base/buf.h"
#include "ws/transport.h"

/* Appends a whole response; extra: more header lines (CRLF-ended) or NULL. */
int httpd_response(struct buf *out, int status, const char *extra,
		   const char *content_type, const void *body, size_t len,
		   bool head_only, bool keep_alive);

/* A file being sent. */
struct httpd_file {
	int fd;				/* -1: none */
	off_t left;
};

/*
 * Opens the file that path (decoded, dot segments removed) names under
 * root (a resolved directory); a directory means its index.html. 0 with f,
 * its type and size; else the status to answer (404).
 */
int httpd_open_static(const char *root, const char *path, struct httpd_file *f,
		      const char **type, off_t *size);
const char *httpd_type_of(const char *path);
/*
 * Sends the next piece of the file through t (scratch: a buffer to read
 * it into). 1 when all is sent, 0 when more is to come, -1 on an error.
 */
int httpd_file_send(struct httpd_file *f, struct transport *t, struct buf *scratch);
void httpd_file_close(struct httpd_file *f);

#endif
