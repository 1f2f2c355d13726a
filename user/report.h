/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Tables in memory_profiler's style, and `memtrace report FILE`. */
#ifndef MT_REPORT_H
#define MT_REPORT_H

#include <stdio.h>
#include "stats.h"

/* --bytes (user/env.c, `memtrace report --bytes`): the tables show exact bytes, not MiB. */
extern bool mt_report_bytes;

/* Bytes to MiB with two decimals, e.g. "75.49"; "-" where unknown. Returns buf. */
const char *mt_fmt_mib(char *buf, size_t len, int64_t bytes);
/*
 * A size for the tables: mt_fmt_mib()'s, except that a value not zero but 0.00
 * in MiB shows in KiB ("4.00") or, below 1 KiB, in bytes; with mt_report_bytes,
 * exact bytes. *unit: "MiB", "KiB" or "B". Returns buf.
 */
const char *mt_fmt_size(char *buf, size_t len, int64_t bytes, const char **unit);

/* Function table: Function, Calls, Growth (MiB), Max growth/call, Peak in call, Thread-caused. */
void mt_report_functions(FILE *f, const struct mt_stats *s);
/* memory_profiler line tables, one per (function, file); nothing when s has no lines. */
void mt_report_lines(FILE *f, const struct mt_stats *s);

/* `memtrace report [FILE|-]`: reads a saved NDJSON stream, prints the tables. Returns the exit code. */
int mt_report_main(int argc, char **argv);

/* One warning per function whose figures miss calls or hold calls that did not return. */
void mt_report_incomplete(const struct mt_stats *s);
/*
 * The live status line on a terminal, rewritten in place (\r); erase it
 * with mt_report_status_clear() before anything else goes to f.
 */
void mt_report_status(FILE *f, double t, int64_t rss, int64_t peak, uint64_t calls, uint64_t lost);
void mt_report_status_clear(FILE *f);

#endif
