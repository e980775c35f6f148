/*
 * app: one process of any rxws tool, around one libwebsockets event loop
 * (app.h).
 */
#include "app/app.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "app/input.h"
#include "app/outpos.h"
#include "app/writer.h"
#include "base/buf.h"
#include "base/log.h"

/* Stop reading the network above HIGH bytes waiting for stdout. */
#define OUT_HIGH_WATER (4u << 20)
#define OUT_LOW_WATER (1u << 20)
/* Hand records to the writer early when a burst is this large. */
#define OUT_SUBMIT_AT (64u << 10)
/* How long close handshakes may take once the process is ending. */
#define CLOSING_BOUND_US (3 * LWS_US_PER_SEC)
/* Records that may wait between the reader and the loop, and in the loop. */
#define INBOX_MAX 256
#define PENDING_MAX 256

struct app {
	const struct config *cfg;
	struct lws_context *ctx;
	const struct tool_ops *ops;
	void *tool;

	struct input input;		/* stdin's records */
	struct ring pending;		/* taken from the input, not delivered */
	struct writer writer;
	struct stats stats;
	struct outq out;		/* records not yet given to the writer */
	uint64_t awaiting;		/* where the last record written ends */
	uint64_t reported;		/* how far the tool knows stdout was written */
	struct converter conv;		/* for received messages */
	uint64_t records_written;	/* made into stdout records (--count) */
	struct outpos *outpos;		/* --state: positions on their way to stdout; NULL: none */
	bool output_finished;		/* the tool said no more output is wanted (--exit-at-end) */
	/* The same, for the signal thread: what a second signal leaves unwritten. */
	atomic_uint_least64_t records_made;

	enum app_phase phase;
	int exit_code;			/* -1 until something decides it */
	bool ran;			/* app_run was called: a run to settle */
	bool done;
	bool input_done;
	bool pumping, pump_waiting;
	bool rx_paused;

	struct lws_protocols protocols[3];	/* the app's, the tool's, the end */
	lws_sorted_usec_list_t sul_timeout, sul_drain, sul_closing, sul_tick;
	lws_usec_t tick_us;

	pthread_t signal_thread;
	bool signal_thread_running;
	atomic_bool signal_thread_ending;
	atomic_int sig_stop, sig_report;
};

/* Each connection is a file: take all the files the system allows. */
static void raise_file_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/*
 * The signal thread is told to end with this signal rather than cancelled:
 * the first cancellation loads libgcc_s, a cost every one-shot rxws-connect
 * would pay at exit.
 */
#define SIG_END_THREAD SIGRTMIN

static void handled_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGUSR1);
	sigaddset(set, SIG_END_THREAD);
}

static void block_signals(void)
{
	sigset_t set;
	handled_signals(&set);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
}

struct app *app_new(const struct config *cfg)
{
	struct app *a = calloc(1, sizeof(*a));
	bool have_input = false;

	if (!a)
		goto no_memory;
	a->cfg = cfg;
	a->exit_code = -1;
	/* Every thread made from now on inherits the mask: one takes them. */
	block_signals();
	raise_file_limit();
	size_t input_cap = cfg->queue_len < INBOX_MAX ? cfg->queue_len : INBOX_MAX;
	if (input_init(&a->input, input_cap))
		goto no_memory;
	have_input = true;
	if (ring_init(&a->pending, PENDING_MAX))
		goto no_memory;
	if (!cfg->wait_clients)
		input_open_gate(&a->input);
	converter_init(&a->conv, &cfg->rec);
	/* RXWS_LWS_LOG: libwebsockets' own log levels (a bit mask), for debugging. */
	const char *lws_levels = getenv("RXWS_LWS_LOG");
	lws_set_log_level(lws_levels ? atoi(lws_levels)
			  : cfg->verbosity >= 2 ? LLL_ERR | LLL_WARN : 0,
			  log_lws_emit);
	return a;

no_memory:
	log_error("out of memory");
	if (have_input)
		input_free(&a->input);
	free(a);
	return NULL;
}

static void app_wake(struct app *a);

/*
 * The app's own protocol: lws tells every protocol when the loop was woken
 * (lws_cancel_service: records from the reader thread, stdout's backlog,
 * signals), and this one when stdin is readable (input.h).
 */
