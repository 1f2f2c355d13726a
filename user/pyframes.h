/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Python by frame walking (the default mode): the walker's configuration,
 * the code objects it meets (resolved from the target's memory while it
 * lives), and its per-instruction figures folded into per-line rows.
 */
#ifndef MT_PYFRAMES_H
#define MT_PYFRAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "memtrace.h"
#include "pycode.h"
#include "pysource.h"
#include "pytarget.h"

struct mt_tracer;

/*
 * A CPython process the walker was told of: its interpreter state in the
 * kernel (struct mt_py_proc in bpf/python_offsets.h, py_frame_procs), and
 * the code objects read from it. Its group, which its forks share, is its
 * index in mt_pyframes.procs plus one. An exec makes a new one.
 */
struct mt_pyframes_proc {
	pid_t pid;
	uint32_t layout;               /* index into mt_pyframes.layouts */
	uint64_t runtime;              /* _PyRuntime, 0 until known: polled */
	struct mt_pycode_cache *cache; /* its code objects, from its memory (made at the first) */
	bool live;                     /* its kernel entry stands: not exited, no exec since */
};

/* A traced code object of one group, and the code index it was given. */
struct mt_pyframes_code {
	uint32_t group;
	uint32_t index;
	uint64_t addr;
};

struct mt_pyframes {
	pid_t pid;                                   /* the first process */
	struct mt_py_offsets off;                    /* its layout, for stacks (user/pystack.h) */
	struct mt_py_match match[MT_PY_MAX_TARGETS]; /* the walker's targets */
	int nmatch;
	size_t target_of[MT_PY_MAX_TARGETS];         /* walker target -> our target index */
	struct mt_py_offsets layouts[MT_PY_MAX_LAYOUTS]; /* each CPython version met */
	int nlayouts;
	struct mt_pyframes_proc *procs;
	size_t nprocs, procs_cap;
	struct mt_pyframes_code *seen;               /* traced code objects met, by group */
	size_t nseen, seen_cap;
	size_t ncodes;                               /* code indices handed out */
	unsigned unresolved;                         /* code objects we could not read */
	bool stacks;                                 /* the walker also runs for stack samples */
	/* Processes besides the first may run Python functions: each new program is examined. */
	bool late;
	struct mt_pyframes_exe {
		dev_t dev;
		ino_t ino;
	} *not_python; /* executables found not to be CPython (a supported one) */
	size_t nnot_python, not_python_cap;
};

/* One row of memory_profiler's table from frame walking. */
struct mt_pyframes_line {
	uint32_t code;
	int line;
	int64_t increment, mem;
};

/*
 * Configure for the targets whose method is "frames", and the first
 * process pid (py: is it CPython); late: other processes may bring Python
 * functions (see mt_pyframes_program()). Nothing to do (pf->nmatch == 0)
 * without such targets. 0 or -errno with err set.
 */
int mt_pyframes_setup(struct mt_pyframes *pf, const struct mt_python *py, pid_t pid, bool late,
		      const struct mt_target *targets, size_t ntargets, char *err, size_t errlen);
/*
 * Stacks: the walker also takes each stack sample's Python frames
 * (py_frames_stack() in bpf/python_frames.bpf.c), in any CPython process of
 * a supported version, whether -f names Python functions or not. After
 * mt_pyframes_setup(); sets pf->stacks. A version without a layout only
 * warns: stacks then show the interpreter's C frames.
 */
void mt_pyframes_setup_stacks(struct mt_pyframes *pf, const struct mt_python *py);
/* Does the walker run at all (for -f targets, for stacks, or for targets to come)? */
bool mt_pyframes_walking(const struct mt_pyframes *pf);
/* The first process's interpreter state as the tracer starts with it (zero if none). */
struct mt_py_proc mt_pyframes_first(const struct mt_pyframes *pf);
/*
 * The Python targets changed (user/late.c found some in a new program):
 * the walker matches them from now on. A warning if it cannot.
 */
void mt_pyframes_retarget(struct mt_pyframes *pf, struct mt_tracer *t,
			  const struct mt_target *targets, size_t ntargets);
/*
 * Process pid runs a program (exec: a new one, since its last): if it is
 * CPython of a supported version, the walker walks its frames, with its
 * layout, from when its _PyRuntime is known (mt_pyframes_poll()). Without
 * exec, a process already known is left alone.
 */
void mt_pyframes_program(struct mt_pyframes *pf, struct mt_tracer *t, pid_t pid, bool exec);
/* Process pid is gone: the kernel forgets its interpreter (its codes stay readable from the cache). */
void mt_pyframes_gone(struct mt_pyframes *pf, struct mt_tracer *t, pid_t pid);
/*
 * Look for the _PyRuntime of the processes that have not mapped it yet (a
 * launched or exec'd interpreter, soon after its exec); true while some are
 * still waited for.
 */
bool mt_pyframes_poll(struct mt_pyframes *pf, struct mt_tracer *t);
/* A code object met for the first time in its group: read it now, add it to codes. */
void mt_pyframes_code_seen(struct mt_pyframes *pf, const struct mt_pyframe_rec *rec,
			   struct mt_pycodes *codes);
/* The per-line rows, summed over instructions of the same line; *out malloc'd. */
int mt_pyframes_lines(struct mt_pyframes *pf, struct mt_tracer *t, struct mt_pyframes_line **out,
		      size_t *n);
/*
 * Each traced (process, code) pair's growth, as fn(pid, code index, bytes),
 * one call per instruction figure: the per-process table sums them.
 */
void mt_pyframes_by_process(struct mt_pyframes *pf, struct mt_tracer *t,
			    void (*fn)(void *ctx, pid_t pid, uint32_t code, int64_t growth), void *ctx);
void mt_pyframes_free(struct mt_pyframes *pf);

#endif
