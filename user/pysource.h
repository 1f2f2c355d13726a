/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The Python functions the kernel side matched ("codes"), with their
 * source text, read from the target's own filesystem view while it runs.
 */
#ifndef MT_PYSOURCE_H
#define MT_PYSOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct mt_pycode_info {
	uint32_t target;  /* index into the target table */
	char *name;
	char *file;       /* as the interpreter reports it (co_filename) */
	int firstlineno;
	char *text;       /* the file's bytes, split in place into lines */
	size_t textlen;
	char **lines;     /* source lines, without newlines, into text; NULL if unreadable */
	size_t nlines;
};

struct mt_pycodes {
	pid_t pid;
	struct mt_pycode_info *codes; /* indexed by code index */
	size_t ncodes, cap;
	/*
	 * The target's /proc/PID directory and its root, opened at the first
	 * code: through them every later read is of the same process (not one
	 * that reused its pid) and its root outlives it. -1 when they could not
	 * be opened (the target had exited).
	 */
	bool proc_opened;
	int procfd, rootfd;
	bool read_timed_out; /* then its file system hangs: no more reads of this target's files */
	/*
	 * The functions (and classes) the sources read so far define, by name:
	 * what a -f name that matches nothing may have meant. Sorted on demand.
	 */
	char **defs;
	size_t ndefs, defs_cap;
	bool defs_sorted;
	char **defs_files;    /* the sources they come from, each once, as first named */
	size_t ndefs_files, defs_files_cap;
	char **imports;       /* modules those sources import, as paths: "pkg/mod" */
	size_t nimports, imports_cap;
};

/*
 * Record code index code; reads its source now, while /proc/PID/{root,cwd}
 * exist, as the target itself could (user/asuser.h). An unreadable source is
 * said once per file (mt_warn) and has no lines. 0 or -ENOMEM.
 */
int mt_pycodes_add(struct mt_pycodes *pc, uint32_t code, uint32_t target, const char *name,
		   const char *file, int firstlineno);
/*
 * Read file (relative to the target's working directory, as the target
 * could read it) for the names it defines, and the modules it imports (added
 * to pc->imports, each once, up to a bound). 0, or -errno (unreadable: not
 * said).
 */
int mt_pycodes_read_defs(struct mt_pycodes *pc, const char *file);
/* Does a source read so far define name (a qualname "C.m": its last part)? */
bool mt_pycodes_defines(struct mt_pycodes *pc, const char *name);
/* Up to max defined names close to name, best first (user/suggest.h); they belong to pc. */
int mt_pycodes_suggest(struct mt_pycodes *pc, const char *name, const char **out, int max);
const struct mt_pycode_info *mt_pycodes_at(const struct mt_pycodes *pc, uint32_t code);
/* The text of a line, or NULL. */
const char *mt_pycode_source(const struct mt_pycode_info *ci, int line);
void mt_pycodes_free(struct mt_pycodes *pc);

#endif
