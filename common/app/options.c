/* options: the command line parsed into a config, and --help (options.h). */
#include "app/options.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <getopt.h>
#include <libwebsockets.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/options_dump.h"
#include "records/datatype.h"
#include "records/framing.h"

#ifndef RXWS_VERSION
#define RXWS_VERSION "0.0.0"
#endif

#define FOR_SERVE (1u << TOOL_SERVE)
#define FOR_CONNECT (1u << TOOL_CONNECT)
#define FOR_GROUP (1u << TOOL_GROUP)
#define FOR_CLIENTS (FOR_CONNECT | FOR_GROUP)
#define FOR_ALL (FOR_SERVE | FOR_CLIENTS)

/*
 * An option is one row of opts[] below, as in git's parse-options.h: the
 * row names the member of struct config that the option sets and how its
 * argument is read and bounded, the tools that take it, and its line in
 * --help. getopt_long's tables, --help and the parsing are all made from
 * the rows, so that an option is added, changed or removed in one place.
 */
enum opt_type {
	OPTION_BOOL,		/* a bool becomes true */
	OPTION_SET,		/* an int or an enum takes .value */
	OPTION_COUNTUP,		/* an int counts how often the option is given */
	OPTION_STRING,		/* a const char * keeps the argument (argv outlives config) */
	OPTION_LIST,		/* the argument joins a list (the option is repeatable) */
	OPTION_SECS,		/* seconds: a double, .min at least */
	OPTION_COUNT,		/* a count or a size (k, M, G): an integer, .min to .max */
	OPTION_NAME,		/* one of .names: an int or an enum takes its index */
	OPTION_CALLBACK,	/* .parse reads the argument: the few that are special */
	OPTION_GROUP,		/* not an option: .help titles the rows that follow */
	/* The option of the same long name in another row, in other words for .tools. */
	OPTION_WORDING,
};

/*
 * One setting that several options make: the datatype, the framing, how
 * much to log, which way records go. Two options that make it differently
 * exclude each other, whatever their order: "the last one wins" would
 * hide a mistake in a long command line.
 */
enum one_of { ONE_OF_NONE, ONE_DATATYPE, ONE_FRAMING, ONE_LOUDNESS, ONE_DIRECTION, N_ONE_OF };

struct parse;

struct opt {
	const char *long_name;
	char short_name;		/* 0: long only */
	unsigned tools;			/* FOR_*: the tools that take it */
	enum opt_type type;
	size_t field;			/* where in struct config */
	size_t width;			/* the size of an integer field */
	size_t length_field;		/* OPTION_LIST: where the list's length is */
	int value;			/* OPTION_SET; in a one_of, the choice it makes */
	enum one_of one_of;
	double min;			/* OPTION_SECS, OPTION_COUNT: the least */
	uint64_t max;			/* OPTION_COUNT: the most */
	const char *const *names;	/* OPTION_NAME */
	size_t n_names;
	bool (*accepts)(const char *arg);	/* OPTION_STRING, OPTION_LIST; NULL: any */
	int (*parse)(struct parse *p, const struct opt *o, const char *arg);
	const char *expected;		/* for the error: what the argument should be */
	const char *arg;		/* its name in --help; NULL: the option takes none */
	const char *help;
};

/* A member of struct config that must be of type T (else it does not compile). */
#define MEMBER(T, m) (offsetof(struct config, m) + 0 * sizeof(&((struct config *)0)->m == (T *)0))
/* An integer member of 4 or 8 bytes, the widths store_integer() writes (else it does not compile). */
#define WIDTH(m) sizeof(((struct config *)0)->m)
#define INTEGER(m) .field = offsetof(struct config, m), \
	.width = WIDTH(m) + 0 * sizeof(char[WIDTH(m) == 4 || WIDTH(m) == 8 ? 1 : -1])

#define OPT_BOOL(m) .type = OPTION_BOOL, .field = MEMBER(bool, m)
#define OPT_SET(m, v) .type = OPTION_SET, INTEGER(m), .value = (v)
#define OPT_COUNTUP(m) .type = OPTION_COUNTUP, .field = MEMBER(int, m)
#define OPT_STRING(m) .type = OPTION_STRING, .field = MEMBER(const char *, m)
#define OPT_LIST(m, n) .type = OPTION_LIST, .field = MEMBER(const char **, m), \
	.length_field = MEMBER(size_t, n)
#define CHECKED(ok, what) .accepts = (ok), .expected = (what)
#define OPT_SECS(m, least, what) .type = OPTION_SECS, .field = MEMBER(double, m), \
	.min = (least), .expected = (what)
#define OPT_COUNT(m, least, most, what) .type = OPTION_COUNT, INTEGER(m), \
	.min = (least), .max = (most), .expected = (what)
#define OPT_NAME(m, list, what) .type = OPTION_NAME, INTEGER(m), .names = (list), \
	.n_names = sizeof(list) / sizeof(*(list)), .expected = (what)
#define OPT_CALLBACK(fn, what) .type = OPTION_CALLBACK, .parse = (fn), .expected = (what)
#define OPT_WORDING .type = OPTION_WORDING
#define OPT_GROUP(title) { .type = OPTION_GROUP, .help = (title) }
#define ONE_OF(setting) .one_of = (setting)
#define CHOICE(v) .value = (v)
#define HELP(a, h) .arg = (a), .help = (h)

/* The least seconds above 0, for the options that cannot wait 0 s. */
#define ABOVE_0 DBL_TRUE_MIN

