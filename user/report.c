// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The tables (memory_profiler's units and layout) and `memtrace report`,
 * which rebuilds them from a saved NDJSON stream.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "json.h"
#include "log.h"
#include "memtrace.h"
#include "procs.h"
#include "records.h"
#include "report.h"
#include "termtext.h"
#include "rowindex.h"
#include "stackreport.h"
#include "stream.h"
#include "utf8.h"

#define MIB 1048576
#define KIB 1024
/*
 * Large enough for any size cell ("-9223372036854775807 B") and for
 * "18446744073709551615 (+18446744073709551615 open, +18446744073709551615
 * partial)": cells never truncate.
 */
#define CELL_LEN 96

bool mt_report_bytes;

/* The unit the headers name; a cell in another unit carries its own. */
static const char *table_unit(void)
{
	return mt_report_bytes ? "B" : "MiB";
}

/* |bytes| in units of unit, in hundredths rounded half away from zero: exact at .xx5. */
static uint64_t hundredths(int64_t bytes, uint64_t unit)
{
	uint64_t mag = bytes < 0 ? -(uint64_t)bytes : (uint64_t)bytes;

	return mag / unit * 100 + ((mag % unit) * 100 + unit / 2) / unit;
}

/* "75.49", "-0.25"; a shrink that rounds to nothing prints as 0.00, not -0.00. */
static const char *put_hundredths(char *buf, size_t len, bool neg, uint64_t h)
{
	snprintf(buf, len, "%s%" PRIu64 ".%02" PRIu64, neg && h ? "-" : "", h / 100, h % 100);
	return buf;
}

const char *mt_fmt_mib(char *buf, size_t len, int64_t bytes)
{
	if (bytes == INT64_MIN) {
		snprintf(buf, len, "-");
		return buf;
	}
	return put_hundredths(buf, len, bytes < 0, hundredths(bytes, MIB));
}

const char *mt_fmt_size(char *buf, size_t len, int64_t bytes, const char **unit)
{
	*unit = table_unit();
	if (bytes == INT64_MIN || (!mt_report_bytes && (!bytes || hundredths(bytes, MIB))))
		return mt_fmt_mib(buf, len, bytes);
	/* Not zero, yet 0.00 in MiB: a page or two must not read as "nothing". */
	if (!mt_report_bytes && (bytes >= KIB || bytes <= -KIB)) {
		*unit = "KiB";
		return put_hundredths(buf, len, bytes < 0, hundredths(bytes, KIB));
	}
	*unit = "B";
	snprintf(buf, len, "%" PRId64, bytes);
	return buf;
}

/* A function table cell: bare in the header's unit, "4.00 KiB" in another. */
static const char *size_cell(char *buf, int64_t bytes)
{
	char num[32]; /* "-9223372036854775807" at most */
	const char *unit;

	mt_fmt_size(num, sizeof(num), bytes, &unit);
	if (!strcmp(unit, table_unit()))
		unit = "";
	snprintf(buf, CELL_LEN, "%s%s%s", num, *unit ? " " : "", unit);
	return buf;
}

static void put_text(FILE *f, const char *s)
{
	char *esc = mt_term_escape(s, strlen(s), false);

	fputs(esc ? esc : "?", f);
	free(esc);
}

static void pad(FILE *f, size_t n)
{
	while (n--)
		fputc(' ', f);
}

/* Function table */

enum { COL_FUNC, COL_CALLS, COL_GROWTH, COL_GMAX, COL_PEAK, COL_THREAD, COL_RETAINED, NCOLS };

static const char *const col_title[NCOLS] = {
	"Function", "Calls", "Growth (MiB)", "Max growth/call", "Peak in call", "Thread-caused",
	"Retained",
};

/* "3", "3 (+1 open)", "3 (+1 partial)", "3 (+1 open, +1 partial)": the counted calls first. */
static const char *calls_cell(char *buf, const struct mt_func_stats *fs)
{
	int n = snprintf(buf, CELL_LEN, "%" PRIu64, fs->calls);

	if (fs->open && fs->partial)
		snprintf(buf + n, CELL_LEN - n, " (+%" PRIu64 " open, +%" PRIu64 " partial)", fs->open,
			 fs->partial);
	else if (fs->open || fs->partial)
		snprintf(buf + n, CELL_LEN - n, " (+%" PRIu64 " %s)", fs->open ? fs->open : fs->partial,
			 fs->open ? "open" : "partial");
	return buf;
}

static const char *func_cell(const struct mt_func_stats *fs, int col, char *buf)
{
	/* Per-call maxima need at least one counted call. */
	bool per_call = fs->calls_known && fs->calls > 0;

	switch (col) {
	case COL_FUNC:
		return fs->func;
	case COL_CALLS:
		if (!fs->calls_known)
			return "-";
		return calls_cell(buf, fs);
	case COL_GROWTH:
		return size_cell(buf, fs->growth);
	case COL_GMAX:
		return size_cell(buf, per_call ? fs->growth_max : INT64_MIN);
	case COL_PEAK:
		return size_cell(buf, per_call ? fs->peak_max : INT64_MIN);
	case COL_THREAD:
		return size_cell(buf, fs->thread_growth);
	case COL_RETAINED:
		return size_cell(buf, fs->retained_known ? fs->retained : INT64_MIN);
	}
	return "";
}

