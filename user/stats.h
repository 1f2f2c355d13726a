/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Per-function aggregation of call records, shared by live tracing and `memtrace report`. */
#ifndef MT_STATS_H
#define MT_STATS_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include "rowindex.h"

/*
 * Bounds on what one mt_stats keeps: rows (functions, lines) and the bytes of
 * their names. A stream read back (user/report.c) can name any number of
 * functions; past these, adding a row fails with -E2BIG instead of growing
 * without end.
 */
#define MT_STATS_MAX_ROWS (1u << 20)
#define MT_STATS_MAX_TEXT (256u << 20)

/* One call, as decoded from the ring buffer or read back from a "call" record. */
struct mt_call {
	uint32_t pid, tid;
	const char *func;
	const char *file; /* Python: the function's file; NULL for native functions */
	double t;   /* seconds since memtrace started, at the end of the call (or at stop for open calls) */
	double dur; /* seconds */
	int64_t rss_entry, rss_exit, rss_peak, growth, thread_growth;
	bool open;  /* still running when tracing stopped */
	bool partial; /* began before tracing: entry is when memtrace first saw it running */
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
	uint64_t partial;    /* not in calls: began before tracing, ended while traced */
	bool retained_known; /* false where it was not measured (frame walking, call records only) */
	int64_t retained;    /* sum over calls of RSS once the call's frame is gone minus RSS at entry */
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
	/* Kept by mt_stats_func_in() and mt_stats_add_line(); zero in a hand-built table. */
	struct mt_rowindex func_index; /* (func, file) -> row of funcs */
	size_t funcs_cap, lines_cap;
	size_t text_bytes;             /* of the strings the rows own */
};

/* Adds a function row (in -f order) if not present; returns its index, -ENOMEM or -E2BIG. */
int mt_stats_func(struct mt_stats *s, const char *func, const char *kind, bool calls_known);
/* The same, for a row told apart by file too (Python; file may be NULL). */
int mt_stats_func_in(struct mt_stats *s, const char *func, const char *file, const char *kind,
		     bool calls_known);
/* Ties row idx to file (a start record's target seen in a file); 0, -ENOMEM or -E2BIG. */
int mt_stats_set_file(struct mt_stats *s, size_t idx, const char *file);
/* Sums saturate at the int64 range: a stream's numbers cannot overflow them. */
void mt_stats_add_call(struct mt_stats *s, size_t func_idx, const struct mt_call *c);
/* Appends a copy of *l (its strings copied); 0, -ENOMEM or -E2BIG. */
int mt_stats_add_line(struct mt_stats *s, const struct mt_line_stats *l);
int mt_stats_find(const struct mt_stats *s, const char *func); /* index or -1 */
int mt_stats_find_in(const struct mt_stats *s, const char *func, const char *file);
void mt_stats_free(struct mt_stats *s);

#endif
