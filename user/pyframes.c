// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "array.h"
#include "elfsym.h"
#include "log.h"
#include "pyframes.h"
#include "pyoffsets.h"
#include "tracer.h"

/*
 * Where _PyRuntime will be before the process runs: only a non-PIE
 * executable that holds the interpreter itself (Debian's python3.11) loads
 * at its link-time address.
 */
static uint64_t static_runtime(const struct mt_pyproc *p)
{
	struct mt_elf *elf;
	bool pie = true;

	if (p->shared || mt_elf_open(p->object_host, &elf))
		return 0;
	pie = mt_elf_is_dyn(elf);
	mt_elf_close(elf);
	return pie ? 0 : p->runtime_vaddr;
}

/* The index of layout off among those the walker has, added (and given to t) if new; -1: full. */
static int layout_index(struct mt_pyframes *pf, struct mt_tracer *t, const struct mt_py_offsets *off)
{
	int i;

	for (i = 0; i < pf->nlayouts; i++)
		if (!memcmp(&pf->layouts[i], off, sizeof(*off)))
			return i;
	if (i >= MT_PY_MAX_LAYOUTS || (t && mt_tracer_set_py_layout(t, i, off)))
		return -1;
	pf->layouts[pf->nlayouts++] = *off;
	return i;
}

/* A CPython process, of layout, joins; its group is its index + 1. NULL: out of memory. */
static struct mt_pyframes_proc *add_proc(struct mt_pyframes *pf, pid_t pid, int layout,
					 uint64_t runtime)
{
	struct mt_pyframes_proc *p;

	if (mt_grow(&pf->procs, &pf->procs_cap, pf->nprocs + 1, sizeof(*pf->procs)))
		return NULL;
	p = &pf->procs[pf->nprocs++];
	*p = (struct mt_pyframes_proc){ .pid = pid, .layout = layout, .runtime = runtime, .live = true };
	return p;
}

static struct mt_py_proc kernel_state(const struct mt_pyframes *pf, const struct mt_pyframes_proc *p)
{
	return (struct mt_py_proc){ .runtime = p->runtime, .layout = p->layout,
				    .group = (uint32_t)(p - pf->procs) + 1 };
}