/* The name column (escaped already) is left-aligned, numbers right-aligned; three spaces between. */
static void put_row(FILE *f, const char *const cells[NCOLS], const size_t width[NCOLS])
{
	int c;

	fputs(cells[COL_FUNC], f);
	pad(f, width[COL_FUNC] - mt_utf8_width(cells[COL_FUNC]));
	for (c = 1; c < NCOLS; c++) {
		pad(f, 3 + width[c] - mt_utf8_width(cells[c]));
		fputs(cells[c], f);
	}
	fputc('\n', f);
}

static const struct mt_func_stats *sort_rows;

static int by_name(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int d = strcmp(sort_rows[x].func, sort_rows[y].func);

	return d ? d : (x > y) - (x < y);
}

/*
 * shared[i]: another row has row i's name (Python functions of one name in
 * several files). Sorting by name finds them in n log n, not n^2.
 */
static bool *shared_names(const struct mt_stats *s)
{
	size_t *order = malloc((s->nfuncs + 1) * sizeof(*order)), i;
	bool *shared = calloc(s->nfuncs + 1, sizeof(*shared));

	if (!order || !shared) {
		free(order);
		free(shared);
		return NULL;
	}
	for (i = 0; i < s->nfuncs; i++)
		order[i] = i;
	sort_rows = s->funcs;
	qsort(order, s->nfuncs, sizeof(*order), by_name);
	for (i = 1; i < s->nfuncs; i++) {
		if (!strcmp(s->funcs[order[i]].func, s->funcs[order[i - 1]].func))
			shared[order[i]] = shared[order[i - 1]] = true;
	}
	free(order);
	return shared;
}

/* "work (app.py)" where several rows share a name, escaped for the terminal. */
static char *display_name(const struct mt_func_stats *fs, bool shared)
{
	char *name = NULL, *esc;

	if (!shared || !fs->file || asprintf(&name, "%s (%s)", fs->func, fs->file) < 0)
		return mt_term_escape(fs->func, strlen(fs->func), false);
	esc = mt_term_escape(name, strlen(name), false);
	free(name);
	return esc;
}

static bool same_str(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return !strcmp(a, b);
}

/*
 * Frame walking lists a line for every place it saw memory change in a
 * function, even when the changes summed to nothing there: a function
 * without lines is one it never saw memory change in.
 */
static bool has_lines(const struct mt_stats *s, const struct mt_func_stats *fs)
{
	for (size_t i = 0; i < s->nlines; i++) {
		if (same_str(s->lines[i].func, fs->func) && same_str(s->lines[i].file, fs->file))
			return true;
	}
	return false;
}

void mt_report_functions(FILE *f, const struct mt_stats *in)
{
	size_t width[NCOLS], i, w;
	char buf[NCOLS][CELL_LEN];
	const char *cells[NCOLS], *title[NCOLS];
	const char *unit;
	struct mt_stats copy = *in, *s = &copy;
	bool *shared = shared_names(in);
	int c;

	/* A shallow copy whose rows carry their display names. */
	copy.funcs = calloc(in->nfuncs ? in->nfuncs : 1, sizeof(*copy.funcs));
	if (!copy.funcs || !shared)
		goto out;
	for (i = 0; i < in->nfuncs; i++) {
		copy.funcs[i] = in->funcs[i];
		copy.funcs[i].func = display_name(&in->funcs[i], shared[i]);
		if (!copy.funcs[i].func)
			goto out;
	}

	for (c = 0; c < NCOLS; c++) {
		title[c] = c == COL_GROWTH && mt_report_bytes ? "Growth (B)" : col_title[c];
		width[c] = mt_utf8_width(title[c]);
	}
	for (i = 0; i < s->nfuncs; i++) {
		for (c = 0; c < NCOLS; c++) {
			w = mt_utf8_width(func_cell(&s->funcs[i], c, buf[c]));
			if (w > width[c])
				width[c] = w;
		}
	}

	put_row(f, title, width);
	for (i = 0; i < s->nfuncs; i++) {
		for (c = 0; c < NCOLS; c++)
			cells[c] = func_cell(&s->funcs[i], c, buf[c]);
		put_row(f, cells, width);
	}
	for (i = 0; i < s->nfuncs; i++) {
		const struct mt_func_stats *fs = &s->funcs[i];

		/* Tells "no call seen" apart from "calls that did not grow memory". */
		if (fs->calls_known && fs->calls == 0 && fs->open == 0 && fs->partial == 0) {
			fprintf(f, "  %s: never called while tracing\n", fs->func);
		} else if (!fs->calls_known && fs->growth == 0 && fs->thread_growth == 0 &&
			   !has_lines(in, &in->funcs[i])) {
			/* Frame walking sees a function only when memory changes inside it. */
			fprintf(f, "  %s: no memory change seen inside it while tracing (calls are "
				"counted with --exact)\n", fs->func);
		}
	}

	/* -a, --cgroup: no one process's peak; the processes table has each one's. */
	mt_fmt_size(buf[0], CELL_LEN, s->peak_rss, &unit);
	if (s->peak_rss >= 0)
		fprintf(f, "\nPeak RSS: %s %s over %.1f s\n", buf[0], unit, s->duration);
	else
		fprintf(f, "\nTraced for %.1f s\n", s->duration);
	if (s->lost > 0)
		fprintf(f, "Lost records: %" PRIu64 " (ring buffer full)\n", s->lost);
out:
	for (i = 0; copy.funcs && i < in->nfuncs; i++)
		free(copy.funcs[i].func);
	free(copy.funcs);
	free(shared);
}

