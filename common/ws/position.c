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

/* The next word of a notice, from *at up to a space or the end. */
static bool next_word(const char *s, size_t n, size_t *at, const char **w, size_t *len)
{
	if (*at >= n)
		return false;
	*w = s + *at;
	const char *space = memchr(*w, ' ', n - *at);
	*len = space ? (size_t)(space - *w) : n - *at;
	*at += *len + (space ? 1 : 0);
	return *len > 0;
}

static const char *read_count(const char *w, size_t len, struct position_notice *out)
{
	out->count = 0;
	out->count_known = !(len == 1 && w[0] == '?');
	if (!out->count_known)
		return NULL;
	if (len > 20)
		return "its count is not a number";
	for (size_t i = 0; i < len; i++) {
		if (w[i] < '0' || w[i] > '9')
			return "its count is not a number";
		uint64_t d = (uint64_t)(w[i] - '0');
		if (out->count > (UINT64_MAX - d) / 10)
			return "its count is too large";
		out->count = out->count * 10 + d;
	}
	return NULL;
}

static const char *read_gap(const char *s, size_t n, size_t at, struct position_notice *out)
{
	const char *w, *why;
	size_t len;

	if (!next_word(s, n, &at, &w, &len) || position_parse(w, len, &out->from) ||
	    !next_word(s, n, &at, &w, &len) || position_parse(w, len, &out->to))
		return "!gap: expected FROM TO COUNT WHY, FROM and TO positions";
	if (!next_word(s, n, &at, &w, &len))
		return "!gap: expected FROM TO COUNT WHY";
	if ((why = read_count(w, len, out)))
		return why;
	if (!next_word(s, n, &at, &w, &len) || at < n || len > POSITION_REASON_MAX)
		return "!gap: expected FROM TO COUNT WHY, WHY one word";
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)w[i] <= ' ' || (unsigned char)w[i] >= 0x7f)
			return "!gap: its reason is not a printable word";
	memcpy(out->reason, w, len);
	out->reason[len] = '\0';
	return NULL;
}

const char *position_read_notice(const unsigned char *p, size_t n, struct position_notice *out)
{
	const char *s = (const char *)p, *name, *w;
	size_t at = 1, len, wlen;

	memset(out, 0, sizeof(*out));
	out->kind = NOTICE_OTHER;
	if (!position_is_notice(p, n) || !next_word(s, n, &at, &name, &len))
		return "a notice without a name";
	bool head = len == 4 && !memcmp(name, "head", 4);
	bool live = len == 4 && !memcmp(name, "live", 4);
	if (len == 3 && !memcmp(name, "gap", 3)) {
		out->kind = NOTICE_GAP;
		return read_gap(s, n, at, out);
	}
	if (!head && !live)
		return NULL;
	out->kind = head ? NOTICE_HEAD : NOTICE_LIVE;
	if (!next_word(s, n, &at, &w, &wlen) || at < n || position_parse(w, wlen, &out->at))
		return head ? "!head: expected one position" : "!live: expected one position";
	return NULL;
}
