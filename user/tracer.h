/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The BPF side's lifecycle: open, configure, load, seed, attach, poll, detach. */
#ifndef MT_TRACER_H
#define MT_TRACER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "memtrace.h"
#include "python_offsets.h"
#include "resolve.h"
#include "pycode.h"

struct mt_tracer;

/*
 * What the ring buffer carries (bpf/memtrace.h, MT_REC_*), one handler per
 * record type; a NULL handler ignores that type. Records are checked for
 * size and their strings NUL-terminated before a handler sees them.
 */
struct mt_tracer_events {
	void (*call)(void *ctx, const struct mt_call_rec *r);   /* a call returned (or ended) */
	void (*code)(void *ctx, const struct mt_code_rec *r);   /* USDT: a Python function matched */
	void (*pyframe)(void *ctx, const struct mt_pyframe_rec *r); /* frame walking: a code object seen */
	void (*stretch)(void *ctx, const struct mt_stretch_rec *r); /* frame walking: where a function ran */
	void (*exit)(void *ctx, const struct mt_exit_rec *r);   /* the traced process ended */
	/* A sampled stack: stack_len and nr_py checked against the record's size and limits. */
	void (*stack)(void *ctx, const struct mt_stack_rec *r);
	/* A process joined (fork, -a, --cgroup) or exec'd; its comm NUL-terminated. */
	void (*proc)(void *ctx, const struct mt_proc_rec *r);
	void *ctx;
};

struct mt_tracer_opts {
	pid_t pid;        /* the first process: the launched command, or the first -p */
	const pid_t *more_pids; /* the other -p processes */
	size_t nmore_pids;
	unsigned follow;  /* enum mt_follow (bpf/memtrace.h): who else is traced */
	uint64_t cgroup_id; /* MT_FOLLOW_CGROUP: the cgroup v2 directory's id (its inode) */
	unsigned cgroup_level; /* and its depth below the cgroup2 root */
	bool launch;      /* the process has not exec'd yet: its RSS starts from zero */
	bool emit_calls;  /* send one record per call (needed for JSON streams) */
	const struct mt_target *targets;
	size_t ntargets;
	struct mt_tracer_events events;
	/* Python frame walking, for targets whose method is "frames": */
	const struct mt_py_offsets *py_off; /* the first process's layout: layout 0 */
	struct mt_py_proc py_first;         /* its interpreter; runtime 0 until known (launch mode) */
	const struct mt_py_match *py_match; /* the walker's targets, see user/pycode.h */
	int npy_match;
	bool py_stacks; /* walk frames for stack samples, even with no walker targets */
	bool py_late;   /* Python targets and processes may come later (user/pyframes.h) */
	/* Stacks: one sample per this many bytes of a thread's growth on average; 0: off. */
	uint64_t sample_bytes;
};

/* The first process's memory as the kernel side sees it now, and the run's counters. */
struct mt_snapshot {
	int64_t anon, file, shmem, rss;
	int64_t peak;        /* largest RSS since tracing began */
	uint64_t peak_ts;    /* when (CLOCK_MONOTONIC ns); 0 if before any event */
	int64_t sample_peak; /* largest RSS since the previous snapshot that reset it */
	uint64_t lost;        /* records dropped: per-call records and what lost_tables counts */
	uint64_t lost_tables; /* of those, what the tables need too (Python announcements, lines, exit) */
	uint64_t rss_events;
	/* Stacks (bpf/stacks.bpf.c): growth the target's threads caused while sampled, */
	int64_t stacks_growth;
	int64_t stacks_unsampled;  /* of it, what no sample has claimed yet */
	uint64_t stacks_lost;      /* samples the ring buffer had no room for */
	int64_t stacks_lost_bytes; /* the growth they stood for */
	uint64_t stacks_bad;       /* sample records malformed (size or counts): dropped */
	uint64_t procs_lost;       /* processes that could not join: too many traced at once */
};

/* Everything up to and including attach. Returns 0 or -errno with a one-line reason in err. */
int mt_tracer_start(const struct mt_tracer_opts *opts, struct mt_tracer **out, char *err, size_t errlen);
/*
 * No call starts or ends from now on (see "stopped" in bpf/memtrace.bpf.c);
 * returns once the probes running at that moment have submitted their records.
 */
