/*
 * rxws-benchtool: the plain-POSIX helpers of the rxws benchmarks.
 *
 *   rxws-benchtool feed --lines N [--size S] [--stamp] [--rate R] [--wait-file F]
 *                       [--pause-at K --pause-file G]
 *   rxws-benchtool feed --bytes N
 *   rxws-benchtool count (--lines | --bytes) [--expect N]
 *   rxws-benchtool time [-n RUNS] [--input TEXT] -- CMD [ARG...]
 *   rxws-benchtool seq [--mark N]
 *   rxws-benchtool stamp FILE -- CMD [ARG...]
 *
 * feed writes benchmark input to stdout: N lines of S bytes (newline
 * included), or N bytes of pseudo-random binary data. --stamp starts each
 * line with "SEQ TIMESTAMP " (CLOCK_MONOTONIC ns when the line was written),
 * --rate paces lines at R a second, --wait-file waits until F exists before
 * the first write (so that no line waits in a pipe before the reader is
 * ready). --pause-at K --pause-file G writes the first K lines, then waits
 * until G exists before the rest (so that a test can act at line K however
 * fast the reader is).
 *
 * count reads stdin to its end and prints "units=N bytes=B first_ns=T0
 * last_ns=T1 rate=R": R is units a second between the first and the last
 * read (the units of the first read excluded), so process start-up and
 * handshakes are not counted. With --expect N, any other count is an error.
 *
 * time runs CMD RUNS times, one after the other, each with TEXT on a pipe as
 * its stdin and stdout on /dev/null, and prints the median wall time and the
 * median CPU time (user + system, from wait4) in microseconds. Any run that
 * does not exit 0 is an error.
 *
 * seq reads lines that start with a number (as feed writes them) to the end
 * of stdin, checks that each number is one more than the one before, and
 * prints "lines=N first=S last=L first_ns=T0 last_ns=T1" (T0 and T1 as
 * count's). --mark N adds "mark_ns=T", the time of the read that brought
 * the line numbered N (an error if none did). A gap, a repeat, a line
 * without a number or no line at all is an error.
 *
 * stamp writes the CLOCK_MONOTONIC time in ns to FILE, then executes CMD in
 * its own place: the moment a process was started, on the clock of count,
 * seq and feed --stamp.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define BLOCK (64 * 1024)

static const char *prog = "rxws-benchtool";

__attribute__((format(printf, 1, 2)))
static _Noreturn void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "%s: ", prog);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

/* Some bytes of stdin, 0 at its end; a read error ends the tool. */
static size_t read_stdin(void *buf, size_t size)
{
	for (;;) {
		ssize_t n = read(0, buf, size);
		if (n >= 0)
			return (size_t)n;
		if (errno != EINTR)
			die("read: %s", strerror(errno));
	}
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t parse_u64(const char *opt, const char *s)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end || *s == '-')
		die("%s: not a number: %s", opt, s);
	return v;
}

static void write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("write: %s", strerror(errno));
		}
		p += n;
		len -= (size_t)n;
	}
}

/* --- feed -------------------------------------------------------------- */

struct feed {
	uint64_t lines, bytes, size, rate, pause_at;
	bool stamp;
	const char *wait_file, *pause_file;
};

static void wait_for_file(const char *path)
{
	uint64_t deadline = now_ns() + 120 * 1000000000ull;
	struct stat st;
	while (stat(path, &st) != 0) {
		if (now_ns() > deadline)
			die("gave up waiting for %s", path);
		nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
	}
}

/* One line of f->size bytes: "SEQ TS " when stamped, then filler, then \n. */
static void make_line(const struct feed *f, char *p, uint64_t seq)
{
	int n;
	if (f->stamp)
		n = snprintf(p, f->size, "%010" PRIu64 " %019" PRIu64 " ", seq, now_ns());
	else
		n = snprintf(p, f->size, "%010" PRIu64 " ", seq);
	for (size_t i = (size_t)n; i < f->size - 1; i++)
		p[i] = (char)('a' + (seq + i) % 26);
	p[f->size - 1] = '\n';
}

