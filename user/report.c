// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The tables (memory_profiler's units and layout) and `memtrace report`,
 * which rebuilds them from a saved NDJSON stream.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "jsonparse.h"
#include "records.h"
#include "report.h"

#define MIB 1048576
/*
 * Large enough for any mt_fmt_mib() result ("-8796093022208.00") and for
 * "18446744073709551615 (+18446744073709551615 open)": cells never truncate.
 */
#define CELL_LEN 64

const char *mt_fmt_mib(char *buf, size_t len, int64_t bytes)
{
	uint64_t mag, whole, cents;
	bool neg = bytes < 0;

	if (bytes == INT64_MIN) {
		snprintf(buf, len, "-");
		return buf;
	}
	/* Integer rounding (half away from zero): no binary-fraction surprises at .xx5. */
	mag = neg ? (uint64_t)-bytes : (uint64_t)bytes;
	whole = mag / MIB;
	cents = ((mag % MIB) * 100 + MIB / 2) / MIB;
	if (cents == 100) {
		whole++;
		cents = 0;
	}
	/* A shrink that rounds to nothing prints as 0.00, not -0.00. */
	if (whole == 0 && cents == 0)
		neg = false;
	snprintf(buf, len, "%s%" PRIu64 ".%02" PRIu64, neg ? "-" : "", whole, cents);
	return buf;
}

/* Terminal columns of a UTF-8 string, close enough: one per code point. */
static size_t disp_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

/*
 * Names and source lines come from the traced program: a control byte in
 * one must not move the cursor or recolour the user's terminal.
 */
static void put_text(FILE *f, const char *s, bool keep_tabs)
{
	for (; *s; s++) {
		unsigned char c = *s;

		if ((c < 0x20 && !(keep_tabs && c == '\t')) || c == 0x7f)
			c = '?';
		fputc(c, f);
	}
}

static void pad(FILE *f, size_t n)
{
	while (n--)
		fputc(' ', f);
}

/* Function table */

enum { COL_FUNC, COL_CALLS, COL_GROWTH, COL_GMAX, COL_PEAK, COL_THREAD, NCOLS };

static const char *const col_title[NCOLS] = {
	"Function", "Calls", "Growth (MiB)", "Max growth/call", "Peak in call", "Thread-caused",
};

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
		if (fs->open)
			snprintf(buf, CELL_LEN, "%" PRIu64 " (+%" PRIu64 " open)", fs->calls, fs->open);
		else
			snprintf(buf, CELL_LEN, "%" PRIu64, fs->calls);
		return buf;
	case COL_GROWTH:
		return mt_fmt_mib(buf, CELL_LEN, fs->growth);
	case COL_GMAX:
		return mt_fmt_mib(buf, CELL_LEN, per_call ? fs->growth_max : INT64_MIN);
	case COL_PEAK:
		return mt_fmt_mib(buf, CELL_LEN, per_call ? fs->peak_max : INT64_MIN);
	case COL_THREAD:
		return mt_fmt_mib(buf, CELL_LEN, fs->thread_growth);
	}
	return "";
}

/* The name column is left-aligned, numbers right-aligned; three spaces between. */
static void put_row(FILE *f, const char *const cells[NCOLS], const size_t width[NCOLS])
{
	int c;

	put_text(f, cells[COL_FUNC], false);
	pad(f, width[COL_FUNC] - disp_width(cells[COL_FUNC]));
	for (c = 1; c < NCOLS; c++) {
		pad(f, 3 + width[c] - disp_width(cells[c]));
		fputs(cells[c], f);
	}
	fputc('\n', f);
}

/* "work (app.py)" where several rows share a name (Python functions in several files). */
static char *display_name(const struct mt_stats *s, size_t i)
{
	const struct mt_func_stats *fs = &s->funcs[i];
	char *name = NULL;
	bool shared = false;

	for (size_t j = 0; j < s->nfuncs; j++)
		shared |= j != i && !strcmp(s->funcs[j].func, fs->func);
	if (shared && fs->file && asprintf(&name, "%s (%s)", fs->func, fs->file) >= 0)
		return name;
	return strdup(fs->func);
}

