#include "options.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <libwebsockets.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef RXWS_VERSION
#define RXWS_VERSION "0.0.0"
#endif

#define FOR_SERVE (1u << TOOL_SERVE)
#define FOR_CONNECT (1u << TOOL_CONNECT)
#define FOR_GROUP (1u << TOOL_GROUP)
#define FOR_CLIENTS (FOR_CONNECT | FOR_GROUP)
#define FOR_ALL (FOR_SERVE | FOR_CLIENTS)

enum section { SEC_RECORDS, SEC_FLOW, SEC_SERVER, SEC_BROKER, SEC_CLIENT, SEC_LOGS, SEC_OTHER };

static const char *const section_titles[] = {
	[SEC_RECORDS] = "Records",
	[SEC_FLOW] = "Flow",
	[SEC_SERVER] = "Server",
	[SEC_BROKER] = "Broker (many rxws-serve as one, through Redis)",
	[SEC_CLIENT] = "Connection",
	[SEC_LOGS] = "Logs",
	[SEC_OTHER] = "Other",
};

enum opt_id {
	OPT_STRING = 256, OPT_BYTES, OPT_OBJECT, OPT_TYPE, OPT_FORMAT = 'f', OPT_NUL = '0',
	OPT_CHUNK_SIZE = 300, OPT_MAX_SIZE, OPT_STRICT,
	OPT_QUEUE, OPT_OVERFLOW, OPT_DRAIN_TIMEOUT, OPT_PING_INTERVAL,
	OPT_PING_TIMEOUT, OPT_KEEP_OPEN = 'k', OPT_RECV_ONLY = 'r',
	OPT_SEND_ONLY = 's', OPT_COUNT = 'c', OPT_TIMEOUT = 'W',
	OPT_HOST = 400, OPT_PORT = 'p', OPT_UNIX = 401, OPT_ALLOW_PATH,
	OPT_MAX_CLIENTS, OPT_WAIT_CLIENTS, OPT_HANDSHAKE_TIMEOUT,
	OPT_CERT, OPT_KEY, OPT_AUTH_TOKEN_FILE, OPT_ORIGIN, OPT_STATIC, OPT_METRICS,
	OPT_COMPRESS, OPT_HEADER, OPT_CACERT, OPT_INSECURE,
	OPT_RETRY_DELAY, OPT_RETRY_MAX, OPT_RETRIES, OPT_CONNECT_TIMEOUT,
	OPT_MAX_PATHS, OPT_PROTOCOL, OPT_PROXY, OPT_NOPROXY, OPT_NO_ACK,
	OPT_RESUME_TIMEOUT, OPT_SESSION, OPT_ONESHOT,
	OPT_BROKER, OPT_BROKER_PREFIX, OPT_BROKER_MAXLEN, OPT_BROKER_INBOUND, OPT_COLLECT,
	OPT_VERBOSE = 'v', OPT_QUIET = 'q', OPT_LOG_FORMAT = 500, OPT_NAME,
	OPT_HELP = 'h', OPT_VERSION = 502,
};

struct opt_def {
	const char *name;
	int has_arg;
	int id;			/* the short option too, when printable */
	unsigned tools;
	enum section section;
	const char *arg;
	const char *help;
};

