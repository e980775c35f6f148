/* cbor_item: CBOR walked, checked, split, skipped and written (cbor_item.h). */
#include "records/cbor_item.h"

#include <cbor.h>
#include <math.h>
#include <string.h>

#include "base/utf8.h"
#include "records/stack.h"

int cbor_read_head(const unsigned char *p, size_t n, struct cbor_head *h)
{
	if (!n)
		return 0;
	h->major = p[0] >> 5;
	h->info = p[0] & 0x1f;
	h->indefinite = false;
	h->value = 0;

	if (h->info < 24) {
		h->value = (uint64_t)h->info;
		h->size = 1;
		return 1;
	}
	if (h->info <= 27) {
		size_t len = (size_t)1 << (h->info - 24);
		if (n < 1 + len)
			return 0;
		for (size_t i = 0; i < len; i++)
			h->value = h->value << 8 | p[1 + i];
		h->size = 1 + len;
		/* A one-byte simple value below 32 is not well-formed. */
		if (h->major == CBOR_SIMPLE && h->info == 24 && h->value < 32)
			return -1;
		return (int)h->size;
	}
	if (h->info == 31 && h->major != CBOR_UINT && h->major != CBOR_NEGINT &&
	    h->major != CBOR_TAG) {
		h->indefinite = true;	/* or, for major 7, a break */
		h->size = 1;
		return 1;
	}
	return -1;
}

double cbor_half_to_double(uint16_t half)
{
	int exp = (half >> 10) & 0x1f;
	int mant = half & 0x3ff;
	double v;

	if (exp == 0)
		v = ldexp(mant, -24);
	else if (exp != 31)
		v = ldexp(mant + 1024, exp - 25);
	else
		v = mant == 0 ? INFINITY : NAN;
	return (half & 0x8000) ? -v : v;
}

/* A key a $form is written with: 1..6 as below, 0 for any other. */
enum special_key { KEY_OTHER, KEY_BYTES, KEY_UNDEFINED, KEY_FLOAT,
		   KEY_SIMPLE, KEY_MAP, KEY_TAG, KEY_VALUE };

static enum special_key special_key(const unsigned char *s, size_t n)
{
	static const char *const names[] = {
		[KEY_BYTES] = "$bytes", [KEY_UNDEFINED] = "$undefined",
		[KEY_FLOAT] = "$float", [KEY_SIMPLE] = "$simple",
		[KEY_MAP] = "$map", [KEY_TAG] = "$tag", [KEY_VALUE] = "$value",
	};
	if (!n || s[0] != '$')
		return KEY_OTHER;
	for (int k = KEY_BYTES; k <= KEY_VALUE; k++)
		if (strlen(names[k]) == n && !memcmp(names[k], s, n))
			return (enum special_key)k;
	return KEY_OTHER;
}

struct cbor_level {
	uint64_t left;		/* items still to come, when definite */
	uint64_t count;		/* items seen */
	bool indefinite;
	bool is_map;
	int string_major;	/* inside an indefinite string: its major */
	size_t flag_at;		/* maps: index of its flag byte */
	enum special_key keys[2];
};

struct walk {
	const unsigned char *p;
	size_t n, pos;
	struct stack levels;
	bool incomplete;	/* more bytes are needed (splitting only) */
	uint64_t at_least;	/* then: the item's length is at least this */
	struct buf *flags;
};

static void walk_init(struct walk *w, const unsigned char *p, size_t n,
		      struct buf *flags)
{
	w->p = p;
	w->n = n;
	w->pos = 0;
	stack_init(&w->levels, sizeof(struct cbor_level), CBOR_MAX_DEPTH,
		   CBOR_TOO_DEEP);
	w->incomplete = false;
	w->at_least = 0;
	w->flags = flags;
}

static void walk_free(struct walk *w)
{
	stack_free(&w->levels);
}

static void note_key(struct walk *w, struct cbor_level *map, const struct cbor_head *h,
		     const unsigned char *body)
{
	unsigned char *flag = &w->flags->data[map->flag_at];
	uint64_t index = map->count / 2;

	/*
	 * A key in chunks is written as a $map pair, whatever it says: then
	 * it cannot pass for a $form's key when it is read back.
	 */
	if (h->major != CBOR_TEXT || h->indefinite) {
		*flag &= (unsigned char)~CBOR_MAP_TEXT_KEYS;
		return;
	}
	if (index < 2)
		map->keys[index] = special_key(body, (size_t)h->value);
}

