// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "spec.h"
#include "targets.h"

static int resolve_one(const struct mt_env *env, const struct mt_python *py, struct mt_elf *interp,
		       const struct mt_resolve_ctx *rc, const char *text, struct mt_target *t, char *err,
		       size_t errlen)
{
	struct mt_spec spec;
	int e = mt_spec_parse(text, &spec, err, errlen);

	if (e)
		return e;
	if (mt_python_wants(py, interp, &spec)) {
		e = mt_python_target(py, &spec, env->exact, t, err, errlen);
	} else {
		e = mt_resolve(rc, text, t, err, errlen);
		/* A bare name that is no native symbol may have been meant as Python. */
		if (e == -ENOENT && !spec.object && py->unsupported) {
			mt_set_err(err, errlen, "%.600s; and '%.200s' is no native function either", py->what,
				   spec.name);
		} else if (e == -ENOENT && !spec.object && !py->found) {
			mt_add_err(err, errlen, "; nor is it a Python function: the process is not CPython");
		}
	}
	mt_spec_free(&spec);
	return e;
}

/* Functions whose return probe would break the process, refused with the reason. */
static int refuse_unsafe(const struct mt_env *env, const struct mt_target *t, char *err,
			 size_t errlen)
{
	if (t->kind != MT_KIND_NATIVE)
		return 0;
	if (t->go_runtime) {
		mt_set_err(err, errlen,
			   "%s is in %s, a Go program: Go moves goroutine stacks, and a return probe's rewritten return address would crash it; memtrace cannot trace Go functions",
			   t->func, t->object);
		return -EPERM;
	}
	/*
	 * A C++ exception unwinding through a uretprobe'd frame meets the
	 * kernel's trampoline as return address, finds no unwind info and
	 * calls std::terminate(): refuse unless the user vouches for it.
	 */
	if (t->cxx_exceptions && !env->cxx_noexcept) {
		mt_set_err(err, errlen,
			   "%s is in %s, C++ code with exceptions: one thrown through a traced function would terminate the process (the kernel's return probe hides the frame from the unwinder); if none can pass through %s, add --cxx-noexcept",
			   t->func, t->object, t->func);
		return -EPERM;
	}
	return 0;
}

static bool same_target(const struct mt_target *a, const struct mt_target *b)
{
	if (a->kind != b->kind)
		return false;
	if (a->kind == MT_KIND_PYTHON)
		return !strcmp(a->func, b->func) &&
		       !strcmp(a->py_file ? a->py_file : "", b->py_file ? b->py_file : "");
	return !strcmp(a->object_host, b->object_host) && a->sym_offset == b->sym_offset;
}

int mt_targets_resolve(const struct mt_env *env, pid_t pid, const char *exe, struct mt_python *py,
		       struct mt_target **out, size_t *n, char *err, size_t errlen)
{
	struct mt_resolve_ctx rc = { .pid = pid, .exe = exe };
	struct mt_elf *interp = NULL;
	struct mt_target *targets;
	int e = mt_python_detect(pid, exe, py, err, errlen);

	*n = 0;
	*out = NULL;
	if (e)
		return e;
	if (py->found)
		mt_info(1, "CPython %d.%d in %s%s", py->proc.major, py->proc.minor, py->proc.object,
			py->has_usdt ? " (with USDT probes)" : "");
	targets = calloc(env->nspecs ? env->nspecs : 1, sizeof(*targets));
	if (!targets)
		return -ENOMEM;
	*out = targets;
	/* Unreadable, it defines no native function: every bare name is Python then. */
	if (py->found && mt_elf_open(py->proc.object_host, &interp))
		interp = NULL;
	for (int i = 0; i < env->nspecs; i++) {
		struct mt_target *t = &targets[*n];
		bool dup = false;

		e = resolve_one(env, py, interp, &rc, env->specs[i], t, err, errlen);
		if (!e)
			e = refuse_unsafe(env, t, err, errlen);
		if (e) {
			mt_target_free(t);
			break;
		}
		/* The same function named twice would be counted twice: keep the first. */
		for (size_t j = 0; j < *n; j++)
			dup |= same_target(&targets[j], t);
		if (dup) {
			mt_warn("'%s' names %s in %s again; tracing it once", env->specs[i], t->func,
				t->object);
			mt_target_free(t);
			continue;
		}
		(*n)++;
	}
	mt_elf_close(interp);
	return e;
}