void mt_report_functions(FILE *f, const struct mt_stats *in)
{
	size_t width[NCOLS], i, w;
	char buf[NCOLS][CELL_LEN];
	const char *cells[NCOLS];
	struct mt_stats copy = *in, *s = &copy;
	int c;

	/* A shallow copy whose rows carry their display names. */
	copy.funcs = calloc(in->nfuncs ? in->nfuncs : 1, sizeof(*copy.funcs));
	if (!copy.funcs)
		return;
	for (i = 0; i < in->nfuncs; i++) {
		copy.funcs[i] = in->funcs[i];
		copy.funcs[i].func = display_name(in, i);
		if (!copy.funcs[i].func)
			copy.funcs[i].func = in->funcs[i].func;
	}

	for (c = 0; c < NCOLS; c++)
		width[c] = disp_width(col_title[c]);
	for (i = 0; i < s->nfuncs; i++) {
		for (c = 0; c < NCOLS; c++) {
			w = disp_width(func_cell(&s->funcs[i], c, buf[c]));
			if (w > width[c])
				width[c] = w;
		}
	}

	put_row(f, col_title, width);
	for (i = 0; i < s->nfuncs; i++) {
		for (c = 0; c < NCOLS; c++)
			cells[c] = func_cell(&s->funcs[i], c, buf[c]);
		put_row(f, cells, width);
	}
	for (i = 0; i < s->nfuncs; i++) {
		const struct mt_func_stats *fs = &s->funcs[i];

		/* Tells "no call seen" apart from "calls that did not grow memory". */
		if (fs->calls_known && fs->calls == 0 && fs->open == 0) {
			fputs("  ", f);
			put_text(f, fs->func, false);
			fputs(": never called while tracing\n", f);
		} else if (!fs->calls_known && fs->growth == 0 && fs->thread_growth == 0) {
			/* Frame walking sees a function only when memory changes inside it. */
			fputs("  ", f);
			put_text(f, fs->func, false);
			fputs(": no memory change seen inside it while tracing (calls are counted with --exact)\n",
			      f);
		}
	}

	fprintf(f, "\nPeak RSS: %s MiB over %.1f s\n", mt_fmt_mib(buf[0], CELL_LEN, s->peak_rss),
		s->duration);
	if (s->lost > 0)
		fprintf(f, "Lost records: %" PRIu64 " (ring buffer full)\n", s->lost);
	for (i = 0; i < in->nfuncs; i++)
		if (copy.funcs[i].func != in->funcs[i].func)
			free(copy.funcs[i].func);
	free(copy.funcs);
}

/* Line tables */

static bool same_str(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return !strcmp(a, b);
}

static bool same_group(const struct mt_line_stats *a, const struct mt_line_stats *b)
{
	return same_str(a->func, b->func) && same_str(a->file, b->file);
}

/* Orders rows by line number, then by position in the array (stable). */
static bool row_before(const struct mt_stats *s, size_t a, size_t b)
{
	if (s->lines[a].line != s->lines[b].line)
		return s->lines[a].line < s->lines[b].line;
	return a < b;
}

/*
 * memory_profiler's row: '{0:>6} {1:>12} {2:>12}  {3:>10}   {4:<}', with
 * sizes as '{:6.2f} MiB' (its precision + 4 wide, here precision 2).
 */
