// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Per-function aggregation. Ownership: funcs[].func/kind and lines[].func/
 * file/source are malloc'd strings owned by the mt_stats, as are both
 * arrays; mt_stats_free() releases them all (so whoever fills lines[] must
 * malloc them too).
 *
 * Rows are found through a hash index (user/rowindex.h): `memtrace report`
 * adds a row per distinct function of a stream, which may be many.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "stats.h"

static bool same_file(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static uint64_t row_hash(const char *func, const char *file)
{
	return mt_rowindex_hash(mt_rowindex_hash(MT_ROWINDEX_SEED, func), file);
}

struct row_key {
	const struct mt_stats *s;
	const char *func, *file;
};

static bool row_is(const void *ctx, size_t row)
{
	const struct row_key *k = ctx;

	return !strcmp(k->s->funcs[row].func, k->func) && same_file(k->s->funcs[row].file, k->file);
}

/* A table filled by hand (tests, struct literals) has no index: rows are indexed on first use. */
static int index_rows(struct mt_stats *s)
{
	struct mt_rowindex *ix = &s->func_index;

	while (ix->rows < s->nfuncs) {
		const struct mt_func_stats *f = &s->funcs[ix->rows];

		if (mt_rowindex_add(ix, row_hash(f->func, f->file), ix->rows))
			return -ENOMEM;
	}
	return 0;
}

int mt_stats_find_in(const struct mt_stats *s, const char *func, const char *file)
{
	struct row_key k = { s, func, file };
	size_t i;

	if (s->func_index.rows == s->nfuncs)
		return (int)mt_rowindex_find(&s->func_index, row_hash(func, file), row_is, &k);
	for (i = 0; i < s->nfuncs; i++)
		if (row_is(&k, i))
			return (int)i;
	return -1;
}

int mt_stats_find(const struct mt_stats *s, const char *func)
{
	return mt_stats_find_in(s, func, NULL);
}

/* Room for the strings of a new row; -E2BIG past MT_STATS_MAX_TEXT. */
static int take_text(struct mt_stats *s, const char *a, const char *b, const char *c)
{
	size_t n = (a ? strlen(a) + 1 : 0) + (b ? strlen(b) + 1 : 0) + (c ? strlen(c) + 1 : 0);

	if (n > MT_STATS_MAX_TEXT - s->text_bytes)
		return -E2BIG;
	s->text_bytes += n;
	return 0;
}

int mt_stats_func_in(struct mt_stats *s, const char *func, const char *file, const char *kind,
		     bool calls_known)
{
	struct mt_func_stats *f;
	int idx, e;

	if (index_rows(s))
		return -ENOMEM;
	idx = mt_stats_find_in(s, func, file);
	if (idx >= 0)
		return idx;
	if (s->nfuncs >= MT_STATS_MAX_ROWS)
		return -E2BIG;
	e = take_text(s, func, file, kind);
	if (e)
		return e;
	if (mt_grow(&s->funcs, &s->funcs_cap, s->nfuncs + 1, sizeof(*s->funcs)))
		return -ENOMEM;
	f = &s->funcs[s->nfuncs];
	memset(f, 0, sizeof(*f));
	f->func = strdup(func);
	f->file = file ? strdup(file) : NULL;
	f->kind = kind ? strdup(kind) : NULL;
	if (!f->func || (kind && !f->kind) || (file && !f->file) ||
	    mt_rowindex_add(&s->func_index, row_hash(func, file), s->nfuncs)) {
		free(f->func);
		free(f->file);
		free(f->kind);
		return -ENOMEM;
	}
	f->calls_known = calls_known;
	return (int)s->nfuncs++;
}

int mt_stats_func(struct mt_stats *s, const char *func, const char *kind, bool calls_known)
{
	return mt_stats_func_in(s, func, NULL, kind, calls_known);
}

int mt_stats_set_file(struct mt_stats *s, size_t idx, const char *file)
{
	struct mt_func_stats *f;
	char *copy;
	int e;

	if (idx >= s->nfuncs || index_rows(s))
		return -ENOMEM;
	f = &s->funcs[idx];
	e = take_text(s, file, NULL, NULL);
	if (e)
		return e;
	copy = file ? strdup(file) : NULL;
	if (file && !copy)
		return -ENOMEM;
	mt_rowindex_remove(&s->func_index, row_hash(f->func, f->file), idx);
	free(f->file);
	f->file = copy;
	/* Only -ENOMEM, after which the caller gives up on the whole table. */
	return mt_rowindex_add(&s->func_index, row_hash(f->func, f->file), idx);
}

static int64_t sat_add(int64_t a, int64_t b)
{
	int64_t r;

	if (__builtin_add_overflow(a, b, &r))
		return b > 0 ? INT64_MAX : INT64_MIN;
	return r;
}

static int64_t sat_sub(int64_t a, int64_t b)
{
	int64_t r;

	if (__builtin_sub_overflow(a, b, &r))
		return b < 0 ? INT64_MAX : INT64_MIN;
	return r;
}

void mt_stats_add_call(struct mt_stats *s, size_t func_idx, const struct mt_call *c)
{
	struct mt_func_stats *f;
	int64_t peak;

	if (func_idx >= s->nfuncs)
		return;
	f = &s->funcs[func_idx];
	/* An open call's RSS peak is real even though its totals are not final. */
	if (c->rss_peak > s->peak_rss)
		s->peak_rss = c->rss_peak;
	if (c->open) {
		f->open++;
		return;
	}
	/* Only its end was seen: not a call's growth, kept out of the sums and maxima. */
	if (c->partial) {
		f->partial++;
		return;
	}
	peak = sat_sub(c->rss_peak, c->rss_entry);
	/* The maxima start at the first call, not at 0: every call may shrink memory. */
	if (f->calls == 0 || c->growth > f->growth_max)
		f->growth_max = c->growth;
	if (f->calls == 0 || peak > f->peak_max)
		f->peak_max = peak;
	f->calls++;
	f->growth = sat_add(f->growth, c->growth);
	f->thread_growth = sat_add(f->thread_growth, c->thread_growth);
}

int mt_stats_add_line(struct mt_stats *s, const struct mt_line_stats *in)
{
	struct mt_line_stats *l;
	int e;

	if (s->nlines >= MT_STATS_MAX_ROWS)
		return -E2BIG;
	e = take_text(s, in->func, in->file, in->source);
	if (e)
		return e;
	if (mt_grow(&s->lines, &s->lines_cap, s->nlines + 1, sizeof(*s->lines)))
		return -ENOMEM;
	l = &s->lines[s->nlines];
	*l = *in;
	l->func = in->func ? strdup(in->func) : NULL;
	l->file = in->file ? strdup(in->file) : NULL;
	l->source = in->source ? strdup(in->source) : NULL;
	if ((in->func && !l->func) || (in->file && !l->file) || (in->source && !l->source)) {
		free(l->func);
		free(l->file);
		free(l->source);
		return -ENOMEM;
	}
	s->nlines++;
	return 0;
}

void mt_stats_free(struct mt_stats *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->nfuncs; i++) {
		free(s->funcs[i].func);
		free(s->funcs[i].file);
		free(s->funcs[i].kind);
	}
	for (i = 0; i < s->nlines; i++) {
		free(s->lines[i].func);
		free(s->lines[i].file);
		free(s->lines[i].source);
	}
	free(s->funcs);
	free(s->lines);
	mt_rowindex_free(&s->func_index);
	memset(s, 0, sizeof(*s));
}
