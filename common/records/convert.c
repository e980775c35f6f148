/* convert: records and messages converted by their datatype (convert.h). */
#include "records/convert.h"

#include <stdio.h>
#include <string.h>

#include "base/base64.h"
#include "base/utf8.h"
#include "records/cbor_item.h"
#include "records/cbor_json.h"
#include "records/json.h"
#include "records/json_cbor.h"
#include "records/json_write.h"
#include "records/record_config.h"

void converter_init(struct converter *c, const struct record_config *rc)
{
	memset(c, 0, sizeof(*c));
	c->rc = rc;
}

void converter_free(struct converter *c)
{
	buf_free(&c->scratch);
	buf_free(&c->spare);
}

enum datatype converter_type_for(struct converter *c, const char *tag,
				 size_t len)
{
	const struct record_config *rc = c->rc;
	if (!tag || !rc->n_type_rules)
		return rc->datatype;
	if (c->have_last && strlen(c->last_tag) == len &&
	    !memcmp(c->last_tag, tag, len))
		return c->last_type;
	memcpy(c->last_tag, tag, len);
	c->last_tag[len] = '\0';
	c->last_type = record_config_type_for(rc, c->last_tag);
	c->have_last = true;
	return c->last_type;
}

static const char *check_size(struct converter *c, size_t len)
{
	static _Thread_local char why[80];
	if (len <= c->rc->max_size)
		return NULL;
	snprintf(why, sizeof(why), "%zu bytes is over --max-size (%zu)", len,
		 c->rc->max_size);
	return why;
}

/* A plain record (no envelope) of the given datatype. */
static const char *plain_record(struct converter *c, enum datatype type,
				const unsigned char *data, size_t len,
				struct outgoing *out)
{
	const char *why;

	out->data = data;
	out->len = len;
	switch (type) {
	case DATATYPE_STRING:
		/* The decoder may hold more, for the JSON of object paths. */
		out->kind = FRAME_TEXT;
		if ((why = check_size(c, len)))
			return why;
		return utf8_valid(data, len) ? NULL
			: "not valid UTF-8 (use --bytes for binary data)";
	case DATATYPE_BYTES:
		out->kind = FRAME_BINARY;
		return check_size(c, len);
	case DATATYPE_OBJECT:
		out->kind = FRAME_BINARY;
		if (c->rc->framing != FRAMING_LINE && c->rc->framing != FRAMING_NUL)
			return cbor_check(data, len, NULL);
		c->scratch.len = 0;
		if ((why = json_to_cbor(data, len, &c->scratch)))
			return why;
		out->data = c->scratch.data;
		out->len = c->scratch.len;
		return check_size(c, out->len);
	}
	return "unknown datatype";
}

/* The data of an envelope, as the frame its type says. */
static const char *envelope_data(struct converter *c, int type, bool json,
				 const unsigned char *data, size_t len,
				 struct outgoing *out)
{
	struct buf *s = &c->scratch;
	const char *why;
	size_t pos = 0;

	s->len = 0;
	out->kind = type == DATATYPE_STRING ? FRAME_TEXT : FRAME_BINARY;
	if (json) {
		if (type == DATATYPE_OBJECT) {
			why = json_value_to_cbor(data, len, &pos, s);
		} else if (data[0] != '"') {
			why = type == DATATYPE_STRING ? "\"data\" must be a string"
				: "\"data\" must be a base64 string";
		} else if (type == DATATYPE_STRING) {
			why = json_string(data, len, &pos, s);
		} else {
			c->spare.len = 0;
			why = json_string(data, len, &pos, &c->spare);
			if (!why && base64_decode(c->spare.data, c->spare.len, s))
				why = "\"data\" is not valid base64";
		}
	} else {
		struct cbor_head h;
		cbor_read_head(data, len, &h);	/* checked with the envelope */
		/* The envelope may be larger than --max-size; its data not. */
		if (type == DATATYPE_OBJECT) {
			out->data = data;
			out->len = len;
			return check_size(c, len);
		}
		int want = type == DATATYPE_STRING ? CBOR_TEXT : CBOR_BYTES;
		if (h.major != want)
			return type == DATATYPE_STRING ? "\"data\" must be a text string"
				: "\"data\" must be a byte string";
		why = NULL;
		if (!h.indefinite) {
			out->data = data + h.size;
			out->len = (size_t)h.value;
			return check_size(c, out->len);
		}
		/* Chunks of an indefinite string, put together. */
		for (pos = h.size; data[pos] != 0xff;) {
			struct cbor_head chunk;
			cbor_read_head(data + pos, len - pos, &chunk);
			if (buf_append(s, data + pos + chunk.size, (size_t)chunk.value))
				return "out of memory";
			pos += chunk.size + (size_t)chunk.value;
		}
	}
	if (why)
		return why;
	out->data = s->data;
	out->len = s->len;
	return check_size(c, s->len);
}