static const struct opt_def opt_defs[] = {
	{ "string", no_argument, OPT_STRING, FOR_ALL, SEC_RECORDS, NULL,
	  "frames are text; records must be UTF-8 (default)" },
	{ "bytes", no_argument, OPT_BYTES, FOR_ALL, SEC_RECORDS, NULL,
	  "frames are binary; records are any bytes" },
	{ "object", no_argument, OPT_OBJECT, FOR_ALL, SEC_RECORDS, NULL,
	  "frames are CBOR; records are JSON (line, nul) or CBOR" },
	{ "type", required_argument, OPT_TYPE, FOR_CONNECT, SEC_RECORDS, "TYPE",
	  "string, bytes or object" },
	{ "type", required_argument, OPT_TYPE, FOR_SERVE | FOR_GROUP, SEC_RECORDS, "[GLOB=]TYPE",
	  "string, bytes or object; GLOB=TYPE per path (first match wins)" },
	{ "format", required_argument, OPT_FORMAT, FOR_ALL, SEC_RECORDS, "FMT",
	  "framing of stdin and stdout: line, nul, lp, raw, json, cbor" },
	{ "null", no_argument, OPT_NUL, FOR_ALL, SEC_RECORDS, NULL,
	  "same as --format nul" },
	{ "chunk-size", required_argument, OPT_CHUNK_SIZE, FOR_ALL, SEC_RECORDS, "BYTES",
	  "largest frame under --format raw (4096)" },
	{ "max-size", required_argument, OPT_MAX_SIZE, FOR_ALL, SEC_RECORDS, "BYTES",
	  "largest message from a peer or stdin (16M)" },
	{ "strict", no_argument, OPT_STRICT, FOR_ALL, SEC_RECORDS, NULL,
	  "exit 65 on the first bad record instead of skipping it" },

	{ "queue", required_argument, OPT_QUEUE, FOR_ALL, SEC_FLOW, "N",
	  "messages a connection may have waiting (1024)" },
	{ "overflow", required_argument, OPT_OVERFLOW, FOR_ALL, SEC_FLOW, "POLICY",
	  "full queue: block, drop-oldest, drop-newest, close" },
	{ "drain-timeout", required_argument, OPT_DRAIN_TIMEOUT, FOR_ALL, SEC_FLOW, "SECS",
	  "at end of input, exit 75 if not delivered within SECS (10)" },
	{ "ping-interval", required_argument, OPT_PING_INTERVAL, FOR_ALL, SEC_FLOW, "SECS",
	  "send a ping after SECS (30; 0 turns keepalive off)" },
	{ "ping-timeout", required_argument, OPT_PING_TIMEOUT, FOR_ALL, SEC_FLOW, "SECS",
	  "close a peer that has not answered a ping in SECS (30)" },
	{ "keep-open", no_argument, OPT_KEEP_OPEN, FOR_ALL, SEC_FLOW, NULL,
	  "keep running after the end of stdin" },
	{ "recv-only", no_argument, OPT_RECV_ONLY, FOR_ALL, SEC_FLOW, NULL,
	  "never read stdin" },
	{ "send-only", no_argument, OPT_SEND_ONLY, FOR_ALL, SEC_FLOW, NULL,
	  "discard what peers send" },
	{ "count", required_argument, OPT_COUNT, FOR_ALL, SEC_FLOW, "N",
	  "exit 0 after writing N records to stdout" },
	{ "timeout", required_argument, OPT_TIMEOUT, FOR_ALL, SEC_FLOW, "SECS",
	  "exit 75 if still running after SECS" },
	{ "no-ack", no_argument, OPT_NO_ACK, FOR_ALL, SEC_FLOW, NULL,
	  "no acknowledgements between rxws tools (faster, nothing resent)" },
	{ "resume-timeout", required_argument, OPT_RESUME_TIMEOUT, FOR_SERVE, SEC_FLOW, "SECS",
	  "keep a gone client's records this long for its return (30)" },
	{ "session", required_argument, OPT_SESSION, FOR_CLIENTS, SEC_FLOW, "NAME",
	  "resume this session after a restart (at least once)" },

	{ "host", required_argument, OPT_HOST, FOR_SERVE, SEC_SERVER, "ADDR",
	  "address to listen on (127.0.0.1; :: or 0.0.0.0 for all)" },
	{ "port", required_argument, OPT_PORT, FOR_SERVE, SEC_SERVER, "N",
	  "port to listen on (8888; 0 picks a free one and logs it)" },
	{ "unix", required_argument, OPT_UNIX, FOR_SERVE, SEC_SERVER, "SOCKET",
	  "listen on a unix socket instead of TCP" },
	{ "allow-path", required_argument, OPT_ALLOW_PATH, FOR_SERVE, SEC_SERVER, "GLOB",
	  "accept only paths matching GLOB (repeatable)" },
	{ "max-clients", required_argument, OPT_MAX_CLIENTS, FOR_SERVE, SEC_SERVER, "N",
	  "refuse clients beyond N (HTTP 503)" },
	{ "wait-clients", required_argument, OPT_WAIT_CLIENTS, FOR_SERVE, SEC_SERVER, "N",
	  "do not read stdin until N clients are connected" },
	{ "handshake-timeout", required_argument, OPT_HANDSHAKE_TIMEOUT, FOR_SERVE, SEC_SERVER, "SECS",
	  "drop a peer whose handshake is not done in SECS (10)" },
	{ "cert", required_argument, OPT_CERT, FOR_SERVE, SEC_SERVER, "FILE",
	  "TLS certificate (PEM): serve wss://, with --key" },
	{ "key", required_argument, OPT_KEY, FOR_SERVE, SEC_SERVER, "FILE",
	  "TLS private key (PEM) of --cert" },
	{ "auth-token-file", required_argument, OPT_AUTH_TOKEN_FILE, FOR_SERVE, SEC_SERVER, "FILE",
	  "require this token: Authorization: Bearer, or ?token=" },
	{ "origin", required_argument, OPT_ORIGIN, FOR_SERVE, SEC_SERVER, "ORIGIN",
	  "allow browsers from ORIGIN only (repeatable; others get 403)" },
	{ "static", required_argument, OPT_STATIC, FOR_SERVE, SEC_SERVER, "DIR",
	  "serve the files of DIR over HTTP on the same port" },
	{ "metrics", no_argument, OPT_METRICS, FOR_SERVE, SEC_SERVER, NULL,
	  "answer GET /metrics (Prometheus) and /healthz on the same port" },
	{ "compress", no_argument, OPT_COMPRESS, FOR_SERVE, SEC_SERVER, NULL,
	  "offer permessage-deflate to clients" },
	{ "protocol", required_argument, OPT_PROTOCOL, FOR_SERVE, SEC_SERVER, "NAME",
	  "accept this subprotocol (repeatable; an offer of none gets 400)" },

	{ "broker", required_argument, OPT_BROKER, FOR_SERVE, SEC_BROKER, "URL",
	  "redis://[USER:PASSWORD@]HOST[:PORT][/DB] or redis+unix:///SOCKET[?db=N]" },
	{ "broker-prefix", required_argument, OPT_BROKER_PREFIX, FOR_SERVE, SEC_BROKER, "PREFIX",
	  "the streams' keys: PREFIX:out, PREFIX:in (rxws)" },
	{ "broker-maxlen", required_argument, OPT_BROKER_MAXLEN, FOR_SERVE, SEC_BROKER, "N",
	  "keep about N entries in each stream (1000000)" },
	{ "broker-inbound", no_argument, OPT_BROKER_INBOUND, FOR_SERVE, SEC_BROKER, NULL,
	  "also append what clients send to PREFIX:in" },
	{ "collect", no_argument, OPT_COLLECT, FOR_SERVE, SEC_BROKER, NULL,
	  "no listener, no stdin: write every member's PREFIX:in to stdout" },
	{ "retry-delay", required_argument, OPT_RETRY_DELAY, FOR_SERVE, SEC_BROKER, "SECS",
	  "first reconnect to Redis after SECS (0.5), then doubling" },
	{ "retry-max", required_argument, OPT_RETRY_MAX, FOR_SERVE, SEC_BROKER, "SECS",
	  "longest wait between reconnects to Redis (30)" },
	{ "retries", required_argument, OPT_RETRIES, FOR_SERVE, SEC_BROKER, "N",
	  "give up on Redis (exit 69) after N failed retries in a row (never)" },

	{ "retry-delay", required_argument, OPT_RETRY_DELAY, FOR_CLIENTS, SEC_CLIENT, "SECS",
	  "first reconnect within SECS (0.5), then doubling" },
	{ "retry-max", required_argument, OPT_RETRY_MAX, FOR_CLIENTS, SEC_CLIENT, "SECS",
	  "longest wait between reconnects (30)" },
	{ "retries", required_argument, OPT_RETRIES, FOR_CLIENTS, SEC_CLIENT, "N",
	  "give up (exit 69) after N failed retries in a row (never)" },
	{ "unix", required_argument, OPT_UNIX, FOR_CLIENTS, SEC_CLIENT, "SOCKET",
	  "connect through a unix socket; the URL gives path and Host" },
	{ "oneshot", no_argument, OPT_ONESHOT, FOR_CLIENTS, SEC_CLIENT, NULL,
	  "end when a connection ends: exit 0 on 1000, else 69" },
	{ "connect-timeout", required_argument, OPT_CONNECT_TIMEOUT, FOR_CLIENTS, SEC_CLIENT, "SECS",
	  "limit for one attempt, TCP and handshake (10)" },
	{ "header", required_argument, OPT_HEADER, FOR_CLIENTS, SEC_CLIENT, "'K: V'",
	  "add this header to the handshake (repeatable)" },
	{ "auth-token-file", required_argument, OPT_AUTH_TOKEN_FILE, FOR_CLIENTS, SEC_CLIENT, "FILE",
	  "send Authorization: Bearer with the token in FILE" },
	{ "cacert", required_argument, OPT_CACERT, FOR_CLIENTS, SEC_CLIENT, "FILE",
	  "trust the CA certificates in FILE (PEM) for wss://" },
	{ "insecure", no_argument, OPT_INSECURE, FOR_CLIENTS, SEC_CLIENT, NULL,
	  "wss:// without checking the certificate or host name" },
	{ "compress", no_argument, OPT_COMPRESS, FOR_CLIENTS, SEC_CLIENT, NULL,
	  "ask the server for permessage-deflate" },
	{ "protocol", required_argument, OPT_PROTOCOL, FOR_CLIENTS, SEC_CLIENT, "NAME",
	  "offer this subprotocol (repeatable, in order of preference)" },
	{ "proxy", required_argument, OPT_PROXY, FOR_CLIENTS, SEC_CLIENT, "URL",
	  "HTTP proxy (CONNECT) to go through ('' for none; default: *_proxy)" },
	{ "noproxy", required_argument, OPT_NOPROXY, FOR_CLIENTS, SEC_CLIENT, "LIST",
	  "hosts to reach without the proxy (default: no_proxy; '*': all)" },

	{ "max-paths", required_argument, OPT_MAX_PATHS, FOR_GROUP, SEC_CLIENT, "N",
	  "paths stdin records may open, at most (256)" },

	{ "verbose", no_argument, OPT_VERBOSE, FOR_ALL, SEC_LOGS, NULL,
	  "log connections and retries; twice for debug" },
	{ "quiet", no_argument, OPT_QUIET, FOR_ALL, SEC_LOGS, NULL,
	  "log errors only" },
	{ "log-format", required_argument, OPT_LOG_FORMAT, FOR_ALL, SEC_LOGS, "FMT",
	  "text or json (OpenTelemetry log records)" },
	{ "name", required_argument, OPT_NAME, FOR_ALL, SEC_LOGS, "NAME",
	  "source name in logs" },

	{ "help", no_argument, OPT_HELP, FOR_ALL, SEC_OTHER, NULL,
	  "show this help and exit" },
	{ "version", no_argument, OPT_VERSION, FOR_ALL, SEC_OTHER, NULL,
	  "show the version and exit" },
};

