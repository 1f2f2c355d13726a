/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The processes a run traced beside (or instead of) one process: those named
 * with -p, a command's and --children's descendants, and with -a or --cgroup
 * every process that grew. Fed by the kernel side's process and exit records
 * (bpf/memtrace.h, struct mt_proc_rec and mt_exit_rec) and, at the end, by
 * the figures of those still running; printed as the "Processes" table and
 * the per-process function totals.
 *
 * A run without end (-a as an agent) meets processes without end: the rows
 * of ended processes are bounded. Each ended process's function totals
 * move from the kernel's proc_funcs map into its row's (mt_procs_tick());
 * mt_procs_prune() drops those that ended before a mark (a scrape sent
 * them); and at most MT_PROCS_KEEP_ENDED ended processes are kept, the
 * largest growers, the others counted in the tables' "and N more" lines.
 */
#ifndef MT_PROCS_H
#define MT_PROCS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include "memtrace.h"
#include "rowindex.h"

struct mt_tracer;

struct mt_proc_info {
	pid_t pid, ppid;
	char comm[16];
	const char *how;   /* "named", "fork" or "seen" (its first growth, -a or --cgroup) */
	int64_t start_rss; /* when it joined */
	int64_t end_rss;   /* at its exit, or at the stop */
	int64_t peak;
	unsigned execs;
	bool exited;
	int status;        /* its wait status, if exited */
	uint64_t ended;    /* exited: its exit's number in the run (mt_procs_mark()), from 1 */
	bool settled;      /* exited: its function totals are here, gone from the kernel */
};

/* Ended processes kept at most (the largest growers); beyond, the others are dropped, counted. */
#define MT_PROCS_KEEP_ENDED 1024

/* One function's totals in one process (bpf/memtrace.bpf.c, proc_funcs). */
struct mt_proc_func {
	pid_t pid;
	uint32_t func; /* as funcs[]: the target index, or MT_MAX_FUNCS + code */
	struct mt_func_agg agg;
	bool calls_known; /* else a Python function found by frame walking: growth only */
	uint64_t ended;   /* settled (its process ended, mt_proc_info.ended), else 0 */
};

struct mt_procs {
	struct mt_proc_info *v;
	size_t n, cap;
	/*
	 * [0, nsettled): ended processes' totals, moved from the kernel;
	 * [nsettled, nfuncs): the others', reread at each mt_procs_final().
	 */
	struct mt_proc_func *funcs;
	size_t nfuncs, funcs_cap, nsettled;
	struct mt_rowindex index; /* by pid: the row of its latest process (pids are reused) */
	uint64_t events_lost;     /* records of processes that found no room here */
	uint64_t exits;           /* processes ended so far: the last one's mt_proc_info.ended */
	size_t nended, unsettled; /* rows of ended processes; of those, not settled yet */
	uint64_t dropped;         /* ended processes dropped (pruned, or beyond the bound) */
	uint32_t *dropped_funcs;  /* by function (MT_NR_FUNCS): its rows dropped with them */
};

/* A new row for pid, which from now on finds it; NULL when out of memory (counted). */
struct mt_proc_info *mt_procs_add(struct mt_procs *ps, pid_t pid);
/* A function's totals in a process (none without a call: left out); 0 or -ENOMEM. */
int mt_procs_add_func(struct mt_procs *ps, pid_t pid, uint32_t func, const struct mt_func_agg *agg);
/* Frame walking: growth of Python function MT_MAX_FUNCS + code in process pid, added to its row. */
int mt_procs_add_walked(struct mt_procs *ps, pid_t pid, uint32_t func, int64_t growth);
/* A process the user named, its RSS now (0 for a command not yet exec'd). */
void mt_procs_named(struct mt_procs *ps, pid_t pid, pid_t ppid, const char *how, int64_t rss);
/* A process joined or exec'd (struct mt_proc_rec). */
void mt_procs_event(struct mt_procs *ps, const struct mt_proc_rec *r);
/* A process ended (struct mt_exit_rec). */
void mt_procs_exit(struct mt_procs *ps, const struct mt_exit_rec *r);
/*
 * Each turn of the main loop: ended processes' function totals move out of
 * the kernel map in batches, and the ended rows are held to their bound.
 */
void mt_procs_tick(struct mt_procs *ps, struct mt_tracer *t);
/* Where the run is: the processes that ended so far are those with ended <= the mark. */
uint64_t mt_procs_mark(const struct mt_procs *ps);
/*
 * Drops the rows of the processes that ended at or before mark, with their
 * function totals, here and in the kernel (a scrape has reported them).
 * t NULL (no tracer), the rows only, as for mt_procs_tick().
 */
void mt_procs_prune(struct mt_procs *ps, struct mt_tracer *t, uint64_t mark);
/* At the stop: the figures of the processes still traced, and the per-process function totals. */
void mt_procs_final(struct mt_procs *ps, struct mt_tracer *t);
/* The process of this pid seen last, or NULL. */
const struct mt_proc_info *mt_procs_find(const struct mt_procs *ps, pid_t pid);
/* Room for an escaped comm (user/termtext.h: 4 bytes a byte). */
#define MT_PROCS_COMM_ESC (4 * 16 + 1)
const char *mt_procs_comm(const struct mt_proc_info *p, char out[MT_PROCS_COMM_ESC]);
/* "Processes by RSS growth": the top max rows (0: all) and a line for the rest. */
void mt_procs_report(FILE *f, const struct mt_procs *ps, size_t max);
/*
 * "Functions by process": each native function's (names[func]) calls and
 * growth in each process, the top max processes per function (0: all).
 */
void mt_procs_report_functions(FILE *f, struct mt_procs *ps, const char *const *names, size_t nnames,
			       size_t max);
void mt_procs_free(struct mt_procs *ps);

#endif