static int app_callback(struct lws *wsi, enum lws_callback_reasons reason,
			void *user, void *in, size_t len)
{
	struct app *a = lws_context_user(lws_get_context(wsi));

	(void)user;
	(void)in;
	(void)len;
	switch (reason) {
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		app_wake(a);
		break;
	case LWS_CALLBACK_RAW_RX_FILE:
		input_readable(&a->input, wsi);
		app_pump(a);
		break;
	case LWS_CALLBACK_RAW_CLOSE_FILE:
		input_unwatched(&a->input, wsi);
		break;
	default:
		break;
	}
	return 0;
}

struct lws_context *app_create_context(struct app *a,
				       struct lws_context_creation_info *info,
				       const struct lws_protocols *tool_protocol)
{
	a->protocols[0] = (struct lws_protocols){ .name = "rxws-app", .callback = app_callback };
	a->protocols[1] = *tool_protocol;
	memset(&a->protocols[2], 0, sizeof(a->protocols[2]));
	info->protocols = a->protocols;
	info->user = a;
	if (!info->pt_serv_buf_size)
		info->pt_serv_buf_size = 64 * 1024;
	a->ctx = lws_create_context(info);
	if (a->ctx)
		input_set_context(&a->input, a->ctx);
	return a->ctx;
}

void app_set_tool(struct app *a, const struct tool_ops *ops, void *tool)
{
	a->ops = ops;
	a->tool = tool;
}

/*
 * Records made for stdout that never reached it (stdout closed, a second
 * signal): said, since the summary counts only what was written.
 */
static void report_unwritten(struct app *a, const char *when)
{
	uint64_t made = stat_get(&a->records_made);
	uint64_t written = stat_get(&a->stats.records_out);

	if (made > written)
		log_warn("%s%llu record%s received and not written to stdout", when,
			 (unsigned long long)(made - written), made - written == 1 ? "" : "s");
}

/*
 * A second SIGINT or SIGTERM: the user means it. Whatever stdout or the
 * network are doing, the process ends now (with the signal's usual code),
 * saying what it leaves undelivered; from this thread, which never blocks
 * on them.
 */
static _Noreturn void exit_at_once(struct app *a, int sig)
{
	uint64_t pending = ledger_pending(&a->stats.ledger);

	if (pending)
		log_error("second signal: exiting at once; %llu record%s read and not "
			  "delivered (lost)", (unsigned long long)pending, pending == 1 ? "" : "s");
	report_unwritten(a, "second signal: ");
	stats_report_final(&a->stats, a->cfg->tool == TOOL_SERVE, a->cfg->verbosity >= 1);
	_exit(128 + sig);
}

static void *signal_main(void *arg)
{
	struct app *a = arg;
	sigset_t set;

	handled_signals(&set);
	for (;;) {
		int sig;
		if (sigwait(&set, &sig))
			continue;
		if (sig == SIG_END_THREAD) {
			if (atomic_load(&a->signal_thread_ending))
				break;
			continue;	/* not ours */
		}
		if (sig == SIGUSR1)
			atomic_store(&a->sig_report, 1);
		else if (atomic_fetch_add(&a->sig_stop, 1) >= 1)
			exit_at_once(a, sig);
		lws_cancel_service(a->ctx);
	}
	return NULL;
}

static void on_count_reached(struct app *a);

/*
 * What reached stdout: the tool acknowledges the messages it covers, and
 * asks to hear of the rest once written.
 */
static void output_progress(struct app *a)
{
	if (!a->writer.running || !a->ops || !a->ops->output_written ||
	    a->awaiting <= a->reported)
		return;
	uint64_t written = writer_written(&a->writer);
	if (written > a->reported) {
		a->reported = written;
		a->ops->output_written(a->tool, written);
	}
	if (a->awaiting > written)
		writer_notify_written(&a->writer, a->awaiting);
}

static void flush_out(struct app *a)
{
	size_t backlog;

	if (writer_submit(&a->writer, &a->out, &backlog)) {
		log_error("out of memory for stdout records");
		app_stop(a, EXIT_SOFTWARE, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION);
		return;
	}
	if (!a->rx_paused && backlog >= OUT_HIGH_WATER && a->ops) {
		/* stdout is slower than the network: let TCP push back. */
		a->rx_paused = true;
		a->ops->rx_flow(a->tool, false);
		writer_notify_when_low(&a->writer);
	}
	output_progress(a);
}

bool app_rx_paused(const struct app *a)
{
	return a->rx_paused;
}

/* The record just appended has a position: the state file takes it once written. */
static void keep_position(struct app *a, const char *path, size_t path_len,
			  const struct position *pos)
{
	if (outpos_add(a->outpos, a->out.records, outq_marked(&a->out), path, path_len, pos)) {
		log_error("out of memory for the positions of stdout records");
		app_stop(a, EXIT_SOFTWARE, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION);
	}
}

