/*
 * convert: what a record means as a WebSocket message, both ways, by its
 * datatype (datatype.h).
 *
 * A stdin record becomes a frame: a text frame for --string (UTF-8
 * checked), a binary frame for --bytes, one CBOR item for --object (JSON
 * converted, or CBOR checked); under the json and cbor framings, records
 * are envelopes that carry their own tag, type and data. A received
 * message becomes a stdout record the same ways back, after checking that
 * its kind fits its path. Each thread that converts has its own converter.
 */
#ifndef RXWS_CONVERT_H
#define RXWS_CONVERT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "base/msg.h"
#include "records/datatype.h"
#include "records/framing.h"

struct record_config;

struct converter {
	const struct record_config *rc;
	struct buf scratch;	/* a converted payload */
	struct buf spare;	/* a second one, for two-step conversions */
	char tag[TAG_MAX + 1];	/* an envelope's tag */
	/* The datatype of the last tag seen: tags repeat, globs cost. */
	char last_tag[TAG_MAX + 1];
	enum datatype last_type;
	bool have_last;
};

void converter_init(struct converter *c, const struct record_config *rc);
void converter_free(struct converter *c);
enum datatype converter_type_for(struct converter *c, const char *tag,
				 size_t len);

/* A stdin record as the frame to send. */
struct outgoing {
	const char *tag;	/* NULL when untagged */
	size_t tag_len;
	enum frame_kind kind;
	const unsigned char *data;	/* the record's, or the converter's */
	size_t len;
};

/* NULL, or why the record is bad. */
const char *record_to_frame(struct converter *c, const struct record *rec,
			    struct outgoing *out);

/*
 * Appends the stdout record for a message received on path (its tag when
 * tagged, and in envelopes always), at position pos (its text, EPOCH:OFFSET,
 * which envelopes carry as "pos"; NULL: none). NULL, or why the message is
 * bad, and then nothing is appended.
 */
const char *frame_to_record(struct converter *c, struct buf *out,
			    const char *path, size_t path_len, const char *pos,
			    enum datatype type, bool binary,
			    const unsigned char *data, size_t len);

#endif