/* Line tables */

static bool same_group(const struct mt_line_stats *a, const struct mt_line_stats *b)
{
	return same_str(a->func, b->func) && same_str(a->file, b->file);
}

/* A line table cell: memory_profiler's '{:6.2f} MiB' (its precision + 4 wide, here precision 2). */
static const char *line_size_cell(char *buf, int64_t bytes)
{
	char num[32]; /* "-9223372036854775807" at most */
	const char *unit;

	mt_fmt_size(num, sizeof(num), bytes, &unit);
	snprintf(buf, CELL_LEN, "%6s %s", num, unit);
	return buf;
}

/* memory_profiler's row: '{0:>6} {1:>12} {2:>12}  {3:>10}   {4:<}'. */
static void put_line_row(FILE *f, const struct mt_line_stats *l)
{
	char mem[CELL_LEN], inc[CELL_LEN], occ[CELL_LEN], *esc;
	const char *src = l->source ? l->source : "";
	size_t n = strlen(src);

	if (l->mem < 0)
		snprintf(mem, sizeof(mem), "-");
	else
		line_size_cell(mem, l->mem);
	line_size_cell(inc, l->increment);
	if (l->occurrences < 0)
		snprintf(occ, sizeof(occ), "-");
	else
		snprintf(occ, sizeof(occ), "%" PRId64, l->occurrences);

	fprintf(f, "%6d %12s %12s  %10s   ", l->line, mem, inc, occ);
	/* Source lines keep their indentation (tabs too) but not a line terminator. */
	while (n > 0 && (src[n - 1] == '\n' || src[n - 1] == '\r'))
		n--;
	esc = mt_term_escape(src, n, true);
	fputs(esc ? esc : "?", f);
	free(esc);
	fputc('\n', f);
}

static void put_line_header(FILE *f, const struct mt_line_stats *l)
{
	static const char header[] =
		"Line #    Mem usage    Increment  Occurrences   Line Contents";

	fputs("\nFilename: ", f);
	put_text(f, l->file ? l->file : "?");
	fprintf(f, "\n\n%s\n", header);
	for (size_t i = 0; i < sizeof(header) - 1; i++)
		fputc('=', f);
	fputc('\n', f);
}

struct line_order {
	const struct mt_stats *s;
	size_t *group; /* group[i]: the first row of row i's (function, file) */
	const struct mt_line_stats *key;
};

static bool line_in_group(const void *ctx, size_t row)
{
	const struct line_order *o = ctx;

	return same_group(&o->s->lines[row], o->key);
}

static uint64_t group_hash(const struct mt_line_stats *l)
{
	return mt_rowindex_hash(mt_rowindex_hash(MT_ROWINDEX_SEED, l->func), l->file);
}

static const struct line_order *sort_lines;

/* Groups in order of first appearance, rows by line number, then as given (stable). */
static int by_group_line(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	const struct line_order *o = sort_lines;
	int lx = o->s->lines[x].line, ly = o->s->lines[y].line;

	if (o->group[x] != o->group[y])
		return o->group[x] < o->group[y] ? -1 : 1;
	if (lx != ly)
		return lx < ly ? -1 : 1;
	return (x > y) - (x < y);
}

/* group[] for every row through a hash index: linear in the rows. 0 or -ENOMEM. */
static int find_groups(struct line_order *o)
{
	struct mt_rowindex ix = { 0 };
	size_t i;
	int e = 0;

	for (i = 0; i < o->s->nlines && !e; i++) {
		uint64_t h = group_hash(&o->s->lines[i]);
		long first;

		o->key = &o->s->lines[i];
		first = mt_rowindex_find(&ix, h, line_in_group, o);
		if (first >= 0) {
			o->group[i] = o->group[first];
		} else {
			o->group[i] = i;
			e = mt_rowindex_add(&ix, h, i);
		}
	}
	mt_rowindex_free(&ix);
	return e;
}

void mt_report_lines(FILE *f, const struct mt_stats *s)
{
	struct line_order o = { .s = s };
	size_t *rows, i;

	if (!s->nlines)
		return;
	rows = malloc(s->nlines * sizeof(*rows));
	o.group = malloc(s->nlines * sizeof(*o.group));
	if (!rows || !o.group || find_groups(&o))
		goto out;
	for (i = 0; i < s->nlines; i++)
		rows[i] = i;
	sort_lines = &o;
	qsort(rows, s->nlines, sizeof(*rows), by_group_line);
	/* One table per (function, file), in order of first appearance. */
	for (i = 0; i < s->nlines; i++) {
		if (i == 0 || o.group[rows[i]] != o.group[rows[i - 1]])
			put_line_header(f, &s->lines[rows[i]]);
		put_line_row(f, &s->lines[rows[i]]);
	}
out:
	free(rows);
	free(o.group);
}