#define N_OPTS (sizeof(opt_defs) / sizeof(*opt_defs))

static const char *const tool_names[] = {
	[TOOL_SERVE] = "rxws-serve",
	[TOOL_CONNECT] = "rxws-connect",
	[TOOL_GROUP] = "rxws-group",
};

static const char *const tool_usage[] = {
	[TOOL_SERVE] = "[OPTIONS] [PATH]",
	[TOOL_CONNECT] = "[OPTIONS] URL",
	[TOOL_GROUP] = "[OPTIONS] URL [PATH...]",
};

static const char *const tool_summary[] = {
	[TOOL_SERVE] =
	"Serve WebSocket clients: broadcast stdin records to the clients of a path,\n"
	"write what they send to stdout. With PATH, records are untagged and only\n"
	"PATH is accepted; without, any path is, and records are tagged TAG<TAB>DATA.\n",
	[TOOL_CONNECT] =
	"Connect to a WebSocket server: send stdin records, write received messages\n"
	"to stdout, reconnect by itself. URL is ws[s]://HOST[:PORT][/PATH][?QUERY].\n",
	[TOOL_GROUP] =
	"Connect to many paths of one WebSocket server: tagged stdin records go to\n"
	"their path, received messages come out tagged with theirs.\n",
};

static const char *const datatype_names[] = {
	[DATATYPE_STRING] = "string",
	[DATATYPE_BYTES] = "bytes",
	[DATATYPE_OBJECT] = "object",
};

