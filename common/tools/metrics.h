/*
 * metrics: what rxws-serve --metrics answers on GET /metrics, in the
 * Prometheus text exposition format 0.0.4: the counters of stats, and
 * gauges of the clients now; and the counting of what only the metrics
 * show (how connections ended, refusals by status).
 *
 * Every label takes few values, so that a scrape stays small whatever the
 * clients do: paths are shown for the METRICS_TOP_PATHS busiest ones, the
 * rest add up under path="other"; close codes and statuses fall into
 * fixed slots (stats.h).
 */
#ifndef RXWS_METRICS_H
#define RXWS_METRICS_H

#include "app/options.h"
#include "base/buf.h"
#include "base/stats.h"
#include "tools/broadcast.h"
#include "ws/wsconn.h"

#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define METRICS_TOP_PATHS 20

struct metrics_source {
	struct stats *stats;
	struct broadcast *clients;
	const struct config *cfg;
	double start_time;		/* of the process, in seconds since the epoch */
};

/*
 * Appends the whole text to out, which it bounds (out->max) by what the
 * text can hold: the fixed families, and METRICS_TOP_PATHS paths of the
 * longest length, escaped. -1: no memory.
 */
int metrics_render(struct buf *out, const struct metrics_source *src);

/* A client's connection ends (before wsconn_detach): by whom, with which code. */
void metrics_count_disconnect(struct stats *s, const struct wsconn *c);
/* A request refused with an HTTP status (4xx, 5xx). */
void metrics_count_refusal(struct stats *s, int status);

#endif
