/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Python targets: is the process CPython, and which -f specs name Python functions. */
#ifndef MT_PYTARGET_H
#define MT_PYTARGET_H

#include <stdbool.h>
#include <stddef.h>
#include "elfsym.h"
#include "pyproc.h"
#include "resolve.h"
#include "spec.h"

struct mt_python {
	bool found;           /* the process (or command) is CPython 3 */
	struct mt_pyproc proc;
	bool has_usdt;        /* function__entry, function__return and line probes present */
	bool unsupported;     /* Python 2 or CPython before 3.7: py->what says which */
	char what[PATH_MAX + 64]; /* when !found: what the process is, for error messages */
};

/*
 * Detect CPython in process pid (attach mode) or in the executable exe
 * (launch mode, pid 0). Not being CPython is not an error: py->found says.
 * Returns 0 or -errno (the process vanished, permission) with err set.
 */
int mt_python_detect(pid_t pid, const char *exe, struct mt_python *py, char *err, size_t errlen);

/*
 * The same for a running process, also just after its exec, before the
 * dynamic loader has mapped libpython (then from /proc/PID/exe; its
 * _PyRuntime is not known yet). 0 if it is CPython 3, else -errno.
 */
int mt_python_detect_proc(pid_t pid, struct mt_python *py);

/*
 * Does spec name a Python function? FILE.py:NAME always does. In a CPython
 * process a bare NAME does unless the interpreter itself (python3.X or
 * libpython: interp, py->proc.object_host opened by the caller, once for all
 * specs, as loading its symbols takes up to 20 ms) has a native function of
 * that name; other native functions are named as OBJECT:NAME.
 */
bool mt_python_wants(const struct mt_python *py, struct mt_elf *interp, const struct mt_spec *spec);

/*
 * The script a command line (argv, NULL-terminated) has CPython run:
 * "python3 -u app.py", "env python3 app.py", or "./app.py" itself (a "#!"
 * script). NULL for -c, -m, stdin, or a script whose name does not end in
 * ".py" (nothing says it is Python). Points into argv.
 */
const char *mt_python_script(char *const *argv);

/*
 * Fill a Python target for spec. exact: the USDT path (fails where the
 * interpreter has no probes), else frame walking. 0 or -errno with err set
 * (not CPython, unsupported version, no probes for --exact).
 */
int mt_python_target(const struct mt_python *py, const struct mt_spec *spec, bool exact,
		     struct mt_target *out, char *err, size_t errlen);

#endif