const char *app_output(struct app *a, const char *path, size_t path_len,
		       const struct position *pos, enum datatype type, bool binary,
		       const unsigned char *data, size_t len, uint64_t *at)
{
	const struct config *cfg = a->cfg;
	char pos_text[POSITION_MAX];

	*at = 0;
	/* Past --count: not taken, so never acknowledged (rxws-connect(1), --count). */
	if ((cfg->count && a->records_written >= cfg->count) || a->output_finished) {
		*at = WSCONN_NOT_TAKEN;
		return NULL;
	}
	if (pos)
		position_format(pos_text, pos->epoch, pos->offset);
	uint64_t start = outq_end(&a->out);
	const char *why = frame_to_record(&a->conv, &a->out.bytes, path, path_len,
					  pos ? pos_text : NULL, type, binary, data, len);
	if (why)
		return why;
	if (outq_record_end(&a->out, start, len)) {
		log_error("out of memory for stdout records");
		app_stop(a, EXIT_SOFTWARE, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION);
	}
	if (pos && a->outpos)
		keep_position(a, path, path_len, pos);
	if (a->ops->received)	/* broker hook */
		a->ops->received(a->tool, path, path_len, binary, data, len);
	a->records_written++;
	stat_add(&a->records_made, 1);
	*at = a->awaiting = outq_end(&a->out);
	if (outq_len(&a->out) >= OUT_SUBMIT_AT)
		flush_out(a);
	if (cfg->count && a->records_written == cfg->count)
		on_count_reached(a);
	return NULL;
}

uint64_t app_take_message(struct app *a, const struct wsconn *c, const char *path,
			  size_t path_len, const struct position *pos, enum datatype type,
			  bool binary, const unsigned char *data, size_t len)
{
	uint64_t at = 0;

	if (a->cfg->send_only)
		return 0;
	const char *why = app_output(a, path, path_len, pos, type, binary, data, len, &at);
	if (why) {
		stat_add(&a->stats.bad_received, 1);
		wsconn_log(c, LOG_WARN, "%s: %s: skipped", c->peer, why);
	}
	return at;
}

/*
 * The loop ends: lws_service() may be about to poll until its next timer,
 * so it is woken to see that at once.
 */
static void finish(struct app *a)
{
	a->done = true;
	lws_cancel_service(a->ctx);
}

void app_check_done(struct app *a)
{
	if (a->phase == PHASE_RUNNING || a->done)
		return;
	if (a->ops->active(a->tool))
		return;
	if (a->phase == PHASE_DRAINING && a->ops->undelivered(a->tool))
		return;
	finish(a);
}

static void on_closing_bound(lws_sorted_usec_list_t *sul)
{
	struct app *a = lws_container_of(sul, struct app, sul_closing);
	log_debug("closing handshakes took too long: ending anyway");
	finish(a);
}

/* Only close handshakes are left: they get a short bound. */
static void enter_closing(struct app *a)
{
	a->phase = PHASE_CLOSING;
	input_stop(&a->input);
	lws_sul_cancel(&a->sul_drain);
	lws_sul_schedule(a->ctx, 0, &a->sul_closing, on_closing_bound,
			 CLOSING_BOUND_US);
}

void app_stop(struct app *a, int exit_code, int close_code)
{
	if (a->exit_code < 0)
		a->exit_code = exit_code;
	if (a->phase == PHASE_CLOSING)
		return;
	size_t left = a->ops->undelivered(a->tool) + a->pending.len +
		      input_count(&a->input);
	if (left)
		log_warn("%zu record%s not delivered yet: closing", left, left == 1 ? "" : "s");
	enter_closing(a);
	a->ops->close_all(a->tool, close_code);
	app_check_done(a);
}

static void on_drain_timeout(lws_sorted_usec_list_t *sul)
{
	struct app *a = lws_container_of(sul, struct app, sul_drain);
	size_t lost = a->ops->undelivered(a->tool);

	if (!lost) {
		enter_closing(a);
		app_check_done(a);
		return;
	}
	char when[64];
	snprintf(when, sizeof(when), "within --drain-timeout (%g s)", a->cfg->drain_timeout);
	if (!a->ops->report_undelivered || a->ops->report_undelivered(a->tool, when))
		log_error("%zu record%s not delivered %s", lost, lost == 1 ? "" : "s", when);
	if (a->exit_code < 0)
		a->exit_code = EXIT_TEMPFAIL;
	enter_closing(a);
	a->ops->close_all(a->tool, LWS_CLOSE_STATUS_GOINGAWAY);
	app_check_done(a);
}

