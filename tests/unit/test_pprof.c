// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * --pprof's writer (user/pprof.c): a profile built by hand (native, Python,
 * unknown and truncated stacks sharing frames, a hostile name) is written,
 * gunzipped and decoded back here field by field, and a write error must
 * show. `test_pprof FILE` only writes that profile to FILE, for
 * tests/integ/pprof_read.sh to read with `go tool pprof`.
 */
#include <errno.h>
#include <zlib.h>

#include "pprof.h"
#include "termtext.h"
#include "stacks.h"
#include "unit.h"

#define MIB 1048576
#define MAXN 32 /* of each kind of message: the fixture has fewer */
#define HOSTILE "evil\x1b[2J\nname\xff"

static const struct mt_frame f_main = { "main", "app.c", 10, "/usr/bin/app", "0123abcd", 0x1130,
					MT_FRAME_NATIVE };
static const struct mt_frame f_grow = { "grow", "app.c", 20, "/usr/bin/app", "0123abcd", 0x1200,
					MT_FRAME_NATIVE };
static const struct mt_frame f_malloc = { "malloc", NULL, 0, "/lib/libc.so.6", "c0ffee", 0x9000,
					  MT_FRAME_NATIVE };
static const struct mt_frame f_module = { "<module>", "app.py", 1, NULL, NULL, 0,
					  MT_FRAME_PYTHON };
static const struct mt_frame f_work = { "work", "app.py", 5, NULL, NULL, 0, MT_FRAME_PYTHON };
static const struct mt_frame f_unknown = { "[unknown]", NULL, 0, "/lib/libx.so", NULL, 0x42,
					   MT_FRAME_UNKNOWN };
static const struct mt_frame f_evil = { HOSTILE, "app.c", 30, "/usr/bin/app", "0123abcd", 0x1300,
					MT_FRAME_NATIVE };

/*
 * 7.5 MiB + 4 KiB in 7 samples, 6 distinct stacks:
 *   main grow malloc            3 MiB (two samples)
 *   main grow                   1 MiB
 *   main <module> work malloc   2 MiB (Python under native, native on top)
 *   [truncated] [unknown] malloc 512 KiB
 *   main grow grow malloc       1 MiB (recursion)
 *   main HOSTILE                4 KiB
 */
static void fixture(struct mt_profile *p)
{
	const struct mt_frame a[] = { f_main, f_grow, f_malloc };
	const struct mt_frame c[] = { f_main, f_module, f_work, f_malloc };
	const struct mt_frame d[] = { f_unknown, f_malloc };
	const struct mt_frame e[] = { f_main, f_grow, f_grow, f_malloc };
	const struct mt_frame h[] = { f_main, f_evil };

	mt_profile_init(p);
	p->sample_bytes = 512 * 1024;
	add_stack(p, 2 * MIB, false, 3, a);
	add_stack(p, 1 * MIB, false, 2, a);
	add_stack(p, 2 * MIB, false, 4, c);
	add_stack(p, MIB / 2, true, 2, d);
	add_stack(p, 1 * MIB, false, 4, e);
	add_stack(p, 4096, false, 2, h);
	add_stack(p, 1 * MIB, false, 3, a);
}

/* Decoding, just enough of profile.proto for the checks. */

struct dec {
	const uint8_t *p, *end;
};

static bool dec_bad;

static uint64_t dec_varint(struct dec *d)
{
	uint64_t v = 0;

	for (int shift = 0; shift < 64; shift += 7) {
		if (d->p >= d->end)
			break;
		v |= (uint64_t)(*d->p & 0x7f) << shift;
		if (!(*d->p++ & 0x80))
			return v;
	}
	dec_bad = true;
	d->p = d->end;
	return 0;
}

/* The next field of d: its number, and its varint in *v or its bytes in *sub. false at the end. */
static bool dec_field(struct dec *d, unsigned int *num, uint64_t *v, struct dec *sub)
{
	uint64_t key;

	if (d->p >= d->end)
		return false;
	key = dec_varint(d);
	*num = key >> 3;
	*v = 0;
	*sub = (struct dec){ d->p, d->p };
	if ((key & 7) == 0) {
		*v = dec_varint(d);
	} else if ((key & 7) == 2) {
		uint64_t len = dec_varint(d);

		if (len > (uint64_t)(d->end - d->p)) {
			dec_bad = true;
			return false;
		}
		*sub = (struct dec){ d->p, d->p + len };
		d->p += len;
	} else {
		dec_bad = true;
		return false;
	}
	return true;
}