static const char *const overflow_names[] = {
	[OVERFLOW_BLOCK] = "block",
	[OVERFLOW_DROP_OLDEST] = "drop-oldest",
	[OVERFLOW_DROP_NEWEST] = "drop-newest",
	[OVERFLOW_CLOSE] = "close",
};

const char *datatype_name(enum datatype t)
{
	return datatype_names[t];
}

static int name_index(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (names[i] && !strcmp(names[i], s))
			return (int)i;
	return -1;
}

static void print_help(enum tool tool)
{
	printf("Usage: %s %s\n%s", tool_names[tool], tool_usage[tool],
	       tool_summary[tool]);
	for (int sec = SEC_RECORDS; sec <= SEC_OTHER; sec++) {
		bool titled = false;
		for (size_t i = 0; i < N_OPTS; i++) {
			const struct opt_def *o = &opt_defs[i];
			if (o->section != (enum section)sec || !(o->tools & (1u << tool)))
				continue;
			if (!titled) {
				printf("\n%s:\n", section_titles[sec]);
				titled = true;
			}
			char left[64];
			int n = o->id < 128
				? snprintf(left, sizeof(left), "  -%c, --%s", o->id, o->name)
				: snprintf(left, sizeof(left), "      --%s", o->name);
			if (o->arg)
				snprintf(left + n, sizeof(left) - (size_t)n, " %s", o->arg);
			printf("%-32s%s\n", left, o->help);
		}
	}
	printf("\nOptions that make one choice differently (--string --bytes, -f lp -0,\n"
	       "-r -s, -q -v) exclude each other: a usage error.\n");
	printf("\nExit: 0 done, 64 usage, 65 bad input with --strict, 69 cannot bind or\n"
	       "connect, 70 internal error, 74 I/O error, 75 timeout.\n"
	       "See %s(1) and rxws(7).\n", tool_names[tool]);
}

/*
 * lws 4.1 appends "-" and the git hash of its build to the version; a
 * release build has no hash, which leaves "4.1.6-": the dash goes.
 */
static void print_version(enum tool tool)
{
	const char *lws = lws_get_library_version();
	size_t n = strlen(lws);
	while (n && (lws[n - 1] == '-' || isspace((unsigned char)lws[n - 1])))
		n--;
	printf("%s %s (libwebsockets %.*s)\n", tool_names[tool], RXWS_VERSION,
	       (int)n, lws);
}

static int usage_error(enum tool tool, const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", tool_names[tool]);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry '%s --help' for more information.\n", tool_names[tool]);
	return EXIT_USAGE;
}

static int parse_seconds(const char *s, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < 0 || v > 1e9)
		return -1;
	*out = v;
	return 0;
}

/* A count or size: decimal, with an optional k, M or G (powers of 1024). */
static int parse_size(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	unsigned shift = 0;
	if (*end == 'k' || *end == 'K')
		shift = 10;
	else if (*end == 'M')
		shift = 20;
	else if (*end == 'G')
		shift = 30;
	if (shift)
		end++;
	if (*end || v > (max >> shift))
		return -1;
	*out = (uint64_t)v << shift;
	return 0;
}

static int parse_type_rule(struct config *c, const char *arg)
{
	const char *eq = strrchr(arg, '=');
	int t = name_index(datatype_names, 3, eq ? eq + 1 : arg);
	if (t < 0)
		return -1;
	if (!eq) {
		c->datatype = (enum datatype)t;
		return 0;
	}
	struct type_rule *rules = realloc(c->type_rules,
					  (c->n_type_rules + 1) * sizeof(*rules));
	if (!rules)
		return -1;
	c->type_rules = rules;
	/* The glob is the argument up to '=': argv outlives the config. */
	size_t glen = (size_t)(eq - arg);
	char *glob = strndup(arg, glen);
	if (!glob)
		return -1;
	rules[c->n_type_rules].glob = glob;
	rules[c->n_type_rules].type = (enum datatype)t;
	c->n_type_rules++;
	return 0;
}

/*
 * --host '[::1]', as in a URL: the address inside the brackets, which must
 * be an IPv6 one (with a zone, '%eth0', at most).
 */
static int unbracket_host(struct config *c, const char *arg)
{
	size_t n = strlen(arg);
	if (n < 3 || arg[n - 1] != ']')
		return -1;
	char *inner = strndup(arg + 1, n - 2);
	if (!inner)
		return -1;
	char address[INET6_ADDRSTRLEN];
	size_t len = strcspn(inner, "%");
	struct in6_addr a6;
	if (len >= sizeof(address)) {
		free(inner);
		return -1;
	}
	memcpy(address, inner, len);
	address[len] = '\0';
	if (inet_pton(AF_INET6, address, &a6) != 1) {
		free(inner);
		return -1;
	}
	free(c->host_unbracketed);
	c->host = c->host_unbracketed = inner;
	return 0;
}

static int push_string(const char ***list, size_t *n, const char *s)
{
	const char **l = realloc(*list, (*n + 1) * sizeof(*l));
	if (!l)
		return -1;
	l[(*n)++] = s;
	*list = l;
	return 0;
}

