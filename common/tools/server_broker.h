/*
 * server_broker: how rxws-serve uses the broker (--broker). Stdin records
 * go to Redis instead of to the clients; what the stream brings goes to
 * the clients (or, --collect, to stdout); what clients send also goes to
 * PREFIX:in with --broker-inbound; at the end of stdin the clients are
 * drained only once our own records came back through the stream.
 *
 * It reaches the server it serves only through server_broker_ops. Each
 * call does nothing without --broker.
 */
#ifndef RXWS_SERVER_BROKER_H
#define RXWS_SERVER_BROKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/app.h"
#include "base/ring.h"
#include "broker/broker.h"

/* What it asks of the server. */
struct server_broker_ops {
	/* Every client of m's path gets it (DELIVERED), or it waits. */
	enum deliver (*broadcast)(void *server, struct msg *m);
	/* Send what is queued to the clients, then close them with close_code. */
	void (*drain_clients)(void *server, int close_code);
	/* Stop or resume reading what the clients send. */
	void (*rx_flow)(void *server, bool enable);
	/* The stream's epoch (16 hex digits), first known or new. */
	void (*new_epoch)(void *server, const char *epoch);
	/* The member knows where the stream stands, and its history is read back. */
	void (*caught_up)(void *server);
};

struct server_broker {
	struct app *app;
	const struct config *cfg;
	const struct server_broker_ops *ops;
	void *server;
	struct broker *broker;		/* NULL: no --broker */
	struct broker_config broker_cfg;
	struct ring pending;		/* entries taken, not yet broadcast */
	bool pumping;
	bool drain_deferred;		/* until our records came back */
	bool drain_timeout_paused;	/* Redis has them: no timeout meanwhile */
	int drain_code;
	bool rx_paused;			/* PREFIX:in is full */
	uint64_t collect_bad;
};

/* Starts the broker's threads (with --broker): 0, or -1 (said). */
int server_broker_start(struct server_broker *sb, struct app *app,
			const struct server_broker_ops *ops, void *server);
/* Whether stdin records go to Redis (--broker, and not a relay or collector). */
bool server_broker_feeds(const struct server_broker *sb);
/* A stdin record under --broker: to Redis (full: DELIVER_LATER). */
enum deliver server_broker_deliver(struct server_broker *sb, struct msg *m);
/* Entries read from the stream: broadcast (or, --collect, written out). */
void server_broker_pump(struct server_broker *sb);
/* Drains only once our own records came back; true when it took over. */
bool server_broker_drain(struct server_broker *sb, int close_code);
size_t server_broker_undelivered(struct server_broker *sb);
/* A client's message, for PREFIX:in with --broker-inbound. */
void server_broker_received(struct server_broker *sb, const char *path, size_t path_len,
			    bool binary, const unsigned char *data, size_t len);
/* Reading clients stays off while PREFIX:in is full. */
bool server_broker_holds_rx(const struct server_broker *sb);
void server_broker_finish(struct server_broker *sb);
/*
 * The exit code, once the broker is stopped: 75 for a member that
 * appended records to a stream that was then reset (Redis lost it).
 */
int server_broker_verdict(struct server_broker *sb, int exit_code);

#endif