static void put_line_row(FILE *f, const struct mt_line_stats *l)
{
	char mem[CELL_LEN], inc[CELL_LEN], occ[CELL_LEN], num[CELL_LEN];
	const char *src = l->source ? l->source : "";
	size_t n = strlen(src);

	if (l->mem < 0)
		snprintf(mem, sizeof(mem), "-");
	else
		snprintf(mem, sizeof(mem), "%6s MiB", mt_fmt_mib(num, sizeof(num), l->mem));
	snprintf(inc, sizeof(inc), "%6s MiB", mt_fmt_mib(num, sizeof(num), l->increment));
	if (l->occurrences < 0)
		snprintf(occ, sizeof(occ), "-");
	else
		snprintf(occ, sizeof(occ), "%" PRId64, l->occurrences);

	fprintf(f, "%6d %12s %12s  %10s   ", l->line, mem, inc, occ);
	/* Source lines keep their indentation but not a line terminator. */
	while (n > 0 && (src[n - 1] == '\n' || src[n - 1] == '\r'))
		n--;
	for (size_t k = 0; k < n; k++) {
		unsigned char c = src[k];

		fputc((c < 0x20 && c != '\t') || c == 0x7f ? '?' : c, f);
	}
	fputc('\n', f);
}

static void put_line_group(FILE *f, const struct mt_stats *s, size_t first)
{
	static const char header[] =
		"Line #    Mem usage    Increment  Occurrences   Line Contents";
	size_t i, prev = 0, next, left = 0;
	bool have_prev = false;

	fputs("\nFilename: ", f);
	put_text(f, s->lines[first].file ? s->lines[first].file : "?", false);
	fprintf(f, "\n\n%s\n", header);
	for (i = 0; i < sizeof(header) - 1; i++)
		fputc('=', f);
	fputc('\n', f);

	for (i = first; i < s->nlines; i++)
		left += same_group(&s->lines[i], &s->lines[first]);
	/* Selection by line number: no allocation, and groups hold a few dozen lines. */
	while (left--) {
		bool found = false;

		next = 0;
		for (i = first; i < s->nlines; i++) {
			if (!same_group(&s->lines[i], &s->lines[first]))
				continue;
			if (have_prev && !row_before(s, prev, i))
				continue;
			if (!found || row_before(s, i, next)) {
				next = i;
				found = true;
			}
		}
		put_line_row(f, &s->lines[next]);
		prev = next;
		have_prev = true;
	}
}

void mt_report_lines(FILE *f, const struct mt_stats *s)
{
	size_t i, k;

	for (i = 0; i < s->nlines; i++) {
		/* One table per (function, file), in order of first appearance. */
		for (k = 0; k < i; k++)
			if (same_group(&s->lines[k], &s->lines[i]))
				break;
		if (k == i)
			put_line_group(f, s, i);
	}
}

/* `memtrace report` */

struct reader {
	const char *name; /* for messages: the path, or "stdin" */
	size_t lineno;
	const char *rec;  /* type of the record being read, for messages */
	bool have_start, have_summary;
	int64_t pid;
	char *comm;
	double last_t;
	size_t ncalls;
	struct mt_stats live;    /* from start targets, calls, samples, lost */
	struct mt_stats summary; /* from the summary record */
	size_t lines_cap;
};

static int __attribute__((format(printf, 2, 3))) bad(struct reader *r, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "memtrace: %s:%zu: ", r->name, r->lineno);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

static const char *describe(const struct mt_jval *v)
{
	switch (v->type) {
	case MT_JNULL: return "null";
	case MT_JBOOL: return "a boolean";
	case MT_JNUM: return v->num.is_int ? "an integer" : "a non-integer number";
	case MT_JSTR: return "a string";
	case MT_JARR: return "an array";
	case MT_JOBJ: return "an object";
	}
	return "?";
}

static int bad_field(struct reader *r, const struct mt_jval *o, const char *key, const char *want)
{
	const struct mt_jval *v = mt_jobj_get(o, key);

	if (!v)
		return bad(r, "\"%s\" record: \"%s\" is missing", r->rec, key);
	return bad(r, "\"%s\" record: \"%s\" should be %s, not %s", r->rec, key, want,
		   describe(v));
}

static int need_int(struct reader *r, const struct mt_jval *o, const char *key, int64_t *out)
{
	return mt_jget_int(o, key, out) ? 0 : bad_field(r, o, key, "an integer");
}

static int need_num(struct reader *r, const struct mt_jval *o, const char *key, double *out)
{
	return mt_jget_num(o, key, out) ? 0 : bad_field(r, o, key, "a number");
}

