// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * --pprof FILE: a gzipped profile.proto (perftools.profiles), what
 * `go tool pprof` reads. Encoded by hand: the format is a few messages of
 * varints and length-delimited fields, not worth a protobuf library.
 *
 * The file streams through zlib instead of being built whole: Profile's
 * fields may come in any order and repeated ones may interleave, so each
 * top-level field is built in a small buffer and deflated at once, and a
 * string joins string_table (its index is its place there) the first time
 * a field refers to it. Mappings and functions join the same way.
 *
 * Every frame comes with its function, file and line already resolved
 * (user/unwind.c, user/pystack.c), so every mapping says has_functions,
 * has_filenames and has_line_numbers: pprof then shows what we give it and
 * never opens the target's binaries to symbolize again. A native frame's
 * address is its offset in the object's file; with memory_start and
 * file_offset 0 pprof's address and that offset are the same number.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>
#include "array.h"
#include "outfile.h"
#include "pprof.h"

/* Field numbers in profile.proto. */
enum {
	PROFILE_SAMPLE_TYPE = 1, PROFILE_SAMPLE = 2, PROFILE_MAPPING = 3, PROFILE_LOCATION = 4,
	PROFILE_FUNCTION = 5, PROFILE_STRING_TABLE = 6, PROFILE_TIME_NANOS = 9,
	PROFILE_PERIOD_TYPE = 11, PROFILE_PERIOD = 12, PROFILE_COMMENT = 13,
	PROFILE_DEFAULT_SAMPLE_TYPE = 14,
};
enum { VALUE_TYPE_TYPE = 1, VALUE_TYPE_UNIT = 2 };
enum { SAMPLE_LOCATION_ID = 1, SAMPLE_VALUE = 2 };
enum {
	MAPPING_ID = 1, MAPPING_MEMORY_LIMIT = 3, MAPPING_FILENAME = 5, MAPPING_BUILD_ID = 6,
	MAPPING_HAS_FUNCTIONS = 7, MAPPING_HAS_FILENAMES = 8, MAPPING_HAS_LINE_NUMBERS = 9,
};
enum { LOCATION_ID = 1, LOCATION_MAPPING_ID = 2, LOCATION_ADDRESS = 3, LOCATION_LINE = 4 };
enum { LINE_FUNCTION_ID = 1, LINE_LINE = 2 };
enum { FUNCTION_ID = 1, FUNCTION_NAME = 2, FUNCTION_SYSTEM_NAME = 3, FUNCTION_FILENAME = 4 };

enum { WIRE_VARINT = 0, WIRE_LEN = 2 };

#define VARINT_MAX 10 /* bytes of a 64-bit varint */

/* A message being built; oom is sticky. */
struct pbuf {
	uint8_t *b;
	size_t len, cap;
	bool oom;
};

/* Distinct (a, b) pairs of strings borrowed from the profile (either may be NULL), ids from 0. */
struct intern {
	struct intern_key {
		const char *a, *b;
	} *keys;
	size_t n, cap;
	uint32_t *slot; /* open addressing: key id + 1, 0 empty; at most half full */
	size_t nslots;
};

/*
 * One file being written. A function that emits a mapping, a function or a
 * string may run while a caller builds its own message, so those write
 * straight to the stream, and a caller gets every id it needs before it
 * starts its message in field.
 */
struct writer {
	FILE *f;
	z_stream z;
	struct pbuf field, sub; /* a top-level field; a message nested in it */
	struct intern strings, mappings, functions;
	int err; /* the first errno, sticky: nothing more is written */
};

