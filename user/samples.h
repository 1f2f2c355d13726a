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
#include <stdio.h>
#include <sys/types.h>
#include "memtrace.h"
#include "profile.h"

struct mt_pyframes;
struct mt_sink;
struct mt_snapshot;
struct mt_unwinder;
struct mt_pystack;

struct mt_samples {
	struct mt_profile profile; /* what the samples add up to: every stack output reads it */
	/* private */
	const struct mt_pyframes *frames; /* the Python walker's state: is the runtime known yet */
	struct mt_sink *sink;
	struct mt_unwinder *unwinder;    /* NULL: samples count as [unknown] */
	struct mt_pystack *pystack;      /* NULL: no CPython we can walk */
	struct mt_frame *native, *mixed; /* frame buffers for one sample */
	/*
	 * Samples wait here, oldest first, to be unwound between reads of the
	 * ring (mt_samples_unwind()): an unwind takes up to milliseconds, and
	 * records behind it in the ring (a Python code object to read while
	 * the process lives) must not wait for it.
	 */
	struct mt_stack_rec **queued;
	size_t queued_head, nqueued;
	bool unwind_now;        /* the next sample is unwound at once (see mt_samples_add()) */
	uint64_t unwind_failed; /* samples kept as [unknown]: no unwinder, or it failed */
	bool oom;               /* a sample could not be added: the stacks are incomplete */
};

/*
 * Ready for samples of process pid at sample_bytes (the profile's interval).
 * frames: the walker, set up for stacks (user/pyframes.h) or not. Without
 * an unwinder (a warning says why) samples still count, as [unknown].
 * 0, or -ENOMEM with the reason in err.
 */
int mt_samples_start(struct mt_samples *s, pid_t pid, uint64_t sample_bytes,
		     const struct mt_pyframes *frames, struct mt_sink *sink, char *err, size_t errlen);
/* Once the tracer runs: Python code objects of samples are read as announced (fd: their ring). */
void mt_samples_follow(struct mt_samples *s, int py_codes_fd);
/* A read of the ring begins: its first sample is unwound at once, while the process lives. */
void mt_samples_read_begins(struct mt_samples *s);
/* One sample from the ring (the tracer's stack handler). */
void mt_samples_add(struct mt_samples *s, const struct mt_stack_rec *r);
/* Unwinds queued samples for up to budget seconds; budget < 0: all of them. */
void mt_samples_unwind(struct mt_samples *s, double budget);
/* Are samples waiting? */
bool mt_samples_pending(const struct mt_samples *s);
/* The "stacks:" line (growth seen, growth in no stack), then the stack tables, top rows each. */
void mt_samples_report(FILE *f, const struct mt_samples *s, const struct mt_snapshot *snap, int top);
/* Warnings for what the stacks lack: samples lost, malformed, not unwound. */
void mt_samples_warn(const struct mt_samples *s, const struct mt_snapshot *snap);
void mt_samples_free(struct mt_samples *s); /* safe on a zeroed struct */

#endif
