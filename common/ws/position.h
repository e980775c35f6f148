/*
 * position: where a message stands on its path, EPOCH:OFFSET (rxws(7),
 * HISTORY AND RECOVERY): its text form, read and written; the frames of
 * the subprotocol rxws.pos, whose payload is a position, a newline, then
 * the data; and its notices ("!head POS", "!gap FROM TO COUNT WHY",
 * "!live POS").
 */
#ifndef RXWS_POSITION_H
#define RXWS_POSITION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define POSITION_SUBPROTOCOL "rxws.pos"
#define POSITION_EPOCH_LEN 16		/* hex digits */
/* The longest position, with its NUL: an epoch, a colon, 20 digits. */
#define POSITION_MAX (POSITION_EPOCH_LEN + 1 + 20 + 1)
/* The longest notice: "!gap " and two positions, a count and a reason. */
#define POSITION_NOTICE_MAX 128

struct position {
	char epoch[POSITION_EPOCH_LEN + 1];
	uint64_t offset;		/* 0: before the path's first message */
};

/* A new epoch: random hex digits. 0, or -1 without random numbers. */
int position_new_epoch(char out[POSITION_EPOCH_LEN + 1]);
/* NULL, or why s (len bytes) is not EPOCH:OFFSET. */
const char *position_parse(const char *s, size_t len, struct position *out);
/* Writes EPOCH:OFFSET; its length. */
size_t position_format(char out[POSITION_MAX], const char *epoch, uint64_t offset);

/*
 * A frame of rxws.pos: true, with the position and where the data starts,
 * when p is "POS\n..."; false for a notice, or a frame that is neither.
 */
bool position_split(const unsigned char *p, size_t n, struct position *pos, size_t *data_at);
/* Whether a frame of rxws.pos is a notice ("!..."). */
static inline bool position_is_notice(const unsigned char *p, size_t n)
{
	return n && p[0] == '!';
}

/* A notice of rxws.pos, read (position_read_notice). */
enum position_notice_kind { NOTICE_HEAD, NOTICE_GAP, NOTICE_LIVE, NOTICE_OTHER };
#define POSITION_REASON_MAX 32		/* bytes of a gap's reason, at most */

struct position_notice {
	enum position_notice_kind kind;
	struct position at;		/* !head, !live: where the path stands */
	struct position from, to;	/* !gap: the first and last messages missed */
	uint64_t count;			/* !gap: how many, when count_known */
	bool count_known;
	char reason[POSITION_REASON_MAX + 1];
};

/*
 * A notice (p starts with '!'): NULL, or why it is malformed. A notice of
 * another name is NOTICE_OTHER, for a later server may say more.
 */
const char *position_read_notice(const unsigned char *p, size_t n, struct position_notice *out);

/* The notices, written; their length. count 0 with !count_known: "?". */
size_t position_notice_head(char out[POSITION_NOTICE_MAX], const char *epoch, uint64_t offset);
size_t position_notice_live(char out[POSITION_NOTICE_MAX], const char *epoch, uint64_t offset);
size_t position_notice_gap(char out[POSITION_NOTICE_MAX], const char *from_epoch,
			   uint64_t from, const char *to_epoch, uint64_t to, uint64_t count,
			   bool count_known, const char *why);

#endif
