/*
 * stats: the counters a user can ask for (SIGUSR1, at exit with -v, and
 * whenever records were not delivered) (stats.h).
 */
#include "base/stats.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/log.h"

/* Each tool's counters, then the client's gaps, then --broker's. */
enum { N_BASE = 21, N_GAPS = 2, N_COUNTERS = 31 };

static void report(struct stats *s, bool is_server, bool final)
{
	struct ledger *l = &s->ledger;
	uint64_t n[N_COUNTERS] = {
		atomic_load_explicit(&l->read, memory_order_relaxed),
		ledger_get(l, FATE_DELIVERED), ledger_get(l, FATE_DISCARDED),
		ledger_get(l, FATE_DROPPED), ledger_get(l, FATE_UNCONFIRMED),
		ledger_get(l, FATE_LOST), ledger_pending(l),
		stat_get(&s->bytes_in), stat_get(&s->bad_in),
		stat_get(&s->sent), stat_get(&s->bytes_sent), stat_get(&s->resent),
		stat_get(&s->received), stat_get(&s->bytes_received),
		stat_get(&s->bad_received), stat_get(&s->records_out),
		stat_get(&s->bytes_out), stat_get(&s->reconnects),
		stat_get(&s->clients_now), stat_get(&s->clients_total),
		stat_get(&s->failed_attempts), stat_get(&s->gaps), stat_get(&s->gap_messages),
		stat_get(&s->broker_appended), stat_get(&s->broker_read),
		stat_get(&s->broker_duplicates), stat_get(&s->broker_gaps),
		stat_get(&s->broker_lost), stat_get(&s->broker_bad),
		stat_get(&s->broker_reconnects), stat_get(&s->broker_resets),
	};
	static const char *const keys[N_COUNTERS] = {
		"records_in", "delivered", "discarded", "dropped", "unconfirmed", "lost",
		"pending", "bytes_in", "bad_in", "sent", "bytes_sent", "resent",
		"received", "bytes_received", "bad_received", "records_out",
		"bytes_out", "reconnects", "clients_now", "clients_total",
		"failed_attempts", "gaps", "gap_messages", "broker_appended", "broker_read",
		"broker_duplicates", "broker_gaps", "broker_lost", "broker_bad",
		"broker_reconnects", "broker_resets",
	};
	if (final) {
		n[5] += n[6];
		n[6] = 0;
	}
	struct log_attr attrs[N_COUNTERS];
	for (int i = 0; i < N_COUNTERS; i++)
		attrs[i] = (struct log_attr){ .key = keys[i], .number = n[i], .is_number = true };

	char broker[256] = "";
	if (s->broker)
		snprintf(broker, sizeof(broker),
			 "; broker: appended %" PRIu64 ", read %" PRIu64 ", %" PRIu64 " duplicates, "
			 "%" PRIu64 " gaps (%" PRIu64 " records lost), %" PRIu64 " bad, %" PRIu64 " reconnects, "
			 "%" PRIu64 " resets",
			 n[23], n[24], n[25], n[26], n[27], n[28], n[29], n[30]);

	char peers[256];
	uint64_t kept = stat_get(&s->history_messages), replays = stat_get(&s->replays);
	if (is_server && (kept || replays))
		snprintf(peers, sizeof(peers), "clients %" PRIu64 " now, %" PRIu64 " in all; "
			 "history %" PRIu64 " messages (%" PRIu64 " bytes), %" PRIu64 " replays, %"
			 PRIu64 " gaps", n[18], n[19], kept, stat_get(&s->history_bytes), replays,
			 stat_get(&s->gaps_reported));
	else if (is_server)
		snprintf(peers, sizeof(peers), "clients %" PRIu64 " now, %" PRIu64 " in all",
			 n[18], n[19]);
	else if (n[20])
		snprintf(peers, sizeof(peers), "%" PRIu64 " reconnect%s, %" PRIu64 " attempt%s failed",
			 n[17], n[17] == 1 ? "" : "s", n[20], n[20] == 1 ? "" : "s");
	else
		snprintf(peers, sizeof(peers), "%" PRIu64 " reconnect%s", n[17], n[17] == 1 ? "" : "s");

	/* A client says the gaps it was told of (rxws(7), HISTORY AND RECOVERY). */
	char gaps[160] = "";
	uint64_t uncounted = stat_get(&s->gaps_uncounted);
	if (!is_server && n[21])
		snprintf(gaps, sizeof(gaps), "; %" PRIu64 " gap%s (%" PRIu64 " message%s missed%s)",
			 n[21], n[21] == 1 ? "" : "s", n[22], n[22] == 1 ? "" : "s",
			 !uncounted ? "" : uncounted == n[21] ? ", of an unknown number"
			 : ", and more of an unknown number");

	/* JSON: every tool's counters, then a client's gaps, or a server's broker's. */
	size_t n_attrs = N_BASE;
	if (!is_server) {
		n_attrs += N_GAPS;
	} else if (s->broker) {
		memmove(attrs + N_BASE, attrs + N_BASE + N_GAPS,
			(N_COUNTERS - N_BASE - N_GAPS) * sizeof(*attrs));
		n_attrs = N_COUNTERS - N_GAPS;
	}
	log_report(attrs, n_attrs,
		   "stdin %" PRIu64 " record%s (%" PRIu64 " bytes, %" PRIu64 " bad): "
		   "%" PRIu64 " delivered, %" PRIu64 " discarded, %" PRIu64 " dropped, "
		   "%" PRIu64 " unconfirmed, %" PRIu64 " lost, %" PRIu64 " pending; "
		   "sent %" PRIu64 " messages (%" PRIu64 " bytes, %" PRIu64 " again); "
		   "received %" PRIu64 " messages (%" PRIu64 " bytes), %" PRIu64 " bad; "
		   "stdout %" PRIu64 " record%s (%" PRIu64 " bytes); %s%s%s",
		   n[0], n[0] == 1 ? "" : "s", n[7], n[8], n[1], n[2], n[3], n[4], n[5], n[6], n[9], n[10], n[11],
		   n[12], n[13], n[14], n[15], n[15] == 1 ? "" : "s", n[16], peers, gaps, broker);
}

void stats_report(struct stats *s, bool is_server)
{
	report(s, is_server, false);
}

void stats_report_final(struct stats *s, bool is_server, bool shown)
{
	if (shown)
		report(s, is_server, true);
}