/* A header name is an HTTP token; the value has no line breaks. */
static bool header_problem(const char *h)
{
	const char *colon = strchr(h, ':');
	if (!colon || colon == h)
		return true;
	for (const char *p = h; p < colon; p++)
		if (!strchr("!#$%&'*+-.^_`|~", *p) && !isalnum((unsigned char)*p))
			return true;
	return strpbrk(colon, "\r\n") != NULL;
}

/*
 * The token is the file's first line, without the white space around it:
 * printable, no spaces, as a header and a URL can carry it.
 */
static int read_token(struct config *c)
{
	enum tool tool = c->tool;
	FILE *f = fopen(c->auth_token_file, "r");
	if (!f) {
		fprintf(stderr, "%s: cannot read --auth-token-file %s: %s\n",
			tool_names[tool], c->auth_token_file, strerror(errno));
		return EXIT_USAGE;
	}
	char line[4098];
	size_t n = fgets(line, sizeof(line), f) ? strlen(line) : 0;
	fclose(f);
	while (n && isspace((unsigned char)line[n - 1]))
		line[--n] = '\0';
	size_t start = strspn(line, " \t");
	for (size_t i = start; i < n; i++)
		if (!isgraph((unsigned char)line[i]))
			n = 0;
	if (n <= start || n - start > 4096) {
		fprintf(stderr, "%s: --auth-token-file %s: expected one token of 1 to 4096 printable characters, without spaces\n",
			tool_names[tool], c->auth_token_file);
		return EXIT_USAGE;
	}
	c->token = strdup(line + start);
	return c->token ? -1 : EXIT_SOFTWARE;
}

static void set_defaults(struct config *c, enum tool tool, const char *progname)
{
	memset(c, 0, sizeof(*c));
	c->tool = tool;
	c->progname = progname;
	c->datatype = DATATYPE_STRING;
	c->framing = (enum framing)-1;
	c->chunk_size = 4096;
	c->max_size = 16u << 20;
	c->queue_len = 1024;
	c->overflow = tool == TOOL_SERVE ? OVERFLOW_CLOSE : OVERFLOW_BLOCK;
	c->drain_timeout = 10;
	c->ping_interval = 30;
	c->ping_timeout = 30;
	c->host = "127.0.0.1";
	c->port = 8888;
	c->retry_delay = 0.5;
	c->retry_max = 30;
	c->retries = -1;
	c->connect_timeout = 10;
	c->handshake_timeout = 10;
	c->max_paths = 256;
	c->resume_timeout = 30;
	c->broker_prefix = "rxws";
	c->broker_maxlen = 1000000;
}

/*
 * One setting that several options make: the datatype, the framing, how
 * much to log, which way records go. Two options that make it differently
 * exclude each other, whatever their order: "the last one wins" would
 * hide a mistake in a long command line.
 */
struct choice {
	int value;
	char given[64];		/* the first option that made it, as given */
};

struct choices {
	struct choice datatype, framing, loudness, direction;
};

static int choose(enum tool tool, struct choice *ch, int value,
		  const char *given)
{
	if (!ch->given[0]) {
		ch->value = value;
		snprintf(ch->given, sizeof(ch->given), "%s", given);
		return -1;
	}
	if (ch->value == value)
		return -1;
	char both[160];
	snprintf(both, sizeof(both), "%s and %s exclude each other", ch->given, given);
	return usage_error(tool, "%s", both);
}