static void close_map(struct walk *w, struct cbor_level *map)
{
	uint64_t pairs = map->count / 2;
	enum special_key a = map->keys[0], b = map->keys[1];
	bool special = (pairs == 1 && a >= KEY_BYTES && a <= KEY_MAP) ||
		       (pairs == 2 && ((a == KEY_TAG && b == KEY_VALUE) ||
				       (a == KEY_VALUE && b == KEY_TAG)));
	if (special)
		w->flags->data[map->flag_at] |= CBOR_MAP_LOOKS_SPECIAL;
}

/* An item is complete: count it in its parent; close what that completes. */
static void item_done(struct walk *w)
{
	struct cbor_level *top;
	while ((top = stack_top(&w->levels))) {
		top->count++;
		if (top->indefinite || --top->left > 0)
			return;
		if (top->is_map && w->flags)
			close_map(w, top);
		stack_pop(&w->levels);
	}
}

/*
 * More bytes may come (splitting) or not (checking a whole item). more is
 * how many bytes after pos the item declares it still has, at least.
 */
static const char *short_of_data(struct walk *w, bool whole, const char *why,
				 uint64_t more)
{
	if (whole)
		return why;
	w->incomplete = true;
	w->at_least = more > UINT64_MAX - w->pos ? UINT64_MAX : w->pos + more;
	return NULL;
}

static const char *walk_one(struct walk *w, bool whole)
{
	const char *why;

	do {
		struct cbor_head h;
		int rc = cbor_read_head(w->p + w->pos, w->n - w->pos, &h);
		if (rc == 0)	/* a head cut short: one more byte at least */
			return short_of_data(w, whole, "truncated CBOR",
					     w->n - w->pos + 1);
		if (rc < 0)
			return "malformed CBOR";
		w->pos += h.size;
		size_t rest = w->n - w->pos;
		struct cbor_level *top = stack_top(&w->levels);

		if (top && top->string_major) {
			/* Chunks of an indefinite string: same major, definite. */
			if (h.major == CBOR_SIMPLE && h.indefinite) {
				top->string_major = 0;
				stack_pop(&w->levels);
				item_done(w);
				continue;
			}
			if (h.major != top->string_major || h.indefinite)
				return "malformed CBOR: bad chunk in an indefinite string";
		} else if (h.major == CBOR_SIMPLE && h.indefinite) {
			/* A break closes an indefinite array or map. */
			if (!top || !top->indefinite || top->string_major)
				return "malformed CBOR: unexpected break";
			if (top->is_map && (top->count & 1))
				return "malformed CBOR: map key without a value";
			if (top->is_map && w->flags)
				close_map(w, top);
			stack_pop(&w->levels);
			item_done(w);
			continue;
		}

		bool is_key = top && top->is_map && !(top->count & 1) &&
			      !top->string_major;
		switch (h.major) {
		case CBOR_BYTES:
		case CBOR_TEXT:
			if (h.indefinite) {
				if (is_key && w->flags)
					note_key(w, top, &h, NULL);
				why = stack_push(&w->levels,
						 &(struct cbor_level){ .indefinite = true,
								  .string_major = h.major });
				if (why)
					return why;
				continue;
			}
			if (h.value > rest)
				return short_of_data(w, whole,
						     "truncated CBOR: string longer than the data",
						     h.value);
			if (h.major == CBOR_TEXT &&
			    !utf8_valid(w->p + w->pos, (size_t)h.value))
				return "CBOR text string is not valid UTF-8";
			if (is_key && w->flags)
				note_key(w, top, &h, w->p + w->pos);
			w->pos += (size_t)h.value;
			if (!(top && top->string_major))
				item_done(w);
			continue;
		case CBOR_ARRAY:
		case CBOR_MAP: {
			if (is_key && w->flags)
				note_key(w, top, &h, NULL);
			/* Each item takes a byte at least: no more than there are. */
			uint64_t items = h.major == CBOR_MAP ? h.value * 2 : h.value;
			if (!h.indefinite && (h.value > rest || items > rest))
				return short_of_data(w, whole,
						     "truncated CBOR: more items declared than bytes",
						     h.major == CBOR_MAP && h.value > UINT64_MAX / 2
						     ? UINT64_MAX : items);
			if (!h.indefinite && items == 0) {
				if (h.major == CBOR_MAP && w->flags &&
				    buf_append_byte(w->flags, CBOR_MAP_TEXT_KEYS))
					return "out of memory";
				item_done(w);
				continue;
			}
			struct cbor_level l = { .left = items, .indefinite = h.indefinite,
					   .is_map = h.major == CBOR_MAP };
			if (l.is_map && w->flags) {
				l.flag_at = w->flags->len;
				if (buf_append_byte(w->flags, CBOR_MAP_TEXT_KEYS))
					return "out of memory";
			}
			why = stack_push(&w->levels, &l);
			if (why)
				return why;
			continue;
		}
		case CBOR_TAG:
			if (is_key && w->flags)
				note_key(w, top, &h, NULL);
			why = stack_push(&w->levels, &(struct cbor_level){ .left = 1 });
			if (why)
				return why;
			continue;
		default:	/* integers, simple values, floats */
			if (is_key && w->flags)
				note_key(w, top, &h, NULL);
			item_done(w);
			continue;
		}
	} while (w->levels.depth > 0);
	return NULL;
}

