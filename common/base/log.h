/*
 * log: diagnostics on stderr, never on stdout.
 *
 * Text lines read "SOURCE: LEVEL: message"; JSON lines follow the
 * OpenTelemetry log data model (timestamp, severity_text, severity_number,
 * body, attributes with log.source). Safe to call from any thread: each
 * line is formatted first and written with one write(2).
 */
#ifndef RXWS_LOG_H
#define RXWS_LOG_H

#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>

/* NOTICE: the few things worth saying by default, such as a picked port. */
enum log_level { LOG_ERROR, LOG_WARN, LOG_NOTICE, LOG_INFO, LOG_DEBUG };
enum log_format { LOG_TEXT, LOG_JSON };

/* An extra attribute for JSON logs (text logs say it in the message). */
struct log_attr {
	const char *key;
	const char *value;		/* a string, unless is_number */
	unsigned long long number;
	bool is_number;
};

/* verbosity: -1 errors only (-q), 0 warnings (default), 1 info, 2 debug. */
void log_setup(const char *source, int verbosity, enum log_format format);
void log_set_source(const char *source);
const char *log_source(void);
/* log_setup's verbosity (below 0: errors only), read by log_enabled. */
extern int log_verbosity;
/* Inline: asked once a message sent, before a debug line it would skip. */
static inline int log_enabled(enum log_level level)
{
	if (log_verbosity < 0)
		return level == LOG_ERROR;
	return (int)level <= log_verbosity + LOG_NOTICE;
}

/*
 * Attributes of JSON logs, named after OpenTelemetry's semantic
 * conventions where one fits.
 */
#define LOG_PEER "network.peer.address"		/* who: host:port, or a socket */
#define LOG_PATH "url.path"			/* the WebSocket path */
#define LOG_STATUS "http.response.status_code"	/* a handshake refused */
#define LOG_RECORD "rxws.record.number"		/* a stdin record */
#define LOG_CLOSE_CODE "rxws.close.code"	/* a WebSocket close code */

/* What a line is about: each field set (not NULL, not 0) is an attribute. */
struct log_subject {
	const char *peer;		/* LOG_PEER */
	const char *path;		/* LOG_PATH */
	unsigned status;		/* LOG_STATUS */
	unsigned close_code;		/* LOG_CLOSE_CODE */
	unsigned long long record;	/* LOG_RECORD */
};

/* source NULL means the process' own source. */
void log_attrs(enum log_level level, const char *source,
	       const struct log_attr *attrs, size_t n_attrs,
	       const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
void log_vattrs(enum log_level level, const char *source,
		const struct log_attr *attrs, size_t n_attrs,
		const char *fmt, va_list ap)
	__attribute__((format(printf, 5, 0)));

void log_about(enum log_level level, const char *source, const struct log_subject *about,
	       const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void log_vabout(enum log_level level, const char *source, const struct log_subject *about,
		const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));

#define log_at(level, source, ...) log_attrs(level, source, NULL, 0, __VA_ARGS__)
#define log_error(...) log_attrs(LOG_ERROR, NULL, NULL, 0, __VA_ARGS__)
#define log_warn(...) log_attrs(LOG_WARN, NULL, NULL, 0, __VA_ARGS__)
#define log_notice(...) log_attrs(LOG_NOTICE, NULL, NULL, 0, __VA_ARGS__)
#define log_info(...) log_attrs(LOG_INFO, NULL, NULL, 0, __VA_ARGS__)
#define log_debug(...) log_attrs(LOG_DEBUG, NULL, NULL, 0, __VA_ARGS__)

/* A report the user asked for (counters): printed at any verbosity. */
void log_report(const struct log_attr *attrs, size_t n_attrs,
		const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Copies s into buf with control characters shown as \xNN; returns buf. */
const char *log_printable(const char *s, char *buf, size_t len);

/* Routes libwebsockets' own messages into ours at debug level. */
void log_lws_emit(int lws_level, const char *line);

#endif