void mt_tracer_stop(struct mt_tracer *t);
/* Consume ring-buffer records for up to timeout_ms. Returns records consumed or -errno. */
int mt_tracer_poll(struct mt_tracer *t, int timeout_ms);
/* An fd readable when records wait: to wait on it beside others, then mt_tracer_poll(t, 0). */
int mt_tracer_wait_fd(struct mt_tracer *t);
/* reset_sample_peak: start a new sample interval (sample_peak restarts at the current RSS). */
void mt_tracer_snapshot(struct mt_tracer *t, struct mt_snapshot *s, bool reset_sample_peak);
const struct mt_func_agg *mt_tracer_func(struct mt_tracer *t, size_t idx);
/*
 * --children: a descendant already running joins, its RSS from
 * /proc/PID/status. 0 or -errno with a reason in err (-EEXIST: it joined
 * by itself, a fork meanwhile).
 */
int mt_tracer_add_proc(struct mt_tracer *t, pid_t pid, char *err, size_t errlen);
/*
 * Several processes: attaches the native targets[from, n) found since the
 * start (a program a traced process exec'd), for every process. 0 or
 * -errno with a reason in err.
 */
int mt_tracer_attach_more(struct mt_tracer *t, const struct mt_target *targets, size_t from, size_t n,
			  char *err, size_t errlen);
/* One traced process's figures now: 0, or -ENOENT once a process that joined has exited. */
int mt_tracer_proc(struct mt_tracer *t, pid_t pid, struct mt_proc *out);
/* Calls fn for each process traced now (a snapshot, in no order). */
void mt_tracer_procs(struct mt_tracer *t, void (*fn)(void *ctx, const __u32 *pid, const struct mt_proc *p),
		     void *ctx);
/* Several processes: calls fn for each function's totals in each process. */
void mt_tracer_proc_funcs(struct mt_tracer *t,
			  void (*fn)(void *ctx, const struct mt_proc_func_key *k, const struct mt_func_agg *v),
			  void *ctx);
/* Drops a process's function totals from the kernel side (its process ended; user/procs.c keeps them). */
void mt_tracer_forget_proc_func(struct mt_tracer *t, const struct mt_proc_func_key *k);
/* Copies the calls still open into out (up to max); returns how many. */
int mt_tracer_open_calls(struct mt_tracer *t, struct mt_active *out, int max);
/* Calls fn for each (code, line) figure of the Python line tables. */
int mt_tracer_lines(struct mt_tracer *t,
		    void (*fn)(void *ctx, const struct mt_line_key *k, const struct mt_line_val *v),
		    void *ctx);
/* Stacks: the ring of code objects the samples carry (py_stack_codes in bpf/python_frames.bpf.c). */
int mt_tracer_py_codes_fd(struct mt_tracer *t);
/*
 * Frame walking (bpf/python_frames.bpf.c): layout idx, a CPython process's
 * interpreter (the first process's or another's; runtime 0 stops its walk
 * until set), a process's forgotten, and the walker's targets (n
 * py_match). 0 or -errno.
 */
int mt_tracer_set_py_layout(struct mt_tracer *t, uint32_t idx, const struct mt_py_offsets *off);
int mt_tracer_set_py_proc(struct mt_tracer *t, pid_t pid, const struct mt_py_proc *p);
void mt_tracer_forget_py_proc(struct mt_tracer *t, pid_t pid);
int mt_tracer_set_py_targets(struct mt_tracer *t, const struct mt_py_match *match, int n);
/* Calls fn for each (code object, instruction) figure of frame walking. */
int mt_tracer_frame_lines(struct mt_tracer *t,
			  void (*fn)(void *ctx, const struct mt_pyframe_key *k,
				     const struct mt_pyframe_val *v),
			  void *ctx);
/* Frame walking: each stretch still under way, to events.stretch, marked MT_STRETCH_OPEN. */
void mt_tracer_open_stretches(struct mt_tracer *t);
/* Detach and free; NULL-safe. */
void mt_tracer_free(struct mt_tracer *t);

/* Checks before any work: root/capabilities, BTF. 0 or -errno with a reason in err. */
int mt_tracer_check_system(char *err, size_t errlen);

#endif
