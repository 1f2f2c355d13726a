// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "array.h"
#include "log.h"
#include "memtrace.h"
#include "procfs.h"
#include "spec.h"
#include "targets.h"
#include "termtext.h"

/*
 * Python names are matched in the kernel by name, and a pattern would
 * need every source the process may import read first: one name per -f.
 */
static int python_target(const struct mt_env *env, const struct mt_python *py,
			 const struct mt_spec *spec, struct mt_target_list *out, char *err,
			 size_t errlen)
{
	struct mt_target *t;
	int e;

	if (strpbrk(spec->name, "*?[")) {
		mt_set_err(err, errlen, "'%s' is a pattern, and Python functions are named one by one; give -f FILE.py:NAME for each",
			   spec->text);
		return -EINVAL;
	}
	if (mt_grow(&out->v, &out->cap, out->n + 1, sizeof(*out->v)))
		return -ENOMEM;
	t = &out->v[out->n];
	e = mt_python_target(py, spec, env->exact, t, err, errlen);
	if (!e)
		out->n++;
	return e;
}

/* Appends the targets of spec text to out; on failure out is as it was. */
static int resolve_one(const struct mt_env *env, const struct mt_python *py, struct mt_elf *interp,
		       const struct mt_resolve_ctx *rc, const char *text,
		       struct mt_target_list *out, char *err, size_t errlen)
{
	struct mt_spec spec;
	int e = mt_spec_parse(text, &spec, err, errlen);

