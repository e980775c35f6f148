/*
 * admission: whether rxws-serve lets a WebSocket handshake in, as an HTTP
 * status and a reason: a token (--auth-token-file: Authorization: Bearer,
 * or ?token= for browsers), an allowed origin (--origin), a path it serves
 * (its PATH, or any --allow-path lets in), room (--max-clients).
 */
#ifndef RXWS_ADMISSION_H
#define RXWS_ADMISSION_H

#include <stdbool.h>
#include <stddef.h>

#include "app/options.h"
#include "ws/http.h"

/*
 * 0 to admit; else the HTTP status to refuse with and *why. path is the
 * decoded request path; clients is how many are connected now.
 */
int admission_check(const struct config *cfg, const struct http_head *request,
		    const char *path, size_t path_len, size_t clients, const char **why);

/*
 * Whether the request carries the token of --auth-token-file (true without
 * one): the check of handshakes, and of GET /metrics.
 */
bool admission_authorized(const struct config *cfg, const struct http_head *request);

/* Whether a path is one the server would take a WebSocket on. */
bool admission_path_served(const struct config *cfg, const char *path, size_t len);

#endif
