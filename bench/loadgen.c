/*
 * rxws-loadgen: many WebSocket clients in one process, on libwebsockets, for
 * the rxws benchmarks. One process, so that a hundred or ten thousand
 * connections measure the server and not the number of processes.
 *
 *   rxws-loadgen fanout -n CLIENTS --expect N [--ready-file F] [--self-close] URL...
 *   rxws-loadgen idle -n CLIENTS [--ready-file F] URL...
 *   rxws-loadgen echo -n ROUNDS [--warmup W] [--size S] URL
 *
 * Common options: --timeout SECS (fail after SECS, default 600),
 * --concurrency K (handshakes in flight at once, default 64), --source ADDR
 * (repeatable: the connections bind to these local addresses, in turn,
 * before they connect. Towards one server address and port, one source
 * address has only the ports of Linux's ephemeral range, 28,232 by default,
 * and the kernel's search for a free one slows as they fill up: a hundred
 * thousand clients take many source addresses, 127.0.0.2, 127.0.0.3, ... on
 * loopback).
 *
 * fanout (on plain sockets and epoll, not lws: --concurrency does not
 *   apply, connections are made one after the other):
 *   CLIENTS connections on URL receive stamped records ("SEQ TS ...",
 *   TS the CLOCK_MONOTONIC ns at which `rxws-benchtool feed --stamp` wrote
 *   the record). Each delivery adds now - TS to a latency histogram. When
 *   every connection has been closed by the server it prints deliveries,
 *   the rate (deliveries a second from the stamp of record 0 to the last
 *   receipt) and latency percentiles, and fails unless each client got
 *   exactly N records, in order, and a close with 1000. With --self-close
 *   each client closes (with 1000) once it has its N records: for servers
 *   that never end by themselves (rxws-serve -r relays of a broker).
 * With many URLs (fanout, idle), clients go to them in turn.
 * idle: opens CLIENTS connections, then holds them open and idle until
 *   SIGTERM or SIGINT; fails if one is refused or lost. Once all are open
 *   it prints "ready clients=N start_ns=T0 ready_ns=T1": T0 the
 *   CLOCK_MONOTONIC time of the first connect, T1 that of the last open.
 *   Its connections end with a reset (SO_LINGER 0): a close would leave
 *   each one's source port in TIME_WAIT for a minute, and the next run
 *   that binds the same --source could not have it.
 * echo: one connection; sends a stamped text record of S bytes, waits for
 *   the same record to come back, and repeats, W times unmeasured and then
 *   ROUNDS times measured; prints round-trip percentiles.
 *
 * --ready-file F is created once every connection is open (after the
 * "ready" line is printed and flushed), so that a script can wait for it.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>
#include <libwebsockets.h>

#define MSG_MAX 4096
#define SHOW_ERRORS 5		/* protocol errors reported one by one */

/* --- latency histogram: log-linear, 1/64 relative precision ------------- */

#define SUB_BITS 6
#define SUB (1u << SUB_BITS)
#define BUCKETS (64 * SUB)

struct hist {
	uint64_t count, sum_ns, max_ns;
	uint64_t bucket[BUCKETS];
};

static unsigned bucket_of(uint64_t v)
{
	if (v < SUB)
		return (unsigned)v;
	unsigned shift = (unsigned)(63 - __builtin_clzll(v)) - SUB_BITS;
	return (shift + 1) * SUB + (unsigned)((v >> shift) - SUB);
}

/* The middle of bucket b. */
static uint64_t value_of(unsigned b)
{
	if (b < SUB)
		return b;
	unsigned shift = b / SUB - 1;
	uint64_t low = (uint64_t)(b % SUB + SUB) << shift;
	return low + ((uint64_t)1 << shift) / 2;
}

static void hist_add(struct hist *h, uint64_t v)
{
	h->bucket[bucket_of(v)]++;
	h->count++;
	h->sum_ns += v;
	if (v > h->max_ns)
		h->max_ns = v;
}

static double hist_pct_us(const struct hist *h, double pct)
{
	uint64_t rank = (uint64_t)(pct / 100.0 * (double)h->count + 0.5);
	if (rank < 1)
		rank = 1;
	uint64_t seen = 0;
	for (unsigned b = 0; b < BUCKETS; b++) {
		seen += h->bucket[b];
		if (seen >= rank)
			return (double)value_of(b) / 1e3;
	}
	return (double)h->max_ns / 1e3;
}