/* `memtrace report` */

/* Counts from a stream (calls, open, lost, occurrences): as far as sizes go. */
#define MAX_COUNT MT_STREAM_MAX_BYTES

struct reader {
	struct mt_stream st;
	bool have_start, have_summary;
	int64_t pid;
	char *comm;
	double last_t;
	size_t ncalls;
	struct mt_stats live;    /* from start targets, calls, samples, lost */
	struct mt_stats summary; /* from the summary record */
	struct mt_profile profile; /* from frame and stack records */
	/* summary.processes and .functions_by_process: funcs[].func index rows of live */
	struct mt_procs procs;
	bool have_procs;
};

/* `memtrace report -v`: every process, as `memtrace -v` lists them. */
static bool report_all_procs;

/* A failed mt_stats_* addition: out of memory, or past the bounds of stats.h. */
static int add_failed(struct reader *r, int err)
{
	if (err == -E2BIG)
		return mt_stream_bad(&r->st, "more than %u functions or lines, or %u MiB of names; "
				     "is this a memtrace stream?", MT_STATS_MAX_ROWS,
				     MT_STATS_MAX_TEXT >> 20);
	return mt_stream_bad(&r->st, "out of memory");
}

static int read_start(struct reader *r, const json_t *o)
{
	struct mt_stream *st = &r->st;
	json_t *targets, *tg;
	const char *comm;
	int64_t schema;
	size_t i;
	int e;

	if (r->have_start)
		return mt_stream_bad(st, "a second \"start\" record: the file holds more than one run; "
				     "split it and report each run on its own");
	if (mt_stream_int(st, o, "schema", INT64_MIN, INT64_MAX, &schema))
		return -1;
	if (schema != MT_SCHEMA)
		return mt_stream_bad(st, "written with JSON schema %" PRId64 ", this memtrace reads "
				     "schema %d; use the memtrace version that wrote it", schema,
				     MT_SCHEMA);
	if (mt_stream_int(st, o, "pid", 0, INT32_MAX, &r->pid) ||
	    mt_stream_str(st, o, "comm", &comm) || mt_stream_arr(st, o, "targets", &targets))
		return -1;
	r->comm = strdup(comm);
	if (!r->comm)
		return add_failed(r, -ENOMEM);
	json_array_foreach(targets, i, tg) {
		const char *func, *kind, *method;

		if (mt_stream_obj_at(st, targets, "targets", i, &tg) ||
		    mt_stream_str(st, tg, "func", &func) || mt_stream_str(st, tg, "kind", &kind) ||
		    mt_stream_str(st, tg, "method", &method))
			return -1;
		/* Frame walking sees memory changes, not call boundaries: it cannot count calls. */
		e = mt_stats_func(&r->live, func, kind, strcmp(method, "frames") != 0);
		if (e < 0)
			return add_failed(r, e);
	}
	r->have_start = true;
	return 0;
}

/* The row a call adds to: a start record's target, or a new row. Index or -errno. */
static int call_row(struct reader *r, const struct mt_call *c)
{
	struct mt_stats *s = &r->live;
	int idx = c->file ? mt_stats_find_in(s, c->func, c->file) : -1;

	if (idx < 0 && c->file && (idx = mt_stats_find_in(s, c->func, NULL)) >= 0 &&
	    !s->funcs[idx].file && !s->funcs[idx].calls && !s->funcs[idx].open &&
	    !s->funcs[idx].partial) {
		/* The start record's row for this target, not yet tied to a file: tie it. */
		int e = mt_stats_set_file(s, idx, c->file);

		return e ? e : idx;
	}
	if (idx >= 0)
		return idx;
	/* A function missing from the start record's targets still gets its row. */
	return mt_stats_func_in(s, c->func, c->file, c->file ? "python" : NULL, true);
}

static int read_call(struct reader *r, const json_t *o, double t)
{
	struct mt_stream *st = &r->st;
	struct mt_call c = { .t = t };
	int64_t pid, tid;
	int idx;

	if (mt_stream_int(st, o, "pid", 0, INT32_MAX, &pid) ||
	    mt_stream_int(st, o, "tid", 0, INT32_MAX, &tid) ||
	    mt_stream_str(st, o, "func", &c.func) ||
	    mt_stream_num(st, o, "dur", -MT_STREAM_MAX_SECONDS, MT_STREAM_MAX_SECONDS, &c.dur) ||
	    mt_stream_bytes(st, o, "rss_entry", false, &c.rss_entry) ||
	    mt_stream_bytes(st, o, "rss_exit", false, &c.rss_exit) ||
	    mt_stream_bytes(st, o, "rss_peak", false, &c.rss_peak) ||
	    mt_stream_bytes(st, o, "growth", true, &c.growth) ||
	    mt_stream_bytes(st, o, "thread_growth", true, &c.thread_growth) ||
	    mt_stream_opt_bool(st, o, "open", &c.open) || mt_stream_opt_str(st, o, "file", &c.file) ||
	    mt_stream_opt_bool(st, o, "partial", &c.partial))
		return -1;
	c.pid = pid;
	c.tid = tid;
	idx = call_row(r, &c);
	if (idx < 0)
		return add_failed(r, idx);
	mt_stats_add_call(&r->live, idx, &c);
	r->ncalls++;
	return 0;
}

