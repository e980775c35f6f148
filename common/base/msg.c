/* msg: a message on its way out (msg.h). */
#include "base/msg.h"

#include <libwebsockets.h>
#include <stdlib.h>
#include <string.h>

struct msg *msg_new(const char *tag, size_t tag_len, size_t payload_len)
{
	size_t tag_room = tag ? tag_len + 1 : 0;
	/* Keep the payload's headroom aligned for lws' header writes. */
	size_t head = sizeof(struct msg) + tag_room;
	head = (head + 15) & ~(size_t)15;
	if (payload_len > SIZE_MAX - head - LWS_PRE)
		return NULL;

	struct msg *m = malloc(head + LWS_PRE + payload_len);
	if (!m)
		return NULL;
	m->refs = 1;
	m->notice = false;
	m->past = false;
	m->pos = 0;
	m->fate = FATE_PENDING;
	m->ledger = NULL;
	m->kind = FRAME_TEXT;
	m->recno = 0;
	m->len = payload_len;
	m->tag_len = tag ? tag_len : 0;
	m->tag = NULL;
	if (tag) {
		m->tag = (char *)(m + 1);
		memcpy(m->tag, tag, tag_len);
		m->tag[tag_len] = '\0';
	}
	m->payload = (unsigned char *)m + head + LWS_PRE;
	return m;
}

struct msg *msg_ref(struct msg *m)
{
	m->refs++;
	return m;
}

void msg_unref(struct msg *m)
{
	if (!m || --m->refs)
		return;
	if (m->ledger) {
		enum msg_fate fate = m->fate == FATE_PENDING ? FATE_LOST : (enum msg_fate)m->fate;
		atomic_fetch_add_explicit(&m->ledger->settled[fate], 1, memory_order_relaxed);
	}
	free(m);
}

void msg_settle(struct msg *m, enum msg_fate fate)
{
	if (fate > m->fate)
		m->fate = (unsigned char)fate;
}

void msg_done(struct msg *m, enum msg_fate fate)
{
	msg_settle(m, fate);
	msg_unref(m);
}

void msg_count(struct msg *m, struct ledger *ledger)
{
	m->ledger = ledger;
	atomic_fetch_add_explicit(&ledger->read, 1, memory_order_relaxed);
}

uint64_t ledger_get(struct ledger *l, enum msg_fate fate)
{
	return atomic_load_explicit(&l->settled[fate], memory_order_relaxed);
}

void ledger_refate(struct ledger *l, enum msg_fate from, enum msg_fate to, uint64_t n)
{
	uint64_t had = ledger_get(l, from);

	if (n > had)
		n = had;
	atomic_fetch_sub_explicit(&l->settled[from], n, memory_order_relaxed);
	atomic_fetch_add_explicit(&l->settled[to], n, memory_order_relaxed);
}

uint64_t ledger_pending(struct ledger *l)
{
	uint64_t settled = 0;
	for (int f = FATE_DELIVERED; f < FATE_COUNT; f++)
		settled += ledger_get(l, (enum msg_fate)f);
	uint64_t read = atomic_load_explicit(&l->read, memory_order_relaxed);
	return read > settled ? read - settled : 0;
}