static void hist_print(const struct hist *h)
{
	printf(" p50_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f mean_us=%.1f",
	       hist_pct_us(h, 50), hist_pct_us(h, 99), hist_pct_us(h, 99.9),
	       (double)h->max_ns / 1e3,
	       h->count ? (double)h->sum_ns / (double)h->count / 1e3 : 0.0);
}

/* --- state ------------------------------------------------------------- */

enum mode { FANOUT, IDLE, ECHO };

struct opts {
	enum mode mode;
	uint64_t clients;	/* fanout, idle */
	uint64_t expect;	/* fanout: records per client */
	uint64_t rounds, warmup, size;	/* echo */
	uint64_t concurrency, timeout_s;
	const char *ready_file;
	const char *sources[64];	/* local addresses to bind to, in turn */
	unsigned n_sources;
	bool self_close;
	struct target {
		char host[256], hostport[300], path[1024];
		int port;
	} urls[16];
	unsigned n_urls;
};

/* One connection (lws per-session data). */
struct conn {
	uint64_t received, next_seq;
	int close_code;
	bool open;
	size_t len;
	char msg[MSG_MAX];
};

static struct {
	struct opts o;
	struct lws_context *ctx;
	lws_sorted_usec_list_t sul_deadline;
	volatile sig_atomic_t stop;
	bool done, failed, ready;
	uint64_t started, pending, opened, ended, errors;
	uint64_t start_ns, ready_ns;	/* first connect, last open */
	/* fanout */
	uint64_t deliveries, first_stamp, last_rx, short_clients, bad_closes;
	/* echo */
	uint64_t seq, sent_ns;
	char sent[MSG_MAX];
	struct hist hist;
} g;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

