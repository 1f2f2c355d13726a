// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Stack samples to the profile: see user/samples.h. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "pyframes.h"
#include "pystack.h"
#include "report.h"
#include "samples.h"
#include "sink.h"
#include "stackreport.h"
#include "tracer.h"
#include "unwind.h"

/* Native frames kept per sample: a 16 KiB stack copy holds fewer (16 bytes a frame at least). */
#define MAX_FRAMES 1024
/* Samples waiting to be unwound, at most (~10 KiB each): beyond, the oldest is unwound at once. */
#define QUEUED_MAX 4096

/* Where a sample the unwinder could not read goes: its bytes stay counted. */
static const struct mt_frame unknown_frame = { .func = "[unknown]", .kind = MT_FRAME_UNKNOWN };
/* A sample with no user registers (inside execve, bpf/stacks.bpf.c): the kernel's work. */
static const struct mt_frame kernel_frame = { .func = "[kernel]", .kind = MT_FRAME_UNKNOWN };

int mt_samples_start(struct mt_samples *s, pid_t pid, uint64_t sample_bytes,
		     const struct mt_pyframes *frames, struct mt_sink *sink, char *err, size_t errlen)
{
	int e;

	memset(s, 0, sizeof(*s));
	mt_profile_init(&s->profile);
	s->profile.sample_bytes = sample_bytes;
	s->frames = frames;
	s->sink = sink;
	s->native = calloc(MAX_FRAMES, sizeof(*s->native));
	s->queued = calloc(QUEUED_MAX, sizeof(*s->queued));
	if (!s->native || !s->queued)
		goto oom;
	if (frames->stacks) {
		s->mixed = calloc(MAX_FRAMES, sizeof(*s->mixed));
		if (!s->mixed || mt_pystack_new(pid, &frames->off, &s->pystack))
			goto oom;
	}
	/* The target's mappings and objects are read as samples come (launch: not exec'd yet). */
	e = mt_unwinder_new(pid, &s->unwinder);
	if (e) {
		mt_warn("cannot unwind the stacks of process %d (%s); their growth shows as [unknown]",
			pid, strerror(e < 0 ? -e : e));
		s->unwinder = NULL;
	}
	return 0;
oom:
	mt_set_err(err, errlen, "out of memory");
	return -ENOMEM;
}

void mt_samples_follow(struct mt_samples *s, int py_codes_fd)
{
	int e;

	if (s->pystack && (e = mt_pystack_follow(s->pystack, py_codes_fd)))
		mt_warn("cannot follow the Python code objects of stacks (%s); those of samples read after the process exits show as [python code 0x...]",
			strerror(-e));
}

static void reverse_frames(struct mt_frame *f, size_t n)
{
	for (size_t i = 0; i < n / 2; i++) {
		struct mt_frame tmp = f[i];

		f[i] = f[n - 1 - i];
		f[n - 1 - i] = tmp;
	}
}

/*
 * A sampled stack: unwound (leaf first), its Python frames put in place of
 * the interpreter's eval loops (user/pystack.h), turned root first, added to
 * the profile and written to the stream.
 */
static void add_now(struct mt_samples *s, const struct mt_stack_rec *sr)
{
	struct mt_frame *frames = s->native;
	struct mt_stack st = { .bytes = sr->weight, .tid = sr->tid,
			       .t = mt_sink_ktime(s->sink, sr->ts) };
	size_t n = 0, first_new;
	int64_t i;

	if (!s->unwinder || mt_unwind(s->unwinder, sr, frames, MAX_FRAMES, &n, &st.truncated))
		n = 0;
	st.truncated &= n > 0;
	if (s->pystack && sr->nr_py) {
		st.truncated |= mt_pystack_merge(s->pystack, sr, frames, n, s->mixed, MAX_FRAMES,
						 &n) == 1;
		frames = s->mixed;
	}
	if (n) {
		reverse_frames(frames, n);
		st.frames = frames;
		st.n = n;
	} else {
		bool kernel = sr->flags & MT_STACK_NO_USER;

		s->unwind_failed += !kernel;
		st.frames = kernel ? &kernel_frame : &unknown_frame;
		st.n = 1;
		st.truncated = !kernel;
	}
	first_new = s->profile.nframes;
	i = mt_profile_add(&s->profile, &st);
	if (i < 0)
		s->oom = true;
	else
		mt_sink_stack(s->sink, &s->profile, first_new, &st, s->profile.stacks[i].frames);
}