/* Each tool's name, and how its --help begins. */
static const struct tool_text {
	const char *name, *usage, *summary;
} tool_texts[] = {
	[TOOL_SERVE] = { "rxws-serve", "[OPTIONS] [PATH]",
	"Serve WebSocket clients: broadcast stdin records to the clients of a path,\n"
	"write what they send to stdout. With PATH, records are untagged and only\n"
	"PATH is accepted; without, any path is, and records are tagged TAG<TAB>DATA.\n" },
	[TOOL_CONNECT] = { "rxws-connect", "[OPTIONS] URL",
	"Connect to a WebSocket server: send stdin records, write received messages\n"
	"to stdout, reconnect by itself. URL is ws[s]://HOST[:PORT][/PATH][?QUERY].\n" },
	[TOOL_GROUP] = { "rxws-group", "[OPTIONS] URL [PATH...]",
	"Connect to many paths of one WebSocket server: tagged stdin records go to\n"
	"their path, received messages come out tagged with theirs.\n" },
};

static const char *const overflow_names[] = {
	[OVERFLOW_BLOCK] = "block",
	[OVERFLOW_DROP_OLDEST] = "drop-oldest",
	[OVERFLOW_DROP_NEWEST] = "drop-newest",
	[OVERFLOW_CLOSE] = "close",
};

static int name_index(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (names[i] && !strcmp(names[i], s))
			return (int)i;
	return -1;
}

struct choice {
	int value;
	char given[64];		/* the first option that made it, as given */
};

/* What options_parse() knows on its way: where it writes, what it has seen. */
struct parse {
	struct config *c;
	char now[64];		/* the option at hand, as given: for messages */
	struct choice choices[N_ONE_OF];
	bool *given;		/* by row of opts[]: which options were given */
	int exit_code;		/* when a step returns -1 */
};

static void print_help(enum tool tool);

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
	printf("%s %s (libwebsockets %.*s)\n", tool_texts[tool].name, RXWS_VERSION,
	       (int)n, lws);
}

__attribute__((format(printf, 2, 3)))
static int usage_error(struct parse *p, const char *fmt, ...)
{
	const char *tool = tool_texts[p->c->tool].name;
	va_list ap;

	fprintf(stderr, "%s: ", tool);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help' for more information.\n", tool);
	p->exit_code = EXIT_USAGE;
	return -1;
}

/* An argument that the option's row refuses, in the words of the row. */
static int bad_argument(struct parse *p, const struct opt *o, const char *arg)
{
	return usage_error(p, "--%s: expected %s, not '%s'", o->long_name, o->expected, arg);
}

static int out_of_memory(struct parse *p)
{
	fprintf(stderr, "%s: out of memory\n", tool_texts[p->c->tool].name);
	p->exit_code = EXIT_SOFTWARE;
	return -1;
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
	const char *name = eq ? eq + 1 : arg;
	enum datatype t;
	if (datatype_parse(name, strlen(name), &t))
		return -1;
	if (!eq) {
		c->rec.datatype = t;
		return 0;
	}
	struct type_rule *rules = realloc(c->type_rules,
					  (c->rec.n_type_rules + 1) * sizeof(*rules));
	if (!rules)
		return -1;
	c->type_rules = rules;
	c->rec.type_rules = rules;
	/* The glob is the argument up to '=': argv outlives the config. */
	size_t glen = (size_t)(eq - arg);
	char *glob = strndup(arg, glen);
	if (!glob)
		return -1;
	rules[c->rec.n_type_rules].glob = glob;
	rules[c->rec.n_type_rules].type = (enum datatype)t;
	c->rec.n_type_rules++;
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

/* --header: the name is an HTTP token; the value has no line breaks. */
static bool is_header(const char *h)
{
	const char *colon = strchr(h, ':');
	if (!colon || colon == h)
		return false;
	for (const char *p = h; p < colon; p++)
		if (!strchr("!#$%&'*+-.^_`|~", *p) && !isalnum((unsigned char)*p))
			return false;
	return strpbrk(colon, "\r\n") == NULL;
}

/* --protocol: a token (RFC 6455 1.9), of 120 bytes at most. */
static bool is_token(const char *s)
{
	if (!*s || strcspn(s, "()<>@,;:\\\"/[]?={} \t") != strlen(s) || strlen(s) > 120)
		return false;
	for (const char *q = s; *q; q++)
		if ((unsigned char)*q <= ' ' || (unsigned char)*q >= 0x7f)
			return false;
	return true;
}

/* --session: a name of 1 to 256 bytes. */
static bool is_session_name(const char *s)
{
	return *s && strlen(s) <= 256;
}

/*
 * The token is the file's first line, without the white space around it:
 * printable, no spaces, as a header and a URL can carry it.
 */
static int read_token(struct parse *p)
{
	struct config *c = p->c;
	const char *tool = tool_texts[c->tool].name;
	FILE *f = fopen(c->auth_token_file, "r");
	if (!f) {
		fprintf(stderr, "%s: cannot read --auth-token-file %s: %s\n",
			tool, c->auth_token_file, strerror(errno));
		p->exit_code = EXIT_USAGE;
		return -1;
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
			tool, c->auth_token_file);
		p->exit_code = EXIT_USAGE;
		return -1;
	}
	c->token = strdup(line + start);
	return c->token ? 0 : out_of_memory(p);
}

static void set_defaults(struct config *c, enum tool tool, const char *progname)
{
	memset(c, 0, sizeof(*c));
	c->tool = tool;
	c->progname = progname;
	c->rec.datatype = DATATYPE_STRING;
	c->rec.framing = (enum framing)-1;
	c->rec.chunk_size = 4096;
	c->rec.max_size = 16u << 20;
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
	c->history_bytes = 64u << 20;
}

static int choose(struct parse *p, enum one_of setting, int value)
{
	struct choice *ch = &p->choices[setting];

	if (!ch->given[0]) {
		ch->value = value;
		snprintf(ch->given, sizeof(ch->given), "%s", p->now);
		return 0;
	}
	if (ch->value == value)
		return 0;
	return usage_error(p, "%s and %s exclude each other", ch->given, p->now);
}

