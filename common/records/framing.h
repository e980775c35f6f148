/*
 * framing: how records sit on stdin and stdout.
 *
 * The decoder is incremental and does no I/O: feed it bytes as they come,
 * and it hands each whole record (or the reason a record is bad) to a sink.
 * It never holds more than one record, and never more than --max-size of
 * payload (plus a tag) for it. The encoder appends one record to a buffer.
 */
#ifndef RXWS_FRAMING_H
#define RXWS_FRAMING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/msg.h"
#include "records/cbor_item.h"

enum framing {
	FRAMING_LINE,
	FRAMING_NUL,
	FRAMING_LP,
	FRAMING_RAW,
	FRAMING_JSON,
	FRAMING_CBOR,
};

/* Longest tag (a URL path) a record may carry. */
#define TAG_MAX 4096

/*
 * --max-size bounds a message, both ways. An envelope, or the JSON text of
 * an object, is larger than the message it carries: on stdin it may be
 * that much larger, and the payload taken out of it is then held to
 * --max-size exactly (datatype.c). So a tool reads back every envelope it
 * writes for a message of --max-size (rxws(7)):
 *  - JSON (json envelopes, and the JSON texts of object paths under line
 *    and nul): JSON_GROWTH times --max-size, for a text whose every byte
 *    is written as \u00XX (base64 takes 4 bytes for 3);
 *  - envelopes (json, cbor): ENVELOPE_ALLOWANCE more, for the braces or
 *    the map's head, the keys, a tag of TAG_MAX bytes (escaped, at most
 *    twice as long), the type, and the data's head or quotes.
 */
#define JSON_GROWTH 6
#define ENVELOPE_ALLOWANCE (16 * 1024)

const char *framing_name(enum framing f);
int framing_parse(const char *name, enum framing *out);
/*
 * The largest record (without its tag) that framing f holds on stdin for
 * --max-size; json_texts: line and nul records of object paths are JSON.
 */
size_t framing_record_max(enum framing f, bool json_texts, size_t max_size);

struct record {
	uint64_t recno;		/* 1 for the first record of the input */
	const char *tag;	/* NULL when untagged; not NUL-terminated */
	size_t tag_len;
	const unsigned char *data;
	size_t len;
};

struct record_sink {
	void *ctx;
	/* Each returns 0 to go on, non-zero to stop decoding. */
	int (*on_record)(void *ctx, const struct record *r);
	/*
	 * A bad record: why, and what the decoder does when it goes on
	 * ("skipping its 100 bytes"), or NULL when it simply skips the record.
	 */
	int (*on_bad)(void *ctx, uint64_t recno, const char *reason,
		      const char *then);
};

struct framing_decoder {
	enum framing framing;
	bool tagged;
	size_t max_size;
	size_t max_record;	/* framing_record_max() */
	const char *holding;	/* what may be larger than --max-size, or NULL */
	char bound[96];		/* how a record too large is said to be */
	uint64_t recno;
	struct buf acc;		/* the record being assembled */
	bool discarding;	/* line, nul: inside a record that is too long */

	/* lp */
	unsigned char hdr[4];
	size_t hdr_len;
	bool in_body;
	bool in_payload;	/* tagged: the tag field is done */
	size_t tag_len;		/* tagged: bytes of acc that are the tag */
	size_t need;		/* body bytes still to come */
	char reason[192];
	char then[96];

	/* lp, cbor: the record was reported bad; its bytes go as they come */
	bool skipping;

	/* cbor */
	struct cbor_skip *skip;		/* skipping an item over --max-size */
	bool broken;			/* malformed: the rest cannot be split */
};

void framing_decoder_init(struct framing_decoder *d, enum framing f, bool tagged,
		  bool json_texts, size_t max_size);
int framing_decoder_feed(struct framing_decoder *d, const unsigned char *p, size_t n,
		 const struct record_sink *sink);
/* End of input: a final record without a delimiter, or a truncated one. */
int framing_decoder_finish(struct framing_decoder *d, const struct record_sink *sink);
void framing_decoder_free(struct framing_decoder *d);
/* No part of a record waits in d: the end of input would add none. */
bool framing_decoder_between_records(const struct framing_decoder *d);

/* NULL when tag is a valid path tag, else why not. */
const char *framing_tag_problem(const char *tag, size_t len);

/* Appends one record. Returns 0, or -1 when out of memory. */
int framing_encode(struct buf *out, enum framing f, const char *tag,
		  size_t tag_len, const unsigned char *data, size_t len);

#endif
