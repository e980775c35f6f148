#include "stats.h"

#include <inttypes.h>
#include <stdio.h>

#include "log.h"

#define N_COUNTERS 23

void stats_report(struct stats *s, int is_server)
{
	char v[N_COUNTERS][24];
	uint64_t n[N_COUNTERS] = {
		stat_get(&s->records_in), stat_get(&s->bytes_in),
		stat_get(&s->bad_in), stat_get(&s->sent),
		stat_get(&s->bytes_sent), stat_get(&s->received),
		stat_get(&s->bytes_received), stat_get(&s->bad_received),
		stat_get(&s->records_out), stat_get(&s->bytes_out),
		stat_get(&s->dropped), stat_get(&s->discarded),
		stat_get(&s->lost), stat_get(&s->reconnects),
		stat_get(&s->clients_now), stat_get(&s->clients_total),
		stat_get(&s->broker_appended), stat_get(&s->broker_read),
		stat_get(&s->broker_duplicates), stat_get(&s->broker_gaps),
		stat_get(&s->broker_lost), stat_get(&s->broker_bad),
		stat_get(&s->broker_reconnects),
	};
	static const char *const keys[N_COUNTERS] = {
		"records_in", "bytes_in", "bad_in", "sent", "bytes_sent",
		"received", "bytes_received", "bad_received", "records_out",
		"bytes_out", "dropped", "discarded", "lost", "reconnects",
		"clients_now", "clients_total",
		"broker_appended", "broker_read", "broker_duplicates",
		"broker_gaps", "broker_lost", "broker_bad", "broker_reconnects",
	};
	struct log_attr attrs[N_COUNTERS];
	size_t n_attrs = s->broker ? N_COUNTERS : 16;
	for (size_t i = 0; i < N_COUNTERS; i++) {
		snprintf(v[i], sizeof(v[i]), "%" PRIu64, n[i]);
		attrs[i] = (struct log_attr){ keys[i], v[i] };
	}

	char peers[96];
	if (is_server)
		snprintf(peers, sizeof(peers), "clients %s now, %s in all",
			 v[14], v[15]);
	else
		snprintf(peers, sizeof(peers), "%s reconnects", v[13]);

	char broker[256] = "";
	if (s->broker)
		snprintf(broker, sizeof(broker),
			 "; broker: appended %s, read %s, %s duplicates, "
			 "%s gaps (%s records lost), %s bad, %s reconnects",
			 v[16], v[17], v[18], v[19], v[20], v[21], v[22]);

	log_report(attrs, n_attrs,
		   "stdin %s records (%s bytes), %s bad; "
		   "sent %s messages (%s bytes), %s dropped, %s discarded, %s lost; "
		   "received %s messages (%s bytes), %s bad; "
		   "stdout %s records (%s bytes); %s%s",
		   v[0], v[1], v[2], v[3], v[4], v[10], v[11], v[12],
		   v[5], v[6], v[7], v[8], v[9], peers, broker);
}