/* --type TYPE, or GLOB=TYPE for the paths that match (rxws-connect has one). */
static int parse_type_option(struct parse *p, const struct opt *o, const char *arg)
{
	bool per_path = strchr(arg, '=') != NULL;

	if (per_path && p->c->tool == TOOL_CONNECT)
		return usage_error(p, "--type GLOB=TYPE needs paths: '%s'", arg);
	if (parse_type_rule(p->c, arg))
		return bad_argument(p, o, arg);
	return per_path ? 0 : choose(p, o->one_of, (int)p->c->rec.datatype);
}

static int parse_format_option(struct parse *p, const struct opt *o, const char *arg)
{
	if (framing_parse(arg, &p->c->rec.framing))
		return bad_argument(p, o, arg);
	return choose(p, o->one_of, (int)p->c->rec.framing);
}

static int parse_host_option(struct parse *p, const struct opt *o, const char *arg)
{
	if (arg[0] != '[')
		p->c->host = arg;
	else if (unbracket_host(p->c, arg))
		return usage_error(p, "--%s: brackets are for an IPv6 address, not '%s'",
				   o->long_name, arg);
	return 0;
}

/*
 * --since POS, checked now: a position that is not one is a usage error
 * that says why. rxws-group's positions are per path: PATH=POS, once per
 * path (repeatable).
 */
static int parse_since_option(struct parse *p, const struct opt *o, const char *arg)
{
	struct config *c = p->c;
	const char *pos = arg, *why;
	size_t path_len = 0;

	(void)o;
	if (c->tool == TOOL_GROUP) {
		const char *eq = strrchr(arg, '=');
		if (!eq)
			return usage_error(p, "--since: expected PATH=POS (rxws-group keeps a "
					   "position per path), not '%s'", arg);
		path_len = (size_t)(eq - arg);
		if ((why = framing_tag_problem(arg, path_len)))
			return usage_error(p, "--since '%s': bad PATH: %s", arg, why);
		for (size_t i = 0; i < c->n_since; i++)
			if (strlen(c->since[i].path) == path_len &&
			    !memcmp(c->since[i].path, arg, path_len))
				return usage_error(p, "--since: %.*s is given twice", (int)path_len, arg);
		pos = eq + 1;
	} else if (c->n_since) {
		return usage_error(p, "--since: give one position, not two");
	}
	struct since_option s = { NULL, { "", 0 } };
	if ((why = position_parse(pos, strlen(pos), &s.pos)))
		return usage_error(p, "--since '%s': %s", arg, why);
	struct since_option *list = realloc(c->since, (c->n_since + 1) * sizeof(*list));
	if (!list)
		return out_of_memory(p);
	c->since = list;
	if (path_len && !(s.path = strndup(arg, path_len)))
		return out_of_memory(p);
	c->since[c->n_since++] = s;
	return 0;
}

/* --help and --version end the parse, and the tool with 0. */
static int show_help(struct parse *p, const struct opt *o, const char *arg)
{
	(void)o, (void)arg;
	print_help(p->c->tool);
	p->exit_code = EXIT_OK;
	return -1;
}

static int show_version(struct parse *p, const struct opt *o, const char *arg)
{
	(void)o, (void)arg;
	print_version(p->c->tool);
	p->exit_code = EXIT_OK;
	return -1;
}

static void dump_options(enum tool tool);

/*
 * --dump-options: this tool's rows of the table below as text, so that
 * what is written after the table is made from it or checked against it:
 * scripts/completions makes the shell completions from it, and the tests
 * hold --help and the man pages to it (options_dump.h). It has no help
 * line, so --help leaves it out: it is for programs, not people.
 */
static int show_dump(struct parse *p, const struct opt *o, const char *arg)
{
	(void)o, (void)arg;
	dump_options(p->c->tool);
	p->exit_code = EXIT_OK;
	return -1;
}

static const char *const log_format_names[] = {
	[LOG_TEXT] = "text",
	[LOG_JSON] = "json",
};