/* What the walker needs of the first process's interpreter: its layout, _PyRuntime if known. */
static int load_layout(struct mt_pyframes *pf, const struct mt_python *py, char *err,
		       size_t errlen)
{
	char note[256];
	int e;

	e = mt_py_offsets_for(&py->proc, &pf->off, note, sizeof(note), err, errlen);
	if (e)
		return e;
	mt_info(1, "CPython layout: %s", note);
	if (layout_index(pf, NULL, &pf->off) != 0 ||
	    !add_proc(pf, pf->pid, 0,
		      py->proc.runtime_addr ? py->proc.runtime_addr : static_runtime(&py->proc))) {
		mt_set_err(err, errlen, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

/* The walker's view of the frame-walking targets, into pf. 0 or -errno with err set. */
static int build_match(struct mt_pyframes *pf, const struct mt_target *targets, size_t ntargets,
		       char *err, size_t errlen)
{
	const char *names[MT_PY_MAX_TARGETS], *files[MT_PY_MAX_TARGETS];
	int bad = -1, n = 0;

	for (size_t i = 0; i < ntargets; i++) {
		if (targets[i].kind != MT_KIND_PYTHON || targets[i].method != MT_METHOD_FRAMES)
			continue;
		if (n >= MT_PY_MAX_TARGETS) {
			mt_set_err(err, errlen, "too many Python functions (at most %d)", MT_PY_MAX_TARGETS);
			return -E2BIG;
		}
		names[n] = targets[i].func;
		files[n] = targets[i].py_file;
		pf->target_of[n++] = i;
	}
	if (n && mt_py_match_build(names, files, n, pf->match, &bad)) {
		mt_set_err(err, errlen,
			 "'%s' cannot be matched by frame walking (ASCII names under %d bytes, file suffixes under %d); try --exact",
			 bad >= 0 && bad < n ? names[bad] : "?", MT_PY_NAME_MAX, MT_PY_SUFFIX_MAX);
		return -EINVAL;
	}
	pf->nmatch = n;
	return 0;
}

int mt_pyframes_setup(struct mt_pyframes *pf, const struct mt_python *py, pid_t pid, bool late,
		      const struct mt_target *targets, size_t ntargets, char *err, size_t errlen)
{
	int e;

	memset(pf, 0, sizeof(*pf));
	pf->pid = pid;
	pf->late = late;
	e = build_match(pf, targets, ntargets, err, errlen);
	if (e || !py->found || (!pf->nmatch && !late))
		return e;
	e = load_layout(pf, py, err, errlen);
	/* Only named Python functions need the first program's layout; later ones bring theirs. */
	return e && !pf->nmatch && e != -ENOMEM ? 0 : e;
}

void mt_pyframes_setup_stacks(struct mt_pyframes *pf, const struct mt_python *py)
{
	char err[512];
	int e;

	if (!py->found || pf->nprocs) {
		pf->stacks = pf->nprocs > 0;
		return;
	}
	e = load_layout(pf, py, err, sizeof(err));
	if (e == -ENOMEM)
		mt_warn("out of memory for Python frames; stacks show the interpreter's C frames");
	else if (e)
		mt_warn("no Python frames in stacks: %s", err);
	pf->stacks = !e;
}

bool mt_pyframes_walking(const struct mt_pyframes *pf)
{
	return pf->nmatch || pf->stacks || pf->late;
}

struct mt_py_proc mt_pyframes_first(const struct mt_pyframes *pf)
{
	struct mt_py_proc none = { 0 };

	return pf->nprocs && pf->procs[0].pid == pf->pid ? kernel_state(pf, &pf->procs[0]) : none;
}

void mt_pyframes_retarget(struct mt_pyframes *pf, struct mt_tracer *t,
			  const struct mt_target *targets, size_t ntargets)
{
	char err[512];
	int e = build_match(pf, targets, ntargets, err, sizeof(err));

	if (!e && mt_tracer_set_py_targets(t, pf->match, pf->nmatch))
		mt_set_err(err, sizeof(err), "cannot update the Python frame matching: %s", strerror(errno));
	else if (!e)
		return;
	mt_warn("%s; the Python functions found since are not traced", err);
}

/* Has the executable of pid been found not to be CPython? Remembered if is_not. */
static bool not_python(struct mt_pyframes *pf, pid_t pid, bool is_not)
{
	char exe[64];
	struct stat st;

	snprintf(exe, sizeof(exe), "/proc/%d/exe", (int)pid);
	if (stat(exe, &st))
		return true; /* gone, or a kernel thread */
	for (size_t i = 0; i < pf->nnot_python; i++)
		if (pf->not_python[i].dev == st.st_dev && pf->not_python[i].ino == st.st_ino)
			return true;
	if (is_not && !mt_grow(&pf->not_python, &pf->not_python_cap, pf->nnot_python + 1,
			       sizeof(*pf->not_python)))
		pf->not_python[pf->nnot_python++] = (struct mt_pyframes_exe){ st.st_dev, st.st_ino };
	return false;
}

/* Process pid's live interpreter entry, or NULL. */
static struct mt_pyframes_proc *live_proc(struct mt_pyframes *pf, pid_t pid)
{
	for (size_t i = pf->nprocs; i-- > 0;)
		if (pf->procs[i].pid == pid && pf->procs[i].live)
			return &pf->procs[i];
	return NULL;
}

void mt_pyframes_program(struct mt_pyframes *pf, struct mt_tracer *t, pid_t pid, bool exec)
{
	struct mt_pyframes_proc *p = live_proc(pf, pid);
	struct mt_py_offsets off;
	struct mt_python py;
	char err[512];
	int layout;

	if (!pf->nmatch && !pf->late)
		return;
	if (p && !exec)
		return;
	if (p)
		p->live = false; /* the kernel dropped it at the exec */
	if (not_python(pf, pid, false))
		return;
	if (mt_python_detect_proc(pid, &py) || mt_py_offsets_for(&py.proc, &off, NULL, 0, err, sizeof(err))) {
		not_python(pf, pid, true);
		return;
	}
	layout = layout_index(pf, t, &off);
	if (layout < 0) {
		mt_warn("process %d runs a CPython layout beyond the %d frame walking holds at once; its Python functions are not traced",
			(int)pid, MT_PY_MAX_LAYOUTS);
		return;
	}
	p = add_proc(pf, pid, layout, py.proc.runtime_addr);
	if (!p) {
		mt_warn("out of memory: the Python functions of process %d are not traced", (int)pid);
		return;
	}
	mt_info(1, "process %d: CPython %d.%d, frames walked%s", (int)pid, py.proc.major,
		py.proc.minor, p->runtime ? "" : " once it has mapped _PyRuntime");
	if (p->runtime) {
		struct mt_py_proc k = kernel_state(pf, p);

		mt_tracer_set_py_proc(t, pid, &k);
	}
}

void mt_pyframes_gone(struct mt_pyframes *pf, struct mt_tracer *t, pid_t pid)
{
	struct mt_pyframes_proc *p = live_proc(pf, pid);

	if (!p)
		return;
	p->live = false;
	mt_tracer_forget_py_proc(t, pid);
}

bool mt_pyframes_poll(struct mt_pyframes *pf, struct mt_tracer *t)
{
	bool waiting = false;

	for (size_t i = 0; i < pf->nprocs; i++) {
		struct mt_pyframes_proc *p = &pf->procs[i];
		struct mt_py_proc k;
		struct mt_pyproc pp;
		char why[512];
		int e;

		if (!p->live || p->runtime)
			continue;
		e = mt_pyproc_detect(p->pid, &pp, why, sizeof(why));
		if (e == -ESRCH) {
			p->live = false;
			continue;
		}
		if (e || !pp.runtime_addr) {
			waiting = true;
			continue;
		}
		p->runtime = pp.runtime_addr;
		k = kernel_state(pf, p);
		mt_tracer_set_py_proc(t, p->pid, &k);
		mt_info(1, "process %d: found _PyRuntime at 0x%llx in %s", (int)p->pid,
			(unsigned long long)pp.runtime_addr, pp.object);
	}
	return waiting;
}

/* Code index of a traced code object of group, or pf->ncodes if it has none. */
static size_t code_index(const struct mt_pyframes *pf, uint32_t group, uint64_t code)
{
	for (size_t i = 0; i < pf->nseen; i++)
		if (pf->seen[i].addr == code && pf->seen[i].group == group)
			return pf->seen[i].index;
	return pf->ncodes;
}

/* The cache of group's code objects (made now if need be), or NULL. */
static struct mt_pycode_cache *group_cache(struct mt_pyframes *pf, uint32_t group)
{
	struct mt_pyframes_proc *p;

	if (group == 0 || group > pf->nprocs)
		return NULL;
	p = &pf->procs[group - 1];
	if (!p->cache && mt_pycode_cache_new(p->pid, &pf->layouts[p->layout], &p->cache))
		return NULL;
	return p->cache;
}

/*
 * The code index for a function (target, name, file, first line): the one
 * an equal code object of another process got, or a new one. Each
 * interpreter has its own code objects: one function is one row.
 */
static size_t index_for(struct mt_pyframes *pf, const struct mt_pycodes *codes, size_t target,
			const char *name, const char *file, int firstlineno)
{
	for (size_t c = 0; c < pf->ncodes; c++) {
		const struct mt_pycode_info *ci = mt_pycodes_at(codes, c);

		if (ci && ci->target == target && ci->firstlineno == firstlineno &&
		    !strcmp(ci->name, name) && !strcmp(ci->file, file))
			return c;
	}
	return pf->ncodes;
}

void mt_pyframes_code_seen(struct mt_pyframes *pf, const struct mt_pyframe_rec *rec,
			   struct mt_pycodes *codes)
{
	struct mt_pycode_cache *cache = group_cache(pf, rec->group);
	const struct mt_pycode *pc;
	const char *name, *file;
	size_t c, target;

	/* Announced again (its verdict was evicted, or the targets changed): read already. */
	if (code_index(pf, rec->group, rec->code) < pf->ncodes)
		return;
	if (rec->target >= (uint32_t)pf->nmatch || !cache || mt_pycode_read(cache, rec->code, &pc) ||
	    mt_grow(&pf->seen, &pf->seen_cap, pf->nseen + 1, sizeof(*pf->seen))) {
		pf->unresolved++;
		return;
	}
	target = pf->target_of[rec->target];
	name = pc->qualname ? pc->qualname : pc->name;
	file = pc->filename ? pc->filename : "?";
	c = index_for(pf, codes, target, name, file, pc->firstlineno);
	if (c == pf->ncodes && c >= MT_MAX_CODES) {
		pf->unresolved++;
		return;
	}
	pf->seen[pf->nseen++] = (struct mt_pyframes_code){ rec->group, (uint32_t)c, rec->code };
	if (c < pf->ncodes)
		return;
	pf->ncodes++;
	if (mt_pycodes_add(codes, c, target, name, file, pc->firstlineno))
		pf->unresolved++;
}

struct fold {
	struct mt_pyframes *pf;
	struct mt_pyframes_line *rows;
	size_t n, cap;
	int err;
};

static void fold_one(void *ctx, const struct mt_pyframe_key *k, const struct mt_pyframe_val *v)
{
	struct fold *f = ctx;
	struct mt_pycode_cache *cache = group_cache(f->pf, k->group);
	const struct mt_pycode *pc;
	size_t c = code_index(f->pf, k->group, k->code);
	int line;

	/* Read at first sight, so this is served from the cache even after the process ended. */
	if (c == f->pf->ncodes || !cache || mt_pycode_read(cache, k->code, &pc))
		return;
	line = mt_pycode_line(pc, k->instr);
	if (line <= 0)
		line = pc->firstlineno;
	for (size_t i = 0; i < f->n; i++) {
		if (f->rows[i].code == c && f->rows[i].line == line) {
			f->rows[i].increment += v->increment;
			if (v->mem > f->rows[i].mem)
				f->rows[i].mem = v->mem;
			return;
		}
	}
	if (mt_grow(&f->rows, &f->cap, f->n + 1, sizeof(*f->rows))) {
		f->err = -ENOMEM;
		return;
	}
	f->rows[f->n++] = (struct mt_pyframes_line){
		.code = c, .line = line, .increment = v->increment, .mem = v->mem };
}

int mt_pyframes_lines(struct mt_pyframes *pf, struct mt_tracer *t, struct mt_pyframes_line **out,
		      size_t *n)
{
	struct fold f = { .pf = pf };

	mt_tracer_frame_lines(t, fold_one, &f);
	*out = f.rows;
	*n = f.n;
	return f.err;
}

struct by_process {
	struct mt_pyframes *pf;
	void (*fn)(void *ctx, pid_t pid, uint32_t code, int64_t growth);
	void *ctx;
};

static void by_process_one(void *ctx, const struct mt_pyframe_key *k, const struct mt_pyframe_val *v)
{
	struct by_process *bp = ctx;
	size_t c = code_index(bp->pf, k->group, k->code);

	if (c < bp->pf->ncodes)
		bp->fn(bp->ctx, (pid_t)k->pid, (uint32_t)c, v->increment);
}

void mt_pyframes_by_process(struct mt_pyframes *pf, struct mt_tracer *t,
			    void (*fn)(void *ctx, pid_t pid, uint32_t code, int64_t growth), void *ctx)
{
	struct by_process bp = { .pf = pf, .fn = fn, .ctx = ctx };

	mt_tracer_frame_lines(t, by_process_one, &bp);
}

void mt_pyframes_free(struct mt_pyframes *pf)
{
	while (pf->nprocs)
		mt_pycode_cache_free(pf->procs[--pf->nprocs].cache);
	free(pf->procs);
	free(pf->seen);
	free(pf->not_python);
}
