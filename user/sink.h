/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Where a trace's records go: the NDJSON stream on stdout (--json), the -o
 * file, and the in-memory series behind --svg and --mprof. Every record of a
 * run passes through here, in order, on the stream's clock ("t": seconds
 * since the run began). A failed write stops tracing (see mt_sink_stopped()).
 */
#ifndef MT_SINK_H
#define MT_SINK_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include "env.h"
#include "outfile.h"
#include "profile.h"
#include "records.h"
#include "series.h"

struct mt_target;
struct mt_tracer;
struct mt_procs;

/* Other processes sampled per tick at most: -a on a busy host does not flood the stream. */
#define MT_SINK_MAX_PROC_SAMPLES 16

struct mt_sink {
	struct mt_json *out[2];   /* stdout (--json) and the -o file; NULL when not written */
	struct mt_outfile ofile;  /* the -o file */
	const struct mt_env *env; /* the output names */
	double t0;                /* CLOCK_MONOTONIC seconds at the run's start: t = 0 */
	double last_t;            /* "t" of the latest call or sample written: t never goes back */
	double procs_sampled_t;   /* when the other processes' samples were taken last */
	uint64_t lost_reported;   /* records already reported lost */
	struct mt_series series;  /* samples and calls kept only for --svg / --mprof */
	bool want_series;
	int64_t sample_bytes;     /* the stacks' sampling interval, for the summary record */
	char **funcs;             /* the start record's targets' names, by target index */
	size_t nfuncs;
	bool failed;              /* an output could not be written: memtrace exits 1 */
	bool broken;              /* an output failed or its reader left: tracing must stop */
	/* The run's stop request: a write cut short by it is a quiet stop, not a failure. */
	const volatile sig_atomic_t *stop_signal;
};

/* Seconds since the run began (t0), and a bpf_ktime_get_ns() time on the same clock. */
double mt_sink_now(const struct mt_sink *s);
double mt_sink_ktime(const struct mt_sink *s, uint64_t ktime_ns);

/*
 * At the run's start (t = 0): the --json stream on stdout, so that errors
 * from here on are "error" records too. 0 or -ENOMEM.
 */
int mt_sink_open(struct mt_sink *s, const struct mt_env *env, const volatile sig_atomic_t *stop_signal);
/*
 * Before tracing: every output name checked (user/outfile.c: no symbolic
 * link, no directory) so a mistake costs no traced run. A -o FIFO or device
 * is opened now (a FIFO waits for its reader); a regular -o file only by
 * mt_sink_create(), the plots at the end. 0 or -errno with a reason in err.
 */
int mt_sink_check(struct mt_sink *s, char *err, size_t errlen);
/*
 * With every probe live, just before the start record: creates the -o file,
 * so a run stopped or failed before tracing leaves no file behind.
 */
int mt_sink_create(struct mt_sink *s, char *err, size_t errlen);

void mt_sink_start(struct mt_sink *s, struct mt_rec_start *r); /* sets r->t */
void mt_sink_call(struct mt_sink *s, struct mt_call *c);     /* t clamped to the last record's */
/* A stretch of frame walking, as a call observed at its ends: written now, drawn as observed. */
void mt_sink_stretch(struct mt_sink *s, const struct mt_call *c);
/* A sample now: its t is taken after the records before it. */
void mt_sink_sample(struct mt_sink *s, struct mt_rec_sample *r);
/*
 * Several processes: a sample of each other process traced and running (not
 * first), the MT_SINK_MAX_PROC_SAMPLES largest by RSS; their names for the
 * plot from ps. See docs/schema.md, "sample".
 */
void mt_sink_proc_samples(struct mt_sink *s, struct mt_tracer *t, const struct mt_procs *ps,
			  pid_t first);
/*
 * One stack sample, added to p already (ids: its frames as p numbers them):
 * the "frame" records of p's frames [first_new_frame, p->nframes), which this
 * stack is the first to use, then its "stack" record. t clamped as a call's.
 */
void mt_sink_stack(struct mt_sink *s, const struct mt_profile *p, size_t first_new_frame,
		   const struct mt_stack *st, const uint32_t *ids);
/* lost: the kernel's running total; writes the increase since the last call, if any. */
void mt_sink_lost(struct mt_sink *s, uint64_t lost);
/* A process joined or exec'd: a "process" record at its time. */
void mt_sink_process(struct mt_sink *s, const struct mt_proc_rec *pr);
/* status as a shell reports it; p: the process's row, whose final RSS and peak it carries, or NULL. */
/* Functions found after the start (user/late.c): targets[from, n) named in the summary too. */
int mt_sink_add_funcs(struct mt_sink *s, const struct mt_target *targets, size_t from, size_t n);
void mt_sink_exit(struct mt_sink *s, pid_t pid, int status, const struct mt_proc_info *p);
/* ps: every process traced, when several may be (NULL: one process, and the record as before). */
void mt_sink_summary(struct mt_sink *s, pid_t pid, const struct mt_stats *stats,
		     const struct mt_procs *ps);
/* An "error" record on the --json stream (the -o file has none: it is cut back instead). */
void mt_sink_error(struct mt_sink *s, const char *msg);
/* hold: records of one ring-buffer drain go out together, flushed once when released. */
void mt_sink_hold(struct mt_sink *s, bool hold);
/* true once a write failed or stdout's reader left: tracing should stop. */
bool mt_sink_stopped(const struct mt_sink *s);

/*
 * The plots, each written whole or not at all; peak_rss and peak_t are the
 * kernel side's exact peak, which beats the nearest sample.
 */
void mt_sink_plots(struct mt_sink *s, int64_t peak_rss, double peak_t, const char *const *funcs,
		   size_t nfuncs);
/* --folded, --pprof, --flame: the stacks saved whole at the end; a failure sets s->failed. */
void mt_sink_stacks(struct mt_sink *s, const struct mt_profile *p);
/* failed: the run failed before tracing, and a created -o file is removed. */
void mt_sink_close(struct mt_sink *s, bool failed);

#endif