static int read_sample(struct reader *r, const json_t *o)
{
	int64_t rss, peak;

	if (mt_stream_bytes(&r->st, o, "rss", false, &rss) ||
	    mt_stream_bytes(&r->st, o, "peak", false, &peak))
		return -1;
	if (rss > r->live.peak_rss)
		r->live.peak_rss = rss;
	if (peak > r->live.peak_rss)
		r->live.peak_rss = peak;
	return 0;
}

static int read_lost(struct reader *r, const json_t *o)
{
	int64_t count;

	if (mt_stream_int(&r->st, o, "count", 0, MAX_COUNT, &count))
		return -1;
	/* At most 2^60 a record: the sum saturates rather than wraps. */
	if (__builtin_add_overflow(r->live.lost, (uint64_t)count, &r->live.lost))
		r->live.lost = UINT64_MAX;
	return 0;
}

static int read_summary_func(struct reader *r, const json_t *funcs, size_t i)
{
	struct mt_stream *st = &r->st;
	struct mt_func_stats *f;
	const char *func, *kind, *file = NULL;
	int64_t calls, open = 0, gmax, pmax, growth, thread, unwound = 0, untimed = 0, partial = 0;
	int64_t retained = 0;
	bool calls_known, known, retained_known = false;
	json_t *o;
	int idx;

	/* "open" came later within schema 1 (docs/schema.md, Versioning): absent means none. */
	if (mt_stream_obj_at(st, funcs, "functions", i, &o) || mt_stream_str(st, o, "func", &func) ||
	    mt_stream_str_or_null(st, o, "kind", &kind) ||
	    mt_stream_int_or_null(st, o, "calls", 0, MAX_COUNT, &calls, &calls_known) ||
	    mt_stream_opt_int(st, o, "open", 0, MAX_COUNT, &open) ||
	    mt_stream_int_or_null(st, o, "growth_max", -MT_STREAM_MAX_BYTES, MT_STREAM_MAX_BYTES,
				  &gmax, &known) ||
	    mt_stream_int_or_null(st, o, "peak_max", -MT_STREAM_MAX_BYTES, MT_STREAM_MAX_BYTES,
				  &pmax, &known) ||
	    mt_stream_opt_str(st, o, "file", &file) ||
	    mt_stream_bytes(st, o, "growth", true, &growth) ||
	    mt_stream_bytes(st, o, "thread_growth", true, &thread) ||
	    mt_stream_opt_int(st, o, "unwound", 0, MAX_COUNT, &unwound) ||
	    mt_stream_opt_int(st, o, "untimed", 0, MAX_COUNT, &untimed) ||
	    mt_stream_opt_int(st, o, "partial", 0, MAX_COUNT, &partial))
		return -1;
	/* Came later within schema 1: absent, like null, means not measured. */
	if (json_object_get(o, "retained") &&
	    mt_stream_int_or_null(st, o, "retained", -MT_STREAM_MAX_BYTES, MT_STREAM_MAX_BYTES,
				  &retained, &retained_known))
		return -1;
	idx = mt_stats_func_in(&r->summary, func, file, kind, calls_known);
	if (idx < 0)
		return add_failed(r, idx);
	f = &r->summary.funcs[idx];
	f->calls = calls;
	f->open = open;
	f->growth_max = gmax;
	f->peak_max = pmax;
	f->growth = growth;
	f->thread_growth = thread;
	f->unwound = unwound;
	f->untimed = untimed;
	f->partial = partial;
	f->retained = retained;
	f->retained_known = retained_known;
	return 0;
}

static int read_summary_line(struct reader *r, const json_t *lines, size_t i)
{
	struct mt_stream *st = &r->st;
	struct mt_line_stats l = { 0 };
	const char *func, *file;
	int64_t line;
	bool mem_known, occ_known;
	json_t *o;
	int e;

	if (mt_stream_obj_at(st, lines, "lines", i, &o) || mt_stream_str(st, o, "func", &func) ||
	    mt_stream_str(st, o, "file", &file) || mt_stream_int(st, o, "line", 0, INT_MAX, &line) ||
	    mt_stream_int_or_null(st, o, "mem", 0, MT_STREAM_MAX_BYTES, &l.mem, &mem_known) ||
	    mt_stream_bytes(st, o, "increment", true, &l.increment) ||
	    mt_stream_int_or_null(st, o, "occurrences", 0, MAX_COUNT, &l.occurrences, &occ_known) ||
	    mt_stream_str_or_null(st, o, "source", (const char **)&l.source))
		return -1;
	l.func = (char *)func;
	l.file = (char *)file;
	l.line = (int)line;
	if (!mem_known)
		l.mem = -1;
	if (!occ_known)
		l.occurrences = -1;
	e = mt_stats_add_line(&r->summary, &l);
	return e ? add_failed(r, e) : 0;
}

