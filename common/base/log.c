/* log: diagnostics on stderr, never on stdout (log.h). */
#include "base/log.h"
#include "base/utf8.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LOG_LINE_MAX 4096

static char log_src[512] = "rxws";
int log_verbosity;
static enum log_format log_fmt = LOG_TEXT;

static const struct {
	const char *text;	/* in text lines */
	const char *otel;	/* OpenTelemetry severity_text */
	int number;		/* OpenTelemetry severity_number */
} levels[] = {
	[LOG_ERROR] = { .text = "error", .otel = "ERROR", .number = 17 },
	[LOG_WARN] = { .text = "warning", .otel = "WARN", .number = 13 },
	[LOG_NOTICE] = { .text = "notice", .otel = "INFO2", .number = 10 },
	[LOG_INFO] = { .text = "info", .otel = "INFO", .number = 9 },
	[LOG_DEBUG] = { .text = "debug", .otel = "DEBUG", .number = 5 },
};

void log_setup(const char *source, int verbosity, enum log_format format)
{
	log_set_source(source);
	log_verbosity = verbosity;
	log_fmt = format;
}

void log_set_source(const char *source)
{
	snprintf(log_src, sizeof(log_src), "%s", source);
}

const char *log_source(void)
{
	return log_src;
}

static size_t append(char *out, size_t pos, size_t cap, const char *s)
{
	if (pos + 1 >= cap)
		return pos;
	size_t n = strnlen(s, cap - pos - 1);
	memcpy(out + pos, s, n);
	return pos + n;
}

/*
 * Appends s to out as the inside of a JSON string, truncating safely.
 * Bytes that are not UTF-8 (a peer's path may hold any) become U+FFFD.
 */
static size_t json_escape(char *out, size_t pos, size_t cap, const char *s)
{
	while (*s && pos + 7 < cap) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			out[pos++] = '\\';
			out[pos++] = (char)c;
			s++;
		} else if (c < 0x20 || c == 0x7f) {
			pos += (size_t)snprintf(out + pos, cap - pos, "\\u%04x", c);
			s++;
		} else if (c < 0x80) {
			out[pos++] = (char)c;
			s++;
		} else {
			size_t n = utf8_sequence((const unsigned char *)s, strnlen(s, 4));
			if (n) {
				memcpy(out + pos, s, n);
				pos += n;
				s += n;
			} else {
				pos = append(out, pos, cap, "\\ufffd");
				s++;
			}
		}
	}
	return pos;
}

static void emit(enum log_level level, const char *source,
		 const struct log_attr *attrs, size_t n_attrs, const char *body);

void log_vattrs(enum log_level level, const char *source,
		const struct log_attr *attrs, size_t n_attrs,
		const char *fmt, va_list ap)
{
	if (!log_enabled(level))
		return;

	char body[LOG_LINE_MAX / 2];
	vsnprintf(body, sizeof(body), fmt, ap);
	emit(level, source, attrs, n_attrs, body);
}

void log_attrs(enum log_level level, const char *source,
	       const struct log_attr *attrs, size_t n_attrs,
	       const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vattrs(level, source, attrs, n_attrs, fmt, ap);
	va_end(ap);
}

void log_vabout(enum log_level level, const char *source, const struct log_subject *about,
		const char *fmt, va_list ap)
{
	struct log_attr attrs[5];
	size_t n = 0;

	if (!log_enabled(level))
		return;
	if (about->peer && about->peer[0])
		attrs[n++] = (struct log_attr){ .key = LOG_PEER, .value = about->peer };
	if (about->path)
		attrs[n++] = (struct log_attr){ .key = LOG_PATH, .value = about->path };
	if (about->status)
		attrs[n++] = (struct log_attr){ .key = LOG_STATUS, .number = about->status,
						.is_number = true };
	if (about->close_code)
		attrs[n++] = (struct log_attr){ .key = LOG_CLOSE_CODE, .number = about->close_code,
						.is_number = true };
	if (about->record)
		attrs[n++] = (struct log_attr){ .key = LOG_RECORD, .number = about->record,
						.is_number = true };
	log_vattrs(level, source, attrs, n, fmt, ap);
}

void log_about(enum log_level level, const char *source, const struct log_subject *about,
	       const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vabout(level, source, about, fmt, ap);
	va_end(ap);
}

void log_report(const struct log_attr *attrs, size_t n_attrs,
		const char *fmt, ...)
{
	char body[LOG_LINE_MAX / 2];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	emit(LOG_INFO, NULL, attrs, n_attrs, body);
}

static void emit(enum log_level level, const char *source,
		 const struct log_attr *attrs, size_t n_attrs, const char *body)
{
	if (!source)
		source = log_src;

	char line[LOG_LINE_MAX];
	size_t pos = 0, cap = sizeof(line) - 2;

	if (log_fmt == LOG_TEXT) {
		pos = append(line, pos, cap, source);
		pos = append(line, pos, cap, ": ");
		pos = append(line, pos, cap, levels[level].text);
		pos = append(line, pos, cap, ": ");
		pos = append(line, pos, cap, body);
	} else {
		struct timespec ts;
		struct tm tm;
		char stamp[64];
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		size_t k = strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(stamp + k, sizeof(stamp) - k, ".%06ldZ", ts.tv_nsec / 1000);

		pos += (size_t)snprintf(line, cap,
			"{\"timestamp\":\"%s\",\"severity_text\":\"%s\","
			"\"severity_number\":%d,\"body\":\"",
			stamp, levels[level].otel, levels[level].number);
		pos = json_escape(line, pos, cap, body);
		pos = append(line, pos, cap, "\",\"attributes\":{\"log.source\":\"");
		pos = json_escape(line, pos, cap, source);
		pos = append(line, pos, cap, "\"");
		for (size_t i = 0; i < n_attrs; i++) {
			pos = append(line, pos, cap, ",\"");
			pos = json_escape(line, pos, cap, attrs[i].key);
			if (attrs[i].is_number && pos + 24 < cap) {
				pos += (size_t)snprintf(line + pos, cap - pos, "\":%llu",
							attrs[i].number);
				continue;
			}
			pos = append(line, pos, cap, "\":\"");
			pos = json_escape(line, pos, cap, attrs[i].value);
			pos = append(line, pos, cap, "\"");
		}
		pos = append(line, pos, cap, "}}");
	}
	line[pos++] = '\n';

	/* stderr may be a pipe that is gone: nothing useful to do then. */
	for (size_t off = 0; off < pos;) {
		ssize_t n = write(STDERR_FILENO, line + off, pos - off);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
}

void log_lws_emit(int lws_level, const char *line)
{
	(void)lws_level;
	char copy[LOG_LINE_MAX / 2];
	snprintf(copy, sizeof(copy), "%s", line);
	size_t n = strlen(copy);
	while (n && (copy[n - 1] == '\n' || copy[n - 1] == '\r'))
		copy[--n] = '\0';
	log_debug("libwebsockets: %s", copy);
}

const char *log_printable(const char *s, char *buf, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t pos = 0, n = strlen(s);
	/* Control characters and bytes that are not UTF-8 as \xNN. */
	while (n && pos + 5 < len) {
		size_t seq = utf8_sequence(u, n);
		if (!seq || *u < 0x20 || *u == 0x7f) {
			pos += (size_t)snprintf(buf + pos, len - pos, "\\x%02x", *u);
			seq = 1;
		} else if (pos + seq + 5 < len) {
			memcpy(buf + pos, u, seq);
			pos += seq;
		} else {
			break;
		}
		u += seq;
		n -= seq;
	}
	buf[pos] = '\0';
	return buf;
}