static size_t varint(uint8_t *out, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		out[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	out[n++] = (uint8_t)v;
	return n;
}

static void pb_put(struct pbuf *pb, const void *data, size_t len)
{
	if (pb->oom || len > SIZE_MAX - pb->len ||
	    mt_grow(&pb->b, &pb->cap, pb->len + len, 1)) {
		pb->oom = true;
		return;
	}
	if (len)
		memcpy(pb->b + pb->len, data, len);
	pb->len += len;
}

static void pb_varint(struct pbuf *pb, uint64_t v)
{
	uint8_t tmp[VARINT_MAX];

	pb_put(pb, tmp, varint(tmp, v));
}

/* A varint field; zero is the default and stays out, as protobuf encoders do. */
static void pb_uint(struct pbuf *pb, unsigned int field, uint64_t v)
{
	if (!v)
		return;
	pb_varint(pb, field << 3 | WIRE_VARINT);
	pb_varint(pb, v);
}

static void pb_bytes(struct pbuf *pb, unsigned int field, const void *data, size_t len)
{
	pb_varint(pb, field << 3 | WIRE_LEN);
	pb_varint(pb, len);
	pb_put(pb, data, len);
}

/* Deflates len bytes into f; flush Z_FINISH ends the gzip stream. */
static void gz_write(struct writer *w, const void *data, size_t len, int flush)
{
	uint8_t out[16384];
	bool last;

	w->z.next_in = (Bytef *)data;
	do {
		/* avail_in is an unsigned int: a longer field goes in pieces. */
		uInt chunk = len > UINT_MAX ? UINT_MAX : (uInt)len;

		w->z.avail_in = chunk;
		len -= chunk;
		last = !len;
		do {
			size_t have;

			if (w->err)
				return;
			w->z.next_out = out;
			w->z.avail_out = sizeof(out);
			deflate(&w->z, last ? flush : Z_NO_FLUSH);
			have = sizeof(out) - w->z.avail_out;
			if (have && fwrite(out, 1, have, w->f) != have)
				w->err = errno ? errno : EIO;
		} while (w->z.avail_out == 0);
	} while (!last);
}

/* A top-level length-delimited field of Profile. */
static void put_field(struct writer *w, unsigned int field, const void *data, size_t len)
{
	uint8_t head[2 * VARINT_MAX];
	size_t n = varint(head, field << 3 | WIRE_LEN);

	n += varint(head + n, len);
	gz_write(w, head, n, Z_NO_FLUSH);
	gz_write(w, data, len, Z_NO_FLUSH);
}

/* The message built in w->field, as top-level field number field. */
static void put_msg(struct writer *w, unsigned int field)
{
	if (w->field.oom || w->sub.oom)
		w->err = ENOMEM;
	put_field(w, field, w->field.b, w->field.len);
	w->field.len = 0;
}

static void put_int(struct writer *w, unsigned int field, uint64_t v)
{
	uint8_t b[2 * VARINT_MAX];
	size_t n = varint(b, field << 3 | WIRE_VARINT);

	n += varint(b + n, v);
	gz_write(w, b, n, Z_NO_FLUSH);
}

static uint64_t str_hash(uint64_t h, const char *s)
{
	if (!s)
		return (h ^ 0x100) * 1099511628211ULL; /* NULL hashes apart from "" */
	do
		h = (h ^ (unsigned char)*s) * 1099511628211ULL; /* FNV-1a, the NUL included */
	while (*s++);
	return h;
}

static uint64_t key_hash(const char *a, const char *b)
{
	return str_hash(str_hash(1469598103934665603ULL, a), b);
}

/* The free slot where (a, b) goes in a table being rebuilt. */
static size_t key_slot(const uint32_t *slot, size_t nslots, const char *a, const char *b)
{
	size_t i = key_hash(a, b) & (nslots - 1);

	while (slot[i])
		i = (i + 1) & (nslots - 1);
	return i;
}

static bool str_same(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* Doubles the slots of t. 0 or -1 (out of memory). */
static int intern_rehash(struct intern *t)
{
	size_t nslots = t->nslots ? t->nslots * 2 : 64;
	uint32_t *slot = nslots <= SIZE_MAX / sizeof(*slot) ? calloc(nslots, sizeof(*slot)) : NULL;

	if (!slot)
		return -1;
	for (size_t id = 0; id < t->n; id++)
		slot[key_slot(slot, nslots, t->keys[id].a, t->keys[id].b)] = id + 1;
	free(t->slot);
	t->slot = slot;
	t->nslots = nslots;
	return 0;
}

/* The id of (a, b) in t, *added if it is new; 0 and *err = ENOMEM when out of memory. */
static uint64_t intern(struct intern *t, const char *a, const char *b, bool *added, int *err)
{
	size_t mask, i;

	*added = false;
	if (t->n >= UINT32_MAX - 1 || ((t->n + 1) * 2 > t->nslots && intern_rehash(t)))
		goto oom;
	mask = t->nslots - 1;
	for (i = key_hash(a, b) & mask; t->slot[i]; i = (i + 1) & mask) {
		const struct intern_key *k = &t->keys[t->slot[i] - 1];

		if (str_same(k->a, a) && str_same(k->b, b))
			return t->slot[i] - 1;
	}
	if (mt_grow(&t->keys, &t->cap, t->n + 1, sizeof(*t->keys)))
		goto oom;
	t->keys[t->n] = (struct intern_key){ a, b };
	t->slot[i] = ++t->n;
	*added = true;
	return t->n - 1;
oom:
	*err = ENOMEM;
	return 0;
}

static void intern_free(struct intern *t)
{
	free(t->keys);
	free(t->slot);
}

/* s's index in string_table, s written there if new; NULL is "", index 0. */
static uint64_t str_id(struct writer *w, const char *s)
{
	bool added;
	uint64_t id;

	if (!s)
		return 0;
	id = intern(&w->strings, s, NULL, &added, &w->err);
	if (added)
		put_field(w, PROFILE_STRING_TABLE, s, strlen(s));
	return id;
}

static void put_value_type(struct writer *w, unsigned int field, const char *type,
			   const char *unit)
{
	uint64_t t = str_id(w, type), u = str_id(w, unit);

	pb_uint(&w->field, VALUE_TYPE_TYPE, t);
	pb_uint(&w->field, VALUE_TYPE_UNIT, u);
	put_msg(w, field);
}

static void put_header(struct writer *w, const struct mt_profile *p)
{
	struct timespec now;
	char comment[128];
	int n;

	str_id(w, ""); /* string_table[0] must be "" */
	/* Bytes first: pprof shows the first sample type unless told otherwise. */
	put_value_type(w, PROFILE_SAMPLE_TYPE, "rss_growth", "bytes");
	put_value_type(w, PROFILE_SAMPLE_TYPE, "samples", "count");
	put_int(w, PROFILE_DEFAULT_SAMPLE_TYPE, str_id(w, "rss_growth"));
	put_value_type(w, PROFILE_PERIOD_TYPE, "rss_growth", "bytes");
	if (p->sample_bytes > 0)
		put_int(w, PROFILE_PERIOD, (uint64_t)p->sample_bytes);
	/* The profile keeps no start time: the time it is written stands for it. */
	if (!clock_gettime(CLOCK_REALTIME, &now))
		put_int(w, PROFILE_TIME_NANOS, (uint64_t)now.tv_sec * 1000000000 + now.tv_nsec);
	n = snprintf(comment, sizeof(comment), "memtrace: RSS growth by call stack");
	if (p->sample_bytes > 0)
		snprintf(comment + n, sizeof(comment) - n, ", sampled every ~%lld bytes",
			 (long long)p->sample_bytes);
	put_int(w, PROFILE_COMMENT, str_id(w, comment));
}

/* The id of the mapping of object (build_id may be NULL), written if new; 0 for no object. */
static uint64_t mapping_id(struct writer *w, const char *object, const char *build_id)
{
	uint64_t file, bid, id;
	bool added;

	if (!object)
		return 0;
	id = intern(&w->mappings, object, build_id, &added, &w->err);
	if (!added)
		return id + 1;
	file = str_id(w, object);
	bid = str_id(w, build_id);
	pb_uint(&w->field, MAPPING_ID, id + 1);
	pb_uint(&w->field, MAPPING_MEMORY_LIMIT, UINT64_MAX); /* offsets anywhere in the file */
	pb_uint(&w->field, MAPPING_FILENAME, file);
	pb_uint(&w->field, MAPPING_BUILD_ID, bid);
	pb_uint(&w->field, MAPPING_HAS_FUNCTIONS, 1);
	pb_uint(&w->field, MAPPING_HAS_FILENAMES, 1);
	pb_uint(&w->field, MAPPING_HAS_LINE_NUMBERS, 1);
	put_msg(w, PROFILE_MAPPING);
	return id + 1;
}

/*
 * The id of the function (name, file), written if new. Only a native name
 * is a system_name: pprof demangles and simplifies a function whose name
 * equals its system_name, and its simplifying would cut a Python
 * "<module>" or "<lambda>" to nothing, as it cuts C++ template arguments.
 */
static uint64_t function_id(struct writer *w, const char *name, const char *file, bool native)
{
	uint64_t name_s, file_s;
	bool added;
	uint64_t id = intern(&w->functions, name, file, &added, &w->err);

	if (!added)
		return id + 1;
	name_s = str_id(w, name);
	file_s = str_id(w, file);
	pb_uint(&w->field, FUNCTION_ID, id + 1);
	pb_uint(&w->field, FUNCTION_NAME, name_s);
	pb_uint(&w->field, FUNCTION_SYSTEM_NAME, native ? name_s : 0);
	pb_uint(&w->field, FUNCTION_FILENAME, file_s);
	put_msg(w, PROFILE_FUNCTION);
	return id + 1;
}

/* Location id: one per frame, with its one Line. */
static void put_location(struct writer *w, uint64_t id, const struct mt_profile_frame *fr)
{
	uint64_t mapping = mapping_id(w, fr->object, fr->build_id);
	uint64_t func = function_id(w, fr->func, fr->file, fr->kind == MT_FRAME_NATIVE);

	w->sub.len = 0;
	pb_uint(&w->sub, LINE_FUNCTION_ID, func);
	pb_uint(&w->sub, LINE_LINE, fr->line);
	pb_uint(&w->field, LOCATION_ID, id);
	pb_uint(&w->field, LOCATION_MAPPING_ID, mapping);
	pb_uint(&w->field, LOCATION_ADDRESS, fr->addr);
	pb_bytes(&w->field, LOCATION_LINE, w->sub.b, w->sub.len);
	put_msg(w, PROFILE_LOCATION);
}

/* One Sample: locations leaf first, as pprof wants them; truncated_loc under a cut stack's root. */
static void put_sample(struct writer *w, const struct mt_profile_stack *s, uint64_t truncated_loc)
{
	w->sub.len = 0;
	for (uint32_t i = s->n; i-- > 0;)
		pb_varint(&w->sub, (uint64_t)s->frames[i] + 1);
	if (s->truncated)
		pb_varint(&w->sub, truncated_loc);
	pb_bytes(&w->field, SAMPLE_LOCATION_ID, w->sub.b, w->sub.len);
	w->sub.len = 0;
	pb_varint(&w->sub, (uint64_t)s->bytes); /* int64: two's complement, as protobuf does */
	pb_varint(&w->sub, s->samples);
	pb_bytes(&w->field, SAMPLE_VALUE, w->sub.b, w->sub.len);
	put_msg(w, PROFILE_SAMPLE);
}

static bool any_truncated(const struct mt_profile *p)
{
	for (size_t i = 0; i < p->nstacks; i++)
		if (p->stacks[i].truncated)
			return true;
	return false;
}

int mt_pprof_write(const struct mt_profile *p, FILE *f)
{
	static const struct mt_profile_frame truncated = { .func = "[truncated]",
							   .kind = MT_FRAME_UNKNOWN };
	struct writer w = { .f = f };
	uint64_t truncated_loc = (uint64_t)p->nframes + 1;

	/* windowBits 15 + 16: a gzip header and trailer around the deflate stream. */
	if (deflateInit2(&w.z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
	    Z_OK) {
		errno = ENOMEM;
		return -1;
	}
	put_header(&w, p);
	for (size_t i = 0; i < p->nframes; i++)
		put_location(&w, (uint64_t)i + 1, &p->frames[i]);
	if (any_truncated(p))
		put_location(&w, truncated_loc, &truncated);
	for (size_t i = 0; i < p->nstacks; i++)
		put_sample(&w, &p->stacks[i], truncated_loc);
	gz_write(&w, NULL, 0, Z_FINISH);
	deflateEnd(&w.z);
	free(w.field.b);
	free(w.sub.b);
	intern_free(&w.strings);
	intern_free(&w.mappings);
	intern_free(&w.functions);
	if (!w.err && (fflush(f) || ferror(f)))
		w.err = errno ? errno : EIO;
	if (w.err) {
		errno = w.err;
		return -1;
	}
	return 0;
}

static int pprof_fn(const void *p, FILE *f)
{
	return mt_pprof_write(p, f);
}

int mt_pprof_save(const char *path, const struct mt_profile *p, char *err, size_t errlen)
{
	return mt_out_whole(path, pprof_fn, p, err, errlen);
}