static int need_str(struct reader *r, const struct mt_jval *o, const char *key, const char **out)
{
	return mt_jget_str(o, key, out) ? 0 : bad_field(r, o, key, "a string");
}

static int need_arr(struct reader *r, const struct mt_jval *o, const char *key,
		    const struct mt_jval **out)
{
	const struct mt_jval *v = mt_jobj_get(o, key);

	if (!v || v->type != MT_JARR)
		return bad_field(r, o, key, "an array");
	*out = v;
	return 0;
}

/* Integer or null (unknown): *known tells which. */
static int need_int_or_null(struct reader *r, const struct mt_jval *o, const char *key,
			    int64_t *out, bool *known)
{
	const struct mt_jval *v = mt_jobj_get(o, key);

	*known = false;
	*out = 0;
	if (v && v->type == MT_JNULL)
		return 0;
	*known = true;
	return mt_jget_int(o, key, out) ? 0 : bad_field(r, o, key, "an integer or null");
}

static int need_str_or_null(struct reader *r, const struct mt_jval *o, const char *key,
			    const char **out)
{
	const struct mt_jval *v = mt_jobj_get(o, key);

	*out = NULL;
	if (v && v->type == MT_JNULL)
		return 0;
	return need_str(r, o, key, out);
}

static int need_obj(struct reader *r, const struct mt_jval *v, const char *what, size_t i)
{
	if (v->type == MT_JOBJ)
		return 0;
	return bad(r, "\"%s\" record: %s[%zu] should be an object, not %s", r->rec, what, i,
		   describe(v));
}

static int nomem(struct reader *r)
{
	return bad(r, "out of memory");
}

static int read_start(struct reader *r, const struct mt_jval *o)
{
	const struct mt_jval *targets = NULL;
	const char *comm;
	int64_t schema;
	size_t i;

	if (r->have_start)
		return bad(r, "a second \"start\" record: the file holds more than one run; "
			   "split it and report each run on its own");
	if (need_int(r, o, "schema", &schema))
		return -1;
	if (schema != MT_SCHEMA)
		return bad(r, "written with JSON schema %" PRId64 ", this memtrace reads schema %d; "
			   "use the memtrace version that wrote it", schema, MT_SCHEMA);
	if (need_int(r, o, "pid", &r->pid) || need_str(r, o, "comm", &comm) ||
	    need_arr(r, o, "targets", &targets))
		return -1;
	r->comm = strdup(comm);
	if (!r->comm)
		return nomem(r);
	for (i = 0; i < targets->arr.n; i++) {
		const struct mt_jval *tg = &targets->arr.items[i];
		const char *func, *kind, *method;

		if (need_obj(r, tg, "targets", i) || need_str(r, tg, "func", &func) ||
		    need_str(r, tg, "kind", &kind) || need_str(r, tg, "method", &method))
			return -1;
		/* Frame walking sees memory changes, not call boundaries: it cannot count calls. */
		if (mt_stats_func(&r->live, func, kind, strcmp(method, "frames") != 0) < 0)
			return nomem(r);
	}
	r->have_start = true;
	return 0;
}

