/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * -f across programs: with several processes (a command's children,
 * --children, -a, --cgroup) a traced process may exec a program the first
 * one does not run (a shell script that execs the real program), or -a may
 * meet one at any time. Each -f spec not found yet is resolved again in
 * each new program a traced process runs (once per executable file), and
 * the functions found there join the targets: native ones are attached, for
 * every process that maps their file; Python ones (a CPython program) are
 * matched by name by frame walking in every CPython process from then on
 * (user/pyframes.h). Calls made between the exec and the attach
 * (milliseconds) are not seen.
 */
#ifndef MT_LATE_H
#define MT_LATE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "env.h"
#include "pysource.h"
#include "resolve.h"

struct mt_tracer;

struct mt_late {
	const struct mt_env *env;
	bool *found;       /* per spec: some program has it */
	bool *python;      /* per spec: a Python function (the walker matches it by name anywhere) */
	struct mt_late_file {
		dev_t dev;
		ino_t ino;
		uint64_t offset; /* targets: the function's; programs: unused */
	} *targets, *programs; /* the targets' files (by index), the executables examined */
	size_t ntargets, targets_cap, nprograms, programs_cap;
	struct mt_late_fd {
		dev_t dev;
		ino_t ino;
		int fd;
	} *fds; /* the files of the functions found late, held open for the attach */
	size_t nfds, fds_cap;
};

/*
 * Ready for a run whose first resolution gave targets[0, n) (their files
 * read now) and flagged missing (one per spec, NULL: none). 0 or -ENOMEM.
 */
int mt_late_init(struct mt_late *l, const struct mt_env *env, const struct mt_target *targets,
		 size_t n, const bool *missing);
/*
 * Process pid runs a program: if its executable is new, each spec not
 * found yet is resolved there; the functions not traced yet are appended to *targets
 * (*n grows) and attached through t. Returns how many were added; a
 * program memtrace cannot read, or a function it refuses there, is a
 * warning, not an error (-ENOMEM only).
 */
int mt_late_program(struct mt_late *l, pid_t pid, struct mt_tracer *t, struct mt_target **targets,
		    size_t *n);
/* Is the program pid runs one not examined yet? Noted as examined if so. */
bool mt_late_new_program(struct mt_late *l, pid_t pid);
/*
 * At the end: a warning for each spec no traced program had: no native
 * function, and no Python function a process ran (codes: those met, of
 * targets[0, n)).
 */
void mt_late_warn(const struct mt_late *l, const struct mt_target *targets, size_t n,
		  const struct mt_pycodes *codes);
void mt_late_free(struct mt_late *l);

#endif