struct envelope {
	bool has_tag, has_data;
	int type;			/* -1 when the envelope names none */
	size_t tag_len;			/* the tag is in the converter */
	const unsigned char *data;	/* as written: JSON text or a CBOR item */
	size_t data_len;
};

enum member { MEMBER_OTHER, MEMBER_TAG, MEMBER_TYPE, MEMBER_DATA };

static enum member member_of(const unsigned char *key, size_t len)
{
	if (len == 3 && !memcmp(key, "tag", 3))
		return MEMBER_TAG;
	if (len == 4 && !memcmp(key, "type", 4))
		return MEMBER_TYPE;
	if (len == 4 && !memcmp(key, "data", 4))
		return MEMBER_DATA;
	return MEMBER_OTHER;
}

/* The tag or type string of an envelope, now decoded in c->spare. */
static const char *take_string(struct converter *c, struct envelope *e,
			       enum member m)
{
	if (m == MEMBER_TAG) {
		if (e->has_tag)
			return "duplicate \"tag\" in the envelope";
		if (c->spare.len > TAG_MAX)
			return "tag longer than 4096 bytes";
		memcpy(c->tag, c->spare.data, c->spare.len);
		e->tag_len = c->spare.len;
		e->has_tag = true;
		return NULL;
	}
	if (e->type >= 0)
		return "duplicate \"type\" in the envelope";
	enum datatype type;
	if (datatype_parse((const char *)c->spare.data, c->spare.len, &type))
		return "unknown \"type\": expected " DATATYPE_CHOICES;
	e->type = (int)type;
	return NULL;
}

static const char *json_member(struct converter *c, const unsigned char *p,
			       size_t n, size_t *pos, struct envelope *e)
{
	const char *why;

	c->spare.len = 0;
	if (p[*pos] != '"')
		return "expected a member name in the envelope";
	if ((why = json_string(p, n, pos, &c->spare)))
		return why;
	enum member m = member_of(c->spare.data, c->spare.len);
	*pos = json_skip_space(p, n, *pos);
	if (*pos >= n || p[*pos] != ':')
		return "expected ':' in the envelope";
	*pos = json_skip_space(p, n, *pos + 1);
	if (*pos >= n)
		return "unexpected end of the envelope";

	size_t start = *pos;
	if (m == MEMBER_TAG || m == MEMBER_TYPE) {
		c->spare.len = 0;
		if (p[start] != '"')
			return m == MEMBER_TAG ? "\"tag\" must be a string"
					       : "\"type\" must be a string";
		if ((why = json_string(p, n, pos, &c->spare)))
			return why;
		return take_string(c, e, m);
	}
	if ((why = json_value_to_cbor(p, n, pos, NULL)))
		return why;
	if (m == MEMBER_DATA) {
		if (e->has_data)
			return "duplicate \"data\" in the envelope";
		e->has_data = true;
		e->data = p + start;
		e->data_len = *pos - start;
	}
	return NULL;
}

/* {"tag": "/p", "type": "string", "data": ...}, one a line. */
static const char *parse_json_envelope(struct converter *c,
				       const unsigned char *p, size_t n,
				       struct envelope *e)
{
	size_t pos = json_skip_space(p, n, 0);
	const char *why;