struct msg {
	uint64_t f[16];    /* varint fields by number */
	struct dec sub[16]; /* length-delimited ones */
};

static void dec_msg(struct dec d, struct msg *m)
{
	struct dec sub;
	unsigned int num;
	uint64_t v;

	memset(m, 0, sizeof(*m));
	while (dec_field(&d, &num, &v, &sub)) {
		if (num < 16) {
			m->f[num] = v;
			m->sub[num] = sub;
		}
	}
}

struct decoded {
	struct dec str[4 * MAXN];
	size_t nstr;
	struct msg sample_type[MAXN], sample[MAXN], location[MAXN], function[MAXN], mapping[MAXN];
	size_t nsample_types, nsamples, nlocations, nfunctions, nmappings;
	struct msg period_type;
	uint64_t period, time_nanos, comment, default_sample_type;
};

static void put_msg(struct msg *arr, size_t *n, size_t max, struct dec sub)
{
	if (*n >= max) {
		dec_bad = true;
		return;
	}
	dec_msg(sub, &arr[(*n)++]);
}

static void decode(const uint8_t *buf, size_t len, struct decoded *out)
{
	struct dec d = { buf, buf + len }, sub;
	unsigned int num;
	uint64_t v;

	memset(out, 0, sizeof(*out));
	while (dec_field(&d, &num, &v, &sub)) {
		switch (num) {
		case 1: put_msg(out->sample_type, &out->nsample_types, MAXN, sub); break;
		case 2: put_msg(out->sample, &out->nsamples, MAXN, sub); break;
		case 3: put_msg(out->mapping, &out->nmappings, MAXN, sub); break;
		case 4: put_msg(out->location, &out->nlocations, MAXN, sub); break;
		case 5: put_msg(out->function, &out->nfunctions, MAXN, sub); break;
		case 6:
			if (out->nstr < 4 * MAXN)
				out->str[out->nstr++] = sub;
			else
				dec_bad = true;
			break;
		case 9: out->time_nanos = v; break;
		case 11: dec_msg(sub, &out->period_type); break;
		case 12: out->period = v; break;
		case 13: out->comment = v; break;
		case 14: out->default_sample_type = v; break;
		}
	}
}

/* string_table[i] as a C string (static buffer), "(bad index)" if there is none. */
static const char *str(const struct decoded *d, uint64_t i)
{
	static char buf[4][256];
	static int next;
	char *b = buf[next++ % 4];
	size_t n;

	if (i >= d->nstr)
		return "(bad index)";
	n = d->str[i].end - d->str[i].p;
	n = n < sizeof(buf[0]) - 1 ? n : sizeof(buf[0]) - 1;
	memcpy(b, d->str[i].p, n);
	b[n] = '\0';
	return b;
}

/* The message whose field 1 (id) is id, or NULL. */
static const struct msg *by_id(const struct msg *arr, size_t n, uint64_t id)
{
	for (size_t i = 0; i < n; i++)
		if (arr[i].f[1] == id)
			return &arr[i];
	return NULL;
}

/* The function of a location (its one Line). */
static const struct msg *loc_function(const struct decoded *d, uint64_t loc, struct msg *line)
{
	const struct msg *l = by_id(d->location, d->nlocations, loc);

	if (!l)
		return NULL;
	dec_msg(l->sub[4], line);
	return by_id(d->function, d->nfunctions, line->f[1]);
}

/* "malloc grow main": the function names of sample s, leaf first, and its two values. */
static void sample_names(const struct decoded *d, const struct msg *s, char *out, size_t len,
			 uint64_t val[2])
{
	struct dec ids = s->sub[1], vals = s->sub[2];
	size_t n = 0;

	out[0] = '\0';
	while (ids.p < ids.end) {
		struct msg line;
		const struct msg *fn = loc_function(d, dec_varint(&ids), &line);

		n += snprintf(out + n, n < len ? len - n : 0, "%s%s", n ? " " : "",
			      fn ? str(d, fn->f[2]) : "(no function)");
	}
	val[0] = dec_varint(&vals);
	val[1] = dec_varint(&vals);
	if (vals.p != vals.end)
		dec_bad = true;
}

