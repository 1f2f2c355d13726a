// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* -f across programs: see user/late.h. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "array.h"
#include "late.h"
#include "log.h"
#include "memtrace.h"
#include "spec.h"
#include "targets.h"
#include "termtext.h"
#include "tracer.h"

#define ERRLEN 1024

/* A target's file, as the traced process maps it: (dev, ino) and the offset say which function. */
static int note_target(struct mt_late *l, const struct mt_target *t)
{
	struct stat st = { 0 };

	if (mt_grow(&l->targets, &l->targets_cap, l->ntargets + 1, sizeof(*l->targets)))
		return -ENOMEM;
	/* Python targets, or a file gone: no native match for it. */
	if (t->kind != MT_KIND_NATIVE || stat(t->object_host, &st))
		st.st_ino = 0;
	l->targets[l->ntargets++] = (struct mt_late_file){ st.st_dev, st.st_ino, t->sym_offset };
	return 0;
}

int mt_late_init(struct mt_late *l, const struct mt_env *env, const struct mt_target *targets,
		 size_t n, const bool *missing)
{
	memset(l, 0, sizeof(*l));
	l->env = env;
	l->found = calloc(env->nspecs ? env->nspecs : 1, sizeof(*l->found));
	l->python = calloc(env->nspecs ? env->nspecs : 1, sizeof(*l->python));
	if (!l->found || !l->python)
		return -ENOMEM;
	for (int i = 0; i < env->nspecs; i++) {
		l->found[i] = !missing || !missing[i];
		for (size_t j = 0; j < n; j++)
			l->python[i] |= targets[j].kind == MT_KIND_PYTHON && !strcmp(targets[j].spec, env->specs[i]);
	}
	for (size_t i = 0; i < n; i++)
		if (note_target(l, &targets[i]))
			return -ENOMEM;
	return 0;
}

/* Is the program pid runs new? Noted if so. */
bool mt_late_new_program(struct mt_late *l, pid_t pid)
{
	char exe[64];
	struct stat st;

	snprintf(exe, sizeof(exe), "/proc/%d/exe", (int)pid);
	if (stat(exe, &st))
		return false; /* gone already, or a kernel thread */
	for (size_t i = 0; i < l->nprograms; i++)
		if (l->programs[i].dev == st.st_dev && l->programs[i].ino == st.st_ino)
			return false;
	if (mt_grow(&l->programs, &l->programs_cap, l->nprograms + 1, sizeof(*l->programs)))
		return false;
	l->programs[l->nprograms++] = (struct mt_late_file){ st.st_dev, st.st_ino, 0 };
	return true;
}

static bool traced_already(const struct mt_late *l, const struct mt_late_file *f)
{
	for (size_t i = 0; i < l->ntargets; i++)
		if (l->targets[i].ino && l->targets[i].dev == f->dev && l->targets[i].ino == f->ino &&
		    l->targets[i].offset == f->offset)
			return true;
	return false;
}

/*
 * The process a function was found in may exit before the attach, and its
 * /proc/PID/root path with it: the file is held open, and attached through
 * /proc/self/fd/N (the same inode), for the run.
 */