__attribute__((format(printf, 1, 2)))
static void fail(const char *fmt, ...)
{
	va_list ap;
	if (g.errors++ < SHOW_ERRORS) {
		fputs("rxws-loadgen: ", stderr);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	g.failed = true;
}

static void finish(void)
{
	g.done = true;
	lws_cancel_service(g.ctx);
}

/* --- connections ------------------------------------------------------- */

/*
 * No validity checks (lws' own pings, by default after 300 s): each one is a
 * timer that lws inserts into a sorted list, at its end, walking the whole
 * list, and at many thousands of connections those walks took half the load
 * generator's time. The benchmarks end long before such a ping.
 */
static const lws_retry_bo_t no_validity = { .secs_since_valid_hangup = 0 };

static void connect_one(void)
{
	const struct target *t = &g.o.urls[g.started % g.o.n_urls];
	struct lws_client_connect_info ci = {
		.context = g.ctx,
		.address = t->host,
		.port = t->port,
		.path = t->path,
		.host = t->hostport,
		.origin = t->hostport,
		.local_protocol_name = "loadgen",
		.ietf_version_or_minus_one = -1,
		.iface = g.o.n_sources ? g.o.sources[g.started % g.o.n_sources] : NULL,
		.retry_and_idle_policy = &no_validity,
	};
	if (!g.started)
		g.start_ns = now_ns();
	g.started++;
	g.pending++;
	if (!lws_client_connect_via_info(&ci)) {
		fail("connection %" PRIu64 " could not start", g.started);
		finish();
	}
}

/* Keeps up to --concurrency handshakes in flight until all are started. */
static void connect_more(void)
{
	while (g.started < g.o.clients && g.pending < g.o.concurrency && !g.done)
		connect_one();
}

static void on_open(void)
{
	g.opened++;
	if (g.opened == g.o.clients) {
		g.ready = true;
		g.ready_ns = now_ns();
		/* The line first: a script that sees the file reads it. */
		if (g.o.mode != ECHO) {
			printf("ready clients=%" PRIu64 " start_ns=%" PRIu64 " ready_ns=%" PRIu64 "\n",
			       g.opened, g.start_ns, g.ready_ns);
			fflush(stdout);
		}
		if (g.o.ready_file) {
			int fd = open(g.o.ready_file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
			if (fd < 0) {
				fail("%s: %s", g.o.ready_file, strerror(errno));
				finish();
				return;
			}
			close(fd);
		}
	}
	connect_more();
}

/* Digits up to a space, from *at: false without one of each. */
static bool stamp_number(const char *msg, size_t len, size_t *at, uint64_t *v)
{
	size_t i = *at;
	*v = 0;
	while (i < len && msg[i] >= '0' && msg[i] <= '9' && i - *at < 19)
		*v = *v * 10 + (uint64_t)(msg[i++] - '0');
	if (i == *at || i >= len || msg[i] != ' ')
		return false;
	*at = i + 1;
	return true;
}

/* "SEQ TS ..." at the start of a record (by hand: strtoull was 7% of B3). */
static bool parse_stamp(const char *msg, size_t len, uint64_t *seq, uint64_t *ts)
{
	size_t at = 0;
	return stamp_number(msg, len, &at, seq) && stamp_number(msg, len, &at, ts);
}

static void fanout_message(struct conn *c, const char *msg, size_t len)
{
	uint64_t now = now_ns(), seq, ts;
	if (!parse_stamp(msg, len, &seq, &ts)) {
		fail("record without a stamp: %.*s", (int)(len < 40 ? len : 40), msg);
		return;
	}
	if (seq != c->next_seq)
		fail("record %" PRIu64 " arrived where %" PRIu64 " was due", seq, c->next_seq);
	c->next_seq = seq + 1;
	c->received++;
	g.deliveries++;
	if (seq == 0 && (!g.first_stamp || ts < g.first_stamp))
		g.first_stamp = ts;
	g.last_rx = now;
	hist_add(&g.hist, now > ts ? now - ts : 0);
}

static int echo_send(struct lws *wsi)
{
	unsigned char buf[LWS_PRE + MSG_MAX];
	char *p = (char *)buf + LWS_PRE;
	size_t size = g.o.size;
	g.sent_ns = now_ns();
	int n = snprintf(p, size, "%010" PRIu64 " %019" PRIu64 " ", g.seq, g.sent_ns);
	for (size_t i = (size_t)n; i < size; i++)
		p[i] = (char)('a' + (g.seq + i) % 26);
	memcpy(g.sent, p, size);
	if (lws_write(wsi, buf + LWS_PRE, size, LWS_WRITE_TEXT) < (int)size) {
		fail("echo: write failed");
		return -1;
	}
	return 0;
}

/* Returns -1 to close the connection. */
static int echo_message(struct lws *wsi, const char *msg, size_t len)
{
	uint64_t now = now_ns();
	if (len != g.o.size || memcmp(msg, g.sent, len) != 0) {
		fail("echo: round %" PRIu64 " came back different (%zu bytes)", g.seq, len);
		return -1;
	}
	if (g.seq >= g.o.warmup)
		hist_add(&g.hist, now - g.sent_ns);
	if (++g.seq == g.o.warmup + g.o.rounds) {
		lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, NULL, 0);
		return -1;
	}
	lws_callback_on_writable(wsi);
	return 0;
}

static int on_message(struct lws *wsi, struct conn *c)
{
	switch (g.o.mode) {
	case FANOUT:
		return 0;	/* on plain sockets: fanout_run() */
	case ECHO:
		return echo_message(wsi, c->msg, c->len);
	case IDLE:
		fail("idle: a message arrived");
		return 0;
	}
	return 0;
}

static void on_closed(struct conn *c)
{
	if (g.o.mode == IDLE && !g.stop) {
		fail("idle: a connection was closed by the server (%d)", c->close_code);
	}
	if (++g.ended == g.o.clients || (g.o.mode == IDLE && !g.stop))
		finish();
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
		    void *in, size_t len)
{
	struct conn *c = user;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		g.pending--;
		c->open = true;
		if (g.o.mode == IDLE) {
			struct linger reset = { .l_onoff = 1, .l_linger = 0 };
			setsockopt(lws_get_socket_fd(wsi), SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
		}
		on_open();
		if (g.o.mode == ECHO)
			lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		fail("connection failed: %s", in ? (const char *)in : "?");
		g.pending--;
		g.ended++;
		finish();
		break;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if (g.o.mode == ECHO)
			return echo_send(wsi);
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		if (c->len + len > MSG_MAX) {
			fail("message over %d bytes", MSG_MAX);
			return -1;
		}
		memcpy(c->msg + c->len, in, len);
		c->len += len;
		if (lws_is_final_fragment(wsi) && !lws_remaining_packet_payload(wsi)) {
			int r = on_message(wsi, c);
			c->len = 0;
			return r;
		}
		break;
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		c->close_code = len >= 2 ? ((const unsigned char *)in)[0] << 8 |
					   ((const unsigned char *)in)[1]
					 : LWS_CLOSE_STATUS_NO_STATUS;
		break;
	case LWS_CALLBACK_CLIENT_CLOSED:
		if (c && c->open)
			on_closed(c);
		break;
	default:
		break;
	}
	return 0;
}

/* --- fanout, on plain sockets -------------------------------------------- */

/*
 * The fan-out's clients read with epoll and split frames themselves. On
 * lws' client (its parser goes a byte at a time, with a log call on the
 * way), the load generator and not the server set B3's rate: 14 s of CPU
 * for 30 M deliveries, while rxws-serve used 3.5 s.
 */
#define RAW_BUF (256u << 10)

struct raw {
	struct conn c;
	int fd;
	bool upgraded, closed;
	size_t have;
	unsigned char buf[RAW_BUF];
};

static struct raw *raws;
static int report(void);

/* Writes a small frame of ours, masked (a client's frames are). */
static void raw_send(struct raw *r, unsigned opcode, const unsigned char *p, size_t n)
{
	unsigned char f[2 + 4 + 125];
	if (n > 125)
		n = 125;
	f[0] = (unsigned char)(0x80 | opcode);
	f[1] = (unsigned char)(0x80 | n);
	memset(f + 2, 0, 4);		/* a zero mask: the payload as it is */
	memcpy(f + 6, p, n);
	if (send(r->fd, f, 6 + n, MSG_NOSIGNAL) != (ssize_t)(6 + n))
		fail("a control frame could not be sent at once");
}

static void raw_end(struct raw *r, int close_code)
{
	if (r->closed)
		return;
	r->closed = true;
	r->c.close_code = close_code;
	close(r->fd);
	if (r->c.received != g.o.expect)
		g.short_clients++;
	if (close_code != LWS_CLOSE_STATUS_NORMAL)
		g.bad_closes++;
	if (++g.ended == g.o.clients)
		g.done = true;
}

static void raw_ready(void)
{
	g.ready = true;
	g.ready_ns = now_ns();
	printf("ready clients=%" PRIu64 " start_ns=%" PRIu64 " ready_ns=%" PRIu64 "\n",
	       g.opened, g.start_ns, g.ready_ns);
	fflush(stdout);
	if (g.o.ready_file) {
		int fd = open(g.o.ready_file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			fail("%s: %s", g.o.ready_file, strerror(errno));
		else
			close(fd);
	}
}

/* The frames in r->buf; what is left of the last one stays for the next read. */
static void raw_frames(struct raw *r)
{
	size_t at = 0;
	while (!r->closed && r->have - at >= 2) {
		const unsigned char *h = r->buf + at;
		unsigned opcode = h[0] & 0x0f;
		bool fin = h[0] & 0x80;
		uint64_t len = h[1] & 0x7f;
		size_t hl = 2;
		if (h[1] & 0x80) {
			fail("the server masked a frame");
			raw_end(r, 1002);
			return;
		}
		if (len == 126) {
			if (r->have - at < 4)
				break;
			len = (uint64_t)h[2] << 8 | h[3];
			hl = 4;
		} else if (len == 127) {
			if (r->have - at < 10)
				break;
			len = 0;
			for (int i = 0; i < 8; i++)
				len = len << 8 | h[2 + i];
			hl = 10;
		}
		if (len > MSG_MAX) {
			fail("a frame of %" PRIu64 " bytes (at most %d)", len, MSG_MAX);
			raw_end(r, 1009);
			return;
		}
		if (r->have - at < hl + len)
			break;
		const unsigned char *p = h + hl;
		switch (opcode) {
		case 0x0: case 0x1: case 0x2:
			if (r->c.len + len > MSG_MAX) {
				fail("a message over %d bytes", MSG_MAX);
				raw_end(r, 1009);
				return;
			}
			memcpy(r->c.msg + r->c.len, p, len);
			r->c.len += len;
			if (fin) {
				fanout_message(&r->c, r->c.msg, r->c.len);
				r->c.len = 0;
				if (g.o.self_close && r->c.received == g.o.expect) {
					unsigned char code[2] = { 1000 >> 8, 1000 & 0xff };
					raw_send(r, 0x8, code, 2);
					raw_end(r, LWS_CLOSE_STATUS_NORMAL);
					return;
				}
			}
			break;
		case 0x8:
			raw_send(r, 0x8, p, len >= 2 ? 2 : 0);
			raw_end(r, len >= 2 ? p[0] << 8 | p[1] : LWS_CLOSE_STATUS_NO_STATUS);
			return;
		case 0x9:
			raw_send(r, 0xA, p, (size_t)len);
			break;
		default:
			break;	/* a pong */
		}
		at += hl + (size_t)len;
	}
	memmove(r->buf, r->buf + at, r->have - at);
	r->have -= at;
}

/* The answer to the upgrade: a 101, then frames, maybe in the same read. */
static void raw_upgrade(struct raw *r)
{
	unsigned char *end = memmem(r->buf, r->have, "\r\n\r\n", 4);
	if (!end) {
		if (r->have == RAW_BUF) {
			fail("an answer to the upgrade of over %u bytes", RAW_BUF);
			raw_end(r, 1006);
		}
		return;
	}
	if (r->have < 12 || memcmp(r->buf, "HTTP/1.1 101", 12)) {
		fail("upgrade refused: %.*s", (int)(r->have < 40 ? r->have : 40), r->buf);
		raw_end(r, 1006);
		return;
	}
	size_t head = (size_t)(end + 4 - r->buf);
	memmove(r->buf, r->buf + head, r->have - head);
	r->have -= head;
	r->upgraded = true;
	r->c.open = true;
	if (++g.opened == g.o.clients)
		raw_ready();
}

static void raw_readable(struct raw *r)
{
	for (;;) {
		ssize_t n = recv(r->fd, r->buf + r->have, RAW_BUF - r->have, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			if (!r->upgraded)
				fail("connection lost before the upgrade: %s",
				     n ? strerror(errno) : "closed");
			raw_end(r, 1006);
			return;
		}
		r->have += (size_t)n;
		if (!r->upgraded)
			raw_upgrade(r);
		if (r->upgraded)
			raw_frames(r);
		if (r->closed || (size_t)n < RAW_BUF / 2)
			return;
	}
}

/* Connects, binding to a --source in turn, and asks for the upgrade. */
static int raw_connect(struct raw *r, uint64_t i)
{
	const struct target *t = &g.o.urls[i % g.o.n_urls];
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *ai;
	char port[16], req[1600];

	snprintf(port, sizeof port, "%d", t->port);
	if (getaddrinfo(t->host, port, &hints, &ai)) {
		fail("%s: cannot resolve", t->host);
		return -1;
	}
	r->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int rc = r->fd < 0 ? -1 : 0;
	if (!rc && g.o.n_sources) {
		struct addrinfo *src;
		rc = getaddrinfo(g.o.sources[i % g.o.n_sources], NULL, &hints, &src) ? -1 : 0;
		if (!rc) {
			rc = bind(r->fd, src->ai_addr, src->ai_addrlen);
			freeaddrinfo(src);
		}
	}
	if (!rc)
		rc = connect(r->fd, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(ai);
	int one = 1;
	int n = snprintf(req, sizeof req,
			 "GET %s HTTP/1.1\r\nHost: %s\r\nOrigin: http://%s\r\n"
			 "Upgrade: websocket\r\nConnection: Upgrade\r\n"
			 "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
			 "Sec-WebSocket-Version: 13\r\n\r\n", t->path, t->hostport, t->hostport);
	if (!rc)
		rc = setsockopt(r->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (!rc)
		rc = send(r->fd, req, (size_t)n, MSG_NOSIGNAL) == n ? 0 : -1;
	if (!rc)
		rc = fcntl(r->fd, F_SETFL, O_NONBLOCK);
	if (rc) {
		fail("connection %" PRIu64 " to %s: %s", i + 1, t->hostport, strerror(errno));
		if (r->fd >= 0)
			close(r->fd);
	}
	return rc;
}

static int fanout_run(void)
{
	int ep = epoll_create1(EPOLL_CLOEXEC);
	raws = calloc(g.o.clients, sizeof(*raws));
	if (ep < 0 || !raws) {
		fprintf(stderr, "rxws-loadgen: no memory or no epoll for %" PRIu64 " clients\n",
			g.o.clients);
		return 70;
	}
	uint64_t deadline = now_ns() + g.o.timeout_s * 1000000000u;
	g.start_ns = now_ns();
	for (uint64_t i = 0; i < g.o.clients && !g.failed; i++) {
		struct raw *r = &raws[i];
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = r };
		g.started++;
		if (raw_connect(r, i) || epoll_ctl(ep, EPOLL_CTL_ADD, r->fd, &ev)) {
			r->closed = true;
			g.done = true;
		}
	}
	struct epoll_event evs[256];
	while (!g.done && !g.stop) {
		uint64_t now = now_ns();
		if (now >= deadline) {
			fail("timed out after %" PRIu64 " s (%" PRIu64 " of %" PRIu64
			     " connections open)", g.o.timeout_s, g.opened, g.o.clients);
			break;
		}
		int n = epoll_wait(ep, evs, 256, (int)((deadline - now) / 1000000u) + 1);
		for (int k = 0; k < n; k++)
			raw_readable(evs[k].data.ptr);
	}
	for (uint64_t i = 0; i < g.o.clients; i++)
		if (!raws[i].closed && raws[i].fd > 0)
			close(raws[i].fd);
	free(raws);
	close(ep);
	if (g.stop)
		fail("interrupted");
	return report();
}

/* --- main -------------------------------------------------------------- */

static void on_deadline(lws_sorted_usec_list_t *sul)
{
	(void)sul;
	fail("timed out after %" PRIu64 " s (%" PRIu64 " of %" PRIu64 " connections open)",
	     g.o.timeout_s, g.opened, g.o.clients);
	finish();
}

static void on_signal(int sig)
{
	(void)sig;
	g.stop = 1;
	if (g.ctx)
		lws_cancel_service(g.ctx);
}

/* The signals that libev's watchers catch instead of on_signal(). */
static void on_ev_signal(void *handle, int signum)
{
	(void)handle;
	on_signal(signum);
}

static _Noreturn void usage(const char *msg)
{
	fprintf(stderr, "rxws-loadgen: %s\n"
		"usage: rxws-loadgen fanout -n CLIENTS --expect N [--ready-file F] [--self-close] URL...\n"
		"       rxws-loadgen idle -n CLIENTS [--ready-file F] URL...\n"
		"       rxws-loadgen echo -n ROUNDS [--warmup W] [--size S] URL\n"
		"options: --timeout SECS (600), --concurrency K (64), --source ADDR (repeatable)\n", msg);
	exit(64);
}

static uint64_t number(const char *opt, const char *s)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end || *s == '-')
		usage(opt);
	return v;
}

static void parse_url(struct target *o, const char *url)
{
	const char *p = url;
	if (strncmp(p, "ws://", 5) != 0)
		usage("the URL must start with ws://");
	p += 5;
	const char *slash = strchr(p, '/');
	size_t hostlen = slash ? (size_t)(slash - p) : strlen(p);
	const char *colon = memchr(p, ':', hostlen);
	if (!colon || hostlen >= sizeof o->host)
		usage("the URL needs a host and a port");
	snprintf(o->host, sizeof o->host, "%.*s", (int)(colon - p), p);
	snprintf(o->hostport, sizeof o->hostport, "%.*s", (int)hostlen, p);
	o->port = atoi(colon + 1);
	snprintf(o->path, sizeof o->path, "%s", slash ? slash : "/");
}

static void parse_args(struct opts *o, int argc, char **argv)
{
	if (argc < 2)
		usage("no mode");
	if (!strcmp(argv[1], "fanout"))
		o->mode = FANOUT;
	else if (!strcmp(argv[1], "idle"))
		o->mode = IDLE;
	else if (!strcmp(argv[1], "echo"))
		o->mode = ECHO;
	else
		usage("the mode is fanout, idle or echo");
	uint64_t n = 0;
	o->size = 64;
	o->concurrency = 64;
	o->timeout_s = 600;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (a[0] != '-') {
			if (o->n_urls == sizeof o->urls / sizeof *o->urls)
				usage("too many URLs");
			parse_url(&o->urls[o->n_urls++], a);
			continue;
		}
		if (!strcmp(a, "--self-close")) {
			o->self_close = true;
			continue;
		}
		if (i + 1 >= argc)
			usage("an option needs a value");
		const char *v = argv[++i];
		if (!strcmp(a, "-n"))
			n = number(a, v);
		else if (!strcmp(a, "--expect"))
			o->expect = number(a, v);
		else if (!strcmp(a, "--warmup"))
			o->warmup = number(a, v);
		else if (!strcmp(a, "--size"))
			o->size = number(a, v);
		else if (!strcmp(a, "--concurrency"))
			o->concurrency = number(a, v);
		else if (!strcmp(a, "--timeout"))
			o->timeout_s = number(a, v);
		else if (!strcmp(a, "--ready-file"))
			o->ready_file = v;
		else if (!strcmp(a, "--source")) {
			if (o->n_sources == sizeof o->sources / sizeof *o->sources)
				usage("too many --source");
			o->sources[o->n_sources++] = v;
		}
		else
			usage(a);
	}
	if (!o->n_urls || !n)
		usage("-n and a URL are needed");
	if (o->mode == ECHO && o->n_urls > 1)
		usage("echo takes one URL");
	if (o->mode == ECHO) {
		o->clients = 1;
		o->rounds = n;
	} else {
		o->clients = n;
	}
	if (o->mode == FANOUT && !o->expect)
		usage("fanout needs --expect");
	if (o->size < 32 || o->size > MSG_MAX)
		usage("--size must be 32..4096");
	if (!o->concurrency)
		o->concurrency = 1;
}