static void feed_lines(const struct feed *f)
{
	static char buf[BLOCK];
	size_t per_block = f->rate ? 1 : BLOCK / f->size;
	uint64_t start = now_ns();
	for (uint64_t seq = 0; seq < f->lines;) {
		if (f->pause_file && seq == f->pause_at)
			wait_for_file(f->pause_file);
		/* A block ends at the pause: the lines before it are written. */
		uint64_t end = f->pause_file && seq < f->pause_at ? f->pause_at : f->lines;
		if (f->rate) {
			uint64_t due = start + seq * 1000000000ull / f->rate;
			struct timespec ts = { .tv_sec = (time_t)(due / 1000000000u),
					       .tv_nsec = (long)(due % 1000000000u) };
			while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
				;
		}
		size_t n = 0;
		for (; n < per_block && seq < end; n++, seq++)
			make_line(f, buf + n * f->size, seq);
		write_all(1, buf, n * f->size);
	}
}

static void feed_bytes(const struct feed *f)
{
	static unsigned char buf[BLOCK];
	uint64_t x = 0x9e3779b97f4a7c15u;	/* xorshift64 */
	for (size_t i = 0; i < sizeof buf; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		buf[i] = (unsigned char)x;
	}
	for (uint64_t left = f->bytes; left > 0;) {
		size_t n = left < sizeof buf ? (size_t)left : sizeof buf;
		write_all(1, buf, n);
		left -= n;
	}
}

static int cmd_feed(int argc, char **argv)
{
	struct feed f = { .size = 64 };
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--stamp")) {
			f.stamp = true;
			continue;
		}
		if (i + 1 >= argc)
			die("feed: %s needs a value", a);
		const char *v = argv[++i];
		if (!strcmp(a, "--lines"))
			f.lines = parse_u64(a, v);
		else if (!strcmp(a, "--bytes"))
			f.bytes = parse_u64(a, v);
		else if (!strcmp(a, "--size"))
			f.size = parse_u64(a, v);
		else if (!strcmp(a, "--rate"))
			f.rate = parse_u64(a, v);
		else if (!strcmp(a, "--wait-file"))
			f.wait_file = v;
		else if (!strcmp(a, "--pause-at"))
			f.pause_at = parse_u64(a, v);
		else if (!strcmp(a, "--pause-file"))
			f.pause_file = v;
		else
			die("feed: unknown option %s", a);
	}
	if (!f.lines == !f.bytes)
		die("feed: give one of --lines and --bytes");
	if (f.size < 32 || f.size > 4096)
		die("feed: --size must be 32..4096");
	if (!f.pause_file != !f.pause_at || (f.pause_at && f.pause_at >= f.lines))
		die("feed: --pause-at K (less than --lines) goes with --pause-file");
	if (f.wait_file)
		wait_for_file(f.wait_file);
	if (f.lines)
		feed_lines(&f);
	else
		feed_bytes(&f);
	return 0;
}

/* --- count ------------------------------------------------------------- */

