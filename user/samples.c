// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Stack samples to the profile: see user/samples.h. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
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
#include "unwinders.h"

/* Native frames kept per sample: a 16 KiB stack copy holds fewer (16 bytes a frame at least). */
#define MAX_FRAMES 1024
/* A launched command's maps are read every WATCH_MS for its first WATCH_FOR_MS (see wait_for_work()). */
#define WATCH_MS 2
#define WATCH_FOR_MS 300
/* Samples waiting to be unwound, at most (up to ~17 KiB each): beyond, they count as [unknown]. */
#define QUEUED_MAX 4096

/* Where a sample the unwinder could not read goes: its bytes stay counted. */
static const struct mt_frame unknown_frame = { .func = "[unknown]", .kind = MT_FRAME_UNKNOWN };
/* A sample with no user registers (inside execve, bpf/stacks.bpf.c): the kernel's work. */
static const struct mt_frame kernel_frame = { .func = "[kernel]", .kind = MT_FRAME_UNKNOWN };

/* One sample copied from the ring, waiting for the worker; or a process that ended. */
struct mt_samples_todo {
	struct mt_samples_todo *next;
	pid_t ended; /* nonzero: no sample; this process's unwinder is freed */
	/* A struct mt_stack_rec up to stack[stack_len] (a marker of an end has none: 16 bytes). */
	_Alignas(struct mt_stack_rec) unsigned char rec[];
};

/* One sample unwound and named, its frames' strings copied: the main thread adds it. */
struct mt_samples_item {
	struct mt_samples_item *next;
	struct mt_stack st;
	struct mt_frame frames[]; /* then the strings */
};

static void *work(void *arg);

int mt_samples_start(struct mt_samples *s, pid_t pid, bool launch, bool per_process,
		     uint64_t sample_bytes, const struct mt_pyframes *frames, struct mt_sink *sink,
		     char *err, size_t errlen)
{
	pthread_condattr_t ca;
	sigset_t all, old;
	int e;

	memset(s, 0, sizeof(*s));
	mt_profile_init(&s->profile);
	s->profile.sample_bytes = sample_bytes;
	s->sink = sink;
	s->todo_tail = &s->todo;
	s->done_tail = &s->done;
	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->wake, &ca);
	pthread_condattr_destroy(&ca);
	s->native = calloc(MAX_FRAMES, sizeof(*s->native));
	s->rooted = per_process ? calloc(MAX_FRAMES + 1, sizeof(*s->rooted)) : NULL;
	if (!s->native || (per_process && !s->rooted))
		goto oom;
	if (frames->stacks) {
		s->mixed = calloc(MAX_FRAMES, sizeof(*s->mixed));
		if (!s->mixed || mt_pystack_new(pid, &frames->off, &s->pystack))
			goto oom;
	}
	/* Launched: the maps are memtrace's own until the exec, so they are read at the first sample. */
	s->per_process = per_process;
	/* -a, --cgroup (no pid): each process's at its first sample. */
	e = pid ? mt_unwinders_add(&s->unwinders, pid, launch) : 0;
	if (e == -ENOMEM)
		goto oom;
	if (e)
		mt_warn("cannot unwind the stacks of process %d (%s); their growth shows as [unknown]",
			pid, strerror(e < 0 ? -e : e));
	/* Signals stay with the main thread, whose loop they stop. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	e = pthread_create(&s->worker, NULL, work, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e) {
		mt_set_err(err, errlen, "cannot start the thread that unwinds stacks: %s", strerror(e));
		return -e;
	}
	s->worker_on = true;
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

static size_t str_size(const char *str)
{
	return str ? strlen(str) + 1 : 0;
}

static const char *put_str(char **at, const char *str)
{
	size_t n = str_size(str);
	char *d = *at;

	if (!str)
		return NULL;
	memcpy(d, str, n);
	*at += n;
	return d;
}

/* st with its frames and their strings in one block: the unwinder's and pystack's strings change. */
static struct mt_samples_item *pack(const struct mt_stack *st)
{
	size_t len = sizeof(struct mt_samples_item) + st->n * sizeof(struct mt_frame);
	struct mt_samples_item *it;
	char *at;

	for (size_t i = 0; i < st->n; i++) {
		const struct mt_frame *f = &st->frames[i];

		len += str_size(f->func) + str_size(f->file) + str_size(f->object) + str_size(f->build_id);
	}
	it = malloc(len);
	if (!it)
		return NULL;
	it->next = NULL;
	it->st = *st;
	it->st.frames = it->frames;
	at = (char *)&it->frames[st->n];
	for (size_t i = 0; i < st->n; i++) {
		const struct mt_frame *f = &st->frames[i];

		it->frames[i] = *f;
		it->frames[i].func = put_str(&at, f->func);
		it->frames[i].file = put_str(&at, f->file);
		it->frames[i].object = put_str(&at, f->object);
		it->frames[i].build_id = put_str(&at, f->build_id);
	}
	return it;
}

