// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The function and line tables, from the kernel side's totals: exact even
 * where per-call records were lost or never sent. Native targets are a row
 * each; Python targets a row per matched code object (the same name in two
 * files is two rows).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "collect.h"
#include "tracer.h"

const char *mt_collect_func_name(const struct mt_collect *col, uint32_t func)
{
	const struct mt_pycode_info *ci;

	if (func < col->ntargets)
		return col->targets[func].func;
	ci = func >= MT_MAX_FUNCS ? mt_pycodes_at(col->codes, func - MT_MAX_FUNCS) : NULL;
	return ci && ci->target < col->ntargets ? col->targets[ci->target].func : "?";
}

const char *mt_collect_func_file(const struct mt_collect *col, uint32_t func)
{
	const struct mt_pycode_info *ci;

	ci = func >= MT_MAX_FUNCS ? mt_pycodes_at(col->codes, func - MT_MAX_FUNCS) : NULL;
	return ci ? ci->file : NULL;
}

void mt_collect_call(const struct mt_collect *col, const struct mt_call_rec *r, struct mt_call *c)
{
	*c = (struct mt_call){
		.pid = r->pid,
		.tid = r->tid,
		.func = mt_collect_func_name(col, r->func),
		.file = mt_collect_func_file(col, r->func),
		.t = r->ts_exit / 1e9 - col->t0,
		.dur = (r->ts_exit - r->ts_entry) / 1e9,
		.rss_entry = r->rss_entry,
		.rss_exit = r->rss_exit,
		.rss_peak = r->rss_peak,
		.growth = r->rss_exit - r->rss_entry,
		.thread_growth = r->thread_growth,
		.ended = r->flags & MT_CALL_THREAD_EXIT ? "thread_exit"
			 : r->flags & MT_CALL_UNWOUND   ? "unwound"
							  : NULL,
		.partial = r->flags & MT_CALL_PARTIAL,
	};
}

void mt_collect_stretch(const struct mt_collect *col, const struct mt_stretch_rec *r,
			struct mt_call *c)
{
	const struct mt_pyframes *pf = col->frames;
	uint32_t w = r->key.target;
	size_t target = w < (uint32_t)pf->nmatch ? pf->target_of[w] : col->ntargets;

	*c = (struct mt_call){
		.pid = col->pid,
		.tid = r->key.tid,
		.func = target < col->ntargets ? col->targets[target].func : "?",
		.t = r->s.ts_last / 1e9 - col->t0,
		.dur = (r->s.ts_last - r->s.ts_first) / 1e9,
		.rss_entry = r->s.rss_first,
		.rss_exit = r->s.rss_last,
		.rss_peak = r->s.rss_peak,
		.growth = r->s.rss_last - r->s.rss_first,
		.open = r->flags & MT_STRETCH_OPEN,
	};
}

/*
 * The RSS at the stop of an open call's process: the first one's is given;
 * one that joined and has exited is gone from the kernel's map, and its
 * call shows no growth rather than another process's RSS.
 */
static int64_t open_call_rss(struct mt_collect *col, const struct mt_active *a, int64_t rss_main)
{
	struct mt_proc p;

	if ((pid_t)a->pid == col->pid)
		return rss_main;
	if (mt_tracer_proc(col->tracer, (pid_t)a->pid, &p))
		return a->rss_entry;
	return mt_proc_rss(&p);
}

int mt_collect_open_calls(struct mt_collect *col, int64_t rss_main, double t_now,
			  void (*fn)(void *ctx, struct mt_call *call), void *ctx)
{
	struct mt_active *open = calloc(MT_MAX_ACTIVE, sizeof(*open));
	int n = open ? mt_tracer_open_calls(col->tracer, open, MT_MAX_ACTIVE) : 0;

	if (!open)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		const struct mt_active *a = &open[i];
		int64_t rss_now = open_call_rss(col, a, rss_main);
		struct mt_call c = {
			.pid = a->pid,
			.tid = a->tid,
			.func = mt_collect_func_name(col, a->func),
			.file = mt_collect_func_file(col, a->func),
			.t = t_now,
			.dur = t_now - (a->ts_entry / 1e9 - col->t0),
			.rss_entry = a->rss_entry,
			.rss_exit = rss_now,
			.rss_peak = a->rss_peak > rss_now ? a->rss_peak : rss_now,
			.growth = rss_now - a->rss_entry,
			.thread_growth = a->thread_growth,
			.open = true,
			.partial = a->flags & MT_CALL_PARTIAL,
		};

		fn(ctx, &c);
		if (a->func < MT_NR_FUNCS && col->row_of[a->func] >= 0)
			col->stats->funcs[col->row_of[a->func]].open++;
	}
	free(open);
	return 0;
}

/* A row of the function table, fed from the kernel-side totals at index func. */
static int add_row(struct mt_collect *col, size_t func, const char *name, const char *file,
		   const char *kind)
{
	const struct mt_func_agg *a = mt_tracer_func(col->tracer, func);
	struct mt_func_stats *f;
	int row = mt_stats_func_in(col->stats, name, file, kind, true);

	if (row < 0)
		return row;
	col->row_of[func] = row;
	f = &col->stats->funcs[row];
	/*
	 * The same name in several programs (-f NAME in each program a traced
	 * process runs, user/late.c) is one row: their totals add up. The
	 * kernel's maxima start at INT64_MIN until a first call.
	 */
	if (a->calls) {
		f->growth_max = f->calls && f->growth_max > a->growth_max ? f->growth_max : a->growth_max;
		f->peak_max = f->calls && f->peak_max > a->peak_max ? f->peak_max : a->peak_max;
	}
	f->calls += a->calls;
	f->growth += a->growth;
	f->thread_growth += a->thread_growth;
	f->unwound += a->unwound;
	f->untimed += a->untimed;
	f->partial += a->partial;
	f->retained += a->retained;
	f->retained_known = true;
	return row;
}

