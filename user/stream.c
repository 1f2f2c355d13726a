// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Saved NDJSON streams read back (user/stream.h): bounded lines, one jansson
 * parse per record within a memory budget, checked fields.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "stream.h"

#define READ_CHUNK (64u << 10)

/*
 * jansson's allocations, counted: a record of a million empty objects is a
 * short line but a large tree. Past mt_stream_tree_limit an allocation fails
 * and the parse ends with jansson's out-of-memory error.
 */
struct tree_block {
	size_t size;
	max_align_t align[];
};

static size_t tree_bytes;
static bool tree_refused; /* jansson does not always say a failure was ours */
size_t mt_stream_tree_limit = MT_STREAM_MAX_TREE;

static void *tree_malloc(size_t size)
{
	struct tree_block *b;

	if (tree_bytes > mt_stream_tree_limit || size > mt_stream_tree_limit - tree_bytes) {
		tree_refused = true;
		return NULL;
	}
	b = malloc(sizeof(*b) + size);
	if (!b)
		return NULL;
	b->size = size;
	tree_bytes += size;
	return b->align;
}

static void tree_free(void *p)
{
	struct tree_block *b;

	if (!p)
		return;
	b = (struct tree_block *)((char *)p - offsetof(struct tree_block, align));
	tree_bytes -= b->size;
	free(b);
}

/* The one line about a problem: on stderr, or into the caller's err buffer. */
static void __attribute__((format(printf, 2, 3))) say(const struct mt_stream *st, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (st->err)
		mt_set_err(st->err, st->errlen, "%s", msg);
	else
		mt_err("%s", msg);
}

static int vbad(const struct mt_stream *st, size_t lineno, const char *fmt, va_list ap)
{
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	say(st, "%s:%zu: %s", st->name, lineno, msg);
	return -1;
}

/* For the line being read, before st->lineno counts it. */
static int __attribute__((format(printf, 3, 4)))
bad_at(const struct mt_stream *st, size_t lineno, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vbad(st, lineno, fmt, ap);
	va_end(ap);
	return -1;
}

int mt_stream_bad(const struct mt_stream *st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vbad(st, st->lineno, fmt, ap);
	va_end(ap);
	return -1;
}