/* The live table's "how" of summary.processes[].joined; a value unknown to this version reads "?". */
static const char *joined_how(const char *joined)
{
	static const char *const hows[] = { "named", "fork", "seen" };

	for (size_t i = 0; i < sizeof(hows) / sizeof(hows[0]); i++)
		if (!strcmp(joined, hows[i]))
			return hows[i];
	return "?";
}

/* A shell's status (exit.status) as the wait status the live table started from (user/procs.c). */
static int wait_status(int64_t code)
{
	return code > 128 && code < 128 + 64 ? W_EXITCODE(0, (int)code - 128) : W_EXITCODE((int)code, 0);
}

static int read_summary_process(struct reader *r, const json_t *procs, size_t i)
{
	struct mt_stream *st = &r->st;
	const char *comm, *joined;
	int64_t pid, ppid, start, end, peak, execs, status;
	struct mt_proc_info *p;
	bool exited;
	json_t *o;

	if (mt_stream_obj_at(st, procs, "processes", i, &o) ||
	    mt_stream_int(st, o, "pid", 0, INT32_MAX, &pid) ||
	    mt_stream_int(st, o, "ppid", 0, INT32_MAX, &ppid) || mt_stream_str(st, o, "comm", &comm) ||
	    mt_stream_str(st, o, "joined", &joined) ||
	    mt_stream_bytes(st, o, "start_rss", false, &start) ||
	    mt_stream_bytes(st, o, "end_rss", false, &end) ||
	    mt_stream_bytes(st, o, "peak", false, &peak) ||
	    mt_stream_int(st, o, "execs", 0, UINT32_MAX, &execs) ||
	    mt_stream_int_or_null(st, o, "status", 0, 255, &status, &exited))
		return -1;
	if (r->procs.n >= MT_STATS_MAX_ROWS)
		return add_failed(r, -E2BIG);
	p = mt_procs_add(&r->procs, (pid_t)pid);
	if (!p)
		return add_failed(r, -ENOMEM);
	p->ppid = (pid_t)ppid;
	snprintf(p->comm, sizeof(p->comm), "%s", comm);
	p->how = joined_how(joined);
	p->start_rss = start;
	p->end_rss = end;
	p->peak = peak;
	p->execs = (unsigned)execs;
	p->exited = exited;
	p->status = wait_status(status);
	return 0;
}

/* A row of "Functions by process"; its function is numbered as the start record's targets are. */
static int read_summary_proc_func(struct reader *r, const json_t *funcs, size_t i)
{
	struct mt_stream *st = &r->st;
	struct mt_func_agg agg = { 0 };
	const char *func;
	int64_t pid, calls, growth, gmax, pmax, thread, unwound, untimed, partial, retained;
	bool known;
	json_t *o;
	int idx;

	if (mt_stream_obj_at(st, funcs, "functions_by_process", i, &o) ||
	    mt_stream_int(st, o, "pid", 0, INT32_MAX, &pid) || mt_stream_str(st, o, "func", &func) ||
	    mt_stream_int(st, o, "calls", 0, MAX_COUNT, &calls) ||
	    mt_stream_bytes(st, o, "growth", true, &growth) ||
	    mt_stream_int_or_null(st, o, "growth_max", -MT_STREAM_MAX_BYTES, MT_STREAM_MAX_BYTES,
				  &gmax, &known) ||
	    mt_stream_int_or_null(st, o, "peak_max", -MT_STREAM_MAX_BYTES, MT_STREAM_MAX_BYTES,
				  &pmax, &known) ||
	    mt_stream_bytes(st, o, "thread_growth", true, &thread) ||
	    mt_stream_int(st, o, "unwound", 0, MAX_COUNT, &unwound) ||
	    mt_stream_int(st, o, "untimed", 0, MAX_COUNT, &untimed) ||
	    mt_stream_int(st, o, "partial", 0, MAX_COUNT, &partial) ||
	    mt_stream_bytes(st, o, "retained", true, &retained))
		return -1;
	if (r->procs.nfuncs >= MT_STATS_MAX_ROWS)
		return add_failed(r, -E2BIG);
	/* The start record's target of that name, or a row of its own (a writer's names agree). */
	idx = mt_stats_func(&r->live, func, "native", true);
	if (idx < 0)
		return add_failed(r, idx);
	agg = (struct mt_func_agg){ .calls = calls, .growth = growth, .growth_max = gmax,
				    .peak_max = pmax, .thread_growth = thread, .unwound = unwound,
				    .untimed = untimed, .partial = partial, .retained = retained };
	return mt_procs_add_func(&r->procs, (pid_t)pid, idx, &agg) ? add_failed(r, -ENOMEM) : 0;
}

/* Each row of array a through read(r, a, i); 0, or -1 at the first bad one. */
static int read_rows(struct reader *r, const json_t *a,
		     int (*read)(struct reader *, const json_t *, size_t))
{
	for (size_t i = 0; i < json_array_size(a); i++)
		if (read(r, a, i))
			return -1;
	return 0;
}