	if (e)
		return e;
	/* A pattern the interpreter's own functions match is native, as a name it defines is. */
	if (mt_python_wants(py, interp, &spec) &&
	    (spec.object || !interp || mt_elf_glob(interp, spec.name, NULL, 0) <= 0)) {
		e = python_target(env, py, &spec, out, err, errlen);
	} else {
		e = mt_resolve(rc, text, out, err, errlen);
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

/*
 * The same function named twice would be counted twice: drops the targets
 * of spec, out[first, n), that an earlier spec has, said once per spec.
 */
static void drop_repeats(struct mt_target_list *out, size_t first, const char *spec)
{
	size_t kept = first, dropped = 0, named = out->n - first;
	struct mt_target *t;

	for (size_t i = first; i < out->n; i++) {
		bool dup = false;

		t = &out->v[i];
		for (size_t j = 0; j < first && !dup; j++)
			dup = same_target(&out->v[j], t);
		if (!dup) {
			out->v[kept++] = *t;
			continue;
		}
		if (named == 1)
			mt_warn("'%s' names %s in %s again; tracing it once", spec, t->func, t->object);
		mt_target_free(t);
		dropped++;
	}
	if (dropped && named > 1)
		mt_warn("'%s' names %zu function%s an earlier -f names too; tracing each once", spec,
			dropped, dropped == 1 ? "" : "s");
	out->n = kept;
}

int mt_targets_resolve(const struct mt_env *env, pid_t pid, const char *exe, struct mt_python *py,
		       bool *missing, struct mt_target **out, size_t *n, char *err, size_t errlen)
{
	struct mt_resolve_ctx rc = { .pid = pid, .exe = exe };
	struct mt_target_list list = { 0 };
	struct mt_elf *interp = NULL;
	int e = mt_python_detect(pid, exe, py, err, errlen);

	*n = 0;
	*out = NULL;
	if (e)
		return e;
	if (py->found)
		mt_info(1, "CPython %d.%d in %s%s", py->proc.major, py->proc.minor, py->proc.object,
			py->has_usdt ? " (with USDT probes)" : "");
	/* Unreadable, it defines no native function: every bare name is Python then. */
	if (py->found && mt_elf_open(py->proc.object_host, &interp))
		interp = NULL;
	for (int i = 0; i < env->nspecs && !e; i++) {
		size_t first = list.n;

		e = resolve_one(env, py, interp, &rc, env->specs[i], &list, err, errlen);
		/* Several processes: the programs they run later may have it (user/late.c). */
		if (e == -ENOENT && missing) {
			mt_warn("%s; it is looked for again in each program the traced processes run", err);
			missing[i] = true;
			e = 0;
			continue;
		}
		for (size_t j = first; j < list.n && !e; j++)
			e = refuse_unsafe(env, &list.v[j], err, errlen);
		if (!e)
			drop_repeats(&list, first, env->specs[i]);
	}
	if (!e && list.n > MT_MAX_FUNCS) {
		mt_set_err(err, errlen, "the -f list names %zu functions, more than the %d memtrace traces at once; narrow the patterns",
			   list.n, MT_MAX_FUNCS);
		e = -E2BIG;
	}
	mt_elf_close(interp);
	*out = list.v;
	*n = list.n;
	return e;
}

int mt_targets_in(const struct mt_env *env, pid_t pid, const struct mt_python *py,
		  struct mt_elf *interp, const char *spec, struct mt_target_list *out, char *err,
		  size_t errlen)
{
	struct mt_resolve_ctx rc = { .pid = pid };
	size_t first = out->n;
	int e = resolve_one(env, py, interp, &rc, spec, out, err, errlen);

	for (size_t j = first; j < out->n && !e; j++)
		e = refuse_unsafe(env, &out->v[j], err, errlen);
	if (e) {
		for (size_t j = first; j < out->n; j++)
			mt_target_free(&out->v[j]);
		out->n = first;
	}
	return e;
}

/* The sources the names are checked against: how messages name them. */
static void describe_sources(const struct mt_pycodes *codes, char *out, size_t len)
{
	const char *first = codes->defs_files[0];
	char *file = mt_term_escape(first, strlen(first), false);
	size_t more = codes->ndefs_files - 1;

	mt_set_err(out, len, "%s", file ? file : "?");
	if (more)
		mt_add_err(out, len, " and %zu more source%s", more, more == 1 ? "" : "s");
	free(file);
}

/*
 * The script and the modules it imports from its own directory (the first
 * entry of sys.path), theirs too: where a program's own functions are.
 */
static void read_script(struct mt_pycodes *codes, const char *script)
{
	const char *slash = strrchr(script, '/');
	int dirlen = slash ? (int)(slash - script + 1) : 0;
	char *path;

	if (mt_pycodes_read_defs(codes, script))
		return;
	for (size_t i = 0; i < codes->nimports; i++) {
		if (asprintf(&path, "%.*s%s.py", dirlen, script, codes->imports[i]) < 0)
			return;
		mt_pycodes_read_defs(codes, path);
		free(path);
	}
}

/*
 * Is t a Python target no source read so far defines? "<module>",
 * "<lambda>" and the like are made by no def: the sources cannot tell.
 */
static bool undefined_python(struct mt_pycodes *codes, const struct mt_target *t)
{
	return t->kind == MT_KIND_PYTHON && !strchr(t->func, '<') &&
	       !mt_pycodes_defines(codes, t->func);
}

/*
 * Close names the sources define for t, "'a', 'b'", into list; how many.
 * Only then is a name worth a word: one close to none may be made where
 * no source shows it (exec(), another package), correctly.
 */
static int close_names(struct mt_pycodes *codes, const struct mt_target *t, char *list,
		       size_t len)
{
	const char *sugg[3];
	int n, k;

	if (!undefined_python(codes, t))
		return 0;
	n = mt_pycodes_suggest(codes, t->func, sugg, 3);
	list[0] = '\0';
	for (k = 0; k < n; k++)
		mt_add_err(list, len, "%s'%s'", k ? ", " : "", sugg[k]);
	return n;
}

void mt_targets_check_python(char *const *cmd, pid_t pid, const struct mt_target *targets,
			     size_t n, struct mt_pycodes *codes)
{
	char **argv = NULL, what[512], list[256];
	const char *script;
	bool any = false;
	int argc;
	size_t i;

	for (i = 0; i < n; i++)
		any |= targets[i].kind == MT_KIND_PYTHON;
	if (!any || (!cmd && mt_proc_cmdline(pid, &argv, &argc)))
		return;
	script = mt_python_script(cmd ? cmd : argv);
	if (script)
		read_script(codes, script);
	for (i = 0; i < n; i++)
		if (targets[i].py_file)
			mt_pycodes_read_defs(codes, targets[i].py_file);
	mt_proc_free_argv(argv);
	/* Launch mode: nothing is loaded yet; the end of the run says what was never seen. */
	if (cmd || !codes->ndefs_files)
		return;
	describe_sources(codes, what, sizeof(what));
	for (i = 0; i < n; i++)
		if (close_names(codes, &targets[i], list, sizeof(list)))
			mt_warn("no Python function '%s' in process %d yet, only %s in %s; tracing it when it appears",
				targets[i].func, (int)pid, list, what);
}

static bool python_target_seen(const struct mt_pycodes *codes, size_t target)
{
	for (uint32_t c = 0; c < codes->ncodes; c++) {
		const struct mt_pycode_info *ci = mt_pycodes_at(codes, c);

		if (ci && ci->target == target)
			return true;
	}
	return false;
}

void mt_targets_suggest_python(pid_t pid, const struct mt_target *targets, size_t n,
			       struct mt_pycodes *codes)
{
	char what[512], list[256];

	for (size_t i = 0; i < n; i++) {
		if (python_target_seen(codes, i) || !close_names(codes, &targets[i], list, sizeof(list)))
			continue;
		describe_sources(codes, what, sizeof(what));
		mt_warn("no Python function '%s' was seen in process %d (none in %s); did you mean %s?",
			targets[i].func, (int)pid, what, list);
	}
}