/* In the order of --help. */
static const struct opt opts[] = {
	OPT_GROUP("Records"),
	{ "string", 0, FOR_ALL, OPT_SET(rec.datatype, DATATYPE_STRING), ONE_OF(ONE_DATATYPE),
	  HELP(NULL, "frames are text; records must be UTF-8 (default)") },
	{ "bytes", 0, FOR_ALL, OPT_SET(rec.datatype, DATATYPE_BYTES), ONE_OF(ONE_DATATYPE),
	  HELP(NULL, "frames are binary; records are any bytes") },
	{ "object", 0, FOR_ALL, OPT_SET(rec.datatype, DATATYPE_OBJECT), ONE_OF(ONE_DATATYPE),
	  HELP(NULL, "frames are CBOR; records are JSON (line, nul) or CBOR") },
	{ "type", 0, FOR_CONNECT, ONE_OF(ONE_DATATYPE),
	  OPT_CALLBACK(parse_type_option, "string, bytes, object or GLOB=TYPE"),
	  HELP("TYPE", DATATYPE_CHOICES) },
	{ "type", 0, FOR_SERVE | FOR_GROUP, OPT_WORDING,
	  HELP("[GLOB=]TYPE", DATATYPE_CHOICES "; GLOB=TYPE per path (first match wins)") },
	{ "format", 'f', FOR_ALL, ONE_OF(ONE_FRAMING),
	  OPT_CALLBACK(parse_format_option, "line, nul, lp, raw, json or cbor"),
	  HELP("FMT", "framing of stdin and stdout: line, nul, lp, raw, json, cbor") },
	{ "null", '0', FOR_ALL, OPT_SET(rec.framing, FRAMING_NUL), ONE_OF(ONE_FRAMING),
	  HELP(NULL, "same as --format nul") },
	{ "chunk-size", 0, FOR_ALL, OPT_COUNT(rec.chunk_size, 1, 1u << 30, "a size in bytes"),
	  HELP("BYTES", "largest frame under --format raw (4096)") },
	/* lp lengths are 32 bits. */
	{ "max-size", 0, FOR_ALL, OPT_COUNT(rec.max_size, 1, UINT32_MAX, "1 to 4294967295 bytes"),
	  HELP("BYTES", "largest message from a peer or stdin (16M)") },
	{ "strict", 0, FOR_ALL, OPT_BOOL(strict),
	  HELP(NULL, "exit 65 on the first bad record, not at the end (skipped)") },

	OPT_GROUP("Flow"),
	{ "queue", 0, FOR_ALL, OPT_COUNT(queue_len, 1, 1u << 24, "a count from 1"),
	  HELP("N", "messages a connection may have waiting (1024)") },
	{ "overflow", 0, FOR_CLIENTS,
	  OPT_NAME(overflow, overflow_names, "block, drop-oldest, drop-newest or close"),
	  HELP("POLICY", "full queue: block (default), drop-oldest, drop-newest, close") },
	{ "overflow", 0, FOR_SERVE, OPT_WORDING,
	  HELP("POLICY", "slow client: close (default), drop-oldest, drop-newest, block") },
	{ "drain-timeout", 0, FOR_ALL, OPT_SECS(drain_timeout, 0, "seconds"),
	  HELP("SECS", "at end of input, exit 75 if not delivered within SECS (10)") },
	{ "ping-interval", 0, FOR_ALL, OPT_SECS(ping_interval, 0, "seconds"),
	  HELP("SECS", "send a ping after SECS (30; 0 turns keepalive off)") },
	{ "ping-timeout", 0, FOR_ALL, OPT_SECS(ping_timeout, 0, "seconds"),
	  HELP("SECS", "close a peer that has not answered a ping in SECS (30)") },
	{ "keep-open", 'k', FOR_ALL, OPT_BOOL(keep_open),
	  HELP(NULL, "keep running after the end of stdin") },
	{ "recv-only", 'r', FOR_ALL, OPT_BOOL(recv_only), ONE_OF(ONE_DIRECTION), CHOICE('r'),
	  HELP(NULL, "never read stdin") },
	{ "send-only", 's', FOR_ALL, OPT_BOOL(send_only), ONE_OF(ONE_DIRECTION), CHOICE('s'),
	  HELP(NULL, "discard what peers send") },
	{ "count", 'c', FOR_ALL, OPT_COUNT(count, 1, UINT64_MAX, "a count from 1"),
	  HELP("N", "wait for N records written to stdout (past the end of stdin), then exit 0") },
	{ "timeout", 'W', FOR_ALL, OPT_SECS(timeout, ABOVE_0, "seconds above 0"),
	  HELP("SECS", "exit 75 if still running after SECS") },
	{ "no-ack", 0, FOR_ALL, OPT_BOOL(no_ack),
	  HELP(NULL, "no acknowledgements between rxws tools (faster, nothing resent)") },
	{ "resume-timeout", 0, FOR_SERVE, OPT_SECS(resume_timeout, 0, "seconds"),
	  HELP("SECS", "keep a gone client's records this long for its return (30)") },
	{ "session", 0, FOR_CLIENTS,
	  OPT_STRING(session), CHECKED(is_session_name, "a name of 1 to 256 bytes"),
	  HELP("NAME", "resume this session after a restart (at least once)") },

	OPT_GROUP("Server"),
	{ "host", 0, FOR_SERVE, OPT_CALLBACK(parse_host_option, NULL),
	  HELP("ADDR", "address to listen on (127.0.0.1; :: or 0.0.0.0 for all)") },
	{ "port", 'p', FOR_SERVE, OPT_COUNT(port, 0, 65535, "0 to 65535"),
	  HELP("N", "port to listen on (8888; 0 picks a free one and logs it)") },
	{ "unix", 0, FOR_SERVE, OPT_STRING(unix_socket),
	  HELP("SOCKET", "listen on a unix socket instead of TCP") },
	{ "allow-path", 0, FOR_SERVE, OPT_LIST(allow_paths, n_allow_paths),
	  HELP("GLOB", "accept only paths matching GLOB (repeatable)") },
	{ "max-clients", 0, FOR_SERVE, OPT_COUNT(max_clients, 1, 1u << 24, "a count from 1"),
	  HELP("N", "refuse clients beyond N (HTTP 503)") },
	{ "wait-clients", 0, FOR_SERVE, OPT_COUNT(wait_clients, 0, 1u << 24, "a count"),
	  HELP("N", "do not read stdin until N clients are connected") },
	{ "handshake-timeout", 0, FOR_SERVE, OPT_SECS(handshake_timeout, 1, "1 second or more"),
	  HELP("SECS", "drop a peer whose handshake is not done in SECS (10)") },
	{ "cert", 0, FOR_SERVE, OPT_STRING(cert),
	  HELP("FILE", "TLS certificate (PEM): serve wss://, with --key") },
	{ "key", 0, FOR_SERVE, OPT_STRING(key),
	  HELP("FILE", "TLS private key (PEM) of --cert") },
	{ "auth-token-file", 0, FOR_SERVE, OPT_STRING(auth_token_file),
	  HELP("FILE", "require this token: Authorization: Bearer, or ?token=") },
	{ "origin", 0, FOR_SERVE, OPT_LIST(origins, n_origins),
	  HELP("ORIGIN", "allow browsers from ORIGIN only (repeatable; others get 403)") },
	{ "static", 0, FOR_SERVE, OPT_STRING(static_dir),
	  HELP("DIR", "serve the files of DIR over HTTP on the same port") },
	{ "metrics", 0, FOR_SERVE, OPT_BOOL(metrics),
	  HELP(NULL, "answer GET /metrics (Prometheus) and /healthz on the same port") },
	{ "compress", 0, FOR_SERVE, OPT_BOOL(compress),
	  HELP(NULL, "offer permessage-deflate to clients") },
	{ "protocol", 0, FOR_SERVE,
	  OPT_LIST(protocols, n_protocols), CHECKED(is_token, "a token (RFC 6455 1.9)"),
	  HELP("NAME", "accept this subprotocol (repeatable; an offer of none gets 400)") },

	OPT_GROUP("History (what a client that comes late, or back, may ask for)"),
	{ "history", 0, FOR_SERVE, OPT_COUNT(history, 0, 1u << 24, "a count"),
	  HELP("N", "keep the last N messages of each path for replay (0: none)") },
	{ "history-bytes", 0, FOR_SERVE, OPT_COUNT(history_bytes, 1, SIZE_MAX / 2, "a size in bytes"),
	  HELP("BYTES", "the history's bound over all paths (64M)") },
	{ "history-age", 0, FOR_SERVE, OPT_SECS(history_age, 0, "seconds"),
	  HELP("SECS", "let go of messages older than SECS (0: no bound)") },
	{ "since", 0, FOR_CONNECT, OPT_CALLBACK(parse_since_option, "a position, EPOCH:OFFSET"),
	  HELP("POS", "start with every message after POS (EPOCH:OFFSET), then live") },
	{ "since", 0, FOR_GROUP, OPT_WORDING,
	  HELP("PATH=POS", "start PATH with every message after POS (repeatable)") },
	{ "last", 0, FOR_CLIENTS, OPT_COUNT(last, 1, 1u << 24, "a count from 1 to 16777216"),
	  HELP("N", "start with the last N messages kept, then live") },
	{ "state", 0, FOR_CLIENTS, OPT_STRING(state),
	  HELP("FILE", "keep the position of what is written in FILE, and resume from it") },
	{ "exit-at-end", 0, FOR_CLIENTS, OPT_BOOL(exit_at_end),
	  HELP(NULL, "exit 0 once the backlog asked for is written (every path's)") },

	OPT_GROUP("Broker (many rxws-serve as one, through Redis)"),
	{ "broker", 0, FOR_SERVE, OPT_STRING(broker),
	  HELP("URL", "redis://[USER:PASSWORD@]HOST[:PORT][/DB] or redis+unix:///SOCKET[?db=N]") },
	{ "broker-prefix", 0, FOR_SERVE, OPT_STRING(broker_prefix),
	  HELP("PREFIX", "the streams' keys: PREFIX:out, PREFIX:in (rxws)") },
	{ "broker-maxlen", 0, FOR_SERVE,
	  OPT_COUNT(broker_maxlen, 1, UINT64_MAX >> 1, "a count from 1"),
	  HELP("N", "keep about N entries in each stream (1000000)") },
	{ "broker-inbound", 0, FOR_SERVE, OPT_BOOL(broker_inbound),
	  HELP(NULL, "also append what clients send to PREFIX:in") },
	{ "collect", 0, FOR_SERVE, OPT_BOOL(collect),
	  HELP(NULL, "no listener, no stdin: write every member's PREFIX:in to stdout") },
	{ "retry-delay", 0, FOR_SERVE, OPT_SECS(retry_delay, ABOVE_0, "seconds above 0"),
	  HELP("SECS", "first reconnect to Redis after SECS (0.5), then doubling") },
	{ "retry-max", 0, FOR_SERVE, OPT_SECS(retry_max, ABOVE_0, "seconds above 0"),
	  HELP("SECS", "longest wait between reconnects to Redis (30)") },
	{ "retries", 0, FOR_SERVE, OPT_COUNT(retries, 0, 1u << 30, "a count"),
	  HELP("N", "give up on Redis (exit 69) after N failed retries in a row (never)") },

	OPT_GROUP("Connection"),
	{ "retry-delay", 0, FOR_CLIENTS, OPT_WORDING,
	  HELP("SECS", "first reconnect within SECS (0.5), then doubling") },
	{ "retry-max", 0, FOR_CLIENTS, OPT_WORDING,
	  HELP("SECS", "longest wait between reconnects (30)") },
	{ "retries", 0, FOR_CLIENTS, OPT_WORDING,
	  HELP("N", "give up (exit 69) after N failed retries in a row (never)") },
	{ "unix", 0, FOR_CLIENTS, OPT_WORDING,
	  HELP("SOCKET", "connect through a unix socket; the URL gives path and Host") },
	{ "oneshot", 0, FOR_CLIENTS, OPT_BOOL(oneshot),
	  HELP(NULL, "one attempt, no reconnect: exit 0 on a close 1000, else 69") },
	{ "connect-timeout", 0, FOR_CLIENTS, OPT_SECS(connect_timeout, ABOVE_0, "seconds above 0"),
	  HELP("SECS", "limit for one attempt, TCP and handshake (10)") },
	{ "header", 0, FOR_CLIENTS,
	  OPT_LIST(headers, n_headers), CHECKED(is_header, "'Name: value' on one line"),
	  HELP("'K: V'", "add this header to the handshake (repeatable)") },
	{ "auth-token-file", 0, FOR_CLIENTS, OPT_WORDING,
	  HELP("FILE", "send Authorization: Bearer with the token in FILE") },
	{ "cacert", 0, FOR_CLIENTS, OPT_STRING(cacert),
	  HELP("FILE", "trust the CA certificates in FILE (PEM) for wss://") },
	{ "insecure", 0, FOR_CLIENTS, OPT_BOOL(insecure),
	  HELP(NULL, "wss:// without checking the certificate or host name") },
	{ "compress", 0, FOR_CLIENTS, OPT_WORDING,
	  HELP(NULL, "ask the server for permessage-deflate") },
	{ "protocol", 0, FOR_CLIENTS, OPT_WORDING,
	  HELP("NAME", "offer this subprotocol (repeatable, in order of preference)") },
	{ "proxy", 0, FOR_CLIENTS, OPT_STRING(proxy),
	  HELP("URL", "HTTP proxy (CONNECT) to go through ('' for none; default: *_proxy)") },
	{ "noproxy", 0, FOR_CLIENTS, OPT_STRING(noproxy),
	  HELP("LIST", "hosts to reach without the proxy (default: no_proxy; '*': all)") },
	{ "max-paths", 0, FOR_GROUP, OPT_COUNT(max_paths, 1, 1u << 20, "a count from 1"),
	  HELP("N", "paths stdin records may open, at most (256)") },

	OPT_GROUP("Logs"),
	{ "verbose", 'v', FOR_ALL, OPT_COUNTUP(verbosity), ONE_OF(ONE_LOUDNESS), CHOICE(1),
	  HELP(NULL, "log connections and retries; twice for debug") },
	{ "quiet", 'q', FOR_ALL, OPT_SET(verbosity, -1), ONE_OF(ONE_LOUDNESS),
	  HELP(NULL, "log errors only") },
	{ "log-format", 0, FOR_ALL, OPT_NAME(log_format, log_format_names, "text or json"),
	  HELP("FMT", "text or json (OpenTelemetry log records)") },
	{ "name", 0, FOR_ALL, OPT_STRING(name),
	  HELP("NAME", "source name in logs") },

	OPT_GROUP("Other"),
	{ "help", 'h', FOR_ALL, OPT_CALLBACK(show_help, NULL),
	  HELP(NULL, "show this help and exit") },
	{ "version", 0, FOR_ALL, OPT_CALLBACK(show_version, NULL),
	  HELP(NULL, "show the version and exit") },
	/* Hidden: no help line (show_dump() says why it is there). */
	{ "dump-options", 0, FOR_ALL, OPT_CALLBACK(show_dump, NULL), HELP(NULL, NULL) },
};

