/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * RSS over time and the call spans on it: what plots and mprof exports
 * draw. Built live while tracing, or read back from a saved stream.
 */
#ifndef MT_SERIES_H
#define MT_SERIES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "rowindex.h"

/*
 * What one series keeps, however long the run or the stream: past
 * MT_SERIES_MAX_SAMPLES samples, neighbours are merged in pairs (the curve
 * keeps its whole time range and every peak, at half the resolution); past
 * MT_SERIES_MAX_SPANS calls, the smaller half is dropped (a plot draws the
 * largest anyway). Past MT_SERIES_MAX_FUNCS names, adding one fails (-E2BIG).
 */
#define MT_SERIES_MAX_SAMPLES (1u << 20)
#define MT_SERIES_MAX_SPANS (1u << 20)
#define MT_SERIES_MAX_FUNCS (1u << 20)
#define MT_SERIES_MAX_TEXT (256u << 20)

struct mt_sample {
	double t;
	int64_t rss, anon, file, shmem;
	int64_t peak; /* largest RSS since the previous sample (kernel-side) */
};

/*
 * Several processes traced: another one's RSS over time (its sample records,
 * user/sink.c). The first process's (start.pid) stays in mt_series.samples.
 */
struct mt_curve {
	pid_t pid;
	char comm[16];              /* NUL-terminated; "" until a record names it */
	struct mt_sample *samples;
	size_t nsamples, cap;
	int64_t peak;               /* largest peak of its samples */
};

/*
 * The other processes' curves together keep at most MT_SERIES_MAX_SAMPLES
 * samples (past that, each curve's neighbours are merged in pairs) and at
 * most MT_SERIES_MAX_CURVES processes (later ones are counted, not kept).
 */
#define MT_SERIES_MAX_CURVES (1u << 16)

struct mt_span {
	double t0, t1;
	size_t func; /* index into funcs */
	int64_t rss_entry, rss_exit, rss_peak;
	bool open;
	/* A stretch of frame walking: from the first to the last change seen inside, not entry to return. */
	bool observed;
};

struct mt_series {
	char **funcs;
	size_t nfuncs;
	struct mt_sample *samples;
	size_t nsamples, samples_cap;
	struct mt_span *spans;
	size_t nspans, spans_cap;
	double ts_unix;  /* wall-clock time of t = 0 */
	pid_t pid;
	char *comm;
	char *cmdline;   /* argv joined by spaces */
	int64_t peak_rss;
	double peak_t;   /* when peak_rss was reached (to the sample) */
	double duration;
	struct mt_rowindex func_index; /* name -> index of funcs */
	size_t funcs_cap, text_bytes;
	unsigned samples_merged;       /* times the samples were merged in pairs */
	size_t spans_dropped;
	struct mt_curve *curves;       /* the other processes, in the order first seen */
	size_t ncurves, curves_cap, curve_samples;
	struct mt_rowindex curve_index; /* pid -> index of curves */
	unsigned curves_merged;
	size_t curves_dropped;         /* processes past MT_SERIES_MAX_CURVES */
};

/* Returns the index of func, adding it; -ENOMEM or -E2BIG. */
int mt_series_func(struct mt_series *s, const char *func);
int mt_series_add_sample(struct mt_series *s, const struct mt_sample *smp);
/*
 * A sample of process pid: the first process's to samples, another's to its
 * curve (made on first sight). 0, or -ENOMEM.
 */
int mt_series_add_proc_sample(struct mt_series *s, pid_t pid, const struct mt_sample *smp);
/* Names another process's curve, if it has one (its comm: the latest wins). */
void mt_series_proc_comm(struct mt_series *s, pid_t pid, const char *comm);
/*
 * Another process ended with RSS rss at t: its curve, if it has one, ends
 * there (its exit record's RSS: a process that exits soon after it grew
 * shows it, whenever the last sample came).
 */
void mt_series_proc_end(struct mt_series *s, pid_t pid, double t, int64_t rss);
int mt_series_add_span(struct mt_series *s, const char *func, const struct mt_span *sp);
/*
 * Whether a call of process pid belongs on the plot: the curve is the first
 * process's (the start record's, whose samples it draws), and another
 * process's call holds that process's RSS, not the curve's.
 */
bool mt_series_own_call(const struct mt_series *s, pid_t pid);
int mt_series_set_info(struct mt_series *s, pid_t pid, const char *comm, char *const *argv,
		       double ts_unix);
void mt_series_free(struct mt_series *s);
/* Warns (naming what, e.g. the file) when the bounds above thinned the series. */
void mt_series_warn_bounds(const struct mt_series *s, const char *name);
/* rss_peak - rss_entry, saturated: how far memory rose in the call. */
int64_t mt_span_size(const struct mt_span *sp);
/* Orders spans largest first, then longest: <0, 0 or >0 as for qsort (ties are the caller's). */
int mt_span_cmp_size(const struct mt_span *x, const struct mt_span *y);

/*
 * Read a saved NDJSON stream (memtrace -o / --json) into s, through
 * user/stream.h. 0, or -errno with a reason in err. What the bounds above
 * merged or dropped is said in a warning.
 */
int mt_series_read(const char *path, struct mt_series *s, char *err, size_t errlen);

#endif