/* Does pid's stacks' root name its pid? The first MT_SAMPLES_PID_ROOTS processes' do. */
static bool pid_root(struct mt_samples *s, pid_t pid)
{
	for (size_t i = 0; i < s->npid_roots; i++)
		if (s->pid_roots[i] == pid)
			return true;
	if (s->npid_roots == MT_SAMPLES_PID_ROOTS)
		return false;
	s->pid_roots[s->npid_roots++] = pid;
	return true;
}

/* Several processes: the process is the stack's root frame, so each has its own tower. */
static void put_process_root(struct mt_samples *s, struct mt_stack *st, const struct mt_stack_rec *sr)
{
	size_t n = st->n < MAX_FRAMES ? st->n : MAX_FRAMES;
	int len = (int)strnlen(sr->comm, sizeof(sr->comm));

	/* Named as the kernel side saw it: a short-lived child has no /proc left, an exec renames. */
	if (pid_root(s, (pid_t)sr->pid))
		snprintf(s->process_label, sizeof(s->process_label), "%.*s [%u]", len, sr->comm, sr->pid);
	else
		snprintf(s->process_label, sizeof(s->process_label), "%.*s", len, sr->comm);
	memmove(&s->rooted[1], st->frames, n * sizeof(*st->frames));
	s->rooted[0] = (struct mt_frame){ .func = s->process_label, .kind = MT_FRAME_UNKNOWN };
	st->frames = s->rooted;
	st->n = n + 1;
}

/*
 * The worker's job: a sample unwound (leaf first), its Python frames put in
 * place of the interpreter's eval loops (user/pystack.h), turned root first.
 * *failed: shown as [unknown].
 */
static struct mt_samples_item *unwind_one(struct mt_samples *s, const struct mt_stack_rec *sr,
					  bool *failed)
{
	struct mt_frame *frames = s->native;
	struct mt_stack st = { .bytes = sr->weight, .tid = sr->tid,
			       .t = mt_sink_ktime(s->sink, sr->ts) };
	struct mt_unwinder *u = mt_unwinders_for(&s->unwinders, sr);
	size_t n = 0;

	if (!u || mt_unwind(u, sr, frames, MAX_FRAMES, &n, &st.truncated))
		n = 0;
	st.truncated &= n > 0;
	if (s->pystack && sr->nr_py) {
		st.truncated |= mt_pystack_merge(s->pystack, sr, frames, n, s->mixed, MAX_FRAMES,
						 &n) == 1;
		frames = s->mixed;
	}
	*failed = false;
	if (n) {
		reverse_frames(frames, n);
		st.frames = frames;
		st.n = n;
	} else {
		bool kernel = sr->flags & MT_STACK_NO_USER;

		*failed = !kernel;
		st.frames = kernel ? &kernel_frame : &unknown_frame;
		st.n = 1;
		st.truncated = !kernel;
	}
	if (s->per_process)
		put_process_root(s, &st, sr);
	return pack(&st);
}

/* Main thread: one sample into the profile and the stream. */
static void add_to_profile(struct mt_samples *s, const struct mt_stack *st)
{
	size_t first_new = s->profile.nframes;
	int64_t i = mt_profile_add(&s->profile, st);

	if (i < 0) {
		/* The worker sets it too. */
		pthread_mutex_lock(&s->lock);
		s->oom = true;
		pthread_mutex_unlock(&s->lock);
	} else
		mt_sink_stack(s->sink, &s->profile, first_new, st, s->profile.stacks[i].frames);
}

static bool before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

static struct timespec mono_in(long ms)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_nsec += ms * 1000000L;
	t.tv_sec += t.tv_nsec / 1000000000L;
	t.tv_nsec %= 1000000000L;
	return t;
}

/*
 * With s->lock held: wait for samples; while a just-launched command is
 * watched, wake every WATCH_MS to read its maps, so that a command that
 * exits within milliseconds still has its libraries named.
 */
static void wait_for_work(struct mt_samples *s)
{
	struct timespec now, next;

	while (!s->todo && !s->stopping) {
		now = mono_in(0);
		if (s->watching && !before(&now, &s->watch_until))
			s->watching = false;
		if (!s->watching) {
			pthread_cond_wait(&s->wake, &s->lock);
			continue;
		}
		next = mono_in(WATCH_MS);
		if (pthread_cond_timedwait(&s->wake, &s->lock, &next) == ETIMEDOUT && s->unwinders.n &&
		    s->unwinders.v[0].u) {
			pthread_mutex_unlock(&s->lock);
			mt_unwinder_refresh(s->unwinders.v[0].u);
			pthread_mutex_lock(&s->lock);
		}
	}
}

void mt_samples_launched(struct mt_samples *s)
{
	if (!s->worker_on)
		return;
	pthread_mutex_lock(&s->lock);
	s->watching = true;
	s->watch_until = mono_in(WATCH_FOR_MS);
	pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->lock);
}

