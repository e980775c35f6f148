/*
 * options: the command line of every tool, parsed once into a config.
 *
 * One table describes each option: the member of struct config it sets and
 * how its argument is read, the tools that take it and its help line, so
 * --help, the parser and the checks cannot drift apart. Defaults that
 * depend on other options (the framing, the overflow policy) are settled
 * by options_parse().
 */
#ifndef RXWS_OPTIONS_H
#define RXWS_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/log.h"
#include "base/ring.h"
#include "broker/broker_url.h"
#include "records/record_config.h"
#include "ws/position.h"

enum tool { TOOL_SERVE, TOOL_CONNECT, TOOL_GROUP };

/* Exit codes, as sysexits.h. */
enum {
	EXIT_OK = 0,
	EXIT_USAGE = 64,
	EXIT_DATAERR = 65,
	EXIT_UNAVAILABLE = 69,
	EXIT_SOFTWARE = 70,
	EXIT_IOERR = 74,
	EXIT_TEMPFAIL = 75,
	EXIT_NOPERM = 77,
};

struct config {
	enum tool tool;
	const char *progname;

	/* records: the records layer's own part */
	struct record_config rec;
	struct type_rule *type_rules;	/* rec's --type GLOB=TYPE rules, owned */
	bool strict;

	/* flow */
	size_t queue_len;
	enum overflow overflow;
	double drain_timeout;
	double ping_interval, ping_timeout;
	bool keep_open, recv_only, send_only;
	uint64_t count;			/* 0: no limit */
	double timeout;			/* 0: none */
	bool no_ack;			/* no acknowledgements between rxws tools */
	bool oneshot;			/* clients: no reconnect once opened */
	double resume_timeout;		/* serve: how long a gone client's session waits */
	const char *session;		/* clients: a session name that survives restarts */

	/* logs */
	int verbosity;
	enum log_format log_format;
	const char *name;

	/* server */
	const char *host;
	char *host_unbracketed;		/* --host '[::1]': "::1", owned */
	int port;
	const char *unix_socket;
	const char *path;		/* single-path mode, else NULL */
	const char **allow_paths;
	size_t n_allow_paths;
	size_t max_clients;		/* 0: no limit */
	size_t wait_clients;
	double handshake_timeout;
	const char *cert, *key;		/* wss:// */
	const char **origins;		/* --origin allowlist */
	size_t n_origins;
	const char *static_dir;
	bool metrics;			/* GET /metrics and /healthz */
	size_t history;			/* messages kept per path; 0: none */
	size_t history_bytes;		/* over all paths */
	double history_age;		/* seconds; 0: no bound */

	/* broker (rxws-serve --broker) */
	const char *broker;		/* the URL as given, or NULL */
	struct broker_url broker_url;	/* its parts */
	const char *broker_prefix;
	uint64_t broker_maxlen;
	bool broker_inbound;
	bool collect;

	/* both */
	const char **protocols;		/* --protocol, in order */
	size_t n_protocols;
	const char *auth_token_file;
	char *token;			/* read from auth_token_file */
	bool compress;

	/* clients */
	const char *url;
	const char **paths;		/* group: paths opened at start */
	size_t n_paths;
	double retry_delay, retry_max;
	long retries;			/* -1: never give up */
	double connect_timeout;
	size_t max_paths;
	const char **headers;		/* --header 'K: V', as given */
	size_t n_headers;
	const char *cacert;
	bool insecure;
	const char *proxy;		/* --proxy: NULL for the environment's */
	const char *noproxy;		/* --noproxy: NULL for no_proxy */

	/* clients: history and recovery (rxws(7), HISTORY AND RECOVERY) */
	struct since_option *since;	/* --since, in order */
	size_t n_since;
	uint64_t last;			/* --last N; 0: none */
	const char *state;		/* --state FILE */
	bool exit_at_end;
};

/* --since: POS (rxws-connect), or PATH=POS (rxws-group, per path). */
struct since_option {
	char *path;			/* rxws-group's PATH, owned; NULL for rxws-connect */
	struct position pos;
};

/*
 * 0: the tool runs with cfg. -1: it stops, with *exit_code: EXIT_OK after
 * --help or --version, EXIT_USAGE after a message on stderr (EXIT_SOFTWARE
 * when out of memory). Either way options_free(cfg) follows.
 */
int options_parse(struct config *cfg, enum tool tool, int argc, char **argv,
		 int *exit_code);
void options_free(struct config *c);

#endif
