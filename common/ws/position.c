/* position: EPOCH:OFFSET, the frames and notices of rxws.pos (position.h). */
#include "ws/position.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

int position_new_epoch(char out[POSITION_EPOCH_LEN + 1])
{
	unsigned char r[POSITION_EPOCH_LEN / 2];

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return -1;
	for (size_t i = 0; i < sizeof(r); i++)
		snprintf(out + 2 * i, 3, "%02x", r[i]);
	return 0;
}

const char *position_parse(const char *s, size_t len, struct position *out)
{
	if (len < POSITION_EPOCH_LEN + 2 || s[POSITION_EPOCH_LEN] != ':')
		return "not a position: expected EPOCH:OFFSET (16 hex digits, a colon, a number)";
	for (size_t i = 0; i < POSITION_EPOCH_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return "not a position: its epoch is not 16 hex digits (0-9, a-f)";
	uint64_t off = 0;
	size_t digits = len - POSITION_EPOCH_LEN - 1;
	if (digits > 20)
		return "not a position: its offset is too large";
	for (size_t i = POSITION_EPOCH_LEN + 1; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return "not a position: its offset is not a number";
		uint64_t d = (uint64_t)(s[i] - '0');
		if (off > (UINT64_MAX - d) / 10)
			return "not a position: its offset is too large";
		off = off * 10 + d;
	}
	memcpy(out->epoch, s, POSITION_EPOCH_LEN);
	out->epoch[POSITION_EPOCH_LEN] = '\0';
	out->offset = off;
	return NULL;
}

size_t position_format(char out[POSITION_MAX], const char *epoch, uint64_t offset)
{
	int n = snprintf(out, POSITION_MAX, "%.*s:%" PRIu64, POSITION_EPOCH_LEN, epoch, offset);
	return n > 0 ? (size_t)n : 0;
}

bool position_split(const unsigned char *p, size_t n, struct position *pos, size_t *data_at)
{
	size_t limit = n < POSITION_MAX ? n : POSITION_MAX;
	const unsigned char *nl = memchr(p, '\n', limit);

	if (!nl || position_is_notice(p, n) ||
	    position_parse((const char *)p, (size_t)(nl - p), pos))
		return false;
	*data_at = (size_t)(nl - p) + 1;
	return true;
}

static size_t notice(char out[POSITION_NOTICE_MAX], const char *word, const char *epoch,
		     uint64_t offset)
{
	int n = snprintf(out, POSITION_NOTICE_MAX, "!%s %.*s:%" PRIu64, word, POSITION_EPOCH_LEN,
			 epoch, offset);
	return n > 0 ? (size_t)n : 0;
}

size_t position_notice_head(char out[POSITION_NOTICE_MAX], const char *epoch, uint64_t offset)
{
	return notice(out, "head", epoch, offset);
}

size_t position_notice_live(char out[POSITION_NOTICE_MAX], const char *epoch, uint64_t offset)
{
	return notice(out, "live", epoch, offset);
}

size_t position_notice_gap(char out[POSITION_NOTICE_MAX], const char *from_epoch,
			   uint64_t from, const char *to_epoch, uint64_t to, uint64_t count,
			   bool count_known, const char *why)
{
	char n[24] = "?";
	if (count_known)
		snprintf(n, sizeof(n), "%" PRIu64, count);
	int k = snprintf(out, POSITION_NOTICE_MAX, "!gap %.*s:%" PRIu64 " %.*s:%" PRIu64 " %s %s",
			 POSITION_EPOCH_LEN, from_epoch, from, POSITION_EPOCH_LEN, to_epoch, to, n,
			 why);
	return k > 0 ? (size_t)k : 0;
}
