/* recovery: the clients' side of history and recovery (recovery.h). */
#include "tools/recovery.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"

struct recovery_start {
	struct position pos;
	bool from_state;		/* else from --since */
};

static int add_start(struct recovery_starts *rs, const char *path, size_t len,
		     const struct position *pos, bool from_state)
{
	if (pathmap_get(&rs->by_path, path, len))
		return 0;	/* the state file's comes first */
	struct recovery_start *s = malloc(sizeof(*s));
	if (!s || pathmap_put(&rs->by_path, path, len, s)) {
		free(s);
		return -1;
	}
	s->pos = *pos;
	s->from_state = from_state;
	return 0;
}

static bool needs_positions(const struct config *cfg)
{
	return cfg->n_since || cfg->last || cfg->state || cfg->exit_at_end;
}

int recovery_ask(struct client_settings *set, const struct config *cfg,
		 const char ***protocols)
{
	bool envelopes = cfg->rec.framing == FRAMING_JSON || cfg->rec.framing == FRAMING_CBOR;

	*protocols = NULL;
	set->need_positions = needs_positions(cfg);
	/*
	 * Envelopes carry a position when one comes along: asked for in the
	 * delivery offer, which changes nothing else. -s writes nothing, so a
	 * position would have nowhere to go.
	 */
	set->want_positions = set->need_positions ||
			      (envelopes && set->acks && !cfg->send_only);
	if (!set->want_positions || set->acks)
		return 0;
	/*
	 * Without acknowledgements there is no delivery offer to carry pos=1:
	 * the subprotocol asks instead, only when an option needs it, for
	 * rxws-serve then chooses it over --protocol's. After --protocol's,
	 * so that a server that is not rxws-serve still chooses among the
	 * user's (and is then refused for giving no positions).
	 */
	const char **list = calloc(cfg->n_protocols + 1, sizeof(*list));
	if (!list)
		return -1;
	for (size_t i = 0; i < cfg->n_protocols; i++)
		list[i] = cfg->protocols[i];
	list[cfg->n_protocols] = POSITION_SUBPROTOCOL;
	set->offer.protocols = list;
	set->offer.n_protocols = cfg->n_protocols + 1;
	*protocols = list;
	return 0;
}

static int starts_init(struct recovery_starts *rs, const struct config *cfg,
		       const struct state_file *f, const char *path)
{
	rs->last = cfg->last;
	rs->state = cfg->state;
	for (size_t i = 0; f && i < state_file_count(f); i++) {
		const char *p = state_file_path(f, i);
		if (add_start(rs, p, strlen(p), state_file_get(f, p, strlen(p)), true))
			return -1;
	}
	for (size_t i = 0; i < cfg->n_since; i++) {
		const char *p = cfg->since[i].path ? cfg->since[i].path : path;
		if (add_start(rs, p, strlen(p), &cfg->since[i].pos, false))
			return -1;
	}
	return 0;
}

static void free_start(void *value, void *arg)
{
	(void)arg;
	free(value);
}

int recovery_starts_open(struct recovery_starts *rs, const struct config *cfg,
			 struct app *a, const char *target, int *exit_code)
{
	struct state_file *f = NULL;
	/* rxws-connect's path, as its client labels it: the target without its query. */
	char *path = strndup(target, strcspn(target, "?"));
	int rc = -1;

	pathmap_init(&rs->by_path);
	*exit_code = EXIT_SOFTWARE;
	if (!path) {
		log_error("out of memory");
		goto out;
	}
	if (cfg->state && state_file_open(&f, cfg->state, cfg->progname, exit_code))
		goto out;
	if (starts_init(rs, cfg, f, path)) {
		log_error("out of memory");
		goto out;
	}
	/* Another URL's file: starting live would skip what this one kept. */
	if (!cfg->rec.tagged && f && state_file_count(f) &&
	    !state_file_get(f, path, strlen(path))) {
		fprintf(stderr, "%s: --state %s keeps the position of %s, not of the URL's path "
			"%s: give each URL a FILE of its own (or remove it to start anew)\n",
			cfg->progname, cfg->state, state_file_path(f, 0), path);
		*exit_code = EXIT_USAGE;
		goto out;
	}
	if (f) {
		struct state_file *kept = f;
		f = NULL;	/* the app's from here, even when it fails */
		if (app_keep_positions(a, kept))
			goto out;
	}
	rc = 0;
out:
	state_file_close(f);
	free(path);
	return rc;
}

void recovery_starts_free(struct recovery_starts *rs)
{
	pathmap_each(&rs->by_path, free_start, NULL);
	pathmap_free(&rs->by_path);
}

void recovery_start(struct client *c, const struct recovery_starts *rs, const char *path)
{
	const struct recovery_start *s = pathmap_get(&rs->by_path, path, strlen(path));
	char pos[POSITION_MAX];

	if (s) {
		client_resume_after(c, &s->pos);
		position_format(pos, s->pos.epoch, s->pos.offset);
		if (s->from_state)
			wsconn_log(&c->conn, LOG_INFO, "starting after %s (--state %s)", pos,
				   rs->state);
		else
			wsconn_log(&c->conn, LOG_INFO, "starting after %s (--since)", pos);
		return;
	}
	c->last = rs->last;
	if (rs->last)
		wsconn_log(&c->conn, LOG_INFO, "starting with the last %" PRIu64 " (--last)", rs->last);
}

