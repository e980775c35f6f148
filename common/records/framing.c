/* framing: records cut from stdin and written to stdout (framing.h). */
#include "records/framing.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/utf8.h"

static const char *const framing_names[] = {
	[FRAMING_LINE] = "line",
	[FRAMING_NUL] = "nul",
	[FRAMING_LP] = "lp",
	[FRAMING_RAW] = "raw",
	[FRAMING_JSON] = "json",
	[FRAMING_CBOR] = "cbor",
};

const char *framing_name(enum framing f)
{
	return framing_names[f];
}

int framing_parse(const char *name, enum framing *out)
{
	for (size_t i = 0; i < sizeof(framing_names) / sizeof(*framing_names); i++) {
		if (!strcmp(name, framing_names[i])) {
			*out = (enum framing)i;
			return 0;
		}
	}
	return -1;
}

const char *framing_tag_problem(const char *tag, size_t len)
{
	if (!len)
		return "empty tag";
	if (tag[0] != '/')
		return "tag must be a path starting with /";
	if (len > TAG_MAX)
		return "tag longer than 4096 bytes";
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)tag[i];
		if (c < 0x20 || c == 0x7f)
			return "path has control characters";
	}
	/* Tags become JSON strings and log text: they must be text. */
	if (!utf8_valid((const unsigned char *)tag, len))
		return "path is not UTF-8";
	return NULL;
}

size_t framing_record_max(enum framing f, bool json_texts, size_t max_size)
{
	bool json = f == FRAMING_JSON ||
		    (json_texts && (f == FRAMING_LINE || f == FRAMING_NUL));
	bool envelope = f == FRAMING_JSON || f == FRAMING_CBOR;
	uint64_t most = (uint64_t)max_size * (json ? JSON_GROWTH : 1) +
			(envelope ? ENVELOPE_ALLOWANCE : 0);
	/* Room for a tag on top, whatever size_t is. */
	return most > SIZE_MAX / 2 ? SIZE_MAX / 2 : (size_t)most;
}

void framing_decoder_init(struct framing_decoder *d, enum framing f, bool tagged,
		  bool json_texts, size_t max_size)
{
	memset(d, 0, sizeof(*d));
	d->framing = f;
	/* Envelopes carry their tags: the framing itself is untagged. */
	d->tagged = tagged && f != FRAMING_JSON && f != FRAMING_CBOR;
	tagged = d->tagged;
	d->max_size = max_size;
	d->max_record = framing_record_max(f, json_texts, max_size);
	d->holding = f == FRAMING_JSON ? "a JSON envelope"
		   : f == FRAMING_CBOR ? "a CBOR envelope"
		   : d->max_record > max_size ? "a JSON text" : NULL;
	if (d->holding)
		snprintf(d->bound, sizeof(d->bound),
			 "--max-size (%zu), even for %s (at most %zu)",
			 max_size, d->holding, d->max_record);
	else
		snprintf(d->bound, sizeof(d->bound), "--max-size (%zu)", max_size);
	/* A tagged record holds its tag and a separator as well. */
	d->acc.max = d->max_record + (tagged ? TAG_MAX + 8 : 0);
}

void framing_decoder_free(struct framing_decoder *d)
{
	buf_free(&d->acc);
	if (d->skip)
		cbor_skip_free(d->skip);
	free(d->skip);
	d->skip = NULL;
}

static int bad(uint64_t recno, const char *reason,
	       const struct record_sink *sink)
{
	return sink->on_bad(sink->ctx, recno, reason, NULL);
}

static const char *too_long(struct framing_decoder *d, size_t len)
{
	snprintf(d->reason, sizeof(d->reason), "%zu bytes is over %s", len,
		 d->bound);
	return d->reason;
}