void app_drain_timeout_pause(struct app *a)
{
	lws_sul_cancel(&a->sul_drain);
}

void app_drain_timeout_restart(struct app *a)
{
	if (a->phase == PHASE_DRAINING)
		lws_sul_schedule(a->ctx, 0, &a->sul_drain, on_drain_timeout,
				 (lws_usec_t)(a->cfg->drain_timeout * LWS_US_PER_SEC));
}

/* Sends what is queued, then closes every connection with close_code. */
static void start_draining(struct app *a, int close_code)
{
	a->phase = PHASE_DRAINING;
	app_drain_timeout_restart(a);
	a->ops->drain(a->tool, close_code);
	app_check_done(a);
}

static void on_input_ended(struct app *a, int status)
{
	const struct config *cfg = a->cfg;

	if (status == 0 && cfg->keep_open) {
		log_info("end of input: staying open (--keep-open)");
		return;
	}
	/* Send, then wait for N answers: the most common pipeline of all. */
	if (status == 0 && cfg->count && a->records_written < cfg->count) {
		log_info("end of input: staying open until %llu records are written (--count)",
			 (unsigned long long)cfg->count);
		return;
	}
	if (status == 0 && cfg->exit_at_end && !a->output_finished) {
		log_info("end of input: staying open until the backlog is written (--exit-at-end)");
		return;
	}
	if (status && a->exit_code < 0)
		a->exit_code = status;
	if (status == 0 && !stat_get(&a->stats.bytes_in))
		log_notice("standard input was empty: closing (-k keeps %s open; "
			   "-r reads no standard input)",
			   cfg->tool == TOOL_SERVE ? "the server" : "the connection");
	else
		log_info("end of input: sending what is queued, then closing");
	start_draining(a, status ? LWS_CLOSE_STATUS_UNEXPECTED_CONDITION
				 : LWS_CLOSE_STATUS_NORMAL);
}

/*
 * Reads no more stdin, but delivers what was read, then closes: --count
 * reached, or a bad record under --strict that only the loop could see.
 */
static void end_input(struct app *a, int exit_code, int close_code)
{
	if (a->phase != PHASE_RUNNING)
		return;
	if (a->exit_code < 0 && exit_code)
		a->exit_code = exit_code;
	input_stop(&a->input);
	app_pump(a);
	a->input_done = true;
	start_draining(a, close_code);
}

void app_finish_output(struct app *a, const char *why)
{
	if (a->output_finished)
		return;
	a->output_finished = true;
	log_info("%s: closing", why);
	end_input(a, EXIT_OK, LWS_CLOSE_STATUS_NORMAL);
}

uint64_t app_output_end(const struct app *a)
{
	return outq_end(&a->out);
}

uint64_t app_output_written(struct app *a)
{
	return a->writer.running ? writer_written(&a->writer) : 0;
}

void app_reach_position(struct app *a, const char *path, size_t path_len,
			const struct position *pos)
{
	if (!a->outpos)
		return;
	keep_position(a, path, path_len, pos);
	/*
	 * When stdout has every record made so far already, no write will say
	 * so: the file is written from here (rarely: a backlog's end, a gap).
	 */
	outpos_written(a->outpos, stat_get(&a->stats.records_out));
	if (outpos_settle(a->outpos))
		lws_cancel_service(a->ctx);
}

int app_keep_positions(struct app *a, struct state_file *f)
{
	if (!(a->outpos = outpos_new(f))) {
		state_file_close(f);
		log_error("out of memory");
		return -1;
	}
	return 0;
}

static void on_count_reached(struct app *a)
{
	log_info("%llu records written (--count): closing",
		 (unsigned long long)a->cfg->count);
	end_input(a, EXIT_OK, LWS_CLOSE_STATUS_NORMAL);
}

void app_bad_record(struct app *a, uint64_t recno, const char *why)
{
	if (reader_bad_record(&a->stats, a->cfg->strict, recno, why, NULL))
		end_input(a, EXIT_DATAERR, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION);
}

