/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The native call probes: an entry and a return probe on each native
 * target, its index in the target list as the bpf_cookie. Through one
 * uprobe_multi link per object file and direction where the kernel has
 * them (6.6+), else one perf-event uprobe per function and direction.
 */
#ifndef MT_UPROBES_H
#define MT_UPROBES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "resolve.h"

struct bpf_program;
struct mt_uprobes;

/*
 * Before the programs are loaded: whether this run attaches through
 * uprobe_multi links (kernel support, probed once, and no
 * MEMTRACE_NO_UPROBE_MULTI=1 in the environment); if so, marks entry and
 * ret for them (a program is loaded for one kind of link or the other).
 */
bool mt_uprobes_prepare(struct bpf_program *entry, struct bpf_program *ret);

/*
 * Attaches entry and ret to the native targets among targets[from, n)
 * (their index the cookie), as mt_uprobes_prepare() chose, into *inout
 * (NULL: a new set). pid > 0: calls in that process only; -1: every
 * process that maps the file. 0 or -errno with a one-line reason in err; a
 * new set that fails leaves nothing attached (*inout stays NULL), an added
 * batch that fails leaves the set as it was plus what attached before it.
 */
int mt_uprobes_attach(struct bpf_program *entry, struct bpf_program *ret,
		      const struct mt_target *targets, size_t from, size_t n, pid_t pid,
		      struct mt_uprobes **inout, char *err, size_t errlen);

/* Detaches everything; NULL-safe. */
void mt_uprobes_free(struct mt_uprobes *u);

#endif