	if (pos >= n || p[pos] != '{')
		return "an envelope must be a JSON object";
	pos = json_skip_space(p, n, pos + 1);
	if (pos < n && p[pos] == '}') {
		pos++;
	} else {
		for (;;) {
			if (pos >= n)
				return "unexpected end of the envelope";
			if ((why = json_member(c, p, n, &pos, e)))
				return why;
			pos = json_skip_space(p, n, pos);
			if (pos < n && p[pos] == ',') {
				pos = json_skip_space(p, n, pos + 1);
				continue;
			}
			if (pos < n && p[pos] == '}') {
				pos++;
				break;
			}
			return "expected ',' or '}' in the envelope";
		}
	}
	if (json_skip_space(p, n, pos) != n)
		return "more after the envelope";
	return NULL;
}

/* A text string (definite or in chunks) into c->spare. */
static const char *cbor_text(struct converter *c, const unsigned char *p,
			     size_t n)
{
	struct cbor_head h;
	c->spare.len = 0;
	if (cbor_read_head(p, n, &h) <= 0 || h.major != CBOR_TEXT)
		return "not a text string";
	if (!h.indefinite)
		return buf_append(&c->spare, p + h.size, (size_t)h.value)
			? "out of memory" : NULL;
	for (size_t pos = h.size; p[pos] != 0xff;) {
		cbor_read_head(p + pos, n - pos, &h);
		if (buf_append(&c->spare, p + pos + h.size, (size_t)h.value))
			return "out of memory";
		pos += h.size + (size_t)h.value;
	}
	return NULL;
}

/* The same envelope as a CBOR map, one item of a CBOR sequence. */
static const char *parse_cbor_envelope(struct converter *c,
				       const unsigned char *p, size_t n,
				       struct envelope *e)
{
	struct cbor_head h;
	const char *why = cbor_check(p, n, NULL);

	if (why)
		return why;
	cbor_read_head(p, n, &h);
	if (h.major != CBOR_MAP)
		return "an envelope must be a CBOR map";
	size_t pos = h.size;
	for (uint64_t i = 0; h.indefinite ? p[pos] != 0xff : i < h.value; i++) {
		long long klen = cbor_item_length(p + pos, n - pos, &why);
		long long vlen = cbor_item_length(p + pos + klen, n - pos - (size_t)klen, &why);
		const unsigned char *key = p + pos, *value = key + klen;
		enum member m = MEMBER_OTHER;
		if (!cbor_text(c, key, (size_t)klen))
			m = member_of(c->spare.data, c->spare.len);
		pos += (size_t)(klen + vlen);
		if (m == MEMBER_TAG || m == MEMBER_TYPE) {
			if (cbor_text(c, value, (size_t)vlen))
				return m == MEMBER_TAG ? "\"tag\" must be a text string"
						       : "\"type\" must be a text string";
			if ((why = take_string(c, e, m)))
				return why;
		} else if (m == MEMBER_DATA) {
			if (e->has_data)
				return "duplicate \"data\" in the envelope";
			e->has_data = true;
			e->data = value;
			e->data_len = (size_t)vlen;
		}
	}
	return NULL;
}

static const char *envelope_to_frame(struct converter *c, bool json,
				     const unsigned char *p, size_t n,
				     struct outgoing *out)
{
	const struct record_config *rc = c->rc;
	struct envelope e = { .type = -1 };
	const char *why = json ? parse_json_envelope(c, p, n, &e)
			       : parse_cbor_envelope(c, p, n, &e);
	if (why)
		return why;
	if (!e.has_data)
		return "envelope without \"data\"";
	out->tag = NULL;
	out->tag_len = 0;
	if (rc->tagged) {
		if (!e.has_tag)
			return "envelope without \"tag\"";
		if ((why = framing_tag_problem(c->tag, e.tag_len)))
			return why;
		out->tag = c->tag;
		out->tag_len = e.tag_len;
	}
	int type = e.type >= 0 ? e.type
		 : (int)converter_type_for(c, out->tag, out->tag_len);
	return envelope_data(c, type, json, e.data, e.data_len, out);
}

const char *record_to_frame(struct converter *c, const struct record *rec,
			    struct outgoing *out)
{
	switch (c->rc->framing) {
	case FRAMING_JSON:
		return envelope_to_frame(c, true, rec->data, rec->len, out);
	case FRAMING_CBOR:
		return envelope_to_frame(c, false, rec->data, rec->len, out);
	default:
		out->tag = rec->tag;
		out->tag_len = rec->tag_len;
		return plain_record(c, converter_type_for(c, rec->tag, rec->tag_len),
				    rec->data, rec->len, out);
	}
}

