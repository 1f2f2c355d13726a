// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Mixed Python and native stacks; see pystack.h. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "pycode.h"
#include "pystack.h"

/* How soon the reader thread sees mt_pystack_free()'s stop. */
#define ANNOUNCE_POLL_MS 50
/* "[python code 0x" and 16 hex digits and "]" */
#define UNKNOWN_LEN 40

struct mt_pystack {
	/* The code cache, shared with the reader thread: both hold lock while using it. */
	struct mt_pycode_cache *cache;
	pthread_mutex_t lock;
	/* The reader of announced code objects (mt_pystack_follow()), and its stop flag. */
	struct ring_buffer *announced;
	pthread_t reader;
	bool reading, stop;
	/* The names of the current call's unreadable code objects, by Python frame. */
	char unknown[MT_PY_STACK_MAX][UNKNOWN_LEN];
	/* Copies of the current call's names: the reader may replace a cached code any time. */
	char *owned[2 * MT_PY_STACK_MAX];
	size_t nowned;
};

int mt_pystack_new(pid_t pid, const struct mt_py_offsets *off, struct mt_pystack **out)
{
	struct mt_pystack *ps = calloc(1, sizeof(*ps));

	if (!ps || mt_pycode_cache_new(pid, off, &ps->cache)) {
		free(ps);
		return -ENOMEM;
	}
	pthread_mutex_init(&ps->lock, NULL);
	*out = ps;
	return 0;
}

static void forget_names(struct mt_pystack *ps)
{
	while (ps->nowned)
		free(ps->owned[--ps->nowned]);
}

/* The reader thread, if running, told to stop and waited for. */
static void stop_reader(struct mt_pystack *ps)
{
	if (!ps->reading)
		return;
	__atomic_store_n(&ps->stop, true, __ATOMIC_RELAXED);
	pthread_join(ps->reader, NULL);
	ps->reading = false;
}

void mt_pystack_free(struct mt_pystack *ps)
{
	if (!ps)
		return;
	stop_reader(ps);
	forget_names(ps);
	ring_buffer__free(ps->announced);
	mt_pycode_cache_free(ps->cache);
	pthread_mutex_destroy(&ps->lock);
	free(ps);
}

/*
 * A code object new at its address on a sampled stack: into the cache while
 * it lives, in place of one freed there before (mt_pycode_check()).
 */
static int read_announced(void *ctx, void *data, size_t size)
{
	struct mt_pystack *ps = ctx;
	const struct mt_pycode *pc;
	uint64_t code;

	if (size >= sizeof(code)) {
		memcpy(&code, data, sizeof(code));
		pthread_mutex_lock(&ps->lock);
		mt_pycode_check(ps->cache, code);
		mt_pycode_read(ps->cache, code, &pc);
		pthread_mutex_unlock(&ps->lock);
	}
	return 0;
}

/* The reader thread: the announcements as they come, until mt_pystack_free(). */
static void *read_loop(void *arg)
{
	struct mt_pystack *ps = arg;
	int e = 0;

	while (!__atomic_load_n(&ps->stop, __ATOMIC_RELAXED) && (e >= 0 || e == -EINTR))
		e = ring_buffer__poll(ps->announced, ANNOUNCE_POLL_MS);
	return NULL;
}

/*
 * A thread of its own: samples are merged as they are unwound (user/main.c),
 * which can be long after they were taken, the process gone. Signals stay
 * with the main thread, whose loop they stop.
 */
int mt_pystack_follow(struct mt_pystack *ps, int fd)
{
	sigset_t all, old;
	int e;

	ps->announced = ring_buffer__new(fd, read_announced, ps, NULL);
	if (!ps->announced)
		return -errno;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	e = pthread_create(&ps->reader, NULL, read_loop, ps);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	ps->reading = e == 0;
	return -e;
}

/*
 * What a native frame is to the merge. CPython runs Python code in
 * _PyEval_EvalFrameDefault (GCC may split off a ".cold" part: the same
 * frame); _PyEval_EvalFrame and PyEval_EvalFrameEx call it, and were the
 * loop itself in older versions: right above a loop they are part of it.
 */
enum role {
	ROLE_NATIVE,
	ROLE_LOOP,     /* one C-level eval loop: replaced by the Python frames it ran */
	ROLE_ABSORBED, /* a wrapper of the loop just below it: dropped with it */
};

static bool named(const char *func, const char *name)
{
	size_t n = strlen(name);

	return !strncmp(func, name, n) && (func[n] == '\0' || func[n] == '.');
}

/* The role of frame f, leaf first, after a frame of role below (ROLE_NATIVE for the leaf). */
static enum role role_of(const struct mt_frame *f, enum role below)
{
	if (f->kind != MT_FRAME_NATIVE || !f->func)
		return ROLE_NATIVE;
	if (named(f->func, "_PyEval_EvalFrameDefault"))
		return ROLE_LOOP;
	if (named(f->func, "_PyEval_EvalFrame") || named(f->func, "PyEval_EvalFrameEx"))
		return below == ROLE_NATIVE ? ROLE_LOOP : ROLE_ABSORBED;
	return ROLE_NATIVE;
}

/*
 * Code objects are freed and their addresses reused. With no reader, drop
 * each cached code whose identifying pointers changed (mt_pycode_check()),
 * once per distinct address. The reader does it as samples are taken,
 * which is better than now, maybe long after: then nothing is checked here.
 */