/* CHECK_STR for strings with the hostile name in them: TAP output stays one line a check. */
static void check_text(const char *got, const char *want, const char *what)
{
	char *g = mt_term_escape(got, strlen(got), false), *w = mt_term_escape(want, strlen(want), false);

	CHECK(g && w && !strcmp(got, want), "%s: got \"%s\", want \"%s\"", what, g, w);
	free(g);
	free(w);
}

/* Writes p to a file in dir, reads it back gunzipped. Returns mt_pprof_write()'s result. */
static int write_and_read(const struct mt_profile *p, const char *dir, uint8_t *buf, size_t cap,
			  size_t *len, uint8_t magic[3])
{
	char path[4096];
	FILE *f;
	gzFile gz;
	int r, n;

	snprintf(path, sizeof(path), "%s/profile.pb.gz", dir);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(1);
	}
	r = mt_pprof_write(p, f);
	fclose(f);
	f = fopen(path, "r");
	if (!f || fread(magic, 1, 3, f) != 3)
		magic[0] = 0;
	if (f)
		fclose(f);
	gz = gzopen(path, "rb");
	n = gz ? gzread(gz, buf, cap) : -1;
	*len = n > 0 ? (size_t)n : 0;
	if (gz)
		gzclose(gz);
	return r;
}

static uint8_t buf[1 << 16];

static void test_header(const struct decoded *d, const uint8_t magic[3])
{
	CHECK(magic[0] == 0x1f && magic[1] == 0x8b && magic[2] == 8, "a gzip file (deflate)");
	CHECK(d->nstr > 0 && d->str[0].p == d->str[0].end, "string_table[0] is \"\"");
	CHECK_INT(d->nsample_types, 2, "two sample types");
	CHECK_STR(str(d, d->sample_type[0].f[1]), "rss_growth", "first sample type");
	CHECK_STR(str(d, d->sample_type[0].f[2]), "bytes", "first sample type's unit");
	CHECK_STR(str(d, d->sample_type[1].f[1]), "samples", "second sample type");
	CHECK_STR(str(d, d->sample_type[1].f[2]), "count", "second sample type's unit");
	CHECK_STR(str(d, d->default_sample_type), "rss_growth", "default_sample_type");
	CHECK_STR(str(d, d->period_type.f[2]), "bytes", "period_type's unit");
	CHECK_INT(d->period, 512 * 1024, "period: the sampling interval");
	CHECK(d->time_nanos > 1600000000ULL * 1000000000ULL, "time_nanos is set");
	CHECK_STR(str(d, d->comment),
		  "memtrace: RSS growth by call stack, sampled every ~524288 bytes", "comment");
}

static void test_samples(const struct decoded *d, const struct mt_profile *p)
{
	static const struct {
		const char *names;
		uint64_t bytes, samples;
	} want[] = {
		{ "malloc grow main", 3 * MIB, 2 },
		{ "grow main", 1 * MIB, 1 },
		{ "malloc work <module> main", 2 * MIB, 1 },
		{ "malloc [unknown] [truncated]", MIB / 2, 1 },
		{ "malloc grow grow main", 1 * MIB, 1 },
		{ "" HOSTILE " main", 4096, 1 },
	};
	uint64_t bytes = 0, samples = 0, val[2];
	char names[512], what[64];

	CHECK_INT(d->nsamples, 6, "one Sample per distinct stack");
	for (size_t i = 0; i < d->nsamples && i < 6; i++) {
		sample_names(d, &d->sample[i], names, sizeof(names), val);
		snprintf(what, sizeof(what), "sample %zu: functions leaf first", i);
		check_text(names, want[i].names, what);
		CHECK_INT(val[0], want[i].bytes, "its bytes");
		CHECK_INT(val[1], want[i].samples, "its samples");
		bytes += val[0];
		samples += val[1];
	}
	CHECK_INT(bytes, p->bytes, "bytes add up to the profile's");
	CHECK_INT(samples, p->samples, "samples add up to the profile's");
}

