// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The stack tables: the functions sampled RSS growth ran through
 * (inclusive) and ended in (self), as `perf report --children` shows a CPU
 * profile, then the heaviest stacks whole. They read struct mt_profile
 * (user/profile.h) only, so a run and `memtrace report` on its saved
 * stream print the same. Names are the target's: escaped for the terminal
 * (user/termtext.h) and cut to NAME_WIDTH columns.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "report.h"
#include "stackreport.h"
#include "termtext.h"
#include "utf8.h"

#define KIB 1024
#define MIB 1048576
#define DEFAULT_TOP 20
/* Columns a name may take: C++ names run to hundreds, a row should fit a wide terminal. */
#define NAME_WIDTH 72
/* Bytes of a name worth escaping: enough for NAME_WIDTH columns of 4-byte characters. */
#define RAW_MAX (4 * NAME_WIDTH)
#define CELL_LEN 48 /* "-8796093022208.00 MiB" and "100.0%" fit */

/*
 * A function: the frames of one name in one file (Python) or one object
 * (native). Frames differ by line and address; a table by frame would
 * split a function at every call site.
 */
struct func_row {
	uint32_t frame; /* its first frame: name, file, object, kind */
	bool one_line;  /* all its frames are at one line, so the line says something */
	int64_t inclusive, self;
	size_t last_stack; /* the stack last added to inclusive, + 1 */
};

struct funcs {
	struct func_row *rows;
	size_t n;
	uint32_t *of_frame; /* frame id -> row */
};

/* Function table columns: name, inclusive, its %, self, its %. */
enum { COL_NAME, COL_INCL, COL_INCL_PCT, COL_SELF, COL_SELF_PCT, NCOLS };

static const struct mt_profile *sort_prof;

