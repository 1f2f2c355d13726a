// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* What the walker needs of the interpreter: its layout, _PyRuntime if known, a code cache. */
static int load_layout(struct mt_pyframes *pf, const struct mt_python *py, char *err,
		       size_t errlen)
{
	char note[256];
	int e;

	e = mt_py_offsets_for(&py->proc, &pf->off, note, sizeof(note), err, errlen);
	if (e)
		return e;
	mt_info(1, "CPython layout: %s", note);
	pf->runtime = py->proc.runtime_addr ? py->proc.runtime_addr : static_runtime(&py->proc);
	e = mt_pycode_cache_new(pf->pid, &pf->off, &pf->cache);
	if (e)
		mt_set_err(err, errlen, "out of memory");
	return e;
}

int mt_pyframes_setup(struct mt_pyframes *pf, const struct mt_python *py, pid_t pid,
		      const struct mt_target *targets, size_t ntargets, char *err, size_t errlen)
{
	const char *names[MT_PY_MAX_TARGETS], *files[MT_PY_MAX_TARGETS];
	int bad = -1;

	memset(pf, 0, sizeof(*pf));
	pf->pid = pid;
	for (size_t i = 0; i < ntargets; i++) {
		if (targets[i].kind != MT_KIND_PYTHON || targets[i].method != MT_METHOD_FRAMES)
			continue;
		if (pf->nmatch >= MT_PY_MAX_TARGETS) {
			mt_set_err(err, errlen, "too many Python functions (at most %d)", MT_PY_MAX_TARGETS);
			return -E2BIG;
		}
		names[pf->nmatch] = targets[i].func;
		files[pf->nmatch] = targets[i].py_file;
		pf->target_of[pf->nmatch++] = i;
	}
	if (!pf->nmatch)
		return 0;
	if (mt_py_match_build(names, files, pf->nmatch, pf->match, &bad)) {
		mt_set_err(err, errlen,
			 "'%s' cannot be matched by frame walking (ASCII names under %d bytes, file suffixes under %d); try --exact",
			 bad >= 0 && bad < pf->nmatch ? names[bad] : "?", MT_PY_NAME_MAX, MT_PY_SUFFIX_MAX);
		return -EINVAL;
	}
	return load_layout(pf, py, err, errlen);
}

void mt_pyframes_setup_stacks(struct mt_pyframes *pf, const struct mt_python *py)
{
	char err[512];
	int e;

	if (!py->found || pf->cache) {
		pf->stacks = pf->cache != NULL;
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
	return pf->nmatch || pf->stacks;
}

bool mt_pyframes_find_runtime(struct mt_pyframes *pf)
{
	struct mt_pyproc p;
	char why[512];

	if (pf->runtime)
		return true;
	if (mt_pyproc_detect(pf->pid, &p, why, sizeof(why)) || !p.runtime_addr)
		return false;
	pf->runtime = p.runtime_addr;
	mt_info(1, "found _PyRuntime at 0x%llx in %s", (unsigned long long)p.runtime_addr, p.object);
	return true;
}

void mt_pyframes_code_seen(struct mt_pyframes *pf, uint32_t walker_target, uint64_t code,
			   struct mt_pycodes *codes)
{
	const struct mt_pycode *pc;
	size_t c = pf->ncodes;

	if (walker_target >= (uint32_t)pf->nmatch || c >= MT_MAX_CODES ||
	    mt_pycode_read(pf->cache, code, &pc)) {
		pf->unresolved++;
		return;
	}
	pf->code_addr[c] = code;
	pf->ncodes++;
	if (mt_pycodes_add(codes, c, pf->target_of[walker_target], pc->qualname ? pc->qualname : pc->name,
			   pc->filename ? pc->filename : "?", pc->firstlineno))
		pf->unresolved++;
}

struct fold {
	struct mt_pyframes *pf;
	struct mt_pyframes_line *rows;
	size_t n, cap;
	int err;
};

/* The code index of a traced code object's address, or pf->ncodes if it has none. */
static size_t code_index(const struct mt_pyframes *pf, uint64_t code)
{
	size_t c;

	for (c = 0; c < pf->ncodes && pf->code_addr[c] != code; c++)
		;
	return c;
}

static void fold_one(void *ctx, const struct mt_pyframe_key *k, const struct mt_pyframe_val *v)
{
	struct fold *f = ctx;
	const struct mt_pycode *pc;
	size_t c = code_index(f->pf, k->code);
	int line;

	/* Read at first sight, so this is served from the cache even after the process ended. */
	if (c == f->pf->ncodes || mt_pycode_read(f->pf->cache, k->code, &pc))
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
	size_t c = code_index(bp->pf, k->code);

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
	mt_pycode_cache_free(pf->cache);
	pf->cache = NULL;
}