void app_pump(struct app *a)
{
	if (a->ops->pump)	/* broker hook: it has its own phases */
		a->ops->pump(a->tool);
	if (a->phase != PHASE_RUNNING || a->pumping)
		return;
	a->pumping = true;
	a->pump_waiting = false;
	while (a->phase == PHASE_RUNNING) {
		if (ring_empty(&a->pending) && !input_take(&a->input, &a->pending))
			break;
		if (a->ops->deliver(a->tool, ring_peek(&a->pending)) == DELIVER_LATER) {
			a->pump_waiting = true;
			break;
		}
		ring_pop(&a->pending);	/* the tool holds the reference now */
	}
	a->pumping = false;

	int status;
	if (ring_empty(&a->pending) && !a->input_done &&
	    input_drained(&a->input, &status)) {
		a->input_done = true;
		on_input_ended(a, status);
	}
}

bool app_input_ended(struct app *a)
{
	return a->input_done || (ring_empty(&a->pending) && input_drained(&a->input, NULL));
}

bool app_input_at_end(struct app *a)
{
	return a->input_done || (ring_empty(&a->pending) && input_at_end(&a->input));
}

void app_open_input(struct app *a)
{
	input_open_gate(&a->input);
}

static void app_wake(struct app *a)
{
	if (atomic_exchange(&a->sig_report, 0))
		stats_report(&a->stats, a->cfg->tool == TOOL_SERVE);

	if (atomic_load(&a->sig_stop) && a->phase != PHASE_CLOSING) {
		log_info("signal received: closing");
		app_stop(a, EXIT_OK, LWS_CLOSE_STATUS_GOINGAWAY);
	}

	int err = a->outpos ? outpos_error(a->outpos) : 0;
	if (err && a->phase != PHASE_CLOSING) {
		log_error("cannot write --state %s: %s", outpos_file(a->outpos), strerror(err));
		app_stop(a, EXIT_IOERR, LWS_CLOSE_STATUS_GOINGAWAY);
	}
	err = a->writer.running ? writer_error(&a->writer) : 0;
	if (err && a->phase != PHASE_CLOSING) {
		if (err == EPIPE) {
			log_info("stdout closed: closing");
			app_stop(a, EXIT_OK, LWS_CLOSE_STATUS_GOINGAWAY);
		} else {
			log_error("cannot write stdout: %s", strerror(err));
			app_stop(a, EXIT_IOERR, LWS_CLOSE_STATUS_GOINGAWAY);
		}
	}

	output_progress(a);
	if (a->rx_paused && writer_backlog(&a->writer) <= OUT_LOW_WATER) {
		a->rx_paused = false;
		a->ops->rx_flow(a->tool, true);
	}
	app_pump(a);
}

static void on_timeout(lws_sorted_usec_list_t *sul)
{
	struct app *a = lws_container_of(sul, struct app, sul_timeout);
	log_error("still running after %g s (--timeout)", a->cfg->timeout);
	app_stop(a, EXIT_TEMPFAIL, LWS_CLOSE_STATUS_GOINGAWAY);
}

static void on_tick(lws_sorted_usec_list_t *sul)
{
	struct app *a = lws_container_of(sul, struct app, sul_tick);
	a->ops->tick(a->tool, lws_now_usecs());
	/* A tool may wait for time to pass, not only for room. */
	if (a->pump_waiting)
		app_pump(a);
	lws_sul_schedule(a->ctx, 0, &a->sul_tick, on_tick, a->tick_us);
}

/* Keepalive is checked a few times per period, at least once a second. */
static lws_usec_t tick_period(const struct config *cfg)
{
	double shortest = cfg->ping_interval;
	if (cfg->ping_timeout > 0 && cfg->ping_timeout < shortest)
		shortest = cfg->ping_timeout;
	lws_usec_t us = (lws_usec_t)(shortest * LWS_US_PER_SEC / 4);
	if (us <= 0 || us > LWS_US_PER_SEC)
		us = LWS_US_PER_SEC;
	if (us < 20000)
		us = 20000;
	return us;
}

static int start_threads(struct app *a)
{
	struct writer_hook hook = { outpos_written, outpos_settle, a->outpos };
	if (writer_start(&a->writer, STDOUT_FILENO, a->ctx, OUT_LOW_WATER,
			 &a->stats.records_out, &a->stats.bytes_out, a->outpos ? &hook : NULL)) {
		log_error("cannot start the stdout thread");
		return -1;
	}
	if (pthread_create(&a->signal_thread, NULL, signal_main, a)) {
		log_error("cannot start the signal thread");
		return -1;
	}
	a->signal_thread_running = true;
	if (!a->cfg->recv_only &&
	    input_start(&a->input, STDIN_FILENO, a->cfg, &a->stats, a->ctx, "rxws-app")) {
		log_error("cannot start reading stdin");
		return -1;
	}
	return 0;
}

