/*
 * app: one process of any rxws tool, around one libwebsockets event loop.
 *
 * It owns the loop, the stdin reader thread, the stdout writer thread and
 * a signal thread, and decides when the process ends and with which exit
 * code. A tool (server or clients) plugs in through tool_ops: the app
 * offers it stdin records, asks it to drain or close its connections, and
 * the tool hands the app every message it receives.
 *
 * Life of a process: RUNNING; at the end of stdin, DRAINING (queues are
 * sent, then connections closed with 1000, within --drain-timeout);
 * CLOSING (connections closed with a code, within a short bound); done.
 */
#ifndef RXWS_APP_H
#define RXWS_APP_H

#include <libwebsockets.h>
#include <stdbool.h>

#include "app/options.h"
#include "app/state_file.h"
#include "base/msg.h"
#include "base/stats.h"
#include "ws/wsconn.h"
#include "records/datatype.h"

enum deliver { DELIVERED, DELIVER_LATER };

struct tool_ops {
	/* A stdin record: keep the reference, or leave it to be offered again. */
	enum deliver (*deliver)(void *tool, struct msg *m);
	/* Send what is queued, then close each connection with close_code. */
	void (*drain)(void *tool, int close_code);
	/* Records queued and not yet sent. */
	size_t (*undelivered)(void *tool);
	/* Close every connection now (close_code 0: just let them go). */
	void (*close_all)(void *tool, int close_code);
	/* Connections open or closing, and clients about to retry. */
	size_t (*active)(void *tool);
	/* Stop or resume reading from every connection. */
	void (*rx_flow)(void *tool, bool enable);
	/* Every so often: keepalive. */
	void (*tick)(void *tool, lws_usec_t now);
	/*
	 * Optional: say where the undelivered records were and why, each line
	 * ending with `when` ("within --drain-timeout (10 s)"); 0 when it said
	 * it all, -1 leaves the app to say how many in one line.
	 */
	int (*report_undelivered)(void *tool, const char *when);
	/* Optional: stdout has been written up to byte `written` (acknowledgements). */
	void (*output_written)(void *tool, uint64_t written);
	/* Optional (--broker): deliver messages from elsewhere than stdin. */
	void (*pump)(void *tool);
	/* Optional (--broker-inbound): a message received, also written out. */
	void (*received)(void *tool, const char *path, size_t path_len,
			 bool binary, const unsigned char *data, size_t len);
	/* Optional: the loop has ended; stop what could still wake it. */
	void (*finish)(void *tool);
	/*
	 * Optional: write what was queued since the loop last polled, before
	 * it polls again (a poll and a callback less per message).
	 */
	void (*write_soon)(void *tool);
};

enum app_phase { PHASE_RUNNING, PHASE_DRAINING, PHASE_CLOSING };

struct app;

/* NULL when it cannot be made (said). */
struct app *app_new(const struct config *cfg);

/*
 * Fills what every context needs; the tool adds its own parts first, and
 * gives the one protocol all its connections use.
 */
struct lws_context *app_create_context(struct app *a,
				       struct lws_context_creation_info *info,
				       const struct lws_protocols *tool_protocol);
void app_set_tool(struct app *a, const struct tool_ops *ops, void *tool);
/* Runs until done; returns the exit code. Destroys the context. */
int app_run(struct app *a);
/*
 * After the tool is freed: frees the app (a may be NULL). Once every
 * record has its fate, a run's summary (with -v, or when records were not
 * delivered) and its exit code: rc, or 75 when a record read was not
 * confirmed delivered.
 */
int app_end(struct app *a, int rc);

/* What the tool reads of the app. */
struct lws_context *app_context(const struct app *a);
const struct config *app_config(const struct app *a);
struct stats *app_stats(struct app *a);
enum app_phase app_phase(const struct app *a);
/* The datatype of what is received on path (--type GLOB=TYPE). */
enum datatype app_datatype_for(struct app *a, const char *path, size_t len);

/* A destination has room again: offer it the records that waited. */
void app_pump(struct app *a);
/* Let the reader start (--wait-clients). */
void app_open_input(struct app *a);
/* Every stdin record was read and handed to the tool. */
bool app_input_ended(struct app *a);
/*
 * No stdin record is left to come, though its end may not be taken yet
 * (input_at_end): whether a stream ended by the peer left any unread.
 */
bool app_input_at_end(struct app *a);

/* A stdin record the tool found bad: skipped, or the end with --strict. */
void app_bad_record(struct app *a, uint64_t recno, const char *why);

/*
 * A message received on path, at position pos (rxws(7), HISTORY AND
 * RECOVERY; NULL: none): one record to stdout. NULL, or why the message is
 * bad (not written). *at: where the record ends in stdout's bytes, to
 * acknowledge it once written there (0: not written, consumed;
 * WSCONN_NOT_TAKEN: past --count, or once output is finished).
 */
const char *app_output(struct app *a, const char *path, size_t path_len,
		       const struct position *pos, enum datatype type, bool binary,
		       const unsigned char *data, size_t len, uint64_t *at);
bool app_rx_paused(const struct app *a);
/*
 * A message a peer sent on path: its stdout record (app_output), or
 * nothing with -s. A bad one is said on c's log, counted, and skipped.
 * Returns where its record ends in stdout's bytes (0: none to wait for).
 */
uint64_t app_take_message(struct app *a, const struct wsconn *c, const char *path,
			  size_t path_len, const struct position *pos, enum datatype type,
			  bool binary, const unsigned char *data, size_t len);

/*
 * --state: the app keeps f from now on; each record with a position is
 * written to it once stdout has it (outpos.h). -1: no memory (f closed).
 */
int app_keep_positions(struct app *a, struct state_file *f);
/*
 * A position on path reached without a record (nothing was missed up to
 * it: the end of a backlog, a gap stepped over): --state keeps it once
 * stdout has every record made so far.
 */
void app_reach_position(struct app *a, const char *path, size_t path_len,
			const struct position *pos);
/* Where stdout's bytes end once every record made so far is written. */
uint64_t app_output_end(const struct app *a);
/* How many of stdout's bytes are written. */
uint64_t app_output_written(struct app *a);
/*
 * No more output is wanted (--exit-at-end: why): what comes is not taken,
 * stdin is no longer read, what was read is delivered, and the run ends
 * with 0 (as --count does).
 */
void app_finish_output(struct app *a, const char *why);

/*
 * --broker: a member that reached the end of stdin first delivers the
 * stream to its clients, for as long as that takes; --drain-timeout is
 * for its own queues, and starts over once it drains them.
 */
void app_drain_timeout_pause(struct app *a);
void app_drain_timeout_restart(struct app *a);

/* Ends the process: exit code (first one wins) and close code (0: none). */
void app_stop(struct app *a, int exit_code, int close_code);
/* A connection went away: the process may be done. */
void app_check_done(struct app *a);

#endif