static int read_call(struct reader *r, const struct mt_jval *o, double t)
{
	struct mt_call c = { .t = t };
	int64_t pid, tid;
	int idx;

	if (need_int(r, o, "pid", &pid) || need_int(r, o, "tid", &tid) ||
	    need_str(r, o, "func", &c.func) || need_num(r, o, "dur", &c.dur) ||
	    need_int(r, o, "rss_entry", &c.rss_entry) || need_int(r, o, "rss_exit", &c.rss_exit) ||
	    need_int(r, o, "rss_peak", &c.rss_peak) || need_int(r, o, "growth", &c.growth) ||
	    need_int(r, o, "thread_growth", &c.thread_growth))
		return -1;
	if (mt_jobj_get(o, "open") && !mt_jget_bool(o, "open", &c.open))
		return bad_field(r, o, "open", "a boolean");
	if (mt_jobj_get(o, "file") && !mt_jget_str(o, "file", &c.file))
		return bad_field(r, o, "file", "a string");
	c.pid = pid;
	c.tid = tid;
	/* A function missing from the start record's targets still gets its row. */
	idx = c.file ? mt_stats_find_in(&r->live, c.func, c.file) : -1;
	if (idx < 0 && c.file && (idx = mt_stats_find_in(&r->live, c.func, NULL)) >= 0 &&
	    !r->live.funcs[idx].file && !r->live.funcs[idx].calls && !r->live.funcs[idx].open) {
		/* The start record's row for this target, not yet tied to a file: tie it. */
		r->live.funcs[idx].file = strdup(c.file);
		if (!r->live.funcs[idx].file)
			return nomem(r);
	} else if (idx < 0) {
		idx = mt_stats_func_in(&r->live, c.func, c.file, c.file ? "python" : NULL, true);
	}
	if (idx < 0)
		return nomem(r);
	mt_stats_add_call(&r->live, idx, &c);
	r->ncalls++;
	return 0;
}

static int read_sample(struct reader *r, const struct mt_jval *o)
{
	int64_t rss, peak;

	if (need_int(r, o, "rss", &rss) || need_int(r, o, "peak", &peak))
		return -1;
	if (rss > r->live.peak_rss)
		r->live.peak_rss = rss;
	if (peak > r->live.peak_rss)
		r->live.peak_rss = peak;
	return 0;
}

static int read_lost(struct reader *r, const struct mt_jval *o)
{
	int64_t count;

	if (need_int(r, o, "count", &count))
		return -1;
	if (count < 0)
		return bad(r, "\"lost\" record: negative \"count\"");
	r->live.lost += count;
	return 0;
}

static int read_summary_func(struct reader *r, const struct mt_jval *o, size_t i)
{
	struct mt_func_stats *f;
	const char *func, *kind, *file = NULL;
	int64_t calls, open = 0, gmax, pmax;
	bool calls_known, known;
	int idx;

	if (need_obj(r, o, "functions", i) || need_str(r, o, "func", &func) ||
	    need_str_or_null(r, o, "kind", &kind) ||
	    need_int_or_null(r, o, "calls", &calls, &calls_known) ||
	    need_int_or_null(r, o, "growth_max", &gmax, &known) ||
	    need_int_or_null(r, o, "peak_max", &pmax, &known))
		return -1;
	/* "open" came after DESIGN.md's first list of keys: absent means none. */
	if (mt_jobj_get(o, "open") && need_int(r, o, "open", &open))
		return -1;
	if (calls < 0 || open < 0)
		return bad(r, "\"summary\" record: negative call count for %s", func);
	if (mt_jobj_get(o, "file") && !mt_jget_str(o, "file", &file))
		return bad_field(r, o, "file", "a string");
	idx = mt_stats_func_in(&r->summary, func, file, kind, calls_known);
	if (idx < 0)
		return nomem(r);
	f = &r->summary.funcs[idx];
	f->calls = calls;
	f->open = open;
	f->growth_max = gmax;
	f->peak_max = pmax;
	if (need_int(r, o, "growth", &f->growth) ||
	    need_int(r, o, "thread_growth", &f->thread_growth))
		return -1;
	return 0;
}