const char *cbor_check(const unsigned char *p, size_t n, struct buf *map_flags)
{
	struct walk w;
	walk_init(&w, p, n, map_flags);
	const char *why = n ? walk_one(&w, true) : "empty CBOR";
	if (!why && w.pos != n)
		why = "data after the CBOR item";
	walk_free(&w);
	return why;
}

long long cbor_item_split(const unsigned char *p, size_t n, uint64_t *at_least,
			  const char **why)
{
	struct walk w;
	walk_init(&w, p, n, NULL);
	w.at_least = 1;		/* for n == 0 */
	*why = n ? walk_one(&w, false) : NULL;
	long long len = *why ? -1 : w.incomplete || !n ? 0 : (long long)w.pos;
	*at_least = len == 0 ? w.at_least : 0;
	walk_free(&w);
	return len;
}

long long cbor_item_length(const unsigned char *p, size_t n, const char **why)
{
	uint64_t at_least;
	return cbor_item_split(p, n, &at_least, why);
}

/* A level's count of items left, or one of these. */
#define LEFT_INDEFINITE UINT64_MAX
#define LEFT_INDEFINITE_STRING (UINT64_MAX - 1)

void cbor_skip_init(struct cbor_skip *s)
{
	stack_init(&s->left, sizeof(uint64_t), CBOR_MAX_DEPTH, CBOR_TOO_DEEP);
	cbor_skip_start(s);
}

void cbor_skip_start(struct cbor_skip *s)
{
	stack_free(&s->left);
	s->string_left = 0;
	s->head_len = 0;
	s->done = false;
}

void cbor_skip_free(struct cbor_skip *s)
{
	stack_free(&s->left);
}

/* An item ended: true when that ends the outermost one. */
static bool skip_item_done(struct cbor_skip *s)
{
	uint64_t *left;
	while ((left = stack_top(&s->left))) {
		if (*left >= LEFT_INDEFINITE_STRING || --*left > 0)
			return false;
		stack_pop(&s->left);
	}
	return true;
}

static bool skip_push(struct cbor_skip *s, uint64_t left)
{
	return !stack_push(&s->left, &left);
}