#define N_OPTS (sizeof(opts) / sizeof(*opts))

/* The row that says how to parse o: o itself, unless o only words it for other tools. */
static const struct opt *definition(const struct opt *o)
{
	if (o->type != OPTION_WORDING)
		return o;
	for (size_t i = 0; i < N_OPTS; i++)
		if (opts[i].type != OPTION_WORDING && opts[i].type != OPTION_GROUP &&
		    !strcmp(opts[i].long_name, o->long_name))
			return &opts[i];
	return NULL;	/* a row without a definition: no test passes */
}

static bool was_given(const struct parse *p, const char *long_name)
{
	for (size_t i = 0; i < N_OPTS; i++)
		if (p->given[i] && !strcmp(opts[i].long_name, long_name))
			return true;
	return false;
}

static void print_help(enum tool tool)
{
	const char *title = NULL;	/* of the group, until a row of it is shown */
	const struct tool_text *t = &tool_texts[tool];

	printf("Usage: %s %s\n%s", t->name, t->usage, t->summary);
	for (size_t i = 0; i < N_OPTS; i++) {
		const struct opt *o = &opts[i];
		if (o->type == OPTION_GROUP)
			title = o->help;
		if (o->type == OPTION_GROUP || !(o->tools & (1u << tool)) || !o->help)
			continue;
		if (title) {
			printf("\n%s:\n", title);
			title = NULL;
		}
		char left[64];
		char short_name = definition(o)->short_name;
		int n = short_name
			? snprintf(left, sizeof(left), "  -%c, --%s", short_name, o->long_name)
			: snprintf(left, sizeof(left), "      --%s", o->long_name);
		if (o->arg)
			snprintf(left + n, sizeof(left) - (size_t)n, " %s", o->arg);
		printf("%-32s%s\n", left, o->help);
	}
	printf("\nOptions that make one choice differently (--string --bytes, -f lp -0,\n"
	       "-r -s, -q -v) exclude each other: a usage error.\n");
	/* Each code means one thing (the man page's EXIT STATUS says it whole). */
	if (tool == TOOL_SERVE)
		printf("\nExit: 0 done, 64 usage, 65 bad records skipped (or --strict), 69 cannot\n"
		       "listen (or reach Redis), 70 internal error, 74 I/O error, 75 records not\n"
		       "delivered, or a timeout.\n");
	else
		printf("\nExit: 0 done, 64 usage, 65 bad records skipped (or --strict), 69 cannot\n"
		       "connect or refused, 70 internal error, 74 I/O error, 75 records not\n"
		       "delivered, or a timeout, 77 refused for want of credentials (401, 403).\n");
	printf("See %s(1) and rxws(7).\n", t->name);
}