/* Applies one option; given is how it was written, for messages. */
static int apply_option(struct config *c, struct choices *ch, int id,
			const char *arg, const char *given)
{
	enum tool tool = c->tool;
	uint64_t n;
	int k;

	switch (id) {
	case OPT_STRING:
		c->datatype = DATATYPE_STRING;
		return choose(tool, &ch->datatype, c->datatype, given);
	case OPT_BYTES:
		c->datatype = DATATYPE_BYTES;
		return choose(tool, &ch->datatype, c->datatype, given);
	case OPT_OBJECT:
		c->datatype = DATATYPE_OBJECT;
		return choose(tool, &ch->datatype, c->datatype, given);
	case OPT_TYPE:
		if (strchr(arg, '=') && tool == TOOL_CONNECT)
			return usage_error(tool, "--type GLOB=TYPE needs paths: '%s'", arg);
		if (parse_type_rule(c, arg))
			return usage_error(tool, "--type: expected string, bytes, object or GLOB=TYPE, not '%s'", arg);
		if (!strchr(arg, '='))
			return choose(tool, &ch->datatype, c->datatype, given);
		break;
	case OPT_FORMAT:
		if (framing_parse(arg, &c->framing))
			return usage_error(tool, "--format: expected line, nul, lp, raw, json or cbor, not '%s'", arg);
		return choose(tool, &ch->framing, c->framing, given);
	case OPT_NUL:
		c->framing = FRAMING_NUL;
		return choose(tool, &ch->framing, c->framing, given);
	case OPT_CHUNK_SIZE:
		if (parse_size(arg, 1u << 30, &n) || !n)
			return usage_error(tool, "--chunk-size: expected a size in bytes, not '%s'", arg);
		c->chunk_size = (size_t)n;
		break;
	case OPT_MAX_SIZE:
		/* lp lengths are 32 bits. */
		if (parse_size(arg, UINT32_MAX, &n) || !n)
			return usage_error(tool, "--max-size: expected 1 to 4294967295 bytes, not '%s'", arg);
		c->max_size = (size_t)n;
		break;
	case OPT_STRICT:
		c->strict = true;
		break;
	case OPT_QUEUE:
		if (parse_size(arg, 1u << 24, &n) || !n)
			return usage_error(tool, "--queue: expected a count from 1, not '%s'", arg);
		c->queue_len = (size_t)n;
		break;
	case OPT_OVERFLOW:
		k = name_index(overflow_names, 4, arg);
		if (k < 0)
			return usage_error(tool, "--overflow: expected block, drop-oldest, drop-newest or close, not '%s'", arg);
		c->overflow = (enum overflow)k;
		break;
	case OPT_DRAIN_TIMEOUT:
		if (parse_seconds(arg, &c->drain_timeout))
			return usage_error(tool, "--drain-timeout: expected seconds, not '%s'", arg);
		break;
	case OPT_PING_INTERVAL:
		if (parse_seconds(arg, &c->ping_interval))
			return usage_error(tool, "--ping-interval: expected seconds, not '%s'", arg);
		break;
	case OPT_PING_TIMEOUT:
		if (parse_seconds(arg, &c->ping_timeout))
			return usage_error(tool, "--ping-timeout: expected seconds, not '%s'", arg);
		break;
	case OPT_KEEP_OPEN:
		c->keep_open = true;
		break;
	case OPT_RECV_ONLY:
		c->recv_only = true;
		return choose(tool, &ch->direction, 'r', given);
	case OPT_SEND_ONLY:
		c->send_only = true;
		return choose(tool, &ch->direction, 's', given);
	case OPT_COUNT:
		if (parse_size(arg, UINT64_MAX, &c->count) || !c->count)
			return usage_error(tool, "--count: expected a count from 1, not '%s'", arg);
		break;
	case OPT_TIMEOUT:
		if (parse_seconds(arg, &c->timeout) || c->timeout == 0)
			return usage_error(tool, "--timeout: expected seconds above 0, not '%s'", arg);
		break;
	case OPT_NO_ACK:
		c->no_ack = true;
		break;
	case OPT_ONESHOT:
		c->oneshot = true;
		break;
	case OPT_RESUME_TIMEOUT:
		if (parse_seconds(arg, &c->resume_timeout))
			return usage_error(tool, "--resume-timeout: expected seconds, not '%s'", arg);
		break;
	case OPT_SESSION:
		if (!*arg || strlen(arg) > 256)
			return usage_error(tool, "--session: expected a name of 1 to 256 bytes, not '%s'", arg);
		c->session = arg;
		break;
	case OPT_HOST:
		if (arg[0] == '[' && unbracket_host(c, arg))
			return usage_error(tool, "--host: brackets are for an IPv6 address, not '%s'", arg);
		if (arg[0] != '[')
			c->host = arg;
		break;
	case OPT_PORT:
		if (parse_size(arg, 65535, &n))
			return usage_error(tool, "--port: expected 0 to 65535, not '%s'", arg);
		c->port = (int)n;
		break;
	case OPT_UNIX:
		c->unix_socket = arg;
		break;
	case OPT_ALLOW_PATH:
		if (push_string(&c->allow_paths, &c->n_allow_paths, arg))
			return EXIT_SOFTWARE;
		break;
	case OPT_MAX_CLIENTS:
		if (parse_size(arg, 1u << 24, &n) || !n)
			return usage_error(tool, "--max-clients: expected a count from 1, not '%s'", arg);
		c->max_clients = (size_t)n;
		break;
	case OPT_WAIT_CLIENTS:
		if (parse_size(arg, 1u << 24, &n))
			return usage_error(tool, "--wait-clients: expected a count, not '%s'", arg);
		c->wait_clients = (size_t)n;
		break;
	case OPT_HANDSHAKE_TIMEOUT:
		if (parse_seconds(arg, &c->handshake_timeout) || c->handshake_timeout < 1)
			return usage_error(tool, "--handshake-timeout: expected 1 second or more, not '%s'", arg);
		break;
	case OPT_CERT:
		c->cert = arg;
		break;
	case OPT_KEY:
		c->key = arg;
		break;
	case OPT_AUTH_TOKEN_FILE:
		c->auth_token_file = arg;
		break;
	case OPT_ORIGIN:
		if (push_string(&c->origins, &c->n_origins, arg))
			return EXIT_SOFTWARE;
		break;
	case OPT_STATIC:
		c->static_dir = arg;
		break;
	case OPT_METRICS:
		c->metrics = true;
		break;
	case OPT_COMPRESS:
		c->compress = true;
		break;
	case OPT_HEADER:
		if (header_problem(arg))
			return usage_error(tool, "--header: expected 'Name: value' on one line, not '%s'", arg);
		if (push_string(&c->headers, &c->n_headers, arg))
			return EXIT_SOFTWARE;
		break;
	case OPT_PROTOCOL:
		if (!*arg || strcspn(arg, "()<>@,;:\\\"/[]?={} \t") != strlen(arg) ||
		    strlen(arg) > 120)
			return usage_error(tool, "--protocol: expected a token (RFC 6455 1.9), not '%s'", arg);
		for (const char *q = arg; *q; q++)
			if ((unsigned char)*q <= ' ' || (unsigned char)*q >= 0x7f)
				return usage_error(tool, "--protocol: expected a token (RFC 6455 1.9), not '%s'", arg);
		if (push_string(&c->protocols, &c->n_protocols, arg))
			return EXIT_SOFTWARE;
		break;
	case OPT_PROXY:
		c->proxy = arg;
		break;
	case OPT_NOPROXY:
		c->noproxy = arg;
		break;
	case OPT_CACERT:
		c->cacert = arg;
		break;
	case OPT_INSECURE:
		c->insecure = true;
		break;
	case OPT_BROKER:
		c->broker = arg;
		break;
	case OPT_BROKER_PREFIX:
		c->broker_prefix = arg;
		break;
	case OPT_BROKER_MAXLEN:
		if (parse_size(arg, UINT64_MAX >> 1, &c->broker_maxlen) || !c->broker_maxlen)
			return usage_error(tool, "--broker-maxlen: expected a count from 1, not '%s'", arg);
		break;
	case OPT_BROKER_INBOUND:
		c->broker_inbound = true;
		break;
	case OPT_COLLECT:
		c->collect = true;
		break;
	case OPT_RETRY_DELAY:
		c->retry_given = true;
		if (parse_seconds(arg, &c->retry_delay) || c->retry_delay == 0)
			return usage_error(tool, "--retry-delay: expected seconds above 0, not '%s'", arg);
		break;
	case OPT_RETRY_MAX:
		c->retry_given = true;
		if (parse_seconds(arg, &c->retry_max) || c->retry_max == 0)
			return usage_error(tool, "--retry-max: expected seconds above 0, not '%s'", arg);
		break;
	case OPT_RETRIES:
		c->retry_given = true;
		if (parse_size(arg, 1u << 30, &n))
			return usage_error(tool, "--retries: expected a count, not '%s'", arg);
		c->retries = (long)n;
		break;
	case OPT_CONNECT_TIMEOUT:
		if (parse_seconds(arg, &c->connect_timeout) || c->connect_timeout == 0)
			return usage_error(tool, "--connect-timeout: expected seconds above 0, not '%s'", arg);
		break;
	case OPT_MAX_PATHS:
		if (parse_size(arg, 1u << 20, &n) || !n)
			return usage_error(tool, "--max-paths: expected a count from 1, not '%s'", arg);
		c->max_paths = (size_t)n;
		break;
	case OPT_VERBOSE:
		c->verbosity++;
		return choose(tool, &ch->loudness, 'v', given);
	case OPT_QUIET:
		c->verbosity = -1;
		return choose(tool, &ch->loudness, 'q', given);
	case OPT_LOG_FORMAT:
		if (!strcmp(arg, "text"))
			c->log_format = LOG_TEXT;
		else if (!strcmp(arg, "json"))
			c->log_format = LOG_JSON;
		else
			return usage_error(tool, "--log-format: expected text or json, not '%s'", arg);
		break;
	case OPT_NAME:
		c->name = arg;
		break;
	case OPT_HELP:
		print_help(tool);
		return EXIT_OK;
	case OPT_VERSION:
		print_version(tool);
		return EXIT_OK;
	default:
		return usage_error(tool, "%s", "unknown option");
	}
	return -1;
}

