/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The function and line tables, built from the kernel side's totals. */
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
	const struct mt_target *targets;
	size_t ntargets;
	const struct mt_pycodes *codes;
	struct mt_pyframes *frames;
	struct mt_stats *stats; /* rebuilt */
	/* out: kernel-side function index (target, or MT_MAX_FUNCS + code) -> stats row, -1 none */
	int row_of[MT_MAX_FUNCS + MT_MAX_CODES];
};

/* Rebuild c->stats (functions and lines) from the tracer's totals. 0 or -ENOMEM. */
int mt_collect_stats(struct mt_collect *c);

#endif