int mt_stream_open(struct mt_stream *st, const char *path, char *err, size_t errlen)
{
	memset(st, 0, sizeof(*st));
	st->err = err;
	st->errlen = errlen;
	json_set_alloc_funcs(tree_malloc, tree_free);
	if (!strcmp(path, "-")) {
		st->f = stdin;
		st->name = "stdin";
		return 0;
	}
	st->name = path;
	st->f = fopen(path, "re");
	if (!st->f) {
		say(st, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

void mt_stream_close(struct mt_stream *st)
{
	json_decref(st->rec);
	st->rec = NULL;
	if (st->f && st->f != stdin)
		fclose(st->f);
	st->f = NULL;
	free(st->buf);
	st->buf = NULL;
}

/* More bytes into buf, keeping the unconsumed ones; 0, or -1 after saying why. */
static int fill(struct mt_stream *st)
{
	size_t got;

	if (st->start) {
		memmove(st->buf, st->buf + st->start, st->len - st->start);
		st->len -= st->start;
		st->start = 0;
	}
	if (st->len == st->cap) {
		/* Doubling, up to one longest line and its newline. */
		size_t cap = st->cap ? st->cap * 2 : READ_CHUNK;
		char *buf;

		if (cap > MT_STREAM_MAX_LINE + 1)
			cap = MT_STREAM_MAX_LINE + 1;
		buf = realloc(st->buf, cap);
		if (!buf)
			return bad_at(st, st->lineno + 1, "out of memory");
		st->buf = buf;
		st->cap = cap;
	}
	got = fread(st->buf + st->len, 1, st->cap - st->len, st->f);
	st->len += got;
	if (got == 0) {
		if (ferror(st->f)) {
			say(st, "cannot read %s: %s", st->name, strerror(errno));
			return -1;
		}
		st->eof = true;
	}
	return 0;
}

/*
 * The next line, without its newline, in *line and *n (valid until the next
 * call); *complete is false for a last line without one. 1, 0 at the end,
 * or -1 after saying why. Every byte is looked at once: linear in the file.
 */
static int next_line(struct mt_stream *st, const char **line, size_t *n, bool *complete)
{
	for (;;) {
		char *from = st->buf + st->start;
		char *nl = st->len ? memchr(from + st->scanned, '\n',
					    st->len - st->start - st->scanned) : NULL;

		if (nl) {
			*line = from;
			*n = nl - from;
			*complete = true;
			st->start += *n + 1;
			st->scanned = 0;
			st->lineno++;
			return 1;
		}
		st->scanned = st->len - st->start;
		if (st->scanned > MT_STREAM_MAX_LINE)
			return bad_at(st, st->lineno + 1, "line longer than " MT_STREAM_MAX_LINE_TEXT
				      "; is this a memtrace stream?");
		if (st->eof) {
			if (!st->scanned)
				return 0;
			*line = from;
			*n = st->scanned;
			*complete = false;
			st->start = st->len;
			st->scanned = 0;
			st->lineno++;
			return 1;
		}
		if (fill(st))
			return -1;
	}
}

static bool blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}

/*
 * jansson reports where it stopped, after the token it could not use; the
 * column the user wants is where that token began (its text is in the
 * message as "near '...'" when short).
 */
static size_t error_column(const json_error_t *e)
{
	const char *near = strstr(e->text, " near '"), *end = strrchr(e->text, '\'');
	size_t pos = e->position > 0 ? (size_t)e->position : 0;

	if (json_error_code(e) == json_error_invalid_syntax && near && end > near + 7) {
		size_t tok = end - (near + 7);

		if (tok <= pos)
			pos -= tok;
	}
	return pos + 1;
}

static const char *error_what(const json_error_t *e)
{
	if (tree_refused)
		return "too large a record to hold in memory";
	switch (json_error_code(e)) {
	case json_error_premature_end_of_input: return "unexpected end of input";
	case json_error_invalid_syntax: return "unexpected character";
	case json_error_invalid_utf8: return "invalid UTF-8";
	case json_error_end_of_input_expected: return "more after the value";
	case json_error_duplicate_key: return "duplicate key";
	case json_error_numeric_overflow: return "number out of range";
	case json_error_null_character: return "\\u0000 in a string";
	case json_error_stack_overflow: return "nesting too deep";
	case json_error_out_of_memory:
		return "too large a record to hold in memory";
	default: return e->text;
	}
}

const char *mt_stream_describe(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_NULL: return "null";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a non-integer number";
	case JSON_STRING: return "a string";
	case JSON_ARRAY: return "an array";
	case JSON_OBJECT: return "an object";
	}
	return "?";
}

static enum mt_stream_rec_type rec_type(const char *name, bool *known)
{
	static const char *const names[] = {
		[MT_STREAM_REC_START] = "start", [MT_STREAM_REC_CALL] = "call", [MT_STREAM_REC_SAMPLE] = "sample",
		[MT_STREAM_REC_LOST] = "lost", [MT_STREAM_REC_EXIT] = "exit", [MT_STREAM_REC_SUMMARY] = "summary",
		[MT_STREAM_REC_ERROR] = "error", [MT_STREAM_REC_STRETCH] = "stretch",
		[MT_STREAM_REC_FRAME] = "frame", [MT_STREAM_REC_STACK] = "stack",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(name, names[i])) {
			*known = true;
			return i;
		}
	}
	*known = false;
	return MT_STREAM_REC_ERROR;
}

