// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* From -f specs to probe points in the target's objects. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "debuginfo.h"
#include "elfsym.h"
#include "libsearch.h"
#include "log.h"
#include "procfs.h"
#include "resolve.h"
#include "spec.h"

/* One object the target runs code from. */
struct obj {
	char *path;  /* as the target sees it */
	char *host;  /* as memtrace opens it */
	char *alias; /* launch mode: the DT_NEEDED name it was found by */
	char *found; /* launch mode: the path ld.so opens it by (its directory is $ORIGIN) */
	size_t loader; /* launch mode: the object that needed it first */
	bool exec;   /* attach mode: has an executable mapping */
	struct mt_elf *elf;
	int err;     /* mt_elf_open's error, once tried */
	bool tried;
	bool traits_known, cxx_exceptions, go_runtime; /* see obj_traits() */
};

struct objs {
	struct obj *v;
	size_t n, cap;
	pid_t pid;
	size_t ndeleted;   /* mappings skipped because their file is gone */
	char *deleted;     /* the first of them, for the message */
};

/* Message building without fixed buffers: a memstream copied out at the end. */
struct msg {
	char *s;
	size_t len;
	FILE *f;
};

static int msg_open(struct msg *m)
{
	m->s = NULL;
	m->f = open_memstream(&m->s, &m->len);
	return m->f ? 0 : -ENOMEM;
}

/* Copies the message into err and returns ret. */
static int msg_close(struct msg *m, char *err, size_t errlen, int ret)
{
	fclose(m->f);
	mt_set_err(err, errlen, "%s", m->s ? m->s : "out of memory");
	free(m->s);
	return ret;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && !strcmp(s + n - k, suffix);
}

static void obj_free(struct obj *o)
{
	free(o->path);
	free(o->host);
	free(o->alias);
	free(o->found);
	mt_elf_close(o->elf);
}

static void objs_free(struct objs *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		obj_free(&l->v[i]);
	free(l->v);
	free(l->deleted);
}

static struct obj *objs_find(struct objs *l, const char *path)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].path, path))
			return &l->v[i];
	return NULL;
}

/* Appends path (deduplicated); host NULL means "open through /proc/PID/root". */
static struct obj *objs_add(struct objs *l, const char *path, const char *host)
{
	struct obj *o = objs_find(l, path);

	if (o)
		return o;
	if (mt_grow(&l->v, &l->cap, l->n + 1, sizeof(*l->v)))
		return NULL;
	o = &l->v[l->n];
	o->path = strdup(path);
	if (host)
		o->host = strdup(host);
	else if (asprintf(&o->host, "/proc/%d/root%s", (int)l->pid, path) < 0)
		o->host = NULL;
	if (!o->path || !o->host) {
		free(o->path);
		free(o->host);
		return NULL;
	}
	l->n++;
	return o;
}

static struct mt_elf *obj_elf(struct obj *o)
{
	if (!o->tried) {
		o->tried = true;
		o->err = mt_elf_open(o->host, &o->elf);
	}
	return o->elf;
}

/* ---- attach mode: /proc/PID/exe and /proc/PID/maps ---- */

static int add_exe(struct objs *l, char *err, size_t errlen)
{
	char lnk[32], *path, *host = NULL;
	bool deleted;
	struct stat st;
	struct obj *o;
	int e = 0;

	snprintf(lnk, sizeof(lnk), "/proc/%d/exe", (int)l->pid);
	path = mt_proc_exe(l->pid, &deleted, &e);
	if (!path)
		return mt_proc_error(l->pid, "exe", e, err, errlen);
	/* A rebuilt or removed binary: its path no longer names it, the magic link still does. */
	if (deleted) {
		host = strdup(lnk);
	} else if (!stat(lnk, &st)) {
		host = mt_proc_object_path(l->pid, path, st.st_dev, st.st_ino);
		if (!host) {
			free(path);
			mt_set_err(err, errlen, "out of memory");
			return -ENOMEM;
		}
	}
	/* No host: the exe could not be looked at; objs_add() takes it through the target's root. */
	o = objs_add(l, path, host);
	free(path);
	free(host);
	if (!o) {
		mt_set_err(err, errlen, "out of memory");
		return -ENOMEM;
	}
	o->exec = true;
	return 0;
}