/* rxws-serve --broker and the options that need it. */
static int settle_broker(struct config *c)
{
	enum tool tool = c->tool;

	if (!c->broker) {
		if (c->retry_given)
			return usage_error(tool, "%s", "--retry-delay, --retry-max and --retries need --broker");
		if (c->collect || c->broker_inbound)
			return usage_error(tool, "%s", "--collect and --broker-inbound need --broker");
		return -1;
	}
	const char *why = broker_url_parse(c->broker, &c->broker_url);
	if (why)
		return usage_error(tool, "--broker: %s", why);
	if (!*c->broker_prefix)
		return usage_error(tool, "%s", "--broker-prefix: expected a prefix, not an empty one");
	for (const char *p = c->broker_prefix; *p; p++)
		if ((unsigned char)*p < ' ' || *p == 0x7f)
			return usage_error(tool, "--broker-prefix: no control characters: '%s'", c->broker_prefix);
	if (c->collect && c->metrics)
		return usage_error(tool, "%s", "--collect listens nowhere: --metrics needs a port");
	if (c->collect && c->broker_inbound)
		return usage_error(tool, "%s", "--collect reads what --broker-inbound members append: not both");
	if (c->collect)
		c->recv_only = true;	/* a collector has no stdin */
	return -1;
}

/* Checks across options, and the defaults that depend on others. */
static int settle(struct config *c)
{
	enum tool tool = c->tool;

	c->tagged = tool == TOOL_GROUP || (tool == TOOL_SERVE && !c->path);
	if (c->path)
		c->datatype = config_type_for(c, c->path);
	if (c->framing == (enum framing)-1) {
		if (c->datatype == DATATYPE_BYTES)
			c->framing = c->tagged ? FRAMING_LP : FRAMING_RAW;
		else
			c->framing = FRAMING_LINE;
	}
	if (c->framing == FRAMING_RAW && c->tagged)
		return usage_error(tool, "%s", tool == TOOL_GROUP
				   ? "--format raw cannot carry tags: use lp, or rxws-connect for one path"
				   : "--format raw cannot carry tags: use lp, or give one path");
	if (c->framing == FRAMING_RAW) {
		bool objects = c->datatype == DATATYPE_OBJECT;
		for (size_t i = 0; i < c->n_type_rules; i++)
			objects |= c->type_rules[i].type == DATATYPE_OBJECT;
		if (objects)
			return usage_error(tool, "%s", "--format raw cannot carry objects: use line, lp, json or cbor");
	}
	if (tool == TOOL_GROUP && c->recv_only && !c->n_paths)
		return usage_error(tool, "%s", "--recv-only opens only the PATHs given: give one at least");
	if (c->retry_max < c->retry_delay)
		c->retry_max = c->retry_delay;
	if (c->chunk_size > c->max_size)
		c->chunk_size = c->max_size;
	if (c->path && c->path[0] != '/')
		return usage_error(tool, "PATH must start with '/': '%s'", c->path);
	for (size_t i = 0; i < c->n_paths; i++) {
		const char *problem = tag_problem(c->paths[i], strlen(c->paths[i]));
		if (problem)
			return usage_error(tool, "bad PATH: %s", problem);
	}
	if (!c->cert != !c->key)
		return usage_error(tool, "%s", "--cert and --key go together");
	const char *files[] = { c->cert, c->key, c->cacert };
	for (size_t i = 0; i < 3; i++)
		if (files[i] && access(files[i], R_OK))
			return usage_error(tool, "cannot read '%s'", files[i]);
	if (c->static_dir) {
		struct stat st;
		if (stat(c->static_dir, &st) || !S_ISDIR(st.st_mode))
			return usage_error(tool, "--static: '%s' is not a directory", c->static_dir);
	}
	if (tool == TOOL_SERVE) {
		int rc = settle_broker(c);
		if (rc >= 0)
			return rc;
	}
	if (c->auth_token_file)
		return read_token(c);
	return -1;
}