/* One line parsed: 1 a memtrace record, 0 a line to skip, -1 after saying why. */
static int parse_record(struct mt_stream *st, const char *line, size_t n, bool complete)
{
	json_error_t e;
	json_t *v, *type;
	bool known = false;

	tree_refused = false;
	v = json_loadb(line, n, MT_STREAM_JSON_FLAGS, &e);
	if (!v) {
		/* memtrace writes whole lines: a torn last one means it died mid-write. */
		if (!complete && st->nrecords) {
			mt_warn("%s:%zu: last line is incomplete (stream cut short); ignored", st->name,
				st->lineno);
			return 0;
		}
		return mt_stream_bad(st, "not valid JSON: %s at column %zu; is this a memtrace "
				     "--json stream?", error_what(&e), error_column(&e));
	}
	if (!json_is_object(v)) {
		mt_stream_bad(st, "not a JSON object but %s; is this a memtrace --json stream?",
			      mt_stream_describe(v));
		json_decref(v);
		return -1;
	}
	/* Without a known "type" it is not ours (or from a newer writer): skipped. */
	type = json_object_get(v, "type");
	if (json_is_string(type))
		st->type = rec_type(json_string_value(type), &known);
	if (!json_is_string(type) || !known) {
		json_decref(v);
		return 0;
	}
	st->rec = v;
	st->type_name = json_string_value(type);
	if (mt_stream_num(st, v, "t", -MT_STREAM_MAX_SECONDS, MT_STREAM_MAX_SECONDS, &st->t))
		return -1;
	st->nrecords++;
	return 1;
}

int mt_stream_next(struct mt_stream *st)
{
	const char *line = NULL;
	size_t n = 0;
	bool complete = true;
	int rc;

	json_decref(st->rec);
	st->rec = NULL;
	for (;;) {
		rc = next_line(st, &line, &n, &complete);
		if (rc <= 0)
			return rc;
		if (blank(line, n))
			continue;
		rc = parse_record(st, line, n, complete);
		if (rc)
			return rc;
		if (!complete)
			return 0; /* the torn last line */
	}
}

/* Fields */

static int bad_field(const struct mt_stream *st, const json_t *o, const char *key,
		     const char *want)
{
	const json_t *v = json_object_get(o, key);

	if (!v)
		return mt_stream_bad(st, "\"%s\" record: \"%s\" is missing", st->type_name, key);
	return mt_stream_bad(st, "\"%s\" record: \"%s\" should be %s, not %s", st->type_name, key,
			     want, mt_stream_describe(v));
}

static int check_int(const struct mt_stream *st, const char *key, int64_t v, int64_t min,
		     int64_t max)
{
	if (v >= min && v <= max)
		return 0;
	return mt_stream_bad(st, "\"%s\" record: \"%s\" is %" PRId64 ", outside %" PRId64 "..%"
			     PRId64 "; is this a memtrace stream?", st->type_name, key, v, min, max);
}

int mt_stream_int(const struct mt_stream *st, const json_t *o, const char *key, int64_t min,
		  int64_t max, int64_t *out)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_integer(v))
		return bad_field(st, o, key, "an integer");
	*out = json_integer_value(v);
	return check_int(st, key, *out, min, max);
}

int mt_stream_int_or_null(const struct mt_stream *st, const json_t *o, const char *key,
			  int64_t min, int64_t max, int64_t *out, bool *known)
{
	const json_t *v = json_object_get(o, key);

	*out = 0;
	*known = !json_is_null(v);
	if (!*known)
		return 0;
	if (!json_is_integer(v))
		return bad_field(st, o, key, "an integer or null");
	*out = json_integer_value(v);
	return check_int(st, key, *out, min, max);
}

int mt_stream_bytes(const struct mt_stream *st, const json_t *o, const char *key, bool signed_,
		    int64_t *out)
{
	return mt_stream_int(st, o, key, signed_ ? -MT_STREAM_MAX_BYTES : 0, MT_STREAM_MAX_BYTES,
			     out);
}

int mt_stream_num(const struct mt_stream *st, const json_t *o, const char *key, double min,
		  double max, double *out)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_number(v))
		return bad_field(st, o, key, "a number");
	*out = json_number_value(v);
	/* jansson rejects NaN and overflow; the range keeps later arithmetic sane. */
	if (*out >= min && *out <= max)
		return 0;
	return mt_stream_bad(st, "\"%s\" record: \"%s\" is %g, outside %g..%g; is this a memtrace "
			     "stream?", st->type_name, key, *out, min, max);
}

int mt_stream_str(const struct mt_stream *st, const json_t *o, const char *key, const char **out)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_string(v))
		return bad_field(st, o, key, "a string");
	*out = json_string_value(v);
	return 0;
}

int mt_stream_str_or_null(const struct mt_stream *st, const json_t *o, const char *key,
			  const char **out)
{
	*out = NULL;
	if (json_is_null(json_object_get(o, key)))
		return 0;
	return mt_stream_str(st, o, key, out);
}