static void *work(void *arg)
{
	struct mt_samples *s = arg;
	struct mt_samples_item *it;
	struct mt_samples_todo *t;
	bool failed;

	pthread_mutex_lock(&s->lock);
	for (;;) {
		wait_for_work(s);
		t = s->todo;
		if (!t)
			break; /* stopping, and nothing left */
		s->todo = t->next;
		if (!s->todo)
			s->todo_tail = &s->todo;
		s->ntodo -= !t->ended;
		pthread_mutex_unlock(&s->lock);
		if (t->ended) {
			mt_unwinders_forget(&s->unwinders, t->ended);
			free(t);
			pthread_mutex_lock(&s->lock);
			continue;
		}
		it = unwind_one(s, (const struct mt_stack_rec *)t->rec, &failed);
		free(t);
		pthread_mutex_lock(&s->lock);
		s->unwind_failed += failed;
		if (!it) {
			s->oom = true;
			continue;
		}
		*s->done_tail = it;
		s->done_tail = &it->next;
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

void mt_samples_add(struct mt_samples *s, const struct mt_stack_rec *sr)
{
	size_t size = offsetof(struct mt_samples_todo, rec) + offsetof(struct mt_stack_rec, stack) + sr->stack_len;
	struct mt_samples_todo *t;
	struct mt_samples_item *it;
	bool failed;

	/* No worker (it has stopped: the run's end): unwound here. */
	if (!s->worker_on) {
		it = unwind_one(s, sr, &failed);
		s->unwind_failed += failed;
		if (it)
			add_to_profile(s, &it->st);
		else
			s->oom = true;
		free(it);
		return;
	}
	t = malloc(size);
	if (t) {
		t->next = NULL;
		t->ended = 0;
		memcpy(t->rec, sr, offsetof(struct mt_stack_rec, stack) + sr->stack_len);
	}
	pthread_mutex_lock(&s->lock);
	if (t && s->ntodo < QUEUED_MAX) {
		*s->todo_tail = t;
		s->todo_tail = &t->next;
		s->ntodo++;
		pthread_cond_signal(&s->wake);
		pthread_mutex_unlock(&s->lock);
		return;
	}
	/* No room: the sample is not unwound, but its bytes still count. */
	s->unwind_failed++;
	pthread_mutex_unlock(&s->lock);
	free(t);
	add_to_profile(s, &(struct mt_stack){ .frames = &unknown_frame, .n = 1, .truncated = true,
					      .bytes = sr->weight, .tid = sr->tid,
					      .t = mt_sink_ktime(s->sink, sr->ts) });
}

void mt_samples_ended(struct mt_samples *s, pid_t pid)
{
	struct mt_samples_todo *t;

	if (!s->worker_on)
		return;
	/* Out of memory: the unwinder stays until its slot is reused. */
	t = malloc(sizeof(*t));
	if (!t)
		return;
	t->next = NULL;
	t->ended = pid;
	pthread_mutex_lock(&s->lock);
	*s->todo_tail = t;
	s->todo_tail = &t->next;
	pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->lock);
}

void mt_samples_collect(struct mt_samples *s, bool wait)
{
	struct mt_samples_item *it, *next;

	if (!s->worker_on)
		return;
	pthread_mutex_lock(&s->lock);
	if (wait) {
		s->stopping = true;
		pthread_cond_signal(&s->wake);
		pthread_mutex_unlock(&s->lock);
		pthread_join(s->worker, NULL);
		s->worker_on = false;
		pthread_mutex_lock(&s->lock);
	}
	it = s->done;
	s->done = NULL;
	s->done_tail = &s->done;
	pthread_mutex_unlock(&s->lock);
	for (; it; it = next) {
		next = it->next;
		add_to_profile(s, &it->st);
		free(it);
	}
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
	if (s->unwind_failed && s->unwinders.n)
		mt_warn("%llu stack sample%s could not be unwound: shown as [unknown]",
			(unsigned long long)s->unwind_failed, s->unwind_failed == 1 ? "" : "s");
	if (s->oom)
		mt_warn("out of memory: the stacks are incomplete");
}

void mt_samples_free(struct mt_samples *s)
{
	struct mt_samples_item *it;
	struct mt_samples_todo *t;

	if (s->worker_on) {
		pthread_mutex_lock(&s->lock);
		s->stopping = true;
		/* Not unwound now: whatever is left is dropped. */
		while ((t = s->todo)) {
			s->todo = t->next;
			free(t);
		}
		pthread_cond_signal(&s->wake);
		pthread_mutex_unlock(&s->lock);
		pthread_join(s->worker, NULL);
	}
	while ((it = s->done)) {
		s->done = it->next;
		free(it);
	}
	if (s->sink) {
		pthread_mutex_destroy(&s->lock);
		pthread_cond_destroy(&s->wake);
	}
	mt_unwinders_free(&s->unwinders);
	mt_pystack_free(s->pystack);
	free(s->native);
	free(s->mixed);
	free(s->rooted);
	mt_profile_free(&s->profile);
	memset(s, 0, sizeof(*s));
}