/* A frame that breaks the form of rxws.pos: said with its number, counted, skipped. */
static uint64_t bad_message(struct app *a, const struct client *c, const char *why)
{
	stat_add(&app_stats(a)->bad_received, 1);
	wsconn_log(&c->conn, LOG_WARN, "%s: message %" PRIu64 ": %s: skipped", c->conn.peer,
		   c->conn.in_seq, why);
	return 0;
}

static const char *gap_reason(const char *why)
{
	if (!strcmp(why, "trimmed"))
		return "trimmed: older than the server's history keeps";
	if (!strcmp(why, "epoch"))
		return "epoch: the server's history started anew";
	return why;
}

/* A gap the server left in what we asked for: said, counted, and stepped over. */
static void on_gap(struct app *a, struct client *c, const char *path, size_t path_len,
		   const struct position_notice *g)
{
	struct stats *st = app_stats(a);
	char from[POSITION_MAX], to[POSITION_MAX], count[48] = "an unknown number of messages";

	stat_add(&st->gaps, 1);
	if (g->count_known) {
		stat_add(&st->gap_messages, g->count);
		snprintf(count, sizeof(count), "%" PRIu64 " message%s", g->count,
			 g->count == 1 ? "" : "s");
	} else {
		stat_add(&st->gaps_uncounted, 1);
	}
	position_format(from, g->from.epoch, g->from.offset);
	position_format(to, g->to.epoch, g->to.offset);
	wsconn_log(&c->conn, LOG_WARN, "gap on %s: %s missed (%s), from %s to %s", c->label,
		   count, gap_reason(g->reason), from, to);
	/* Asked again, it would be the same gap: what comes next comes after it. */
	client_resume_after(c, &g->to);
	app_reach_position(a, path, path_len, &g->to);
}

static uint64_t on_notice(struct recovery *r, struct app *a, struct client *c,
			  const char *path, size_t path_len, const unsigned char *p, size_t n)
{
	struct position_notice note;
	const char *why = position_read_notice(p, n, &note);
	char pos[POSITION_MAX];

	if (why)
		return bad_message(a, c, why);
	switch (note.kind) {
	case NOTICE_HEAD:
		position_format(pos, note.at.epoch, note.at.offset);
		wsconn_log(&c->conn, LOG_INFO, "%s stands at %s", c->label, pos);
		/* Live from here: a reconnect asks for what comes after it. */
		if (!c->has_since && !c->last)
			client_resume_after(c, &note.at);
		break;
	case NOTICE_GAP:
		on_gap(a, c, path, path_len, &note);
		break;
	case NOTICE_LIVE:
		position_format(pos, note.at.epoch, note.at.offset);
		wsconn_log(&c->conn, LOG_INFO, "%s: live after %s%s", c->label, pos,
			   r->live ? "" : " (the backlog asked for is done)");
		if (!c->has_since)
			client_resume_after(c, &note.at);
		/*
		 * Nothing more of the backlog: a path quiet for a whole run
		 * still resumes here, not live, next time.
		 */
		app_reach_position(a, path, path_len, &note.at);
		if (!r->live)
			r->backlog_end = app_output_end(a);
		r->live = true;
		break;
	case NOTICE_OTHER:
		wsconn_log(&c->conn, LOG_DEBUG, "%s: a notice this version does not know: "
			   "ignored", c->conn.peer);
		break;
	}
	return 0;
}

uint64_t recovery_take(struct recovery *r, struct app *a, struct client *c,
		       const char *path, size_t path_len, enum datatype type,
		       const unsigned char *p, size_t n, bool binary)
{
	const struct config *cfg = app_config(a);
	struct position pos;
	size_t at;

	if (!binary && position_is_notice(p, n))
		return on_notice(r, a, c, path, path_len, p, n);
	bool positioned = position_split(p, n, &pos, &at);
	if (!positioned) {
		/*
		 * rxws(7): an entry another program appended to a broker's
		 * stream comes live, without a position. It is data all the
		 * same, and written; but nothing can resume from it.
		 */
		at = 0;
		if (!r->positionless_told++)
			wsconn_log(&c->conn, LOG_WARN, "%s: message %" PRIu64 " has no position "
				   "(rxws.pos): written, but a restart cannot resume from it "
				   "(said once for %s)", c->conn.peer, c->conn.in_seq, c->label);
	}
	if (n - at > cfg->rec.max_size) {
		char why[96];
		snprintf(why, sizeof(why), "%zu bytes is over --max-size (%zu)", n - at,
			 cfg->rec.max_size);
		return bad_message(a, c, why);
	}
	if (r->live && cfg->exit_at_end)
		return WSCONN_NOT_TAKEN;	/* past the backlog: not ours to write */
	/* (An empty message may come as NULL: no arithmetic on it.) */
	const unsigned char *data = at ? p + at : p;
	uint64_t done = app_take_message(a, &c->conn, path, path_len, positioned ? &pos : NULL,
					 type, binary, data, n - at);
	if (positioned && done != WSCONN_NOT_TAKEN)
		client_resume_after(c, &pos);
	return done;
}