/* -1 when the tool should go on, or its exit code: the steps above return either. */
static int parse(struct config *c, enum tool tool, int argc, char **argv)
{
	struct option longopts[N_OPTS + 1];
	char shortopts[2 * N_OPTS + 3];
	size_t nl = 0, ns = 0;

	set_defaults(c, tool, tool_names[tool]);
	shortopts[ns++] = ':';	/* tell a missing argument from an unknown option */
	for (size_t i = 0; i < N_OPTS; i++) {
		const struct opt_def *o = &opt_defs[i];
		if (!(o->tools & (1u << tool)))
			continue;
		longopts[nl++] = (struct option){ o->name, o->has_arg, NULL, o->id };
		if (o->id < 128) {
			shortopts[ns++] = (char)o->id;
			if (o->has_arg)
				shortopts[ns++] = ':';
		}
	}
	longopts[nl] = (struct option){ 0 };
	shortopts[ns] = '\0';

	struct choices choices = { 0 };
	opterr = 0;
	optind = 1;
	for (;;) {
		int longindex = -1;
		int id = getopt_long(argc, argv, shortopts, longopts, &longindex);
		if (id == -1)
			break;
		if (id == '?' || id == ':') {
			char shortname[3] = { '-', (char)optopt, '\0' };
			bool is_short = optopt > 0 && optopt < 128;
			const char *what = is_short ? shortname : argv[optind - 1];
			return usage_error(tool, id == '?' ? "unknown option '%s'"
					   : "missing argument for '%s'", what);
		}
		char given[64];
		if (longindex >= 0)
			snprintf(given, sizeof(given), "--%s%s%s", longopts[longindex].name,
				 optarg ? " " : "", optarg ? optarg : "");
		else
			snprintf(given, sizeof(given), "-%c%s%s", id,
				 optarg ? " " : "", optarg ? optarg : "");
		int rc = apply_option(c, &choices, id, optarg, given);
		if (rc >= 0)
			return rc;
	}

	int nargs = argc - optind;
	char **args = argv + optind;
	switch (tool) {
	case TOOL_SERVE:
		if (nargs > 1)
			return usage_error(tool, "one PATH at most, got '%s' too", args[1]);
		c->path = nargs ? args[0] : NULL;
		break;
	case TOOL_CONNECT:
		if (nargs != 1)
			return usage_error(tool, "%s", nargs ? "one URL only" : "missing URL");
		c->url = args[0];
		break;
	case TOOL_GROUP:
		if (nargs < 1)
			return usage_error(tool, "%s", "missing URL");
		c->url = args[0];
		for (int i = 1; i < nargs; i++)
			if (push_string(&c->paths, &c->n_paths, args[i]))
				return EXIT_SOFTWARE;
		break;
	}
	return settle(c);
}

int config_parse(struct config *c, enum tool tool, int argc, char **argv, int *exit_code)
{
	int rc = parse(c, tool, argc, argv);

	if (rc < 0)
		return 0;
	*exit_code = rc;
	return -1;
}

void config_free(struct config *c)
{
	for (size_t i = 0; i < c->n_type_rules; i++)
		free((char *)c->type_rules[i].glob);
	free(c->type_rules);
	free(c->allow_paths);
	free(c->paths);
	free(c->origins);
	free(c->headers);
	free(c->protocols);
	free(c->token);
	free(c->host_unbracketed);
	c->host_unbracketed = NULL;
	broker_url_free(&c->broker_url);
	c->type_rules = NULL;
	c->allow_paths = c->paths = c->origins = c->headers = c->protocols = NULL;
	c->token = NULL;
}

enum datatype config_type_for(const struct config *c, const char *path)
{
	for (size_t i = 0; i < c->n_type_rules; i++)
		if (path && fnmatch(c->type_rules[i].glob, path, 0) == 0)
			return c->type_rules[i].type;
	return c->datatype;
}

bool config_json_texts(const struct config *c)
{
	if (c->framing != FRAMING_LINE && c->framing != FRAMING_NUL)
		return false;
	bool objects = c->datatype == DATATYPE_OBJECT;
	for (size_t i = 0; i < c->n_type_rules; i++)
		objects |= c->type_rules[i].type == DATATYPE_OBJECT;
	return objects;
}

bool config_path_allowed(const struct config *c, const char *path)
{
	if (!c->n_allow_paths)
		return true;
	for (size_t i = 0; i < c->n_allow_paths; i++)
		if (fnmatch(c->allow_paths[i], path, 0) == 0)
			return true;
	return false;
}
