/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The run's stack samples (struct mt_stack_rec from bpf/stacks.bpf.c) on
 * their way to the profile: queued, unwound (user/unwind.c), Python frames
 * merged in (user/pystack.c), added to the profile and written to the
 * stream (user/sink.c). docs/design.md, "Stacks", has the whole path.
 */
#ifndef MT_SAMPLES_H
#define MT_SAMPLES_H

#include <stdbool.h>
#include <stdint.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/types.h>
#include "memtrace.h"
#include "profile.h"
#include "unwinders.h"

struct mt_pyframes;
struct mt_sink;
struct mt_snapshot;
struct mt_unwinder;
struct mt_pystack;

struct mt_samples_item;
struct mt_samples_todo;

/*
 * Processes whose stacks start at "comm [pid]", at most: beyond, a
 * process's stacks start at "comm", merged with its namesakes', so a long
 * -a run on a host where processes come and go keeps a profile as large as
 * its programs' code, not as its count of pids.
 */
#define MT_SAMPLES_PID_ROOTS 1024

struct mt_samples {
	struct mt_profile profile; /* what the samples add up to: every stack output reads it */
	/* private */
	struct mt_sink *sink;
	/*
	 * Unwinding runs on a thread of its own: the first unwind of new
	 * objects takes hundreds of milliseconds, and the main loop must go on
	 * reading the ring meanwhile (a Python code object announced there is
	 * read while the process lives, or never). The worker owns the
	 * unwinder, the Python merge and the frame buffers; the main thread
	 * owns the profile and the sink. They meet in two queues under lock.
	 */
	struct mt_unwinders unwinders;   /* by pid; the first process's first */
	bool per_process;                /* each stack's root: its process, "comm [pid]" */
	struct mt_pystack *pystack;      /* NULL: no CPython we can walk */
	struct mt_frame *native, *mixed; /* frame buffers for one sample */
	struct mt_frame *rooted;         /* per_process: the same, after the process's frame */
	char process_label[40];          /* that frame's name: "comm [pid]", or "comm" (pid_root()) */
	pid_t pid_roots[MT_SAMPLES_PID_ROOTS]; /* per_process: the processes whose roots name their pid */
	size_t npid_roots;
	pthread_t worker;
	bool worker_on, stopping;
	/* A command just launched: the worker rereads its maps every few ms until watch_until. */
	bool watching;
	struct timespec watch_until;
	pthread_mutex_t lock;
	pthread_cond_t wake;             /* samples to unwind, or stopping */
	struct mt_samples_todo *todo, **todo_tail; /* records copied from the ring, oldest first */
	size_t ntodo;
	struct mt_samples_item *done, **done_tail; /* unwound samples, for the main thread */
	uint64_t unwind_failed; /* samples kept as [unknown]: no unwinder, it failed, or no room */
	bool oom;               /* a sample could not be added: the stacks are incomplete */
};

/*
 * Ready for samples of process pid (0: -a, --cgroup) and of any other the
 * run traces, at sample_bytes (the profile's interval); launch: pid has not
 * exec'd its command yet. per_process: each stack starts at its process.
 * frames: the walker, set up for stacks (user/pyframes.h) or not. Without
 * an unwinder (a warning says why) samples still count, as [unknown].
 * 0, or -ENOMEM with the reason in err.
 */
int mt_samples_start(struct mt_samples *s, pid_t pid, bool launch, bool per_process,
		     uint64_t sample_bytes, const struct mt_pyframes *frames, struct mt_sink *sink,
		     char *err, size_t errlen);
/* Once the tracer runs: Python code objects of samples are read as announced (fd: their ring). */
void mt_samples_follow(struct mt_samples *s, int py_codes_fd);
/* The launched command runs now: its maps are read early and often for a while. */
void mt_samples_launched(struct mt_samples *s);
/* One sample from the ring (the tracer's stack handler): queued for the worker. */
void mt_samples_add(struct mt_samples *s, const struct mt_stack_rec *r);
/*
 * Process pid ended (its exit record, which follows its samples in the
 * ring): once the samples queued before are unwound, its unwinder is freed.
 */
void mt_samples_ended(struct mt_samples *s, pid_t pid);
/*
 * The samples unwound so far into the profile and the stream; with wait,
 * after every queued one is (the run's end).
 */
void mt_samples_collect(struct mt_samples *s, bool wait);
/* The "stacks:" line (growth seen, growth in no stack), then the stack tables, top rows each. */
void mt_samples_report(FILE *f, const struct mt_samples *s, const struct mt_snapshot *snap, int top);
/* Warnings for what the stacks lack: samples lost, malformed, not unwound. */
void mt_samples_warn(const struct mt_samples *s, const struct mt_snapshot *snap);
void mt_samples_free(struct mt_samples *s); /* stops the worker; safe on a zeroed struct */

#endif