static int read_summary_line(struct reader *r, const struct mt_jval *o, size_t i)
{
	struct mt_stats *s = &r->summary;
	struct mt_line_stats *l;
	const char *func, *file, *source;
	int64_t line, mem, inc, occ;
	bool mem_known, occ_known;

	if (need_obj(r, o, "lines", i) || need_str(r, o, "func", &func) ||
	    need_str(r, o, "file", &file) || need_int(r, o, "line", &line) ||
	    need_int_or_null(r, o, "mem", &mem, &mem_known) ||
	    need_int(r, o, "increment", &inc) ||
	    need_int_or_null(r, o, "occurrences", &occ, &occ_known) ||
	    need_str_or_null(r, o, "source", &source))
		return -1;
	if (line < 0 || line > INT_MAX)
		return bad(r, "\"summary\" record: line number %" PRId64 " out of range", line);
	if (s->nlines == r->lines_cap) {
		size_t cap = r->lines_cap ? r->lines_cap * 2 : 16;
		struct mt_line_stats *lines = realloc(s->lines, cap * sizeof(*lines));

		if (!lines)
			return nomem(r);
		s->lines = lines;
		r->lines_cap = cap;
	}
	l = &s->lines[s->nlines];
	memset(l, 0, sizeof(*l));
	l->func = strdup(func);
	l->file = strdup(file);
	l->source = source ? strdup(source) : NULL;
	/* Counted even on failure so mt_stats_free() releases what was copied. */
	s->nlines++;
	if (!l->func || !l->file || (source && !l->source))
		return nomem(r);
	l->line = (int)line;
	l->mem = mem_known ? mem : -1;
	l->increment = inc;
	l->occurrences = occ_known ? occ : -1;
	return 0;
}

static int read_summary(struct reader *r, const struct mt_jval *o)
{
	const struct mt_jval *funcs = NULL, *lines = NULL;
	int64_t lost;
	size_t i;

	/* Only the last summary counts (a writer never emits two; the lint says so). */
	mt_stats_free(&r->summary);
	r->lines_cap = 0;
	if (need_num(r, o, "duration", &r->summary.duration) ||
	    need_int(r, o, "peak_rss", &r->summary.peak_rss) || need_int(r, o, "lost", &lost) ||
	    need_arr(r, o, "functions", &funcs) || need_arr(r, o, "lines", &lines))
		return -1;
	if (lost < 0)
		return bad(r, "\"summary\" record: negative \"lost\"");
	r->summary.lost = lost;
	for (i = 0; i < funcs->arr.n; i++)
		if (read_summary_func(r, &funcs->arr.items[i], i))
			return -1;
	for (i = 0; i < lines->arr.n; i++)
		if (read_summary_line(r, &lines->arr.items[i], i))
			return -1;
	r->have_summary = true;
	return 0;
}

/* One parsed line. Records of types this version does not know are skipped. */
static int read_record(struct reader *r, const struct mt_jval *o)
{
	const char *type, *msg;
	int64_t i;
	double t;

	if (!mt_jget_str(o, "type", &type))
		return 0; /* not ours; if nothing is, the end says so */
	if (strcmp(type, "start") && strcmp(type, "call") && strcmp(type, "sample") &&
	    strcmp(type, "lost") && strcmp(type, "exit") && strcmp(type, "summary") &&
	    strcmp(type, "error"))
		return 0;
	r->rec = type;
	if (need_num(r, o, "t", &t))
		return -1;
	if (t > r->last_t)
		r->last_t = t;
	if (!strcmp(type, "start"))
		return read_start(r, o);
	if (!strcmp(type, "error")) {
		/* The run itself failed at some point: worth telling, not fatal here. */
		if (need_str(r, o, "message", &msg))
			return -1;
		fprintf(stderr, "memtrace: %s:%zu: the traced run reported an error: ", r->name,
			r->lineno);
		put_text(stderr, msg, false);
		fputc('\n', stderr);
		return 0;
	}
	if (!r->have_start)
		return bad(r, "\"%s\" record before the \"start\" record; "
			   "is this a whole memtrace --json stream?", type);
	if (!strcmp(type, "call"))
		return read_call(r, o, t);
	if (!strcmp(type, "sample"))
		return read_sample(r, o);
	if (!strcmp(type, "lost"))
		return read_lost(r, o);
	if (!strcmp(type, "exit"))
		return need_int(r, o, "pid", &i) || need_int(r, o, "status", &i) ? -1 : 0;
	return read_summary(r, o);
}

static bool blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return false;
	return true;
}

