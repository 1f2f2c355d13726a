/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Per-function aggregation of call records, shared by live tracing and `memtrace report`. */
#ifndef MT_STATS_H
#define MT_STATS_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

/* One call, as decoded from the ring buffer or read back from a "call" record. */
struct mt_call {
	uint32_t pid, tid;
	const char *func;
	const char *file; /* Python: the function's file; NULL for native functions */
	double t;   /* seconds since memtrace started, at the end of the call (or at stop for open calls) */
	double dur; /* seconds */
	int64_t rss_entry, rss_exit, rss_peak, growth, thread_growth;
	bool open;  /* still running when tracing stopped */
	const char *ended; /* NULL: it returned; "unwound" (longjmp, exception) or "thread_exit" */
};

struct mt_func_stats {
	char *func;
	char *file;          /* Python: the function's file (one name can live in several); else NULL */
	char *kind;          /* "native" or "python" */
	bool calls_known;    /* false where the mode cannot count calls (Python frame walking) */
	uint64_t calls;      /* completed calls */
	uint64_t open;       /* calls still running at the end */
	int64_t growth;      /* sum of growth over completed calls */
	int64_t growth_max;  /* largest growth of one call */
	int64_t peak_max;    /* largest rss_peak - rss_entry of one call */
	int64_t thread_growth;
	uint64_t unwound;    /* of calls: ended without returning (longjmp, exception, thread exit) */
	uint64_t untimed;    /* calls not counted at all: too many were open at once */
};

/* memory_profiler's per-line row. mem < 0 / occurrences < 0: unknown ("-"). */
struct mt_line_stats {
	char *func, *file, *source;
	int line;
	int64_t mem, increment, occurrences;
};

struct mt_stats {
	struct mt_func_stats *funcs;
	size_t nfuncs;
	struct mt_line_stats *lines;
	size_t nlines;
	int64_t peak_rss;
	double duration;
	uint64_t lost;
};

/* Adds a function row (in -f order) if not present; returns its index or -ENOMEM. */
int mt_stats_func(struct mt_stats *s, const char *func, const char *kind, bool calls_known);
/* The same, for a row told apart by file too (Python; file may be NULL). */
int mt_stats_func_in(struct mt_stats *s, const char *func, const char *file, const char *kind,
		     bool calls_known);
void mt_stats_add_call(struct mt_stats *s, size_t func_idx, const struct mt_call *c);
int mt_stats_find(const struct mt_stats *s, const char *func); /* index or -1 */
int mt_stats_find_in(const struct mt_stats *s, const char *func, const char *file);
void mt_stats_free(struct mt_stats *s);

#endif