static void unwind_oldest(struct mt_samples *s)
{
	struct mt_stack_rec *sr = s->queued[s->queued_head];

	s->queued_head = (s->queued_head + 1) % QUEUED_MAX;
	s->nqueued--;
	add_now(s, sr);
	free(sr);
}

/* Not while a launched interpreter's runtime is sought: its first calls would go unwalked. */
static bool may_unwind(const struct mt_samples *s)
{
	return !mt_pyframes_walking(s->frames) || s->frames->runtime;
}

void mt_samples_unwind(struct mt_samples *s, double budget)
{
	double end;

	if (!s->nqueued || (budget >= 0 && !may_unwind(s)))
		return;
	end = mt_sink_now(s->sink) + budget;
	while (s->nqueued && (budget < 0 || mt_sink_now(s->sink) < end))
		unwind_oldest(s);
}

bool mt_samples_pending(const struct mt_samples *s)
{
	return s->nqueued > 0;
}

void mt_samples_read_begins(struct mt_samples *s)
{
	s->unwind_now = true;
}

void mt_samples_add(struct mt_samples *s, const struct mt_stack_rec *sr)
{
	size_t size = offsetof(struct mt_stack_rec, stack) + sr->stack_len;
	struct mt_stack_rec *copy;

	/*
	 * One per read of the ring at once: the unwinder rereads the maps on
	 * an address it does not know, which only a live process can give
	 * (a launched command's libraries map after its exec).
	 */
	if (s->unwind_now && may_unwind(s)) {
		s->unwind_now = false;
		add_now(s, sr);
		return;
	}
	if (s->nqueued == QUEUED_MAX)
		unwind_oldest(s);
	copy = s->queued ? malloc(size) : NULL;
	if (!copy) {
		add_now(s, sr);
		return;
	}
	memcpy(copy, sr, size);
	s->queued[(s->queued_head + s->nqueued++) % QUEUED_MAX] = copy;
}

void mt_samples_report(FILE *f, const struct mt_samples *s, const struct mt_snapshot *snap, int top)
{
	char all[32], left[32];
	const char *ua, *ul;

	/* What the stack tables (user/stackreport.c) cannot say: the growth they miss. */
	mt_fmt_size(all, sizeof(all), snap->stacks_growth, &ua);
	mt_fmt_size(left, sizeof(left), snap->stacks_unsampled, &ul);
	fprintf(f, "stacks: %s %s of growth seen; %s %s of it came after its thread's last sample and is in no stack\n",
		all, ua, left, ul);
	mt_report_stacks(f, &s->profile, top);
}

void mt_samples_warn(const struct mt_samples *s, const struct mt_snapshot *snap)
{
	char lost[32];
	const char *unit;

	if (snap->stacks_lost) {
		mt_fmt_size(lost, sizeof(lost), snap->stacks_lost_bytes, &unit);
		mt_warn("%llu stack sample%s (%s %s of growth) lost: ring buffer full; a larger --sample-bytes takes fewer",
			(unsigned long long)snap->stacks_lost, snap->stacks_lost == 1 ? "" : "s", lost, unit);
	}
	if (snap->stacks_bad)
		mt_warn("%llu malformed stack sample%s dropped", (unsigned long long)snap->stacks_bad,
			snap->stacks_bad == 1 ? "" : "s");
	if (s->unwind_failed && s->unwinder)
		mt_warn("%llu stack sample%s could not be unwound: shown as [unknown]",
			(unsigned long long)s->unwind_failed, s->unwind_failed == 1 ? "" : "s");
	if (s->oom)
		mt_warn("out of memory: the stacks are incomplete");
}

void mt_samples_free(struct mt_samples *s)
{
	mt_unwinder_free(s->unwinder);
	mt_pystack_free(s->pystack);
	free(s->native);
	free(s->mixed);
	while (s->queued && s->nqueued) {
		free(s->queued[s->queued_head]);
		s->queued_head = (s->queued_head + 1) % QUEUED_MAX;
		s->nqueued--;
	}
	free(s->queued);
	mt_profile_free(&s->profile);
	memset(s, 0, sizeof(*s));
}