static void note_deleted(struct objs *l, const char *path)
{
	if (l->ndeleted++ == 0)
		l->deleted = strdup(path);
}

/* One mapping of /proc/PID/maps: files only ([vdso], anonymous memory, devices have no code to probe). */
static int add_mapping(struct objs *l, const struct mt_map *m)
{
	struct obj *o;
	char *host;

	if (!mt_map_is_file(m))
		return 0;
	if (m->deleted) {
		if (strchr(m->perms, 'x') && !objs_find(l, m->path))
			note_deleted(l, m->path);
		return 0;
	}
	o = objs_find(l, m->path);
	if (!o) {
		host = mt_proc_object_path(l->pid, m->path, m->dev, m->ino);
		o = host ? objs_add(l, m->path, host) : NULL;
		free(host);
	}
	if (!o)
		return -ENOMEM;
	o->exec |= strchr(m->perms, 'x') != NULL;
	return 0;
}

/* Keeps objects with code (drops data files such as locale-archive), in map order. */
static void keep_exec(struct objs *l)
{
	size_t i, k = 0;

	for (i = 0; i < l->n; i++) {
		if (l->v[i].exec)
			l->v[k++] = l->v[i];
		else
			obj_free(&l->v[i]);
	}
	l->n = k;
}

static int list_attach(struct objs *l, char *err, size_t errlen)
{
	struct mt_map *maps;
	size_t n, i;
	int ret;

	if (l->pid <= 0) {
		mt_set_err(err, errlen, "no process with pid %d", (int)l->pid);
		return -ESRCH;
	}
	ret = add_exe(l, err, errlen);
	if (ret)
		return ret;
	ret = mt_proc_maps(l->pid, &maps, &n);
	if (ret)
		return mt_proc_error(l->pid, "maps", ret, err, errlen);
	for (i = 0; i < n && !ret; i++)
		ret = add_mapping(l, &maps[i]);
	mt_proc_maps_free(maps, n);
	keep_exec(l);
	if (ret)
		mt_set_err(err, errlen, "out of memory");
	return ret;
}

/* ---- launch mode: the executable and its DT_NEEDED closure ---- */

/* Adds the library ld.so loads for DT_NEEDED name of l->v[from] (an index: adding moves l->v). */
static void find_needed(struct objs *l, size_t from, const char *name)
{
	struct mt_lib_needer chain[64];
	const struct mt_elf_dyn *dyn;
	char *found, *real = NULL;
	struct obj *o;
	size_t i, n = 0;

	for (i = 0; i < l->n; i++)
		if (l->v[i].alias && !strcmp(l->v[i].alias, name))
			return;
	/* The object, the one that loaded it, and so on up to the executable (index 0). */
	for (i = from; n < sizeof(chain) / sizeof(chain[0]); i = l->v[i].loader) {
		dyn = l->v[i].elf ? mt_elf_dynamic(l->v[i].elf) : NULL;
		chain[n++] = (struct mt_lib_needer){ l->v[i].found ? l->v[i].found : l->v[i].path,
						     dyn ? dyn->rpath : NULL, dyn ? dyn->runpath : NULL };
		if (!i)
			break;
	}
	found = mt_lib_search(name, chain, n);
	if (found)
		real = realpath(found, NULL);
	o = real ? objs_find(l, real) : NULL;
	if (real && !o && (o = objs_add(l, real, real))) {
		o->found = found;
		o->loader = from;
		found = NULL;
	}
	if (o && !o->alias)
		o->alias = strdup(name);
	free(found);
	free(real);
}