static void raise_fd_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < g.o.clients + 64)
		fprintf(stderr, "rxws-loadgen: warning: %" PRIu64 " connections but only %llu "
			"file descriptors (ulimit -n)\n", g.o.clients,
			(unsigned long long)rl.rlim_cur);
}

static int report(void)
{
	switch (g.o.mode) {
	case FANOUT: {
		double secs = (double)(g.last_rx - g.first_stamp) / 1e9;
		if (g.short_clients)
			fail("%" PRIu64 " of %" PRIu64 " clients did not get %" PRIu64 " records",
			     g.short_clients, g.o.clients, g.o.expect);
		if (g.bad_closes)
			fail("%" PRIu64 " clients were not closed with 1000", g.bad_closes);
		printf("clients=%" PRIu64 " deliveries=%" PRIu64 " seconds=%.6f rate=%.0f",
		       g.o.clients, g.deliveries, secs,
		       secs > 0 ? (double)g.deliveries / secs : 0.0);
		hist_print(&g.hist);
		printf("\n");
		break;
	}
	case ECHO:
		if (g.seq != g.o.warmup + g.o.rounds)
			fail("echo: %" PRIu64 " of %" PRIu64 " rounds done", g.seq,
			     g.o.warmup + g.o.rounds);
		printf("rounds=%" PRIu64, g.hist.count);
		hist_print(&g.hist);
		printf("\n");
		break;
	case IDLE:
		printf("idle clients=%" PRIu64 "\n", g.opened);
		break;
	}
	if (g.failed) {
		fprintf(stderr, "rxws-loadgen: FAILED (%" PRIu64 " errors)\n", g.errors);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	parse_args(&g.o, argc, argv);
	raise_fd_limit();
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	if (g.o.mode == FANOUT)
		return fanout_run();
	lws_set_log_level(LLL_ERR | LLL_WARN, NULL);

	static const struct lws_protocols protocols[] = {
		{ .name = "loadgen", .callback = callback,
		  .per_session_data_size = sizeof(struct conn) },
		{ 0 }
	};
	/*
	 * lws on libev (epoll) rather than its own poll(): poll() goes over
	 * every connection on each turn, so that at tens of thousands of
	 * connections the load generator's own time grew as their square and
	 * took more CPU than the server it measured.
	 */
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	if (!loop) {
		fprintf(stderr, "rxws-loadgen: cannot create the libev loop\n");
		return 70;
	}
	void *foreign_loops[] = { loop };
	struct lws_context_creation_info info = {
		.options = LWS_SERVER_OPTION_LIBEV,
		.foreign_loops = foreign_loops,
		.signal_cb = on_ev_signal,
		.port = CONTEXT_PORT_NO_LISTEN,
		.protocols = protocols,
		.pt_serv_buf_size = 64 * 1024,
		.gid = -1,
		.uid = -1,
	};
	g.ctx = lws_create_context(&info);
	if (!g.ctx) {
		fprintf(stderr, "rxws-loadgen: cannot create the lws context\n");
		return 70;
	}
	lws_sul_schedule(g.ctx, 0, &g.sul_deadline, on_deadline,
			 (lws_usec_t)g.o.timeout_s * LWS_US_PER_SEC);
	connect_more();
	while (!g.done && !g.stop)
		ev_run(loop, EVRUN_ONCE);
	if (g.stop && g.o.mode != IDLE)
		fail("interrupted");
	int rc = report();
	lws_sul_cancel(&g.sul_deadline);
	lws_context_destroy(g.ctx);
	ev_loop_destroy(loop);
	return rc;
}
