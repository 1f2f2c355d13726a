/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* From -f specs to probe points in the target's objects. */
#ifndef MT_RESOLVE_H
#define MT_RESOLVE_H

#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>

enum mt_kind { MT_KIND_NATIVE = 0, MT_KIND_PYTHON = 1 };

/* How a target's calls are seen; its name is the stream's "method" (docs/schema.md). */
enum mt_method {
	MT_METHOD_UPROBE, /* native: a uprobe and a uretprobe */
	MT_METHOD_USDT,   /* Python --exact: CPython's function and line probes */
	MT_METHOD_FRAMES, /* Python default: frames walked at each memory change */
};
const char *mt_method_name(enum mt_method m);

struct mt_target {
	char *spec;        /* as the user wrote it */
	char *func;        /* name shown in tables and JSON */
	char *object;      /* object as the target sees it (e.g. /usr/lib/x86_64-linux-gnu/libc.so.6) */
	char *object_host; /* the same file as memtrace opens it (through /proc/PID/root) */
	uint64_t offset;   /* file offset of the probe point */
	uint64_t sym_offset; /* file offset of the function's first byte */
	const char *attach_note; /* static: why this probe point */
	enum mt_kind kind;
	enum mt_method method;
	char *py_file;     /* Python: FILE.py filter (a path suffix), NULL for any file */
	bool cxx_exceptions; /* the object is C++ code that may throw: see --cxx-noexcept */
	bool go_runtime;     /* the object is a Go program: return probes would break it */
};

struct mt_resolve_ctx {
	pid_t pid;        /* attach mode: the running process (> 0) */
	const char *exe;  /* launch mode (pid == 0): the executable, absolute path */
};

/* A growing list of targets (user/array.h); free each with mt_target_free(), then v. */
struct mt_target_list {
	struct mt_target *v;
	size_t n, cap;
};

/* The functions one glob may name: more is an error (a pattern too wide by mistake). */
#define MT_GLOB_MAX 10000

/*
 * Resolve one spec, appending its targets to out. NAME searches the
 * executable, then every mapped shared object (attach mode) or the
 * DT_NEEDED closure found like ld.so would (launch mode). OBJECT:NAME
 * limits the search to an object named by path, basename or basename
 * prefix ("libc" matches libc.so.6). A NAME with '*', '?' or '[...]' is an
 * fnmatch(3) pattern: every function it matches, each address once, up to
 * MT_GLOB_MAX. Returns 0, or negative errno with a one-line message in err
 * naming the function, the objects searched and what to try (close names,
 * stripped binary); then out is as it was.
 */
int mt_resolve(const struct mt_resolve_ctx *ctx, const char *spec, struct mt_target_list *out,
	       char *err, size_t errlen);
void mt_target_free(struct mt_target *t); /* NULL-safe, frees members only */

#endif