static void recheck_codes(struct mt_pystack *ps, const struct mt_py_stack_frame *py, size_t np)
{
	for (size_t i = 0; !ps->reading && i < np; i++) {
		size_t j;

		for (j = 0; j < i && py[j].code != py[i].code; j++)
			;
		if (j == i)
			mt_pycode_check(ps->cache, py[i].code);
	}
}

/* A copy of s that lives until the next merge; NULL if out of memory. */
static const char *own(struct mt_pystack *ps, const char *s)
{
	char *c = strdup(s);

	if (c)
		ps->owned[ps->nowned++] = c;
	return c;
}

/* Python frame i, named from its code object (two copies per frame at most). */
static struct mt_frame python_frame(struct mt_pystack *ps, const struct mt_py_stack_frame *f,
				    size_t i)
{
	struct mt_frame fr = { .kind = MT_FRAME_PYTHON };
	const struct mt_pycode *pc;
	int line;

	if (!mt_pycode_read(ps->cache, f->code, &pc)) {
		line = mt_pycode_line(pc, f->instr);
		fr.line = line > 0 ? (uint32_t)line : (uint32_t)pc->firstlineno;
		fr.func = own(ps, pc->qualname ? pc->qualname : pc->name);
		fr.file = fr.func ? own(ps, pc->filename) : NULL;
		if (fr.file)
			return fr;
	}
	snprintf(ps->unknown[i], UNKNOWN_LEN, "[python code 0x%llx]", (unsigned long long)f->code);
	return (struct mt_frame){ .func = ps->unknown[i], .kind = MT_FRAME_UNKNOWN };
}

/* The stack being written: frames past max are cut, and said to be. */
struct out {
	struct mt_frame *v;
	size_t n, max;
	bool cut;
};

static void push(struct out *o, const struct mt_frame *f)
{
	if (o->n < o->max)
		o->v[o->n++] = *f;
	else
		o->cut = true;
}

/* Python frames [from, to) of the sample, innermost first. */
static void push_python(struct out *o, const struct mt_frame *py, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		push(o, &py[i]);
}

/* Where the Python frames' group that begins at from ends: after its entry frame. */
static size_t group_end(const struct mt_stack_rec *r, size_t np, size_t from)
{
	while (from < np && !r->py[from].entry)
		from++;
	return from < np ? from + 1 : np;
}

int mt_pystack_merge(struct mt_pystack *ps, const struct mt_stack_rec *r,
		     const struct mt_frame *native, size_t nnative, struct mt_frame *out, size_t max,
		     size_t *n)
{
	static const struct mt_frame truncated = { .func = "[truncated]", .kind = MT_FRAME_UNKNOWN };
	size_t np = r->nr_py < MT_PY_STACK_MAX ? r->nr_py : MT_PY_STACK_MAX, npy = np;
	size_t loops = 0, groups = 0, first = 0, last = 0, i, g;
	struct mt_frame py[MT_PY_STACK_MAX + 1];
	struct out o = { .v = out, .max = max };
	enum role role = ROLE_NATIVE;

	forget_names(ps);
	pthread_mutex_lock(&ps->lock);
	recheck_codes(ps, r->py, np);
	for (i = 0; i < np; i++)
		py[i] = python_frame(ps, &r->py[i], i);
	pthread_mutex_unlock(&ps->lock);
	/* The outermost frames are missing: say so where they would be (py[np..npy)). */
	if (np && (r->flags & MT_STACK_PY_TRUNC))
		py[npy++] = truncated;
	for (g = 0; g < np; g = group_end(r, np, g))
		groups++;
	for (i = 0; i < nnative; i++) {
		role = role_of(&native[i], role);
		if (role != ROLE_LOOP)
			continue;
		if (!loops++)
			first = i;
		last = i;
	}

	if (!np) {
		for (i = 0; i < nnative; i++)
			push(&o, &native[i]);
	} else if (!loops) {
		push_python(&o, py, 0, npy);
	} else if (loops == groups) {
		/* Each eval loop ran one group of frames, innermost loop innermost group. */
		for (g = 0, role = ROLE_NATIVE, i = 0; i < nnative; i++) {
			role = role_of(&native[i], role);
			if (role == ROLE_NATIVE) {
				push(&o, &native[i]);
			} else if (role == ROLE_LOOP) {
				size_t end = group_end(r, np, g);

				push_python(&o, py, g, end == np ? npy : end);
				g = end;
			}
		}
	} else {
		/*
		 * The counts disagree: the native unwind stopped early (fewer loops
		 * than groups), or a loop was caught before its first frame or named
		 * differently. Which C frame sat between which Python frames is then
		 * unknown, so the Python frames take the whole range from the
		 * innermost loop to the outermost, and the native frames outside it
		 * (malloc below, main above) stay.
		 */
		for (i = 0; i < first; i++)
			push(&o, &native[i]);
		push_python(&o, py, 0, npy);
		for (role = ROLE_LOOP, i = last + 1; i < nnative; i++) {
			role = role_of(&native[i], role);
			if (role != ROLE_ABSORBED)
				push(&o, &native[i]);
		}
	}
	*n = o.n;
	return o.cut;
}