static int list_launch(struct objs *l, const char *exe, char *err, size_t errlen)
{
	const struct mt_elf_dyn *dyn;
	struct obj *o;
	size_t i;
	int k;

	if (!exe || !*exe) {
		mt_set_err(err, errlen, "no executable to resolve symbols in");
		return -EINVAL;
	}
	o = objs_add(l, exe, exe);
	if (!o) {
		mt_set_err(err, errlen, "out of memory");
		return -ENOMEM;
	}
	/* ld.so knows the executable by its real path (/proc/self/exe). */
	o->found = realpath(exe, NULL);
	if (!obj_elf(o)) {
		if (o->err == -ENOEXEC) {
			mt_set_err(err, errlen, "%s is not an ELF executable", exe);
			return -ENOEXEC;
		}
		mt_set_err(err, errlen, "cannot read %s: %s", exe, strerror(-o->err));
		return o->err;
	}
	/* Breadth first, like ld.so's load order; l->n grows as we go. */
	for (i = 0; i < l->n; i++) {
		dyn = obj_elf(&l->v[i]) ? mt_elf_dynamic(l->v[i].elf) : NULL;
		for (k = 0; dyn && k < dyn->nneeded; k++)
			find_needed(l, i, dyn->needed[k]);
	}
	return 0;
}

/* ---- OBJECT matching ---- */

/* "libc" names libc.so.6 and "python3" python3.11: a prefix ending at '.' or '-'. */
static bool prefix_match(const char *have, const char *want)
{
	size_t n = strlen(want);

	return !strncmp(have, want, n) && (have[n] == '.' || have[n] == '-');
}

static struct obj *match_object(struct objs *l, const char *want)
{
	const char *b;
	size_t i;
	int pass;

	/* Exact path, then exact basename, then basename prefix: "libc.so.6" never picks libc.so.6.1. */
	for (pass = 0; pass < 3; pass++) {
		for (i = 0; i < l->n; i++) {
			struct obj *o = &l->v[i];

			b = base_name(o->path);
			if (pass == 0 && !strcmp(o->path, want))
				return o;
			if (pass == 1 && (!strcmp(b, want) || (o->alias && !strcmp(o->alias, want))))
				return o;
			if (pass == 2 && (prefix_match(b, want) || (o->alias && prefix_match(o->alias, want))))
				return o;
		}
	}
	return NULL;
}

/* Objects [from, n) named for the user: the executable in full, libraries by basename. */
static void print_objects(FILE *f, const struct objs *l, size_t from, size_t max)
{
	size_t i;

	for (i = from; i < l->n && i - from < max; i++)
		fprintf(f, "%s%s", i > from ? ", " : "", i ? base_name(l->v[i].path) : l->v[0].path);
	if (l->n <= from)
		fprintf(f, "(none)");
	else if (l->n - from > max)
		fprintf(f, " and %zu more", l->n - from - max);
}

static void print_deleted(FILE *f, const struct objs *l)
{
	if (l->ndeleted)
		fprintf(f, "; skipped %zu deleted file%s such as %s (replaced on disk since the process started)",
			l->ndeleted, l->ndeleted > 1 ? "s" : "", l->deleted ? l->deleted : "?");
}