static int hold_file(struct mt_late *l, struct mt_target *t, const struct mt_late_file *f)
{
	char path[32];
	int fd = -1;
	char *p;

	for (size_t i = 0; i < l->nfds; i++)
		if (l->fds[i].dev == f->dev && l->fds[i].ino == f->ino)
			fd = l->fds[i].fd;
	if (fd < 0) {
		fd = open(t->object_host, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		if (mt_grow(&l->fds, &l->fds_cap, l->nfds + 1, sizeof(*l->fds))) {
			close(fd);
			return -ENOMEM;
		}
		l->fds[l->nfds++] = (struct mt_late_fd){ f->dev, f->ino, fd };
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	p = strdup(path);
	if (!p)
		return -ENOMEM;
	free(t->object_host);
	t->object_host = p;
	return 0;
}

/*
 * A Python function: matched by name in every CPython process from now on,
 * by frame walking (user/pyframes.h). --exact's probes are those of the
 * first program's interpreter: a name found later is not traced there.
 */
static bool adopt_python(struct mt_late *l, int spec, const struct mt_target *t)
{
	if (t->method != MT_METHOD_FRAMES)
		return false;
	l->python[spec] = true;
	return true;
}

/* Moves the targets of found (for spec) that are not traced yet to the end of *targets. */
static int adopt(struct mt_late *l, int spec, struct mt_target_list *found,
		 struct mt_target **targets, size_t *n)
{
	struct mt_target_list all = { .v = *targets, .n = *n, .cap = *n };
	struct stat st;
	int e = 0;

	for (size_t i = 0; i < found->n; i++) {
		struct mt_target *t = &found->v[i];
		struct mt_late_file f = { 0, 0, t->sym_offset };

		if (t->kind == MT_KIND_PYTHON) {
			if (e || all.n >= MT_MAX_FUNCS || !adopt_python(l, spec, t) ||
			    mt_grow(&all.v, &all.cap, all.n + 1, sizeof(*all.v))) {
				mt_target_free(t);
				continue;
			}
			all.v[all.n] = *t;
			e = note_target(l, &all.v[all.n]);
			if (!e)
				all.n++;
			else
				mt_target_free(&all.v[all.n]);
			continue;
		}
		if (!stat(t->object_host, &st)) {
			f.dev = st.st_dev;
			f.ino = st.st_ino;
		}
		if (e || !f.ino || traced_already(l, &f) || all.n >= MT_MAX_FUNCS ||
		    mt_grow(&all.v, &all.cap, all.n + 1, sizeof(*all.v))) {
			mt_target_free(t);
			continue;
		}
		all.v[all.n] = *t;
		e = hold_file(l, &all.v[all.n], &f);
		if (!e)
			e = note_target(l, &all.v[all.n]);
		if (!e) {
			all.n++;
			continue;
		}
		mt_target_free(&all.v[all.n]);
		/* Gone before it could be opened: the next program that maps it brings it again. */
		if (e != -ENOMEM)
			e = 0;
	}
	found->n = 0;
	*targets = all.v;
	*n = all.n;
	return e;
}

int mt_late_program(struct mt_late *l, pid_t pid, struct mt_tracer *t, struct mt_target **targets,
		    size_t *n)
{
	struct mt_target_list found = { 0 };
	struct mt_python py, not_python = { 0 };
	struct mt_elf *interp = NULL;
	size_t first = *n;
	char err[ERRLEN];
	int e = 0;

	if (!l->env || !l->env->nspecs || !mt_late_new_program(l, pid))
		return 0;
	/* Its interpreter's own functions are native, as in the first program (user/targets.c). */
	if (!mt_python_detect_proc(pid, &py) && mt_elf_open(py.proc.object_host, &interp))
		interp = NULL;
	for (int i = 0; i < l->env->nspecs && !e; i++) {
		/* A Python target is matched by name in every CPython process already: native ones only. */
		const struct mt_python *as = l->python[i] ? &not_python : &py;
		int r = mt_targets_in(l->env, pid, as, interp, l->env->specs[i], &found, err, sizeof(err));

		/* A Python name is found once a process runs it (mt_late_warn()). */
		if (!r && found.v[found.n - 1].kind == MT_KIND_NATIVE)
			l->found[i] = true;
		else if (r == -ENOMEM)
			e = r;
		else if (r != -ENOENT && r != -ESRCH && kill(pid, 0) == 0)
			mt_warn("process %d: %s", (int)pid, err); /* gone meanwhile: nothing to say */
		if (!e)
			e = adopt(l, i, &found, targets, n);
	}
	mt_elf_close(interp);
	free(found.v);
	if (e)
		return e;
	if (*n > first && mt_tracer_attach_more(t, *targets, first, *n, err, sizeof(err)))
		mt_warn("process %d: %s; its calls are not traced", (int)pid, err);
	else if (*n > first)
		mt_info(1, "process %d: %zu more function%s traced", (int)pid, *n - first,
			*n - first == 1 ? "" : "s");
	return (int)(*n - first);
}

/* Did a process run a code object of a Python target of spec (read into codes)? */
static bool python_seen(const char *spec, const struct mt_target *targets, size_t n,
			const struct mt_pycodes *codes)
{
	for (uint32_t c = 0; c < codes->ncodes; c++) {
		const struct mt_pycode_info *ci = mt_pycodes_at(codes, c);

		if (ci && ci->target < n && !strcmp(targets[ci->target].spec, spec))
			return true;
	}
	return false;
}

void mt_late_warn(const struct mt_late *l, const struct mt_target *targets, size_t n,
		  const struct mt_pycodes *codes)
{
	for (int i = 0; l->env && i < l->env->nspecs; i++) {
		char *esc;

		if (l->found[i] || python_seen(l->env->specs[i], targets, n, codes))
			continue;
		esc = mt_term_escape(l->env->specs[i], strlen(l->env->specs[i]), false);
		mt_warn("-f %s: no traced program had it; nothing was traced for it", esc ? esc : "?");
		free(esc);
	}
}

void mt_late_free(struct mt_late *l)
{
	for (size_t i = 0; i < l->nfds; i++)
		close(l->fds[i].fd);
	free(l->fds);
	free(l->found);
	free(l->python);
	free(l->targets);
	free(l->programs);
	memset(l, 0, sizeof(*l));
}