/* ---- received messages ---- */

static const char *const kind_words[] = { [false] = "text", [true] = "binary" };

static int put_cbor_text(struct buf *out, const char *s, size_t n)
{
	return cbor_put_head(out, CBOR_TEXT, n) || buf_append(out, s, n);
}

/*
 * {"tag":..., "pos":..., "type":..., "data":...}, or the same as a CBOR
 * map; "pos" only when the message has a position.
 */
static const char *put_envelope(struct converter *c, struct buf *out,
				const char *path, size_t path_len, const char *pos,
				enum datatype type, bool binary,
				const unsigned char *data, size_t len)
{
	bool json = c->rc->framing == FRAMING_JSON;
	int as = !binary ? DATATYPE_STRING : DATATYPE_BYTES;
	/* A binary message on an --object path is an object if it is CBOR. */
	if (binary && type == DATATYPE_OBJECT && !cbor_check(data, len, NULL))
		as = DATATYPE_OBJECT;
	const char *name = datatype_name((enum datatype)as);
	size_t start = out->len;
	int rc;

	if (json) {
		rc = buf_append(out, "{\"tag\":", 7) ||
		     json_put_string(out, (const unsigned char *)path, path_len) ||
		     (pos && (buf_append(out, ",\"pos\":\"", 8) ||
			      buf_append(out, pos, strlen(pos)) ||
			      buf_append_byte(out, '"'))) ||
		     buf_append(out, ",\"type\":\"", 9) ||
		     buf_append(out, name, strlen(name)) ||
		     buf_append(out, "\",\"data\":", 9);
		if (!rc && as == DATATYPE_STRING)
			rc = json_put_string(out, data, len);
		else if (!rc && as == DATATYPE_BYTES)
			rc = buf_append_byte(out, '"') || base64_put(out, data, len) ||
			     buf_append_byte(out, '"');
		else if (!rc && cbor_to_json(data, len, out))
			rc = -1;
		rc = rc || buf_append(out, "}\n", 2);
	} else {
		rc = cbor_put_head(out, CBOR_MAP, pos ? 4 : 3) ||
		     put_cbor_text(out, "tag", 3) ||
		     put_cbor_text(out, path, path_len) ||
		     (pos && (put_cbor_text(out, "pos", 3) ||
			      put_cbor_text(out, pos, strlen(pos)))) ||
		     put_cbor_text(out, "type", 4) ||
		     put_cbor_text(out, name, strlen(name)) ||
		     put_cbor_text(out, "data", 4);
		if (!rc && as == DATATYPE_OBJECT)
			rc = buf_append(out, data, len);
		else if (!rc)
			rc = cbor_put_head(out, as == DATATYPE_STRING ? CBOR_TEXT
								      : CBOR_BYTES, len) ||
			     buf_append(out, data, len);
	}
	if (rc) {
		out->len = start;
		return "out of memory";
	}
	return NULL;
}

const char *frame_to_record(struct converter *c, struct buf *out,
			    const char *path, size_t path_len, const char *pos,
			    enum datatype type, bool binary,
			    const unsigned char *data, size_t len)
{
	const struct record_config *rc = c->rc;
	static _Thread_local char why_kind[64];
	const char *why;

	if (rc->framing == FRAMING_JSON || rc->framing == FRAMING_CBOR)
		return put_envelope(c, out, path, path_len, pos, type, binary, data, len);

	if (binary != (type != DATATYPE_STRING)) {
		snprintf(why_kind, sizeof(why_kind), "%s frame on %s %s path",
			 kind_words[binary], type == DATATYPE_OBJECT ? "an" : "a",
			 datatype_name(type));
		return why_kind;
	}
	const char *tag = rc->tagged ? path : NULL;
	if (type == DATATYPE_OBJECT) {
		if (rc->framing == FRAMING_LINE || rc->framing == FRAMING_NUL) {
			c->scratch.len = 0;
			if ((why = cbor_to_json(data, len, &c->scratch)))
				return why;
			data = c->scratch.data;
			len = c->scratch.len;
		} else if ((why = cbor_check(data, len, NULL))) {
			return why;
		}
	}
	return framing_encode(out, rc->framing, tag, path_len, data, len)
		? "out of memory" : NULL;
}