static int cmd_count(int argc, char **argv)
{
	bool lines = false, bytes = false, expect_set = false;
	uint64_t expect = 0;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--lines"))
			lines = true;
		else if (!strcmp(argv[i], "--bytes"))
			bytes = true;
		else if (!strcmp(argv[i], "--expect") && i + 1 < argc) {
			expect = parse_u64(argv[i], argv[i + 1]);
			expect_set = true;
			i++;
		} else
			die("count: unknown option %s", argv[i]);
	}
	if (lines == bytes)
		die("count: give one of --lines and --bytes");

	static char buf[256 * 1024];
	uint64_t units = 0, total = 0, first_units = 0, first = 0, last = 0;
	for (;;) {
		size_t n = read_stdin(buf, sizeof buf);
		if (n == 0)
			break;
		last = now_ns();
		uint64_t got = (uint64_t)n;
		if (lines) {
			got = 0;
			for (const char *p = buf, *end = buf + n;
			     (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++)
				got++;
		}
		if (!first) {
			first = last;
			first_units = got;
		}
		units += got;
		total += (uint64_t)n;
	}
	double secs = (double)(last - first) / 1e9;
	double rate = secs > 0 ? (double)(units - first_units) / secs : 0;
	printf("units=%" PRIu64 " bytes=%" PRIu64 " first_ns=%" PRIu64 " last_ns=%" PRIu64
	       " rate=%.0f\n", units, total, first, last, rate);
	if (expect_set && units != expect)
		die("count: expected %" PRIu64 " %s, got %" PRIu64, expect,
		    lines ? "lines" : "bytes", units);
	return 0;
}

/* --- time -------------------------------------------------------------- */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static uint64_t median(uint64_t *v, size_t n)
{
	qsort(v, n, sizeof *v, cmp_u64);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static uint64_t tv_us(struct timeval tv)
{
	return (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec;
}

/* One run of argv with input on its stdin; wall and CPU time in us. */
static void time_once(char **argv, const char *input, uint64_t *wall, uint64_t *cpu)
{
	int fds[2];
	if (pipe(fds) != 0)
		die("pipe: %s", strerror(errno));
	write_all(fds[1], input, strlen(input));	/* small: fits in the pipe */
	close(fds[1]);

	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[0], 0);
	posix_spawn_file_actions_addclose(&fa, fds[0]);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);

	uint64_t t0 = now_ns();
	pid_t pid;
	int err = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	if (err)
		die("%s: %s", argv[0], strerror(err));
	close(fds[0]);
	posix_spawn_file_actions_destroy(&fa);

	int status;
	struct rusage ru;
	while (wait4(pid, &status, 0, &ru) < 0)
		if (errno != EINTR)
			die("wait4: %s", strerror(errno));
	*wall = (now_ns() - t0) / 1000;
	*cpu = tv_us(ru.ru_utime) + tv_us(ru.ru_stime);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		die("time: %s %s %d", argv[0], WIFEXITED(status) ? "exited" : "killed by signal",
		    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
}

static int cmd_time(int argc, char **argv)
{
	uint64_t runs = 10;
	const char *input = "";
	int i = 0;
	for (; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "-n") && i + 1 < argc) {
			runs = parse_u64(argv[i], argv[i + 1]);
			i++;
		} else if (!strcmp(argv[i], "--input") && i + 1 < argc)
			input = argv[++i];
		else
			die("time: unknown option %s", argv[i]);
	}
	if (i + 1 >= argc || runs == 0)
		die("time: usage: time [-n RUNS] [--input TEXT] -- CMD [ARG...]");
	char **cmd = argv + i + 1;

	uint64_t *wall = calloc(runs, sizeof *wall), *cpu = calloc(runs, sizeof *cpu);
	if (!wall || !cpu)
		die("out of memory");
	for (uint64_t r = 0; r < runs; r++)
		time_once(cmd, input, &wall[r], &cpu[r]);
	printf("runs=%" PRIu64 " wall_us=%" PRIu64 " cpu_us=%" PRIu64 "\n", runs,
	       median(wall, runs), median(cpu, runs));
	free(wall);
	free(cpu);
	return 0;
}

/* --- seq --------------------------------------------------------------- */

#define SEQ_LINE_MAX 4096

struct seq {
	uint64_t lines, first, last, first_ns, last_ns;
	uint64_t mark, mark_ns;		/* mark_ns: 0 until line number mark came */
};