/* Frame walking knows growth per line, and so per function, but not calls. */
static int add_frames_row(struct mt_collect *col, size_t code, const char *name, const char *file,
			  const struct mt_pyframes_line *lines, size_t nlines)
{
	int row = mt_stats_func_in(col->stats, name, file, "python", false);
	struct mt_func_stats *f;

	if (row < 0)
		return row;
	col->row_of[MT_MAX_FUNCS + code] = row;
	f = &col->stats->funcs[row];
	f->growth_max = f->peak_max = INT64_MIN;
	for (size_t i = 0; i < nlines; i++) {
		if (lines[i].code == code) {
			f->growth += lines[i].increment;
			f->thread_growth += lines[i].increment;
		}
	}
	return row;
}

static bool native_named(const struct mt_collect *col, const char *func)
{
	for (size_t i = 0; i < col->ntargets; i++)
		if (col->targets[i].kind == MT_KIND_NATIVE && !strcmp(col->targets[i].func, func))
			return true;
	return false;
}

/*
 * Python functions are rows per matched code: the same name in two files
 * is two rows, told apart by file.
 */
static int add_python_rows(struct mt_collect *col, size_t target, const struct mt_pyframes_line *lines,
			   size_t nlines)
{
	const struct mt_target *t = &col->targets[target];
	int rows = 0, e;

	for (size_t c = 0; c < col->codes->ncodes; c++) {
		const struct mt_pycode_info *ci = mt_pycodes_at(col->codes, c);

		if (!ci || ci->target != target)
			continue;
		if (t->method == MT_METHOD_FRAMES)
			e = add_frames_row(col, c, t->func, ci->file, lines, nlines);
		else
			e = add_row(col, MT_MAX_FUNCS + c, t->func, ci->file, "python");
		if (e < 0)
			return e;
		rows++;
	}
	/*
	 * Never called: still a row, so the table says so; unless the name is
	 * also a native function's (-a: a bare name is Python in the CPython
	 * programs, user/late.c), whose row it is.
	 */
	if (!rows && !native_named(col, t->func) &&
	    mt_stats_func(col->stats, t->func, "python", t->method != MT_METHOD_FRAMES) < 0)
		return -ENOMEM;
	return 0;
}

static bool is_frames(const struct mt_collect *col, const struct mt_pycode_info *ci)
{
	return ci->target < col->ntargets && col->targets[ci->target].method == MT_METHOD_FRAMES;
}

struct line_ctx {
	struct mt_collect *col;
	int err;
};

static void add_line(void *ctx, const struct mt_line_key *k, const struct mt_line_val *v)
{
	struct line_ctx *lc = ctx;
	struct mt_stats *s = lc->col->stats;
	const struct mt_pycode_info *ci = mt_pycodes_at(lc->col->codes, k->code);
	int row = lc->col->row_of[MT_MAX_FUNCS + (k->code < MT_MAX_CODES ? k->code : 0)];
	struct mt_line_stats l = {};

	if (!ci || row < 0 || lc->err)
		return;
	l.func = s->funcs[row].func;
	l.file = ci->file;
	l.source = (char *)mt_pycode_source(ci, k->line);
	l.line = k->line;
	l.mem = v->mem ? v->mem : -1;
	l.increment = v->increment;
	/* Frame walking sees memory changes, not line events: occurrences unknown. */
	l.occurrences = is_frames(lc->col, ci) ? -1 : (int64_t)v->occurrences;
	lc->err = mt_stats_add_line(s, &l);
}

/*
 * The table from the kernel-side totals: exact even where per-call records
 * were lost or never sent. Rebuilt each time (--every calls it while tracing).
 */
int mt_collect_stats(struct mt_collect *col)
{
	struct line_ctx lc = { .col = col };
	struct mt_pyframes_line *fl = NULL;
	size_t nfl = 0;
	int e = 0;

	mt_stats_free(col->stats);
	memset(col->stats, 0, sizeof(*col->stats));
	for (size_t i = 0; i < MT_NR_FUNCS; i++)
		col->row_of[i] = -1;
	if (col->frames->nmatch)
		e = mt_pyframes_lines(col->frames, col->tracer, &fl, &nfl);
	for (size_t i = 0; i < col->ntargets && e >= 0; i++) {
		if (col->targets[i].kind == MT_KIND_PYTHON)
			e = add_python_rows(col, i, fl, nfl);
		else
			e = add_row(col, i, col->targets[i].func, NULL, "native");
	}
	if (e >= 0)
		mt_tracer_lines(col->tracer, add_line, &lc);
	for (size_t i = 0; i < nfl && e >= 0 && !lc.err; i++) {
		struct mt_line_key k = { .code = fl[i].code, .line = fl[i].line };
		struct mt_line_val v = { .increment = fl[i].increment, .mem = fl[i].mem };

		add_line(&lc, &k, &v);
	}
	free(fl);
	return e < 0 ? e : lc.err;
}