int mt_stream_opt_str(const struct mt_stream *st, const json_t *o, const char *key,
		      const char **out)
{
	if (!json_object_get(o, key))
		return 0;
	return mt_stream_str(st, o, key, out);
}

int mt_stream_opt_bool(const struct mt_stream *st, const json_t *o, const char *key, bool *out)
{
	const json_t *v = json_object_get(o, key);

	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return bad_field(st, o, key, "a boolean");
	*out = json_is_true(v);
	return 0;
}

int mt_stream_opt_int(const struct mt_stream *st, const json_t *o, const char *key, int64_t min,
		      int64_t max, int64_t *out)
{
	if (!json_object_get(o, key))
		return 0;
	return mt_stream_int(st, o, key, min, max, out);
}

int mt_stream_arr(const struct mt_stream *st, const json_t *o, const char *key, json_t **out)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_array(v))
		return bad_field(st, o, key, "an array");
	*out = v;
	return 0;
}

int mt_stream_obj_at(const struct mt_stream *st, const json_t *a, const char *what, size_t i,
		     json_t **out)
{
	json_t *v = json_array_get(a, i);

	if (json_is_object(v)) {
		*out = v;
		return 0;
	}
	return mt_stream_bad(st, "\"%s\" record: %s[%zu] should be an object, not %s",
			     st->type_name, what, i, v ? mt_stream_describe(v) : "missing");
}

int mt_stream_strings(const struct mt_stream *st, const json_t *o, const char *key,
		      const char ***out)
{
	json_t *a = NULL, *v;
	size_t i;

	if (mt_stream_arr(st, o, key, &a))
		return -1;
	*out = calloc(json_array_size(a) + 1, sizeof(**out));
	if (!*out)
		return mt_stream_bad(st, "out of memory");
	json_array_foreach(a, i, v) {
		if (!json_is_string(v)) {
			free(*out);
			*out = NULL;
			return mt_stream_bad(st, "\"%s\" record: %s[%zu] should be a string, not %s",
					     st->type_name, key, i, mt_stream_describe(v));
		}
		(*out)[i] = json_string_value(v);
	}
	return 0;
}

/* Stacks */

static int frame_kind(const struct mt_stream *st, const char *kind, enum mt_frame_kind *out)
{
	static const char *const kinds[] = {
		[MT_FRAME_NATIVE] = "native", [MT_FRAME_PYTHON] = "python", [MT_FRAME_UNKNOWN] = "unknown",
	};

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (!strcmp(kind, kinds[i])) {
			*out = i;
			return 0;
		}
	}
	return mt_stream_bad(st, "\"frame\" record: \"kind\" is \"%.40s\", not \"native\", "
			     "\"python\" or \"unknown\"; is this a memtrace stream?", kind);
}

static size_t str_size(const char *s)
{
	return s ? strlen(s) + 1 : 0;
}

static int read_frame(struct mt_stream *st, struct mt_profile *p)
{
	const json_t *o = st->rec;
	struct mt_frame f = { 0 };
	int64_t id, line, addr;
	const char *kind = NULL;
	bool known;
	size_t text;

	if (mt_stream_int(st, o, "id", 0, INT64_MAX, &id) || mt_stream_str(st, o, "kind", &kind) ||
	    frame_kind(st, kind, &f.kind) || mt_stream_str(st, o, "func", &f.func) ||
	    mt_stream_str_or_null(st, o, "file", &f.file) ||
	    mt_stream_int_or_null(st, o, "line", 0, UINT32_MAX, &line, &known) ||
	    mt_stream_str_or_null(st, o, "object", &f.object) ||
	    mt_stream_str_or_null(st, o, "build_id", &f.build_id) ||
	    mt_stream_int_or_null(st, o, "addr", 0, INT64_MAX, &addr, &known))
		return -1;
	/* The numbering the stack records use: a gap, a repeat or a jump back is no memtrace stream. */
	if ((uint64_t)id != p->nframes)
		return mt_stream_bad(st, "\"frame\" record: id %" PRId64 " where %zu comes next (frames "
				     "are numbered 0, 1, 2, ... as written); is the stream whole?", id,
				     p->nframes);
	text = str_size(f.func) + str_size(f.file) + str_size(f.object) + str_size(f.build_id);
	if (p->nframes >= MT_STREAM_MAX_FRAMES || text > MT_STREAM_MAX_FRAME_TEXT - st->frame_text)
		return mt_stream_bad(st, "more than %u frames or %zu MiB of their names; is this a "
				     "memtrace stream?", MT_STREAM_MAX_FRAMES, MT_STREAM_MAX_FRAME_TEXT >> 20);
	st->frame_text += text;
	f.line = line;
	f.addr = addr;
	id = mt_profile_frame(p, &f);
	if (id < 0)
		return mt_stream_bad(st, "out of memory");
	if ((uint64_t)id != p->nframes - 1)
		return mt_stream_bad(st, "\"frame\" record: the same frame as id %" PRId64 " again; is "
				     "this a memtrace stream?", id);
	return 0;
}

