/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * GET /metrics (user/http.c): the run's figures now in Prometheus's text
 * exposition format 0.0.4, read where the end-of-run tables read them: the
 * per-(process, function) totals and the processes of user/procs.c.
 */
#ifndef MT_METRICS_H
#define MT_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct mt_procs;
struct mt_collect;

/* Default --max-series. */
#define MT_METRICS_MAX_SERIES 10000

struct mt_metrics_src {
	const struct mt_procs *procs;  /* processes and their functions' totals, refreshed */
	const struct mt_collect *col;  /* the functions' names: targets, Python code objects */
	uint64_t lost;                 /* records lost (struct mt_snapshot) */
	size_t max_series;             /* per response, beside the two run-wide counters */
	uint64_t *dropped;             /* series left out so far, over every response: added to */
};

/*
 * Writes the exposition to f: per function and process memtrace_calls_total,
 * memtrace_growth_bytes, memtrace_peak_in_call_bytes; per process
 * memtrace_process_rss_bytes; memtrace_lost_records_total and
 * memtrace_dropped_series_total. Past max_series, the functions with the
 * least growth and the processes with the least RSS are left out (and
 * counted). 0, or -1 with errno set.
 */
int mt_metrics_write(FILE *f, const struct mt_metrics_src *src);

#endif