/* One complete line, without its newline. */
static void seq_line(struct seq *q, const char *p, size_t len)
{
	uint64_t v = 0;
	size_t i = 0;
	for (; i < len && i < 19 && p[i] >= '0' && p[i] <= '9'; i++)
		v = v * 10 + (uint64_t)(p[i] - '0');
	if (i == 0 || (i < len && p[i] != ' '))
		die("seq: line %" PRIu64 " does not start with a number", q->lines + 1);
	if (q->lines == 0)
		q->first = v;
	else if (v != q->last + 1)
		die("seq: line %" PRIu64 " is number %" PRIu64 " after %" PRIu64, q->lines + 1, v,
		    q->last);
	q->last = v;
	q->lines++;
	if (v == q->mark && !q->mark_ns)
		q->mark_ns = q->last_ns;
}

static int cmd_seq(int argc, char **argv)
{
	struct seq q = { 0 };
	bool marked = false;
	if (argc == 2 && !strcmp(argv[0], "--mark")) {
		q.mark = parse_u64(argv[0], argv[1]);
		marked = true;
	} else if (argc != 0) {
		die("seq: usage: seq [--mark N]");
	}
	/* A partial line is kept at the start of buf, so a read always has room
	 * for at least a whole block after it. */
	static char buf[SEQ_LINE_MAX + 256 * 1024];
	size_t kept = 0;
	for (;;) {
		size_t n = read_stdin(buf + kept, sizeof buf - kept);
		if (n == 0)
			break;
		q.last_ns = now_ns();
		if (!q.first_ns)
			q.first_ns = q.last_ns;
		size_t end = kept + (size_t)n, start = 0;
		for (char *nl; (nl = memchr(buf + start, '\n', end - start)) != NULL;
		     start = (size_t)(nl - buf) + 1)
			seq_line(&q, buf + start, (size_t)(nl - buf) - start);
		kept = end - start;
		if (kept > SEQ_LINE_MAX)
			die("seq: line %" PRIu64 " is longer than %d bytes", q.lines + 1, SEQ_LINE_MAX);
		memmove(buf, buf + start, kept);
	}
	if (kept)
		die("seq: the last line has no newline");
	if (!q.lines)
		die("seq: no line");
	if (marked && !q.mark_ns)
		die("seq: no line numbered %" PRIu64, q.mark);
	printf("lines=%" PRIu64 " first=%" PRIu64 " last=%" PRIu64 " first_ns=%" PRIu64
	       " last_ns=%" PRIu64, q.lines, q.first, q.last, q.first_ns, q.last_ns);
	if (marked)
		printf(" mark_ns=%" PRIu64, q.mark_ns);
	printf("\n");
	return 0;
}

/* --- stamp ------------------------------------------------------------- */

static int cmd_stamp(int argc, char **argv)
{
	if (argc < 3 || strcmp(argv[1], "--"))
		die("stamp: usage: stamp FILE -- CMD [ARG...]");
	FILE *f = fopen(argv[0], "w");
	if (!f)
		die("%s: %s", argv[0], strerror(errno));
	fprintf(f, "%" PRIu64 "\n", now_ns());
	if (fclose(f) != 0)
		die("%s: %s", argv[0], strerror(errno));
	execvp(argv[2], argv + 2);
	die("%s: %s", argv[2], strerror(errno));
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_DFL);
	if (argc < 2)
		die("usage: %s feed|count|time|seq|stamp [OPTIONS]", prog);
	if (!strcmp(argv[1], "feed"))
		return cmd_feed(argc - 2, argv + 2);
	if (!strcmp(argv[1], "count"))
		return cmd_count(argc - 2, argv + 2);
	if (!strcmp(argv[1], "time"))
		return cmd_time(argc - 2, argv + 2);
	if (!strcmp(argv[1], "seq"))
		return cmd_seq(argc - 2, argv + 2);
	if (!strcmp(argv[1], "stamp"))
		return cmd_stamp(argc - 2, argv + 2);
	die("unknown command %s (feed, count, time, seq, stamp)", argv[1]);
}
