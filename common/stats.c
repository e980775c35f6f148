#include "stats.h"

#include <inttypes.h>
#include <stdio.h>

#include "log.h"

void stats_report(struct stats *s, int is_server)
{
	char v[16][24];
	uint64_t n[16] = {
		stat_get(&s->records_in), stat_get(&s->bytes_in),
		stat_get(&s->bad_in), stat_get(&s->sent),
		stat_get(&s->bytes_sent), stat_get(&s->received),
		stat_get(&s->bytes_received), stat_get(&s->bad_received),
		stat_get(&s->records_out), stat_get(&s->bytes_out),
		stat_get(&s->dropped), stat_get(&s->discarded),
		stat_get(&s->lost), stat_get(&s->reconnects),
		stat_get(&s->clients_now), stat_get(&s->clients_total),
	};
	static const char *const keys[16] = {
		"records_in", "bytes_in", "bad_in", "sent", "bytes_sent",
		"received", "bytes_received", "bad_received", "records_out",
		"bytes_out", "dropped", "discarded", "lost", "reconnects",
		"clients_now", "clients_total",
	};
	struct log_attr attrs[16];
	for (int i = 0; i < 16; i++) {
		snprintf(v[i], sizeof(v[i]), "%" PRIu64, n[i]);
		attrs[i] = (struct log_attr){ keys[i], v[i] };
	}

	char peers[96];
	if (is_server)
		snprintf(peers, sizeof(peers), "clients %s now, %s in all",
			 v[14], v[15]);
	else
		snprintf(peers, sizeof(peers), "%s reconnects", v[13]);

	log_report(attrs, 16,
		   "stdin %s records (%s bytes), %s bad; "
		   "sent %s messages (%s bytes), %s dropped, %s discarded, %s lost; "
		   "received %s messages (%s bytes), %s bad; "
		   "stdout %s records (%s bytes); %s",
		   v[0], v[1], v[2], v[3], v[4], v[10], v[11], v[12],
		   v[5], v[6], v[7], v[8], v[9], peers);
}