/* A whole delimited record: split its tag off when tagged, and hand it on. */
static int emit_delimited(struct framing_decoder *d, const unsigned char *p, size_t n,
			  const struct record_sink *sink)
{
	struct record r = { .recno = ++d->recno, .data = p, .len = n };

	if (d->tagged) {
		const unsigned char *tab = memchr(p, '\t', n);
		if (!tab)
			return bad(r.recno, "no tag: expected TAG<TAB>PAYLOAD", sink);
		r.tag = (const char *)p;
		r.tag_len = (size_t)(tab - p);
		const char *problem = framing_tag_problem(r.tag, r.tag_len);
		if (problem)
			return bad(r.recno, problem, sink);
		r.data = tab + 1;
		r.len = n - r.tag_len - 1;
	}
	if (r.len > d->max_record)
		return bad(r.recno, too_long(d, r.len), sink);
	return sink->on_record(sink->ctx, &r);
}

static int feed_delimited(struct framing_decoder *d, const unsigned char *p, size_t n,
			  unsigned char delim, const struct record_sink *sink)
{
	while (n) {
		const unsigned char *end = memchr(p, delim, n);
		size_t seg = end ? (size_t)(end - p) : n;
		int rc = 0;

		if (d->discarding) {
			if (end)
				d->discarding = false;
		} else if (end && d->acc.len == 0) {
			/* The common case: the whole record is in this chunk. */
			if (seg > d->acc.max)
				rc = bad(++d->recno, too_long(d, seg), sink);
			else
				rc = emit_delimited(d, p, seg, sink);
		} else if (buf_append(&d->acc, p, seg)) {
			/* Over the bound: say so now, then skip to the delimiter. */
			size_t seen = d->acc.len + seg;
			d->acc.len = 0;
			d->discarding = !end;
			rc = bad(++d->recno, too_long(d, seen), sink);
		} else if (end) {
			rc = emit_delimited(d, d->acc.data, d->acc.len, sink);
			d->acc.len = 0;
		}
		if (rc)
			return rc;
		if (!end)
			return 0;
		p = end + 1;
		n -= seg + 1;
	}
	return 0;
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/*
 * An lp field header is complete: decide what its body is. A length over
 * its limit is reported now, not when its bytes have come (they may never
 * come, and the records after them would wait till the end of input); the
 * bytes are then counted off as they come, kept nowhere, and the record
 * after them is read as usual.
 */
static int lp_field_start(struct framing_decoder *d, const struct record_sink *sink)
{
	size_t len = be32(d->hdr);
	bool is_tag = d->tagged && !d->in_payload;

	d->hdr_len = 0;
	d->in_body = true;
	d->need = len;
	if (d->skipping)
		return 0;
	if (is_tag && len > TAG_MAX)
		snprintf(d->reason, sizeof(d->reason),
			 "tag length %zu is over %d", len, TAG_MAX);
	else if (!is_tag && len > d->max_size)
		snprintf(d->reason, sizeof(d->reason),
			 "length %zu is over --max-size (%zu)", len, d->max_size);
	else if (buf_reserve(&d->acc, len))
		snprintf(d->reason, sizeof(d->reason), "out of memory");
	else
		return 0;
	snprintf(d->then, sizeof(d->then), "skipping its %zu bytes%s", len,
		 is_tag ? " and its payload" : "");
	d->skipping = true;
	d->acc.len = 0;
	return sink->on_bad(sink->ctx, ++d->recno, d->reason, d->then);
}

/* An lp field body is complete: the tag waits for its payload. */
static int lp_field_end(struct framing_decoder *d, const struct record_sink *sink)
{
	d->in_body = false;
	if (d->tagged && !d->in_payload) {
		d->in_payload = true;
		d->tag_len = d->acc.len;
		return 0;
	}

	d->in_payload = false;
	if (d->skipping) {	/* reported when its length came */
		d->skipping = false;
		d->acc.len = 0;
		return 0;
	}

	struct record r = { .recno = ++d->recno, .data = d->acc.data,
			    .len = d->acc.len };
	const char *problem = NULL;
	if (d->tagged) {
		r.tag = (const char *)d->acc.data;
		r.tag_len = d->tag_len;
		if (r.tag_len) {	/* else acc.data may be NULL */
			r.data += r.tag_len;
			r.len -= r.tag_len;
		}
		problem = framing_tag_problem(r.tag, r.tag_len);
	}
	int rc = problem ? bad(r.recno, problem, sink)
			 : sink->on_record(sink->ctx, &r);
	d->acc.len = 0;
	return rc;
}

static int feed_lp(struct framing_decoder *d, const unsigned char *p, size_t n,
		   const struct record_sink *sink)
{
	while (n) {
		if (!d->in_body) {
			size_t take = 4 - d->hdr_len;
			if (take > n)
				take = n;
			memcpy(d->hdr + d->hdr_len, p, take);
			d->hdr_len += take;
			p += take;
			n -= take;
			if (d->hdr_len < 4)
				return 0;
			int rc = lp_field_start(d, sink);
			if (rc)
				return rc;
		}

		size_t take = d->need < n ? d->need : n;
		if (!d->skipping)
			buf_append(&d->acc, p, take);	/* reserved above */
		p += take;
		n -= take;
		d->need -= take;
		if (d->need == 0) {
			int rc = lp_field_end(d, sink);
			if (rc)
				return rc;
		}
	}
	return 0;
}

/* A CBOR item is malformed: nothing after it can be found reliably. */
static int cbor_broken(struct framing_decoder *d, const char *why,
		       const struct record_sink *sink)
{
	d->broken = true;
	d->acc.len = 0;
	return sink->on_bad(sink->ctx, ++d->recno, why,
			    "dropping the rest of the input: no way to find the next record");
}

/*
 * An item over the bound: report it, and skip it as its bytes come (the
 * structure says where it ends), keeping none of them. at_least is what
 * its heads declare so far, when that alone is over the bound, else 0.
 * It is reported before the bytes held are skipped: where it turns out
 * to be malformed must not decide whether it was too large.
 */
static int cbor_too_large(struct framing_decoder *d, uint64_t at_least,
			  const struct record_sink *sink)
{
	if (!d->skip) {
		if (!(d->skip = malloc(sizeof(*d->skip))))
			return cbor_broken(d, "out of memory", sink);
		cbor_skip_init(d->skip);
	}
	if (at_least)
		snprintf(d->reason, sizeof(d->reason),
			 "CBOR item of %" PRIu64 " bytes or more is over %s",
			 at_least, d->bound);
	else
		snprintf(d->reason, sizeof(d->reason), "CBOR item over %s",
			 d->bound);
	int rc = sink->on_bad(sink->ctx, ++d->recno, d->reason, "skipping it");
	if (rc)
		return rc;
	cbor_skip_start(d->skip);
	long long k = cbor_skip_feed(d->skip, d->acc.data, d->acc.len);
	d->acc.len = 0;
	if (k < 0)
		return cbor_broken(d, "malformed CBOR", sink);
	d->skipping = true;
	return 0;
}

/* A CBOR sequence (RFC 8742): each item is a record. */
static int feed_cbor(struct framing_decoder *d, const unsigned char *p, size_t n,
		     const struct record_sink *sink)
{
	while (n && !d->broken) {
		if (d->skipping) {
			long long k = cbor_skip_feed(d->skip, p, n);
			if (k < 0)
				return cbor_broken(d, "malformed CBOR", sink);
			if (!d->skip->done)
				return 0;
			d->skipping = false;
			p += k;
			n -= (size_t)k;
			continue;
		}

		size_t take = d->acc.max - d->acc.len;
		if (take > n)
			take = n;
		if (buf_append(&d->acc, p, take))
			return cbor_broken(d, "out of memory", sink);
		p += take;
		n -= take;

		size_t off = 0;
		uint64_t at_least = 0;	/* of an item not complete yet */
		int rc = 0;
		while (!rc && off < d->acc.len) {
			const char *why;
			long long len = cbor_item_split(d->acc.data + off,
							d->acc.len - off, &at_least, &why);
			if (len < 0) {
				buf_consume(&d->acc, off);
				return cbor_broken(d, why, sink);
			}
			if (len == 0)
				break;
			struct record r = { .recno = ++d->recno,
					    .data = d->acc.data + off, .len = (size_t)len };
			rc = sink->on_record(sink->ctx, &r);
			off += (size_t)len;
		}
		buf_consume(&d->acc, off);
		if (rc)
			return rc;

		/*
		 * Too large to hold, as its heads say already or as the bytes
		 * held show: skip it as it comes, then go on.
		 */
		if (d->acc.len && at_least > d->acc.max)
			rc = cbor_too_large(d, at_least, sink);
		else if (d->acc.len == d->acc.max)
			rc = cbor_too_large(d, 0, sink);
		if (rc)
			return rc;
	}
	return 0;
}

int framing_decoder_feed(struct framing_decoder *d, const unsigned char *p, size_t n,
		 const struct record_sink *sink)
{
	switch (d->framing) {
	case FRAMING_LINE:
		return feed_delimited(d, p, n, '\n', sink);
	case FRAMING_NUL:
		return feed_delimited(d, p, n, '\0', sink);
	case FRAMING_LP:
		return feed_lp(d, p, n, sink);
	case FRAMING_RAW: {
		struct record r = { .recno = ++d->recno, .data = p, .len = n };
		return n ? sink->on_record(sink->ctx, &r) : 0;
	}
	case FRAMING_JSON:
		return feed_delimited(d, p, n, '\n', sink);
	case FRAMING_CBOR:
		return feed_cbor(d, p, n, sink);
	}
	return 0;
}

bool framing_decoder_between_records(const struct framing_decoder *d)
{
	return !d->acc.len && !d->hdr_len && !d->in_body && !d->in_payload && !d->skipping &&
	       !d->skip;
}

int framing_decoder_finish(struct framing_decoder *d, const struct record_sink *sink)
{
	int rc = 0;

	switch (d->framing) {
	case FRAMING_LINE:
	case FRAMING_NUL:
	case FRAMING_JSON:
		if (d->acc.len && !d->discarding)
			rc = emit_delimited(d, d->acc.data, d->acc.len, sink);
		break;
	case FRAMING_CBOR:
		/* An item being skipped was reported when it was found too large. */
		if (!d->skipping && d->acc.len && !d->broken)
			rc = bad(++d->recno, "truncated CBOR at end of input", sink);
		d->broken = false;
		break;
	case FRAMING_LP:
		/* A record being skipped was reported when its length came. */
		if (!d->skipping && (d->hdr_len || d->in_body || d->in_payload)) {
			snprintf(d->reason, sizeof(d->reason),
				 "truncated at end of input (%s)",
				 d->in_body ? "body incomplete" : "header incomplete");
			rc = bad(++d->recno, d->reason, sink);
		}
		break;
	default:
		break;
	}
	d->acc.len = 0;
	d->discarding = false;
	d->hdr_len = 0;
	d->in_body = d->in_payload = false;
	d->skipping = false;
	return rc;
}

static void put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

int framing_encode(struct buf *out, enum framing f, const char *tag,
		  size_t tag_len, const unsigned char *data, size_t len)
{
	static const unsigned char nothing[1];
	size_t need = len + (tag ? tag_len + 8 : 0) + 8;
	if (buf_reserve(out, need))
		return -1;
	if (!data)	/* an empty message: memcpy wants a pointer still */
		data = nothing;

	unsigned char *w = out->data + out->len;
	switch (f) {
	case FRAMING_LINE:
	case FRAMING_NUL:
		if (tag) {
			memcpy(w, tag, tag_len);
			w += tag_len;
			*w++ = '\t';
		}
		memcpy(w, data, len);
		w += len;
		*w++ = f == FRAMING_LINE ? '\n' : '\0';
		break;
	case FRAMING_LP:
		if (tag) {
			put_be32(w, (uint32_t)tag_len);
			memcpy(w + 4, tag, tag_len);
			w += 4 + tag_len;
		}
		put_be32(w, (uint32_t)len);
		memcpy(w + 4, data, len);
		w += 4 + len;
		break;
	case FRAMING_RAW:
	default:
		memcpy(w, data, len);
		w += len;
		break;
	}
	out->len = (size_t)(w - out->data);
	return 0;
}
