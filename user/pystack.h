/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Mixed stacks: a sample's native frames (user/unwind.c) with the
 * interpreter's eval loops replaced by the Python frames they ran
 * (struct mt_stack_rec.py, from py_frames_stack() in bpf/python_frames.bpf.c),
 * resolved to qualname, file and line through user/pycode.c's cache.
 */
#ifndef MT_PYSTACK_H
#define MT_PYSTACK_H

#include <stddef.h>
#include <sys/types.h>
#include "memtrace.h"
#include "profile.h"
#include "python_offsets.h"

struct mt_pystack;

/* For process pid, whose CPython layout is off. 0 or -ENOMEM. */
int mt_pystack_new(pid_t pid, const struct mt_py_offsets *off, struct mt_pystack **out);
void mt_pystack_free(struct mt_pystack *ps); /* NULL-safe */

/*
 * Read each code object announced in the ring at fd (py_stack_codes in
 * bpf/python_frames.bpf.c) as it comes, in a thread of ps's own, ahead of
 * the samples still queued: they may come after the process is gone.
 * 0 or -errno.
 */
int mt_pystack_follow(struct mt_pystack *ps, int fd);

/*
 * The mixed stack of sample r, LEAF FIRST, into out (at most max frames; the
 * root end is cut beyond): native (leaf first, nnative of them) with each
 * eval loop frame (_PyEval_EvalFrameDefault) replaced by the Python frames it
 * ran, innermost first (kind MT_FRAME_PYTHON; "[python code 0x...]",
 * MT_FRAME_UNKNOWN, for a code object that cannot be read). Native frames
 * between eval loops (C calling back into Python) and below the innermost
 * (malloc) are kept. No native frames, or none recognised as an eval loop:
 * the Python frames alone. Strings are borrowed from native or owned by ps,
 * valid until ps's next call. Returns 1 if the root end was cut, else 0.
 */
int mt_pystack_merge(struct mt_pystack *ps, const struct mt_stack_rec *r,
		     const struct mt_frame *native, size_t nnative, struct mt_frame *out, size_t max,
		     size_t *n);

#endif