long long cbor_skip_feed(struct cbor_skip *s, const unsigned char *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		if (s->string_left) {
			uint64_t take = n - i < s->string_left ? n - i : s->string_left;
			i += (size_t)take;
			s->string_left -= take;
			if (!s->string_left && s->string_is_item && skip_item_done(s))
				goto done;
			continue;
		}
		struct cbor_head h;
		s->head[s->head_len++] = p[i++];
		int rc = cbor_read_head(s->head, s->head_len, &h);
		if (rc < 0)
			return -1;
		if (rc == 0) {
			if (s->head_len >= sizeof(s->head))
				return -1;
			continue;
		}
		s->head_len = 0;
		uint64_t *left = stack_top(&s->left);
		uint64_t top = left ? *left : 0;

		if (h.major == CBOR_SIMPLE && h.indefinite) {	/* a break */
			if (top < LEFT_INDEFINITE_STRING)
				return -1;
			stack_pop(&s->left);
			if (skip_item_done(s))
				goto done;
			continue;
		}
		if (top == LEFT_INDEFINITE_STRING) {	/* a chunk */
			if (h.indefinite || (h.major != CBOR_BYTES && h.major != CBOR_TEXT))
				return -1;
			s->string_left = h.value;
			s->string_is_item = false;
			continue;
		}
		bool ok = true, ended = false;
		switch (h.major) {
		case CBOR_BYTES:
		case CBOR_TEXT:
			if (h.indefinite) {
				ok = skip_push(s, LEFT_INDEFINITE_STRING);
			} else if (h.value) {
				s->string_left = h.value;
				s->string_is_item = true;
			} else {
				ended = skip_item_done(s);
			}
			break;
		case CBOR_ARRAY:
		case CBOR_MAP:
			if (h.indefinite)
				ok = skip_push(s, LEFT_INDEFINITE);
			else if (h.value && h.value <= UINT64_MAX / 4)
				ok = skip_push(s, h.major == CBOR_MAP ? h.value * 2 : h.value);
			else if (h.value)
				return -1;	/* more items than could ever come */
			else
				ended = skip_item_done(s);
			break;
		case CBOR_TAG:
			ok = skip_push(s, 1);
			break;
		default:
			ended = skip_item_done(s);
			break;
		}
		if (!ok)
			return -1;
		if (ended)
			goto done;
	}
	return (long long)i;
done:
	s->done = true;
	return (long long)i;
}

static int put(struct buf *b, size_t (*enc)(uint64_t, unsigned char *, size_t),
	       uint64_t v)
{
	if (buf_reserve(b, 9))
		return -1;
	b->len += enc(v, b->data + b->len, 9);
	return 0;
}

static size_t enc_bytes(uint64_t v, unsigned char *p, size_t n) { return cbor_encode_bytestring_start((size_t)v, p, n); }
static size_t enc_text(uint64_t v, unsigned char *p, size_t n) { return cbor_encode_string_start((size_t)v, p, n); }
static size_t enc_array(uint64_t v, unsigned char *p, size_t n) { return cbor_encode_array_start((size_t)v, p, n); }
static size_t enc_map(uint64_t v, unsigned char *p, size_t n) { return cbor_encode_map_start((size_t)v, p, n); }
static size_t enc_simple(uint64_t v, unsigned char *p, size_t n) { return cbor_encode_ctrl((uint8_t)v, p, n); }

int cbor_put_head(struct buf *b, int major, uint64_t value)
{
	static size_t (*const enc[])(uint64_t, unsigned char *, size_t) = {
		[CBOR_UINT] = cbor_encode_uint, [CBOR_NEGINT] = cbor_encode_negint,
		[CBOR_BYTES] = enc_bytes, [CBOR_TEXT] = enc_text,
		[CBOR_ARRAY] = enc_array, [CBOR_MAP] = enc_map,
		[CBOR_TAG] = cbor_encode_tag, [CBOR_SIMPLE] = enc_simple,
	};
	return put(b, enc[major], value);
}

int cbor_put_float(struct buf *b, double d)
{
	if (buf_reserve(b, 9))
		return -1;
	unsigned char *w = b->data + b->len;
	float f = (float)d;

	if (!isnan(d) && (double)f != d) {
		b->len += cbor_encode_double(d, w, 9);
		return 0;
	}
	/* Half when it holds the value exactly: read it back to be sure. */
	if (cbor_encode_half(f, w, 9) == 3) {
		double back = cbor_half_to_double((uint16_t)(w[1] << 8 | w[2]));
		bool same = isnan(d) ? isnan(back)
				     : back == d && signbit(back) == signbit(d);
		if (same) {
			b->len += 3;
			return 0;
		}
	}
	b->len += cbor_encode_single(f, w, 9);
	return 0;
}
