/*
 * recovery: the clients' side of history and recovery (rxws(7), HISTORY
 * AND RECOVERY).
 *
 * Where each path's client starts: after the position --state keeps for
 * it, else after --since, else with the last --last N, else live. Each
 * message of a connection with positions, taken apart: its data becomes
 * the record, byte for byte what it is without positions, and its
 * position goes with it (envelopes, --state) and becomes the client's
 * resume point, so that a reconnect that cannot resume its session asks
 * for what comes after it. The notices of rxws.pos: !head said at -v, !gap
 * said as a warning and counted, !live noted for --exit-at-end (where in
 * stdout the path's backlog ends). A notice that breaks the form is a bad
 * message, said with its number, counted and skipped; a message without a
 * position (rxws(7) allows them: a broker entry of another program's) is
 * written as it is, said once.
 */
#ifndef RXWS_RECOVERY_H
#define RXWS_RECOVERY_H

#include <stdbool.h>
#include <stdint.h>

#include "app/app.h"
#include "app/state_file.h"
#include "base/pathmap.h"
#include "ws/client.h"

/* Where each path starts, read once before the run: --state's, then --since's. */
struct recovery_starts {
	struct pathmap by_path;		/* path -> struct recovery_start * */
	uint64_t last;			/* --last N for the others; 0: live */
	const char *state;		/* --state FILE, for logs */
};

/* A path's part, beside its client. */
struct recovery {
	bool live;			/* !live came: what follows it is live */
	uint64_t backlog_end;		/* where stdout's bytes end with the backlog, once live */
	unsigned positionless_told;	/* messages without a position (said once) */
};

/*
 * What every client of the set asks of the server: positions (pos=1 in
 * the delivery offer, or, with --no-ack, the subprotocol rxws.pos after
 * --protocol's, in *protocols, freed by its owner) when an option needs
 * them, or the envelopes of json and cbor can carry them. -1: no memory.
 */
int recovery_ask(struct client_settings *set, const struct config *cfg,
		 const char ***protocols);

/*
 * Opens --state (handed to the app, which keeps it as records go out), and
 * reads where each path starts from it and from --since and --last;
 * --since without a path is for `target`'s path (rxws-connect's URL).
 * 0, or -1 having said why, with *exit_code.
 */
int recovery_starts_open(struct recovery_starts *rs, const struct config *cfg,
			 struct app *a, const char *target, int *exit_code);
void recovery_starts_free(struct recovery_starts *rs);

/* Sets where c, the client of path, starts. */
void recovery_start(struct client *c, const struct recovery_starts *rs, const char *path);

/*
 * A message of c's (a connection with positions), received on path: its
 * record, or a notice acted on. Returns what wsconn_events.message does.
 * exit_at_end: past !live, messages are not taken (the backlog only).
 */
uint64_t recovery_take(struct recovery *r, struct app *a, struct client *c,
		       const char *path, size_t path_len, enum datatype type,
		       const unsigned char *p, size_t n, bool binary);

/* --exit-at-end: the path's backlog came whole, and stdout has it up to `written`. */
static inline bool recovery_backlog_written(const struct recovery *r, uint64_t written)
{
	return r->live && r->backlog_end <= written;
}

#endif