int app_run(struct app *a)
{
	a->ran = true;
	if (start_threads(a))
		app_stop(a, EXIT_SOFTWARE, LWS_CLOSE_STATUS_GOINGAWAY);

	if (a->cfg->timeout > 0)
		lws_sul_schedule(a->ctx, 0, &a->sul_timeout, on_timeout,
				 (lws_usec_t)(a->cfg->timeout * LWS_US_PER_SEC));
	a->tick_us = tick_period(a->cfg);
	lws_sul_schedule(a->ctx, 0, &a->sul_tick, on_tick, a->tick_us);

	while (!a->done) {
		if (a->ops && a->ops->write_soon)
			a->ops->write_soon(a->tool);
		if (lws_service(a->ctx, 0) < 0) {
			log_error("the event loop failed");
			if (a->exit_code < 0)
				a->exit_code = EXIT_SOFTWARE;
			break;
		}
		if (outq_len(&a->out))
			flush_out(a);
	}

	if (a->ops && a->ops->finish)	/* broker hook */
		a->ops->finish(a->tool);
	input_end(&a->input);
	if (a->writer.running) {
		size_t backlog;
		writer_submit(&a->writer, &a->out, &backlog);
		writer_finish(&a->writer);
	}
	lws_sul_cancel(&a->sul_timeout);
	lws_sul_cancel(&a->sul_drain);
	lws_sul_cancel(&a->sul_closing);
	lws_sul_cancel(&a->sul_tick);
	if (a->signal_thread_running) {
		atomic_store(&a->signal_thread_ending, true);
		pthread_kill(a->signal_thread, SIG_END_THREAD);
		pthread_join(a->signal_thread, NULL);
		a->signal_thread_running = false;
	}
	lws_context_destroy(a->ctx);
	a->ctx = NULL;
	return a->exit_code < 0 ? EXIT_OK : a->exit_code;
}

static int final_account(struct app *a, int rc)
{
	report_unwritten(a, "");
	struct ledger *l = &a->stats.ledger;
	uint64_t lost = ledger_get(l, FATE_LOST) + ledger_pending(l);
	uint64_t unconfirmed = ledger_get(l, FATE_UNCONFIRMED);

	uint64_t bad = stat_get(&a->stats.bad_in);

	if (rc == EXIT_OK && (lost || unconfirmed)) {
		log_error("%llu record%s not confirmed delivered: %llu unconfirmed, %llu lost",
			  (unsigned long long)(lost + unconfirmed), lost + unconfirmed == 1 ? "" : "s",
			  (unsigned long long)unconfirmed, (unsigned long long)lost);
		rc = EXIT_TEMPFAIL;
	}
	/* A run that skipped records is not a clean run. */
	if (rc == EXIT_OK && bad) {
		log_error("%llu bad record%s of stdin skipped (%s): exit 65",
			  (unsigned long long)bad, bad == 1 ? "" : "s",
			  a->cfg->verbosity >= 0 ? "said above" : "-q hid which");
		rc = EXIT_DATAERR;
	}
	/* -q is errors only: the counters are info, shown when asked (-v) or on a failure. */
	stats_report_final(&a->stats, a->cfg->tool == TOOL_SERVE,
			   a->cfg->verbosity >= 1 ||
			   (a->cfg->verbosity >= 0 && (rc == EXIT_TEMPFAIL || rc == EXIT_DATAERR)));
	return rc;
}

int app_end(struct app *a, int rc)
{
	if (!a)
		return rc;
	if (a->ctx) {
		lws_context_destroy(a->ctx);
		a->ctx = NULL;
	}
	input_free(&a->input);
	ring_free(&a->pending);
	outq_free(&a->out);
	outpos_free(a->outpos);
	converter_free(&a->conv);
	if (a->ran)
		rc = final_account(a, rc);
	free(a);
	return rc;
}

struct lws_context *app_context(const struct app *a)
{
	return a->ctx;
}

const struct config *app_config(const struct app *a)
{
	return a->cfg;
}

struct stats *app_stats(struct app *a)
{
	return &a->stats;
}

enum app_phase app_phase(const struct app *a)
{
	return a->phase;
}

enum datatype app_datatype_for(struct app *a, const char *path, size_t len)
{
	return converter_type_for(&a->conv, path, len);
}