/* This tool's rows but the hidden ones (no help line), as options_dump.h says. */
static void dump_options(enum tool tool)
{
	options_dump_tool(tool_texts[tool].name, tool_texts[tool].usage);
	for (size_t i = 0; i < N_OPTS; i++) {
		const struct opt *o = &opts[i];
		if (o->type == OPTION_GROUP || !(o->tools & (1u << tool)) || !o->help)
			continue;
		const struct opt *d = definition(o);
		options_dump_row(tool, &(struct option_row){
			.long_name = o->long_name, .short_name = d->short_name,
			.arg = o->arg, .help = o->help, .names = d->names, .n_names = d->n_names,
			.repeatable = d->type == OPTION_LIST || d->type == OPTION_COUNTUP,
			.one_of = (int)d->one_of });
	}
}

/* Integers in struct config are of 4 or 8 bytes: ints, enums, size_t, uint64_t, long. */
static void store_integer(void *field, size_t width, uint64_t value)
{
	if (width == sizeof(uint32_t)) {
		uint32_t narrow = (uint32_t)value;
		memcpy(field, &narrow, sizeof(narrow));
	} else {
		memcpy(field, &value, sizeof(value));
	}
}

/* Applies the option of row o (a definition) with its argument, if it takes one. */
static int apply(struct parse *p, const struct opt *o, const char *arg)
{
	void *field = (char *)p->c + o->field;
	double secs;
	uint64_t n;
	int k;

	switch (o->type) {
	case OPTION_BOOL:
		*(bool *)field = true;
		break;
	case OPTION_SET:
		store_integer(field, o->width, (uint64_t)(int64_t)o->value);
		break;
	case OPTION_COUNTUP:
		++*(int *)field;
		break;
	case OPTION_STRING:
		if (o->accepts && !o->accepts(arg))
			return bad_argument(p, o, arg);
		*(const char **)field = arg;
		break;
	case OPTION_LIST:
		if (o->accepts && !o->accepts(arg))
			return bad_argument(p, o, arg);
		if (push_string(field, (size_t *)((char *)p->c + o->length_field), arg))
			return out_of_memory(p);
		break;
	case OPTION_SECS:
		if (parse_seconds(arg, &secs) || secs < o->min)
			return bad_argument(p, o, arg);
		*(double *)field = secs;
		break;
	case OPTION_COUNT:
		if (parse_size(arg, o->max, &n) || n < o->min)
			return bad_argument(p, o, arg);
		store_integer(field, o->width, n);
		break;
	case OPTION_NAME:
		k = name_index(o->names, o->n_names, arg);
		if (k < 0)
			return bad_argument(p, o, arg);
		store_integer(field, o->width, (uint64_t)k);
		break;
	case OPTION_CALLBACK:
		return o->parse(p, o, arg);
	case OPTION_WORDING:
	case OPTION_GROUP:
		break;	/* not reached: read_options() applies definitions */
	}
	return o->one_of ? choose(p, o->one_of, o->value) : 0;
}

