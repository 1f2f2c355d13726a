// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Mixed Python and native stacks; see pystack.h. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pycode.h"
#include "pystack.h"

/* "[python code 0x" and 16 hex digits and "]" */
#define UNKNOWN_LEN 40

struct mt_pystack {
	struct mt_pycode_cache *cache;
	/* The names of the current call's unreadable code objects, by Python frame. */
	char unknown[MT_PY_STACK_MAX][UNKNOWN_LEN];
};

int mt_pystack_new(pid_t pid, const struct mt_py_offsets *off, struct mt_pystack **out)
{
	struct mt_pystack *ps = calloc(1, sizeof(*ps));

	if (!ps || mt_pycode_cache_new(pid, off, &ps->cache)) {
		free(ps);
		return -ENOMEM;
	}
	*out = ps;
	return 0;
}

void mt_pystack_free(struct mt_pystack *ps)
{
	if (ps)
		mt_pycode_cache_free(ps->cache);
	free(ps);
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
 * Code objects are freed and their addresses reused: drop each cached code
 * whose identifying pointers changed (mt_pycode_check()), once per distinct
 * address and before any is resolved, so no frame of this call borrows a
 * string that a later check frees.
 */
static void recheck_codes(struct mt_pystack *ps, const struct mt_py_stack_frame *py, size_t np)
{
	for (size_t i = 0; i < np; i++) {
		size_t j;

		for (j = 0; j < i && py[j].code != py[i].code; j++)
			;
		if (j == i)
			mt_pycode_check(ps->cache, py[i].code);
	}
}

/* Python frame i, named from its code object. */
static struct mt_frame python_frame(struct mt_pystack *ps, const struct mt_py_stack_frame *f,
				    size_t i)
{
	const struct mt_pycode *pc;
	int line;

	if (mt_pycode_read(ps->cache, f->code, &pc)) {
		snprintf(ps->unknown[i], UNKNOWN_LEN, "[python code 0x%llx]",
			 (unsigned long long)f->code);
		return (struct mt_frame){ .func = ps->unknown[i], .kind = MT_FRAME_UNKNOWN };
	}
	line = mt_pycode_line(pc, f->instr);
	return (struct mt_frame){ .func = pc->qualname ? pc->qualname : pc->name,
				  .file = pc->filename,
				  .line = line > 0 ? (uint32_t)line : (uint32_t)pc->firstlineno,
				  .kind = MT_FRAME_PYTHON };
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

	recheck_codes(ps, r->py, np);
	for (i = 0; i < np; i++)
		py[i] = python_frame(ps, &r->py[i], i);
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