/* A location's mapping (file, build id), address and line; "" for no mapping. */
static void check_location(const struct decoded *d, const char *func, const char *map_file,
			   const char *build_id, uint64_t addr, const char *file, uint64_t line_no)
{
	char *what = mt_term_escape(func, strlen(func), false);
	size_t found = 0;

	for (size_t i = 0; i < d->nlocations; i++) {
		const struct msg *l = &d->location[i], *fn, *m;
		struct msg line;

		fn = loc_function(d, l->f[1], &line);
		if (!fn || strcmp(str(d, fn->f[2]), func))
			continue;
		found++;
		m = by_id(d->mapping, d->nmappings, l->f[2]);
		CHECK_STR(m ? str(d, m->f[5]) : "", map_file, what);
		CHECK_STR(m ? str(d, m->f[6]) : "", build_id, what);
		CHECK(!m || (m->f[7] && m->f[8] && m->f[9] && m->f[3] == UINT64_MAX),
		      "%s: mapping symbolized (has_functions...), all addresses in it", what);
		CHECK_INT(l->f[3], addr, what);
		CHECK_STR(str(d, fn->f[4]), file, what);
		CHECK_INT(line.f[2], line_no, what);
		check_text(str(d, fn->f[3]), m ? func : "", "system_name for native frames only");
	}
	CHECK_INT(found, 1, what);
	free(what);
}

static void test_locations(const struct decoded *d, const struct mt_profile *p)
{
	size_t malloc_fns = 0;

	CHECK_INT(d->nlocations, p->nframes + 1, "one location per frame, and [truncated]");
	CHECK_INT(d->nmappings, 3, "one mapping per object");
	for (size_t i = 0; i < d->nfunctions; i++)
		malloc_fns += !strcmp(str(d, d->function[i].f[2]), "malloc");
	CHECK_INT(malloc_fns, 1, "a function shared by frames is written once");
	check_location(d, "main", "/usr/bin/app", "0123abcd", 0x1130, "app.c", 10);
	check_location(d, "malloc", "/lib/libc.so.6", "c0ffee", 0x9000, "", 0);
	check_location(d, "work", "", "", 0, "app.py", 5);
	check_location(d, "<module>", "", "", 0, "app.py", 1);
	check_location(d, "[truncated]", "", "", 0, "", 0);
	check_location(d, HOSTILE, "/usr/bin/app", "0123abcd", 0x1300, "app.c", 30);
}

static void test_empty(const char *dir)
{
	struct mt_profile p;
	struct decoded d;
	uint8_t magic[3];
	size_t len;

	mt_profile_init(&p);
	CHECK_INT(write_and_read(&p, dir, buf, sizeof(buf), &len, magic), 0, "empty profile written");
	decode(buf, len, &d);
	CHECK(!dec_bad && d.nsamples == 0 && d.nlocations == 0 && d.nsample_types == 2,
	      "empty profile: sample types, nothing else");
	CHECK_STR(str(&d, d.comment), "memtrace: RSS growth by call stack",
		  "no interval in the comment when it is unknown");
}

static void test_write_error(const struct mt_profile *p)
{
	FILE *f = fopen("/dev/full", "w");

	if (!f) {
		CHECK(0, "/dev/full: %s", strerror(errno));
		return;
	}
	errno = 0;
	CHECK_INT(mt_pprof_write(p, f), -1, "a full disk is a write error");
	CHECK_INT(errno, ENOSPC, "errno says why");
	fclose(f);
}

int main(int argc, char **argv)
{
	struct mt_profile p;
	struct decoded d;
	uint8_t magic[3];
	char *dir;
	size_t len;

	fixture(&p);
	if (argc > 1) {
		FILE *f = fopen(argv[1], "w");
		int r = f ? mt_pprof_write(&p, f) : -1;

		if (f && fclose(f))
			r = -1;
		mt_profile_free(&p);
		if (r)
			perror(argv[1]);
		return r ? 1 : 0;
	}
	dir = unit_tmpdir("pprof");
	CHECK_INT(write_and_read(&p, dir, buf, sizeof(buf), &len, magic), 0, "profile written");
	decode(buf, len, &d);
	CHECK(!dec_bad && len > 0, "decodes as protobuf (%zu bytes)", len);
	test_header(&d, magic);
	test_samples(&d, &p);
	test_locations(&d, &p);
	test_empty(dir);
	test_write_error(&p);
	mt_profile_free(&p);
	return unit_finish(dir);
}
