// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Per-function aggregation. Ownership: funcs[].func/kind and lines[].func/
 * file/source are malloc'd strings owned by the mt_stats, as are both
 * arrays; mt_stats_free() releases them all (so whoever fills lines[] must
 * malloc them too).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

static bool same_file(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

int mt_stats_find_in(const struct mt_stats *s, const char *func, const char *file)
{
	size_t i;

	for (i = 0; i < s->nfuncs; i++)
		if (!strcmp(s->funcs[i].func, func) && same_file(s->funcs[i].file, file))
			return (int)i;
	return -1;
}

int mt_stats_find(const struct mt_stats *s, const char *func)
{
	return mt_stats_find_in(s, func, NULL);
}

int mt_stats_func_in(struct mt_stats *s, const char *func, const char *file, const char *kind,
		     bool calls_known)
{
	struct mt_func_stats *funcs, *f;
	int idx = mt_stats_find_in(s, func, file);

	if (idx >= 0)
		return idx;
	/* One row per -f target: a handful, so growing by one is fine. */
	funcs = realloc(s->funcs, (s->nfuncs + 1) * sizeof(*funcs));
	if (!funcs)
		return -ENOMEM;
	s->funcs = funcs;
	f = &funcs[s->nfuncs];
	memset(f, 0, sizeof(*f));
	f->func = strdup(func);
	f->file = file ? strdup(file) : NULL;
	f->kind = kind ? strdup(kind) : NULL;
	if (!f->func || (kind && !f->kind) || (file && !f->file)) {
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
	peak = c->rss_peak - c->rss_entry;
	/* The maxima start at the first call, not at 0: every call may shrink memory. */
	if (f->calls == 0 || c->growth > f->growth_max)
		f->growth_max = c->growth;
	if (f->calls == 0 || peak > f->peak_max)
		f->peak_max = peak;
	f->calls++;
	f->growth += c->growth;
	f->thread_growth += c->thread_growth;
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
	memset(s, 0, sizeof(*s));
}
