/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The -f list as the targets a run traces: each spec resolved as a Python
 * or a native function, the unsafe ones refused, duplicates dropped.
 */
#ifndef MT_TARGETS_H
#define MT_TARGETS_H

#include <stddef.h>
#include <sys/types.h>
#include "env.h"
#include "pysource.h"
#include "pytarget.h"
#include "resolve.h"

/*
 * In process pid (attach mode) or for the executable exe (launch mode, pid
 * 0): detects CPython into *py, then resolves env->specs into a malloc'd
 * *out of *n targets (free each with mt_target_free(), then the array,
 * also on failure). missing (NULL, or one flag per spec): a spec found
 * nowhere is no error but flagged, with a warning (several processes: the
 * programs they run later may have it). 0, or -errno with a reason in err
 * (-ENOMEM without).
 */
int mt_targets_resolve(const struct mt_env *env, pid_t pid, const char *exe, struct mt_python *py,
		       bool *missing, struct mt_target **out, size_t *n, char *err, size_t errlen);

/*
 * Several processes: the functions spec names in process pid's program
 * (one a traced process exec'd, or -a met), appended to out, the unsafe
 * ones (Go, C++ with exceptions) refused: native ones, or Python ones if
 * the program is CPython (py, from mt_python_detect_proc(); interp: its
 * interpreter's ELF or NULL, as for mt_python_wants()). 0, or -errno with a
 * reason in err (-ENOENT: none there); on failure out is as it was.
 */
int mt_targets_in(const struct mt_env *env, pid_t pid, const struct mt_python *py,
		  struct mt_elf *interp, const char *spec, struct mt_target_list *out, char *err,
		  size_t errlen);

/*
 * Python names, checked against the sources the process runs (its script,
 * and the FILE.py of FILE.py:NAME specs), read into codes as the target
 * could read them. Attach mode (cmd NULL): warns of each Python target that
 * no source read defines yet, as it may still appear (an import, exec), but
 * that a close name they define may be meant.
 */
void mt_targets_check_python(char *const *cmd, pid_t pid, const struct mt_target *targets,
			     size_t n, struct mt_pycodes *codes);

/* At the end: for each Python target never seen, the close names the sources define. */
void mt_targets_suggest_python(pid_t pid, const struct mt_target *targets, size_t n,
			       struct mt_pycodes *codes);

#endif