/* frames[] of a stack record: ids of frames defined before it. */
static int stack_ids(const struct mt_stream *st, const struct mt_profile *p, const json_t *a,
		     uint32_t *ids)
{
	for (size_t i = 0; i < json_array_size(a); i++) {
		const json_t *v = json_array_get(a, i);
		json_int_t id = json_is_integer(v) ? json_integer_value(v) : -1;

		if (!json_is_integer(v))
			return mt_stream_bad(st, "\"stack\" record: frames[%zu] should be a frame id (an "
					     "integer), not %s", i, mt_stream_describe(v));
		if (id < 0 || (uint64_t)id >= p->nframes)
			return mt_stream_bad(st, "\"stack\" record: frames[%zu] is %lld, no frame "
					     "record before it has that id; is the stream whole?", i,
					     (long long)id);
		ids[i] = id;
	}
	return 0;
}

static int read_stack(struct mt_stream *st, struct mt_profile *p)
{
	const json_t *o = st->rec;
	const json_t *trunc = json_object_get(o, "truncated");
	size_t nstacks = p->nstacks;
	int64_t tid, bytes, r;
	uint32_t *ids;
	json_t *frames = NULL;
	size_t n;

	if (mt_stream_int(st, o, "tid", 0, INT32_MAX, &tid) ||
	    mt_stream_bytes(st, o, "bytes", false, &bytes) || mt_stream_arr(st, o, "frames", &frames))
		return -1;
	if (!json_is_boolean(trunc))
		return bad_field(st, o, "truncated", "a boolean");
	n = json_array_size(frames);
	if (n > MT_STREAM_MAX_STACK)
		return mt_stream_bad(st, "\"stack\" record: %zu frames, more than %d; is this a memtrace "
				     "stream?", n, MT_STREAM_MAX_STACK);
	/* Each record's bytes are bounded; their sum is kept so too. */
	if (bytes > MT_STREAM_MAX_BYTES - p->bytes)
		return mt_stream_bad(st, "\"stack\" record: the stacks' bytes add up past 2^60; is "
				     "this a memtrace stream?");
	ids = malloc((n ? n : 1) * sizeof(*ids));
	if (!ids)
		return mt_stream_bad(st, "out of memory");
	r = stack_ids(st, p, frames, ids);
	if (!r && mt_profile_add_ids(p, ids, n, json_is_true(trunc), bytes, 1) < 0)
		r = mt_stream_bad(st, "out of memory");
	free(ids);
	/* A new distinct stack is what costs memory: repeats only add up. */
	if (!r && p->nstacks > nstacks && (st->stack_ids += n) > MT_STREAM_MAX_STACK_IDS)
		r = mt_stream_bad(st, "more than %zu frames in distinct stacks; is this a memtrace "
				  "stream?", MT_STREAM_MAX_STACK_IDS);
	return r;
}

int mt_stream_profile(struct mt_stream *st, struct mt_profile *p)
{
	switch (st->type) {
	case MT_STREAM_REC_FRAME:
		return read_frame(st, p);
	case MT_STREAM_REC_STACK:
		return read_stack(st, p);
	case MT_STREAM_REC_SUMMARY:
		return mt_stream_opt_int(st, st->rec, "sample_bytes", 0, MT_STREAM_MAX_BYTES,
					 &p->sample_bytes);
	default:
		return 0;
	}
}