/* Reads the whole stream; 0, or -1 after printing why. */
static int read_stream(struct reader *r, FILE *in)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0;

	while ((n = getline(&line, &cap, in)) > 0) {
		bool complete = line[n - 1] == '\n';
		struct mt_jval *v = NULL;
		struct mt_jerr jerr = { "", 0 };
		int err;

		r->lineno++;
		if (blank(line, n))
			continue;
		err = mt_jparse(line, n, &v, &jerr);
		if (err == -ENOMEM) {
			rc = nomem(r);
			break;
		}
		if (err) {
			/* memtrace writes whole lines: a torn last one means it died mid-write. */
			if (!complete && r->have_start) {
				fprintf(stderr, "memtrace: %s:%zu: last line is incomplete (stream cut "
					"short); ignored\n", r->name, r->lineno);
				break;
			}
			rc = bad(r, "not valid JSON: %s at column %zu; is this a memtrace --json stream?",
				 jerr.msg, jerr.offset + 1);
			break;
		}
		if (v->type != MT_JOBJ)
			rc = bad(r, "not a JSON object but %s; is this a memtrace --json stream?",
				 describe(v));
		else
			rc = read_record(r, v);
		mt_jval_free(v);
		if (rc)
			break;
	}
	if (!rc && ferror(in)) {
		fprintf(stderr, "memtrace: cannot read %s: %s\n", r->name, strerror(errno));
		rc = -1;
	}
	free(line);
	return rc;
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
	put_text(stdout, r->comm, false);
	printf("), %zu function%s, %.1f s\n\n", s->nfuncs, s->nfuncs == 1 ? "" : "s",
	       s->duration);
	mt_report_functions(stdout, s);
	mt_report_lines(stdout, s);
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: memtrace report FILE\n"
		"Print the tables again from a stream saved with `memtrace -o FILE` or\n"
		"`memtrace --json > FILE` (NDJSON, schema %d). FILE - reads stdin.\n"
		"No root needed. A stream cut short (no summary record) is still reported,\n"
		"its totals rebuilt from the call records.\n"
		"\n"
		"EXAMPLES:\n"
		"    memtrace report run.ndjson\n"
		"    ssh host cat run.ndjson | memtrace report -\n", MT_SCHEMA);
}

/* Returns the file argument, or NULL after a usage message (*rc set). */
static const char *parse_args(int argc, char **argv, int *rc)
{
	const char *file = NULL;
	bool opts = true;
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (opts && (!strcmp(a, "-h") || !strcmp(a, "--help"))) {
			usage(stdout);
			*rc = 0;
			return NULL;
		}
		if (opts && !strcmp(a, "--")) {
			opts = false;
			continue;
		}
		if (opts && a[0] == '-' && a[1]) {
			fprintf(stderr, "memtrace: report: unknown option '%s'; see memtrace report --help\n", a);
			*rc = 2;
			return NULL;
		}
		if (file) {
			fprintf(stderr, "memtrace: report: one FILE at a time ('%s' and '%s' given)\n",
				file, a);
			*rc = 2;
			return NULL;
		}
		file = a;
	}
	if (!file) {
		fprintf(stderr, "memtrace: report: missing FILE\n");
		usage(stderr);
		*rc = 2;
	}
	return file;
}

int mt_report_main(int argc, char **argv)
{
	/* No sample or call seen means the peak is unknown ("-"), not 0. */
	struct reader r = { .live.peak_rss = INT64_MIN };
	const char *file;
	FILE *in;
	int rc = 1;

	file = parse_args(argc, argv, &rc);
	if (!file)
		return rc;
	if (!strcmp(file, "-")) {
		in = stdin;
		r.name = "stdin";
	} else {
		in = fopen(file, "r");
		if (!in) {
			fprintf(stderr, "memtrace: cannot open %s: %s\n", file, strerror(errno));
			return 1;
		}
		r.name = file;
	}

	if (read_stream(&r, in))
		goto out;
	if (!r.have_start) {
		fprintf(stderr, "memtrace: %s: no memtrace records (schema %d) found\n", r.name,
			MT_SCHEMA);
		goto out;
	}
	print_report(&r);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "memtrace: cannot write the report: %s\n", strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (in != stdin)
		fclose(in);
	free(r.comm);
	mt_stats_free(&r.live);
	mt_stats_free(&r.summary);
	return rc;
}