/* Several processes traced: the figures behind the live run's per-process tables. */
static int read_summary_procs(struct reader *r, const json_t *o)
{
	json_t *procs = NULL, *funcs = NULL;

	mt_procs_free(&r->procs);
	r->have_procs = json_object_get(o, "processes") != NULL;
	if (!r->have_procs)
		return 0;
	if (mt_stream_arr(&r->st, o, "processes", &procs) ||
	    mt_stream_arr(&r->st, o, "functions_by_process", &funcs))
		return -1;
	return read_rows(r, procs, read_summary_process) || read_rows(r, funcs, read_summary_proc_func) ?
		       -1 : 0;
}

static int read_summary(struct reader *r, const json_t *o)
{
	struct mt_stream *st = &r->st;
	json_t *funcs, *lines;
	int64_t lost;

	/* Only the last summary counts (a writer never emits two; the lint says so). */
	mt_stats_free(&r->summary);
	if (mt_stream_num(st, o, "duration", -MT_STREAM_MAX_SECONDS, MT_STREAM_MAX_SECONDS,
			  &r->summary.duration) ||
	    mt_stream_bytes(st, o, "peak_rss", false, &r->summary.peak_rss) ||
	    mt_stream_int(st, o, "lost", 0, MAX_COUNT, &lost) ||
	    mt_stream_arr(st, o, "functions", &funcs) || mt_stream_arr(st, o, "lines", &lines))
		return -1;
	r->summary.lost = lost;
	if (read_rows(r, funcs, read_summary_func) || read_rows(r, lines, read_summary_line) ||
	    read_summary_procs(r, o))
		return -1;
	r->have_summary = true;
	return 0;
}

/* The run itself failed at some point: worth telling, not fatal here. */
static int read_error(struct reader *r, const json_t *o)
{
	const char *msg;
	char *esc;

	if (mt_stream_str(&r->st, o, "message", &msg))
		return -1;
	esc = mt_term_escape(msg, strlen(msg), false);
	mt_err("%s:%zu: the traced run reported an error: %s", r->st.name, r->st.lineno,
	       esc ? esc : "?");
	free(esc);
	return 0;
}

/* One memtrace record (the stream skips the others). */
static int read_record(struct reader *r)
{
	struct mt_stream *st = &r->st;
	const json_t *o = st->rec;
	int64_t i;

	if (st->t > r->last_t)
		r->last_t = st->t;
	if (st->type == MT_STREAM_REC_START)
		return read_start(r, o);
	if (st->type == MT_STREAM_REC_ERROR)
		return read_error(r, o);
	if (!r->have_start)
		return mt_stream_bad(st, "\"%s\" record before the \"start\" record; "
				     "is this a whole memtrace --json stream?", st->type_name);
	if (mt_stream_profile(st, &r->profile))
		return -1;
	switch (st->type) {
	case MT_STREAM_REC_CALL:
		return read_call(r, o, st->t);
	case MT_STREAM_REC_SAMPLE:
		return read_sample(r, o);
	case MT_STREAM_REC_LOST:
		return read_lost(r, o);
	case MT_STREAM_REC_EXIT:
		return mt_stream_int(st, o, "pid", 0, INT32_MAX, &i) ||
		       mt_stream_int(st, o, "status", INT32_MIN, INT32_MAX, &i) ? -1 : 0;
	case MT_STREAM_REC_SUMMARY:
		return read_summary(r, o);
	default:
		return 0;
	}
}

/* Reads the whole stream; 0, or -1 after printing why. */
static int read_stream(struct reader *r)
{
	int rc;

	while ((rc = mt_stream_next(&r->st)) > 0)
		if (read_record(r))
			return -1;
	return rc;
}

/* The live run's "Functions by process" and "Processes by RSS growth", by the same printers. */
static void report_procs(struct reader *r)
{
	const char **names = calloc(r->live.nfuncs + 1, sizeof(*names));

	for (size_t i = 0; names && i < r->live.nfuncs; i++)
		names[i] = r->live.funcs[i].func;
	if (names)
		mt_procs_report_functions(stdout, &r->procs, names, r->live.nfuncs,
					  report_all_procs ? 0 : 10);
	free(names);
	mt_procs_report(stdout, &r->procs, report_all_procs ? 0 : 20);
}