/* rxws-serve --broker and the options that need it. */
static int settle_broker(struct parse *p)
{
	struct config *c = p->c;

	if (!c->broker) {
		if (was_given(p, "retry-delay") || was_given(p, "retry-max") || was_given(p, "retries"))
			return usage_error(p, "--retry-delay, --retry-max and --retries need --broker");
		if (c->collect || c->broker_inbound)
			return usage_error(p, "--collect and --broker-inbound need --broker");
		return 0;
	}
	const char *why = broker_url_parse(c->broker, &c->broker_url);
	if (why)
		return usage_error(p, "--broker: %s", why);
	if (!*c->broker_prefix)
		return usage_error(p, "--broker-prefix: expected a prefix, not an empty one");
	for (const char *q = c->broker_prefix; *q; q++)
		if ((unsigned char)*q < ' ' || *q == 0x7f)
			return usage_error(p, "--broker-prefix: no control characters: '%s'", c->broker_prefix);
	if (c->collect && c->metrics)
		return usage_error(p, "--collect listens nowhere: --metrics needs a port");
	if (c->collect && c->broker_inbound)
		return usage_error(p, "--collect reads what --broker-inbound members append: not both");
	if (c->collect)
		c->recv_only = true;	/* a collector has no stdin */
	return 0;
}

/* The clients' --since, --last, --state and --exit-at-end, with the rest. */
static int check_recovery(struct parse *p)
{
	struct config *c = p->c;

	if (c->tool == TOOL_CONNECT && c->n_since && c->last)
		return usage_error(p, "--since and --last exclude each other: ask for one of them");
	if (c->state && c->send_only)
		return usage_error(p, "--state keeps the position of what is written to stdout, "
				   "and -s writes nothing");
	if (c->exit_at_end && c->session)
		return usage_error(p, "--exit-at-end and --session exclude each other: a session "
				   "taken back goes on where it was, with no backlog to end "
				   "(--state resumes a run where the last one ended)");
	return 0;
}

/* Checks across options, and the defaults that depend on others. */
static int check_and_default(struct parse *p)
{
	struct config *c = p->c;
	enum tool tool = c->tool;

	struct record_config *rec = &c->rec;
	rec->tagged = tool == TOOL_GROUP || (tool == TOOL_SERVE && !c->path);
	if (c->path)
		rec->datatype = record_config_type_for(rec, c->path);
	if (rec->framing == (enum framing)-1) {
		if (rec->datatype == DATATYPE_BYTES)
			rec->framing = rec->tagged ? FRAMING_LP : FRAMING_RAW;
		else
			rec->framing = FRAMING_LINE;
	}
	if (rec->framing == FRAMING_RAW && rec->tagged)
		return usage_error(p, "%s", tool == TOOL_GROUP
				   ? "--format raw cannot carry tags: use lp, or rxws-connect for one path"
				   : "--format raw cannot carry tags: use lp, or give one path");
	if (rec->framing == FRAMING_RAW && record_config_has_objects(rec))
		return usage_error(p, "--format raw cannot carry objects: use line, lp, json or cbor");
	if (tool == TOOL_GROUP && c->recv_only && !c->n_paths)
		return usage_error(p, "--recv-only opens only the PATHs given: give one at least");
	if (c->retry_max < c->retry_delay)
		c->retry_max = c->retry_delay;
	if (rec->chunk_size > rec->max_size)
		rec->chunk_size = rec->max_size;
	if (c->path && c->path[0] != '/')
		return usage_error(p, "PATH must start with '/': '%s'", c->path);
	for (size_t i = 0; i < c->n_paths; i++) {
		const char *problem = framing_tag_problem(c->paths[i], strlen(c->paths[i]));
		if (problem)
			return usage_error(p, "bad PATH '%s': %s", c->paths[i], problem);
	}
	if (!c->cert != !c->key)
		return usage_error(p, "--cert and --key go together");
	const char *files[] = { c->cert, c->key, c->cacert };
	for (size_t i = 0; i < 3; i++)
		if (files[i] && access(files[i], R_OK))
			return usage_error(p, "cannot read '%s'", files[i]);
	if (c->static_dir) {
		struct stat st;
		if (stat(c->static_dir, &st) || !S_ISDIR(st.st_mode))
			return usage_error(p, "--static: '%s' is not a directory", c->static_dir);
	}
	if (tool != TOOL_SERVE && check_recovery(p))
		return -1;
	if (tool == TOOL_SERVE && settle_broker(p))
		return -1;
	if (c->auth_token_file)
		return read_token(p);
	return 0;
}

