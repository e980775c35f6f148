/* admission: whether a handshake gets in, or why not (admission.h). */
#include "tools/admission.h"

#include <fnmatch.h>
#include <string.h>
#include <strings.h>

#include "records/framing.h"

/* Compares in a time that does not depend on where they differ. */
static bool token_matches(const char *given, size_t len, const char *want)
{
	size_t want_len = strlen(want);
	volatile unsigned char diff = len != want_len;
	for (size_t i = 0; i < want_len; i++)
		diff |= (unsigned char)(want[i] ^ (i < len ? given[i] : 0));
	return !diff;
}

/* Authorization: Bearer TOKEN, or ?token=TOKEN (browsers cannot set headers). */
bool admission_authorized(const struct config *cfg, const struct http_head *r)
{
	if (!cfg->token)
		return true;
	size_t n;
	const char *auth = http_field(r, "Authorization", &n);
	if (auth && n > 7 && !strncasecmp(auth, "Bearer ", 7))
		return token_matches(auth + 7, n - 7, cfg->token);
	char given[4200];
	return http_query_param(r->target, r->target_len, "token", given, sizeof(given)) &&
	       token_matches(given, strlen(given), cfg->token);
}

/* No Origin header: not a browser, nothing to check. */
static bool origin_allowed(const struct config *cfg, const struct http_head *r)
{
	size_t n;
	const char *origin = http_field(r, "Origin", &n);
	if (!cfg->n_origins || !origin)
		return true;
	for (size_t i = 0; i < cfg->n_origins; i++)
		if (strlen(cfg->origins[i]) == n && !strncasecmp(origin, cfg->origins[i], n))
			return true;
	return false;
}

/* Whether --allow-path lets a client use this path (true when none given). */
static bool path_allowed(const struct config *cfg, const char *path)
{
	if (!cfg->n_allow_paths)
		return true;
	for (size_t i = 0; i < cfg->n_allow_paths; i++)
		if (fnmatch(cfg->allow_paths[i], path, 0) == 0)
			return true;
	return false;
}

bool admission_path_served(const struct config *cfg, const char *path, size_t len)
{
	if (framing_tag_problem(path, len))
		return false;
	return cfg->path ? strcmp(path, cfg->path) == 0 : path_allowed(cfg, path);
}

int admission_check(const struct config *cfg, const struct http_head *r,
		    const char *path, size_t path_len, size_t clients, const char **why)
{
	if (!admission_authorized(cfg, r)) {
		*why = "missing or wrong token";
		return 401;
	}
	if (!origin_allowed(cfg, r)) {
		*why = "origin not allowed (--origin)";
		return 403;
	}
	if ((*why = framing_tag_problem(path, path_len)))
		return 400;
	if (!admission_path_served(cfg, path, path_len)) {
		*why = "path not served";
		return 404;
	}
	if (cfg->max_clients && clients >= cfg->max_clients) {
		*why = "--max-clients reached";
		return 503;
	}
	return 0;
}