static int str_order(const char *a, const char *b)
{
	if (!a || !b)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

static const char *func_place(const struct mt_profile_frame *fr)
{
	/* "[libx.so+0x10]" names its object already. */
	if (fr->kind == MT_FRAME_UNKNOWN)
		return NULL;
	return fr->kind == MT_FRAME_PYTHON ? fr->file : fr->object;
}

static int func_order(const struct mt_profile_frame *a, const struct mt_profile_frame *b)
{
	int d = (int)a->kind - (int)b->kind;

	if (!d)
		d = str_order(a->func, b->func);
	return d ? d : str_order(func_place(a), func_place(b));
}

static int by_function(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
	int d = func_order(&sort_prof->frames[a], &sort_prof->frames[b]);

	return d ? d : (a > b) - (a < b);
}

/* Rows for the functions of p's frames, found by sorting: n log n. 0 or -1 (out of memory). */
static int group_functions(const struct mt_profile *p, struct funcs *fs)
{
	uint32_t *order = calloc(p->nframes + 1, sizeof(*order));
	size_t i;

	fs->rows = calloc(p->nframes + 1, sizeof(*fs->rows));
	fs->of_frame = calloc(p->nframes + 1, sizeof(*fs->of_frame));
	fs->n = 0;
	if (!order || !fs->rows || !fs->of_frame) {
		free(order);
		return -1;
	}
	for (i = 0; i < p->nframes; i++)
		order[i] = i;
	sort_prof = p;
	qsort(order, p->nframes, sizeof(*order), by_function);
	for (i = 0; i < p->nframes; i++) {
		const struct mt_profile_frame *fr = &p->frames[order[i]];
		struct func_row *last = fs->n ? &fs->rows[fs->n - 1] : NULL;

		if (!last || func_order(&p->frames[last->frame], fr))
			fs->rows[fs->n++] = (struct func_row){ .frame = order[i], .one_line = true };
		else if (p->frames[last->frame].line != fr->line)
			last->one_line = false;
		fs->of_frame[order[i]] = fs->n - 1;
	}
	free(order);
	return 0;
}

/* Inclusive: the bytes of every stack a function is in, once however often; self: as the leaf. */
static void count_growth(const struct mt_profile *p, struct funcs *fs)
{
	for (size_t s = 0; s < p->nstacks; s++) {
		const struct mt_profile_stack *st = &p->stacks[s];

		for (uint32_t i = 0; i < st->n; i++) {
			struct func_row *r = &fs->rows[fs->of_frame[st->frames[i]]];

			if (r->last_stack != s + 1) {
				r->inclusive += st->bytes;
				r->last_stack = s + 1;
			}
		}
		if (st->n)
			fs->rows[fs->of_frame[st->frames[st->n - 1]]].self += st->bytes;
	}
}

static int cmp_desc(int64_t a, int64_t b)
{
	return (a < b) - (a > b);
}

/* Heaviest inclusive first, then heaviest self, then in order of first appearance. */
static int by_inclusive(const void *x, const void *y)
{
	const struct func_row *a = x, *b = y;
	int d = cmp_desc(a->inclusive, b->inclusive);

	if (!d)
		d = cmp_desc(a->self, b->self);
	return d ? d : (a->frame > b->frame) - (a->frame < b->frame);
}

static int by_bytes(const void *x, const void *y)
{
	size_t a = *(const size_t *)x, b = *(const size_t *)y;
	int d = cmp_desc(sort_prof->stacks[a].bytes, sort_prof->stacks[b].bytes);

	return d ? d : (a > b) - (a < b);
}

/* Cuts s (escaped, so valid UTF-8) to width columns, "..." marking the cut. */
static void cut(char *s, size_t width)
{
	size_t cols = 0, i = 0;

	if (mt_utf8_width(s) <= width)
		return;
	/* More than width characters, each a byte at least: "..." and the NUL fit after i. */
	for (; s[i] && cols < width - 3; cols++) {
		size_t n = mt_utf8_len((const unsigned char *)s + i);

		i += n ? n : 1;
	}
	memcpy(s + i, "...", 4);
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/*
 * "work (app.py:5)" (Python: its file and, with_line, its line),
 * "grow_leaf (paths)" (native: its object), "[unknown]": escaped and cut,
 * malloc'd; NULL when out of memory.
 */
static char *frame_name(const struct mt_profile_frame *fr, bool with_line)
{
	const char *place = func_place(fr);
	char *raw, *esc;
	int r;

	/* Only what can show: a name of megabytes (a hostile stream) costs no more than a short one. */
	if (!place)
		r = asprintf(&raw, "%.*s", RAW_MAX, fr->func);
	else if (fr->kind == MT_FRAME_PYTHON && with_line && fr->line)
		r = asprintf(&raw, "%.*s (%.*s:%" PRIu32 ")", RAW_MAX, fr->func, RAW_MAX,
			     base_name(place), fr->line);
	else
		r = asprintf(&raw, "%.*s (%.*s)", RAW_MAX, fr->func, RAW_MAX, base_name(place));
	if (r < 0)
		return NULL;
	esc = mt_term_escape(raw, strlen(raw), false);
	free(raw);
	if (esc)
		cut(esc, NAME_WIDTH);
	return esc;
}

/* "7.50 MiB", "512.00 KiB": mt_fmt_size()'s number and unit. */
static const char *size_text(char *buf, int64_t bytes)
{
	char num[32];
	const char *unit;

	mt_fmt_size(num, sizeof(num), bytes, &unit);
	snprintf(buf, CELL_LEN, "%s %s", num, unit);
	return buf;
}

static const char *pct_text(char *buf, int64_t bytes, int64_t total)
{
	snprintf(buf, CELL_LEN, "%.1f%%", total > 0 ? 100.0 * (double)bytes / (double)total : 0.0);
	return buf;
}

/* The sampling interval as set: "512 KiB", "1 MiB", "1000 bytes". */
static const char *interval_text(char *buf, size_t len, int64_t bytes)
{
	if (bytes % MIB == 0)
		snprintf(buf, len, "%" PRId64 " MiB", bytes / MIB);
	else if (bytes % KIB == 0)
		snprintf(buf, len, "%" PRId64 " KiB", bytes / KIB);
	else
		snprintf(buf, len, "%" PRId64 " bytes", bytes);
	return buf;
}

static void put_header(FILE *f, const struct mt_profile *p)
{
	char every[64] = "", interval[32], total[CELL_LEN];

	if (p->sample_bytes > 0)
		snprintf(every, sizeof(every), ", one per ~%s on average",
			 interval_text(interval, sizeof(interval), p->sample_bytes));
	fprintf(f, "Stacks: %" PRIu64 " sample%s of RSS growth%s; %s attributed\n", p->samples,
		p->samples == 1 ? "" : "s", every, size_text(total, p->bytes));
}

static void put_empty(FILE *f, const struct mt_profile *p)
{
	char every[64];

	fputs("Stacks: no RSS growth was sampled: the process did not grow, or grew less than one "
	      "sampling interval", f);
	if (p->sample_bytes > 0)
		fprintf(f, " (~%s)", interval_text(every, sizeof(every), p->sample_bytes));
	fputs("\n", f);
}

/* One row: the name left-aligned, numbers right-aligned, three spaces between. */
static void put_row(FILE *f, const char *const cell[NCOLS], const size_t width[NCOLS])
{
	fprintf(f, "%s%*s", cell[COL_NAME], (int)(width[COL_NAME] - mt_utf8_width(cell[COL_NAME])),
		"");
	for (int c = 1; c < NCOLS; c++)
		fprintf(f, "   %*s", (int)width[c], cell[c]);
	fputc('\n', f);
}

static void func_cells(const struct mt_profile *p, const struct func_row *r, char *name,
		       char buf[NCOLS][CELL_LEN], const char *cell[NCOLS])
{
	cell[COL_NAME] = name;
	cell[COL_INCL] = size_text(buf[COL_INCL], r->inclusive);
	cell[COL_INCL_PCT] = pct_text(buf[COL_INCL_PCT], r->inclusive, p->bytes);
	cell[COL_SELF] = size_text(buf[COL_SELF], r->self);
	cell[COL_SELF_PCT] = pct_text(buf[COL_SELF_PCT], r->self, p->bytes);
}

static void put_functions(FILE *f, const struct mt_profile *p, const struct funcs *fs, size_t n)
{
	static const char *const title[NCOLS] = { "Function", "Inclusive", "%", "Self", "%" };
	char **names = calloc(n + 1, sizeof(*names)), buf[NCOLS][CELL_LEN];
	const char *cell[NCOLS];
	size_t width[NCOLS], i;

	if (!names)
		return;
	for (int c = 0; c < NCOLS; c++)
		width[c] = strlen(title[c]);
	for (i = 0; i < n; i++) {
		const struct func_row *r = &fs->rows[i];

		names[i] = frame_name(&p->frames[r->frame], r->one_line);
		if (!names[i])
			goto out;
		func_cells(p, r, names[i], buf, cell);
		for (int c = 0; c < NCOLS; c++) {
			size_t w = mt_utf8_width(cell[c]);

			width[c] = w > width[c] ? w : width[c];
		}
	}
	fputs("\nFunctions by RSS growth (inclusive: in stacks through the function, once each; "
	      "self: where it is the leaf)\n", f);
	put_row(f, title, width);
	for (i = 0; i < n; i++) {
		func_cells(p, &fs->rows[i], names[i], buf, cell);
		put_row(f, cell, width);
	}
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* Stack s: its bytes, %, samples, then its frames leaf first. */
static void put_stack(FILE *f, const struct mt_profile *p, size_t rank,
		      const struct mt_profile_stack *s)
{
	char size[CELL_LEN], pct[CELL_LEN];

	fprintf(f, "%3zu. %s  %s  %" PRIu64 " sample%s\n", rank, size_text(size, s->bytes),
		pct_text(pct, s->bytes, p->bytes), s->samples, s->samples == 1 ? "" : "s");
	for (uint32_t i = s->n; i-- > 0;) {
		char *name = frame_name(&p->frames[s->frames[i]], true);

		fprintf(f, "       %s\n", name ? name : "?");
		free(name);
	}
	if (s->truncated)
		fputs("       [truncated]\n", f);
}

static void put_top_stacks(FILE *f, const struct mt_profile *p, size_t top)
{
	size_t *order = calloc(p->nstacks + 1, sizeof(*order));

	if (!order)
		return;
	for (size_t i = 0; i < p->nstacks; i++)
		order[i] = i;
	sort_prof = p;
	qsort(order, p->nstacks, sizeof(*order), by_bytes);
	fputs("\nTop stacks (leaf first)\n", f);
	for (size_t i = 0; i < p->nstacks && i < top; i++)
		put_stack(f, p, i + 1, &p->stacks[order[i]]);
	free(order);
}

void mt_report_stacks(FILE *f, const struct mt_profile *p, int top)
{
	size_t n = top > 0 ? (size_t)top : DEFAULT_TOP;
	struct funcs fs = { 0 };

	if (!p->nstacks || !p->samples) {
		put_empty(f, p);
		return;
	}
	put_header(f, p);
	if (!group_functions(p, &fs)) {
		count_growth(p, &fs);
		qsort(fs.rows, fs.n, sizeof(*fs.rows), by_inclusive);
		put_functions(f, p, &fs, fs.n < n ? fs.n : n);
	}
	free(fs.rows);
	free(fs.of_frame);
	put_top_stacks(f, p, n);
}

int mt_report_stacks_top(size_t nfuncs)
{
	return nfuncs ? 5 : 20;
}
