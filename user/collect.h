/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The kernel side's results in memtrace's terms: its call records and open
 * calls as calls with names, its totals as the function and line tables.
 */
#ifndef MT_COLLECT_H
#define MT_COLLECT_H

#include "memtrace.h"
#include "pyframes.h"
#include "pysource.h"
#include "resolve.h"
#include "stats.h"

struct mt_tracer;

struct mt_collect {
	struct mt_tracer *tracer;
	pid_t pid;
	double t0; /* the stream's t = 0, in CLOCK_MONOTONIC seconds (bpf_ktime_get_ns()) */
	const struct mt_target *targets;
	size_t ntargets;
	const struct mt_pycodes *codes;
	struct mt_pyframes *frames;
	struct mt_stats *stats; /* rebuilt */
	/* out: kernel-side function index (target, or MT_MAX_FUNCS + code) -> stats row, -1 none */
	int row_of[MT_NR_FUNCS];
};

/* Rebuild c->stats (functions and lines) from the tracer's totals. 0 or -ENOMEM. */
int mt_collect_stats(struct mt_collect *c);

/* Kernel-side function index (a native target, or MT_MAX_FUNCS + a Python code): its name, "?" if none. */
const char *mt_collect_func_name(const struct mt_collect *c, uint32_t func);
/* Its file: Python calls carry theirs (one name may live in several); NULL for native ones. */
const char *mt_collect_func_file(const struct mt_collect *c, uint32_t func);
/* A call record as a call: names from the targets and matched Python codes. */
void mt_collect_call(const struct mt_collect *c, const struct mt_call_rec *r, struct mt_call *out);
/* A stretch record (frame walking) as a call observed at its ends: no file, no thread_growth. */
void mt_collect_stretch(const struct mt_collect *c, const struct mt_stretch_rec *r,
			struct mt_call *out);
/*
 * The calls still running now (rss_main: the first process's RSS; t_now on the stream's clock), as
 * open calls, each passed to fn and counted in c->stats (built first).
 * -ENOMEM if they could not be read.
 */
int mt_collect_open_calls(struct mt_collect *c, int64_t rss_main, double t_now,
			  void (*fn)(void *ctx, struct mt_call *call), void *ctx);

#endif
