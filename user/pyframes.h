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

struct mt_pyframes {
	pid_t pid;
	struct mt_py_offsets off;
	struct mt_py_match match[MT_PY_MAX_TARGETS]; /* the walker's targets */
	int nmatch;
	size_t target_of[MT_PY_MAX_TARGETS];         /* walker target -> our target index */
	uint64_t runtime;                            /* _PyRuntime, 0 until known */
	struct mt_pycode_cache *cache;
	uint64_t code_addr[MT_MAX_CODES];            /* code index -> code object */
	size_t ncodes;
	unsigned unresolved;                         /* code objects we could not read */
	bool stacks;                                 /* the walker also runs for stack samples */
};

/* One row of memory_profiler's table from frame walking. */
struct mt_pyframes_line {
	uint32_t code;
	int line;
	int64_t increment, mem;
};

/*
 * Configure for the targets whose method is "frames"; nothing to do (and
 * pf->nmatch == 0) if there are none. 0 or -errno with err set.
 */
int mt_pyframes_setup(struct mt_pyframes *pf, const struct mt_python *py, pid_t pid,
		      const struct mt_target *targets, size_t ntargets, char *err, size_t errlen);
/*
 * Stacks: the walker also takes each stack sample's Python frames
 * (py_frames_stack() in bpf/python_frames.bpf.c), in any CPython process of
 * a supported version, whether -f names Python functions or not. After
 * mt_pyframes_setup(); sets pf->stacks. A version without a layout only
 * warns: stacks then show the interpreter's C frames.
 */
void mt_pyframes_setup_stacks(struct mt_pyframes *pf, const struct mt_python *py);
/* Does the walker run at all (for -f targets or for stacks)? */
bool mt_pyframes_walking(const struct mt_pyframes *pf);
/* Launch mode: look for _PyRuntime once the interpreter has mapped it; true when found. */
bool mt_pyframes_find_runtime(struct mt_pyframes *pf);
/* A code object met for the first time: read it now, add it to codes. */
void mt_pyframes_code_seen(struct mt_pyframes *pf, uint32_t walker_target, uint64_t code,
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