/*
 * getopt_long's tables from the rows of this tool: a short option returns
 * its letter, a long one 256 + its row.
 */
static void make_getopt_tables(enum tool tool, struct option *longopts, char *shortopts)
{
	size_t nl = 0, ns = 0;

	shortopts[ns++] = ':';	/* tell a missing argument from an unknown option */
	for (size_t i = 0; i < N_OPTS; i++) {
		const struct opt *o = &opts[i];
		/* Hidden rows are taken whole only (read_options): "--d" stays --drain-timeout. */
		if (!(o->tools & (1u << tool)) || !o->help)
			continue;
		char short_name = definition(o)->short_name;
		int has_arg = o->arg ? required_argument : no_argument;
		longopts[nl++] = (struct option){ o->long_name, has_arg, NULL,
						  short_name ? short_name : 256 + (int)i };
		if (short_name) {
			shortopts[ns++] = short_name;
			if (has_arg)
				shortopts[ns++] = ':';
		}
	}
	longopts[nl] = (struct option){ 0 };
	shortopts[ns] = '\0';
}

/* The row of what getopt_long returned for this tool. */
static size_t row_of(enum tool tool, int id)
{
	size_t i = 0;

	if (id >= 256)
		return (size_t)id - 256;
	while (i + 1 < N_OPTS &&
	       (!(opts[i].tools & (1u << tool)) || definition(&opts[i])->short_name != id))
		i++;
	return i;
}

static int read_options(struct parse *p, int argc, char **argv)
{
	enum tool tool = p->c->tool;
	struct option longopts[N_OPTS + 1];
	char shortopts[2 * N_OPTS + 3];

	make_getopt_tables(tool, longopts, shortopts);
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		for (size_t k = 0; k < N_OPTS; k++)
			if (!opts[k].help && opts[k].type != OPTION_GROUP &&
			    (opts[k].tools & (1u << tool)) && argv[i][0] == '-' &&
			    argv[i][1] == '-' && !strcmp(argv[i] + 2, opts[k].long_name))
				return apply(p, &opts[k], NULL) ? -1 : 0;
	opterr = 0;
	optind = 1;
	for (;;) {
		int longindex = -1;
		int id = getopt_long(argc, argv, shortopts, longopts, &longindex);
		if (id == -1)
			return 0;
		if (id == '?' || id == ':') {
			char shortname[3] = { '-', (char)optopt, '\0' };
			bool is_short = optopt > 0 && optopt < 128;
			const char *what = is_short ? shortname : argv[optind - 1];
			return usage_error(p, id == '?' ? "unknown option '%s'"
					   : "missing argument for '%s'", what);
		}
		if (longindex >= 0)
			snprintf(p->now, sizeof(p->now), "--%s%s%s", longopts[longindex].name,
				 optarg ? " " : "", optarg ? optarg : "");
		else
			snprintf(p->now, sizeof(p->now), "-%c%s%s", id,
				 optarg ? " " : "", optarg ? optarg : "");
		const struct opt *o = definition(&opts[row_of(tool, id)]);
		p->given[o - opts] = true;
		if (apply(p, o, optarg))
			return -1;
	}
}

/* The operands: rxws-serve's PATH, the URL of the clients, rxws-group's PATHs. */
static int read_operands(struct parse *p, int nargs, char **args)
{
	struct config *c = p->c;

	switch (c->tool) {
	case TOOL_SERVE:
		if (nargs > 1)
			return usage_error(p, "one PATH at most, got '%s' too", args[1]);
		c->path = nargs ? args[0] : NULL;
		break;
	case TOOL_CONNECT:
		if (nargs != 1)
			return usage_error(p, "%s", nargs ? "one URL only" : "missing URL");
		c->url = args[0];
		break;
	case TOOL_GROUP:
		if (nargs < 1)
			return usage_error(p, "missing URL");
		c->url = args[0];
		for (int i = 1; i < nargs; i++)
			if (push_string(&c->paths, &c->n_paths, args[i]))
				return out_of_memory(p);
		break;
	}
	return 0;
}

int options_parse(struct config *c, enum tool tool, int argc, char **argv, int *exit_code)
{
	bool given[N_OPTS] = { false };
	struct parse p = { .c = c, .given = given };
	int rc;

	set_defaults(c, tool, tool_texts[tool].name);
	rc = read_options(&p, argc, argv);
	if (!rc)
		rc = read_operands(&p, argc - optind, argv + optind);
	if (!rc)
		rc = check_and_default(&p);
	*exit_code = rc ? p.exit_code : EXIT_OK;
	return rc;
}

void options_free(struct config *c)
{
	for (size_t i = 0; i < c->rec.n_type_rules; i++)
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
	for (size_t i = 0; i < c->n_since; i++)
		free(c->since[i].path);
	free(c->since);
	c->since = NULL;
	c->n_since = 0;
	broker_url_free(&c->broker_url);
	c->type_rules = NULL;
	c->rec.type_rules = NULL;
	c->rec.n_type_rules = 0;
	c->allow_paths = c->paths = c->origins = c->headers = c->protocols = NULL;
	c->token = NULL;
}