static int no_object(const struct objs *l, const char *want, char *err, size_t errlen)
{
	struct msg m;

	if (msg_open(&m)) {
		mt_set_err(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (l->pid) {
		fprintf(m.f, "no object '%s' is mapped by process %d; mapped: ", want, (int)l->pid);
		print_objects(m.f, l, 0, 8);
	} else {
		fprintf(m.f, "no object '%s' among %s and the libraries it needs: ", want, l->v[0].path);
		print_objects(m.f, l, 1, 8);
	}
	print_deleted(m.f, l);
	if (!strchr(want, '/'))
		fprintf(m.f, "; to trace a library it loads later (dlopen), give its absolute path");
	return msg_close(&m, err, errlen, -ENOENT);
}

/*
 * OBJECT given as an absolute path that is not (yet) mapped: uprobes attach
 * to the file, so a library the target will dlopen later can be traced.
 */
static struct obj *object_by_path(struct objs *l, const char *want)
{
	size_t n = l->n;
	struct obj *o;

	if (want[0] != '/')
		return NULL;
	o = objs_add(l, want, l->pid ? NULL : want);
	if (!o || obj_elf(o))
		return o;
	/* Not an object we can read: keep it out of the list shown to the user. */
	if (l->n > n)
		obj_free(&l->v[--l->n]);
	return NULL;
}

/* ---- messages for functions that cannot be probed ---- */

static bool cpu_has(const char *flag)
{
	char *line = NULL, *p;
	size_t cap = 0, n = strlen(flag);
	bool found = false;
	FILE *f = fopen("/proc/cpuinfo", "re");

	while (f && !found && getline(&line, &cap, f) > 0) {
		if (strncmp(line, "flags", 5))
			continue;
		for (p = line; (p = strstr(p, flag)); p += n)
			if (p[-1] == ' ' && (p[n] == ' ' || p[n] == '\n'))
				found = true;
		break;
	}
	free(line);
	if (f)
		fclose(f);
	return found;
}

/*
 * glibc's x86-64 implementations are named __NAME_<variant>. Try the ones
 * its resolvers prefer on CPUs like this one first (evex where AVX512VL is
 * usable, then AVX2, then SSE2): the hint should name code that runs.
 */
static const char *const impl_variants[] = {
	"evex_unaligned_erms", "evex", "evex_unaligned",
	"avx_unaligned_erms", "avx2", "avx_unaligned", "fma", "avx",
	"sse2_unaligned_erms", "sse2", "sse2_unaligned", "sse4_2", "ssse3", "erms", "generic",
};

static char *ifunc_impl(struct mt_elf *elf, const char *name)
{
	size_t i = cpu_has("avx512vl") ? 0 : cpu_has("avx2") ? 3 : 8;
	struct mt_sym s;
	char *impl;

	for (; i < sizeof(impl_variants) / sizeof(impl_variants[0]); i++) {
		if (asprintf(&impl, "__%s_%s", name, impl_variants[i]) < 0)
			return NULL;
		if (!mt_elf_find_func(elf, impl, &s) && !s.ifunc)
			return impl;
		free(impl);
	}
	return NULL;
}

/* Otherwise any close name of the form [__]NAME_* that is a plain function. */
static char *ifunc_impl_any(struct mt_elf *elf, const char *name)
{
	const char *cand[32], *c;
	size_t nlen = strlen(name);
	struct mt_sym s;
	int n, i;

	n = mt_elf_suggest(elf, name, cand, 32);
	for (i = 0; i < n; i++) {
		c = cand[i] + (strncmp(cand[i], "__", 2) ? 0 : 2);
		if (!strncmp(c, name, nlen) && c[nlen] == '_' && !mt_elf_find_func(elf, cand[i], &s) &&
		    !s.ifunc)
			return strdup(cand[i]);
	}
	return NULL;
}

static int ifunc_error(struct mt_elf *elf, const char *path, const char *name, char *err,
		       size_t errlen)
{
	char *best = ifunc_impl(elf, name);

	if (!best)
		best = ifunc_impl_any(elf, name);
	if (best) {
		mt_set_err(err, errlen,
			   "'%s' in %s is an IFUNC resolver; name one of its implementations, e.g. %s",
			   name, path, best);
		free(best);
		return -EINVAL;
	}
	if (!mt_elf_has_symtab(elf)) {
		mt_set_err(err, errlen,
			       "'%s' in %s is an IFUNC resolver and its implementations are not in .dynsym; install its debug symbols (libc6-dbg for libc) and name one of them",
			       name, path);
		return -EINVAL;
	}
	mt_set_err(err, errlen,
		       "'%s' in %s is an IFUNC resolver; name one of its implementations", name, path);
	return -EINVAL;
}

/* Close names from the searched objects, the user's own object first; deduplicated. */
static int collect_suggestions(struct objs *l, size_t from, size_t to, const char *name,
			       const char **out, int max)
{
	const char *c[4];
	int n = 0, k, j, i;
	size_t o;

	for (o = from; o < to && n < max; o++) {
		if (!l->v[o].elf)
			continue;
		k = mt_elf_suggest(l->v[o].elf, name, c, max);
		for (i = 0; i < k && n < max; i++) {
			for (j = 0; j < n && strcmp(out[j], c[i]); j++)
				;
			if (j == n)
				out[n++] = c[i];
		}
	}
	return n;
}

/* For OBJECT:NAME that missed: another object of the target that defines NAME. */
static struct obj *defined_elsewhere(struct objs *l, size_t from, size_t to, const char *name)
{
	struct mt_sym s;
	size_t i;

	for (i = 0; i < l->n; i++) {
		if (i >= from && i < to)
			continue;
		if (obj_elf(&l->v[i]) && !mt_elf_find_func(l->v[i].elf, name, &s))
			return &l->v[i];
	}
	return NULL;
}

/* " in A, B (2 objects)": the objects [from, to) a search went through, to say where it missed. */
static void print_searched(FILE *f, const struct objs *l, size_t from, size_t to)
{
	struct objs view = *l;
	size_t i, nread = 0;

	for (i = from; i < to; i++)
		nread += l->v[i].elf != NULL;
	if (to - from == 1) {
		fprintf(f, " in %s", l->v[from].path);
		return;
	}
	view.v += from;
	view.n = to - from;
	fprintf(f, " in ");
	if (view.n <= 3) {
		for (i = 0; i < view.n; i++)
			fprintf(f, "%s%s", i ? ", " : "", view.v[i].path);
	} else {
		print_objects(f, &view, 0, 3);
	}
	fprintf(f, " (%zu objects)", nread);
}

static int not_found(struct objs *l, size_t from, size_t to, const char *name, char *err,
		     size_t errlen)
{
	const char *sugg[3];
	struct obj *first = &l->v[from], *bad = NULL, *other = NULL;
	struct msg m;
	size_t i;
	int ns, k;

	for (i = from; i < to && !bad; i++)
		if (!l->v[i].elf)
			bad = &l->v[i];
	if (msg_open(&m)) {
		mt_set_err(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (to - from < l->n)
		other = defined_elsewhere(l, from, to, name);
	ns = other ? 0 : collect_suggestions(l, from, to, name, sugg, 3);
	if (first->elf && !mt_elf_has_symtab(first->elf)) {
		fprintf(m.f, "function '%s' not found: %s is stripped (no .symtab) and '%s' is not exported in .dynsym; %s, or rebuild without stripping",
			name, first->path, name, mt_debuginfo_advice());
	} else {
		fprintf(m.f, "function '%s' not found", name);
		print_searched(m.f, l, from, to);
	}
	for (k = 0; k < ns; k++)
		fprintf(m.f, "%s'%s'", k ? ", " : "; did you mean ", sugg[k]);
	if (ns)
		fputc('?', m.f);
	if (other)
		fprintf(m.f, "; %s defines it: use %s:%s", other->path, base_name(other->path), name);
	if (bad)
		fprintf(m.f, "; could not read %s: %s", bad->path, strerror(-bad->err));
	print_deleted(m.f, l);
	return msg_close(&m, err, errlen, -ENOENT);
}

/* ---- the entry point ---- */

/* What makes an object's return probes unsafe (refuse_unsafe() in user/targets.c), once an object. */
static void obj_traits(struct obj *o)
{
	if (o->traits_known)
		return;
	o->traits_known = true;
	/* C++'s personality routine (C code's cleanups use __gcc_personality_v0). */
	o->cxx_exceptions = mt_elf_mentions(o->elf, "__gxx_personality_v0");
	/* Go copies goroutine stacks, return addresses included. */
	o->go_runtime = mt_elf_has_section(o->elf, ".go.buildinfo") ||
			mt_elf_has_section(o->elf, ".gopclntab");
}

static int fill_target(struct mt_target *t, const char *spec, const char *name, struct obj *o,
		       const struct mt_sym *s)
{
	int err;

	memset(t, 0, sizeof(*t));
	err = mt_elf_probe_offset(o->elf, s, &t->offset, &t->attach_note);
	if (err)
		return err;
	obj_traits(o);
	t->spec = strdup(spec);
	t->func = strdup(name);
	t->object = strdup(o->path);
	t->object_host = strdup(o->host);
	t->sym_offset = s->file_off;
	t->cxx_exceptions = o->cxx_exceptions;
	t->go_runtime = o->go_runtime;
	t->kind = MT_KIND_NATIVE;
	t->method = MT_METHOD_UPROBE;
	if (!t->spec || !t->func || !t->object || !t->object_host) {
		mt_target_free(t);
		return -ENOMEM;
	}
	return 0;
}

/* A new last element of out, zeroed, not yet counted in out->n; NULL when out of memory. */
static struct mt_target *list_slot(struct mt_target_list *out)
{
	if (mt_grow(&out->v, &out->cap, out->n + 1, sizeof(*out->v)))
		return NULL;
	return &out->v[out->n];
}

static int read_error(const char *name, const struct obj *o, int ret, char *err, size_t errlen)
{
	mt_set_err(err, errlen, "cannot read '%s' in %s: %s", name, o->path, strerror(-ret));
	return ret;
}

/* Searches objects [from, to) in order; the first that defines name wins. */
static int search(struct objs *l, size_t from, size_t to, const char *spec, const char *name,
		  struct mt_target_list *out, char *err, size_t errlen)
{
	struct mt_target *t;
	struct mt_sym s;
	struct obj *o;
	size_t i;
	int ret;

	for (i = from; i < to; i++) {
		o = &l->v[i];
		if (!obj_elf(o) || mt_elf_find_func(o->elf, name, &s))
			continue;
		if (s.ifunc)
			return ifunc_error(o->elf, o->path, name, err, errlen);
		t = list_slot(out);
		ret = t ? fill_target(t, spec, name, o, &s) : -ENOMEM;
		if (ret)
			return read_error(name, o, ret, err, errlen);
		out->n++;
		return 0;
	}
	return not_found(l, from, to, name, err, errlen);
}

/*
 * A glob: '*', '?' or a bracket expression, but not a C++ ABI tag
 * ("load[abi:cxx11]"), which names one function.
 */
static bool is_glob(const char *name)
{
	const char *b;

	if (strpbrk(name, "*?"))
		return true;
	for (b = strchr(name, '['); b; b = strchr(b + 1, '['))
		if (strncmp(b, "[abi:", 5))
			return true;
	return false;
}

/*
 * Adds the function name of object o unless out[first, n) has it already:
 * the same name from an earlier object (as a plain NAME, the first object
 * that defines it wins), or the same code under another name (an alias,
 * traced once, under the name with fewer leading underscores).
 */
static int add_match(struct obj *o, const char *spec, const char *name,
		     struct mt_target_list *out, size_t first)
{
	struct mt_target *t;
	struct mt_sym s;
	int ret;

	/* No file offset (an absolute symbol): nothing to probe, and not what a pattern means. */
	if (mt_elf_find_func(o->elf, name, &s))
		return 0;
	for (size_t i = first; i < out->n; i++) {
		t = &out->v[i];
		if (!strcmp(t->func, name))
			return 0;
		if (t->sym_offset != s.file_off || strcmp(t->object_host, o->host))
			continue;
		if (strspn(name, "_") < strspn(t->func, "_")) {
			char *better = strdup(name);

			if (!better)
				return -ENOMEM;
			free(t->func);
			t->func = better;
		}
		return 0;
	}
	t = list_slot(out);
	if (!t)
		return -ENOMEM;
	ret = fill_target(t, spec, name, o, &s);
	if (!ret)
		out->n++;
	return ret;
}

static int glob_not_found(const struct objs *l, size_t from, size_t to, const char *pattern,
			  char *err, size_t errlen)
{
	const struct obj *first = &l->v[from];
	struct msg m;

	if (msg_open(&m)) {
		mt_set_err(err, errlen, "out of memory");
		return -ENOMEM;
	}
	fprintf(m.f, "no function matches '%s'", pattern);
	print_searched(m.f, l, from, to);
	if (first->elf && !mt_elf_has_symtab(first->elf))
		fprintf(m.f, "; %s is stripped (no .symtab), only its exported functions can match: %s",
			first->path, mt_debuginfo_advice());
	else
		fprintf(m.f, "; the pattern is matched against whole symbol names, as fnmatch(3) does (C++ names mangled)");
	print_deleted(m.f, l);
	return msg_close(&m, err, errlen, -ENOENT);
}

/* Every function of objects [from, to) whose name matches pattern (add_match() drops repeats). */
static int search_glob(struct objs *l, size_t from, size_t to, const char *spec,
		       const char *pattern, struct mt_target_list *out, char *err, size_t errlen)
{
	const char **names = NULL;
	size_t first = out->n, matched = 0;
	int ret = 0, k;

	for (size_t i = from; i < to && !ret; i++) {
		struct obj *o = &l->v[i];

		k = obj_elf(o) ? mt_elf_glob(o->elf, pattern, NULL, 0) : 0;
		if (k <= 0)
			continue;
		matched += (size_t)k;
		if (matched > MT_GLOB_MAX) {
			mt_set_err(err, errlen, "'%s' matches more than %d functions (%zu so far); narrow the pattern",
				   spec, MT_GLOB_MAX, matched);
			ret = -E2BIG;
			break;
		}
		free(names);
		names = calloc((size_t)k, sizeof(*names));
		if (!names) {
			ret = -ENOMEM;
			break;
		}
		k = mt_elf_glob(o->elf, pattern, names, (size_t)k);
		for (int j = 0; j < k && !ret; j++) {
			ret = add_match(o, spec, names[j], out, first);
			if (ret)
				read_error(names[j], o, ret, err, errlen);
		}
	}
	free(names);
	if (!ret && out->n == first)
		ret = glob_not_found(l, from, to, pattern, err, errlen);
	/* All of it or nothing: the caller's list is as it was. */
	for (; ret && out->n > first; out->n--)
		mt_target_free(&out->v[out->n - 1]);
	return ret;
}

/* The objects [from, to) searched for a name or a pattern. */
static int search_spec(struct objs *l, size_t from, size_t to, const char *spec, const char *name,
		       struct mt_target_list *out, char *err, size_t errlen)
{
	if (is_glob(name))
		return search_glob(l, from, to, spec, name, out, err, errlen);
	return search(l, from, to, spec, name, out, err, errlen);
}

static bool is_python_file(const char *object)
{
	return ends_with(object, ".py");
}

int mt_resolve(const struct mt_resolve_ctx *ctx, const char *spec, struct mt_target_list *out,
	       char *err, size_t errlen)
{
	struct objs l = { .pid = ctx->pid };
	struct mt_spec sp;
	struct obj *o;
	int ret;

	ret = mt_spec_parse(spec, &sp, err, errlen);
	if (ret)
		return ret;
	if (sp.object && is_python_file(sp.object)) {
		mt_set_err(err, errlen, "'%s' names a Python function; it has no native symbol to probe",
			   spec);
		ret = -EOPNOTSUPP;
		goto out;
	}
	ret = ctx->pid ? list_attach(&l, err, errlen) : list_launch(&l, ctx->exe, err, errlen);
	if (ret)
		goto out;
	if (!sp.object) {
		ret = search_spec(&l, 0, l.n, spec, sp.name, out, err, errlen);
		goto out;
	}
	o = match_object(&l, sp.object);
	if (!o)
		o = object_by_path(&l, sp.object);
	if (!o) {
		ret = no_object(&l, sp.object, err, errlen);
		goto out;
	}
	ret = search_spec(&l, (size_t)(o - l.v), (size_t)(o - l.v) + 1, spec, sp.name, out, err,
			  errlen);
out:
	objs_free(&l);
	mt_spec_free(&sp);
	return ret;
}

void mt_target_free(struct mt_target *t)
{
	if (!t)
		return;
	free(t->spec);
	free(t->func);
	free(t->object);
	free(t->object_host);
	free(t->py_file);
	t->spec = t->func = t->object = t->object_host = t->py_file = NULL;
}

const char *mt_method_name(enum mt_method m)
{
	return m == MT_METHOD_USDT ? "usdt" : m == MT_METHOD_FRAMES ? "frames" : "uprobe";
}