static void print_report(struct reader *r)
{
	struct mt_stats *s = r->have_summary ? &r->summary : &r->live;

	if (!r->have_summary) {
		s->duration = r->last_t;
		fprintf(stderr, "(no summary record: stream was cut short; totals rebuilt from "
			"%zu call record%s)\n", r->ncalls, r->ncalls == 1 ? "" : "s");
	}
	printf("memtrace report: pid %" PRId64 " (", r->pid);
	put_text(stdout, r->comm);
	printf("), %zu function%s, %.1f s\n\n", s->nfuncs, s->nfuncs == 1 ? "" : "s",
	       s->duration);
	/* In a live run's order (user/main.c): functions, per process, processes, stacks, lines. */
	if (s->nfuncs)
		mt_report_functions(stdout, s);
	if (r->have_procs)
		report_procs(r);
	/* Where RSS grew by call stack, when the run sampled stacks. */
	if (r->profile.nstacks || r->profile.sample_bytes)
		mt_report_stacks(stdout, &r->profile, mt_report_stacks_top(s->nfuncs));
	mt_report_lines(stdout, s);
	mt_report_incomplete(s);
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: memtrace report [--bytes] FILE\n"
		"Print the tables again from a stream saved with `memtrace -o FILE` or\n"
		"`memtrace --json > FILE` (NDJSON, schema %d). FILE - reads stdin.\n"
		"No root needed. A stream cut short (no summary record) is still reported,\n"
		"its totals rebuilt from the call records.\n"
		"\n"
		"      --bytes    sizes in the tables as exact bytes, not MiB\n"
		"  -v, --verbose  every process in \"Processes by RSS growth\" (default: the top 20)\n"
		"  -h, --help     this help\n"
		"\n"
		"EXAMPLES:\n"
		"    memtrace report run.ndjson\n"
		"    ssh host cat run.ndjson | memtrace report -\n", MT_SCHEMA);
}

/* Returns the file argument, or NULL after a usage message (*rc set). */
static const char *parse_args(int argc, char **argv, int *rc)
{
	enum { OPT_BYTES = 256 };
	static const struct option opts[] = {
		{ "bytes", no_argument, NULL, OPT_BYTES },
		{ "help", no_argument, NULL, 'h' },
		{ "verbose", no_argument, NULL, 'v' },
		{},
	};
	int c;

	opterr = 0;
	optind = 1;
	/* "+": options end at FILE, as they did before getopt_long. */
	while ((c = getopt_long(argc, argv, "+hv", opts, NULL)) != -1) {
		if (c == OPT_BYTES) {
			mt_report_bytes = true;
			continue;
		}
		if (c == 'v') {
			report_all_procs = true;
			continue;
		}
		if (c == 'h') {
			usage(stdout);
			*rc = 0;
			return NULL;
		}
		mt_err("report: unknown option '%s'; see memtrace report --help", argv[optind - 1]);
		*rc = 2;
		return NULL;
	}
	if (optind < argc - 1) {
		mt_err("report: one FILE at a time ('%s' and '%s' given)", argv[optind],
		       argv[optind + 1]);
		*rc = 2;
		return NULL;
	}
	if (optind == argc) {
		mt_err("report: missing FILE");
		usage(stderr);
		*rc = 2;
		return NULL;
	}
	return argv[optind];
}

int mt_report_main(int argc, char **argv)
{
	/* No sample or call seen means the peak is unknown ("-"), not 0. */
	struct reader r = { .live.peak_rss = INT64_MIN };
	const char *file;
	int rc = 1;

	file = parse_args(argc, argv, &rc);
	if (!file)
		return rc;
	if (mt_stream_open(&r.st, file, NULL, 0))
		return 1;
	if (read_stream(&r))
		goto out;
	if (!r.have_start) {
		mt_err("%s: no memtrace records (schema %d) found", r.st.name, MT_SCHEMA);
		goto out;
	}
	print_report(&r);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		mt_err("cannot write the report: %s", strerror(errno));
		goto out;
	}
	rc = 0;
out:
	mt_stream_close(&r.st);
	free(r.comm);
	mt_stats_free(&r.live);
	mt_stats_free(&r.summary);
	mt_profile_free(&r.profile);
	mt_procs_free(&r.procs);
	return rc;
}

void mt_report_incomplete(const struct mt_stats *s)
{
	uint64_t partial = 0;

	for (size_t i = 0; i < s->nfuncs; i++)
		partial += s->funcs[i].partial;
	if (partial)
		mt_warn("%" PRIu64 " call%s began before tracing and ended while traced: counted apart as partial, not in Calls, Growth or the per-call maxima (their call records cover them from when tracing began)",
			partial, partial == 1 ? "" : "s");
	for (size_t i = 0; i < s->nfuncs; i++) {
		const struct mt_func_stats *f = &s->funcs[i];

		if (f->untimed)
			mt_warn("%s: %" PRIu64 " call%s not counted: more than %d calls were open at once, the most memtrace can time; its figures miss %s",
				f->func, f->untimed, f->untimed == 1 ? " was" : "s were", MT_MAX_ACTIVE,
				f->untimed == 1 ? "it" : "them");
		if (f->unwound)
			mt_warn("%s: %" PRIu64 " of its calls ended without returning (longjmp, an exception or the thread's exit); each was closed where its thread left it",
				f->func, f->unwound);
	}
}

void mt_report_status(FILE *f, double t, int64_t rss, int64_t peak, uint64_t calls, uint64_t lost)
{
	char r[32], p[32];

	fprintf(f, "\r\033[K[%7.1fs] RSS %s MiB  peak %s MiB  calls %llu  lost %llu", t,
		mt_fmt_mib(r, sizeof(r), rss), mt_fmt_mib(p, sizeof(p), peak),
		(unsigned long long)calls, (unsigned long long)lost);
	fflush(f);
}

void mt_report_status_clear(FILE *f)
{
	fprintf(f, "\r\033[K");
	fflush(f);
}
