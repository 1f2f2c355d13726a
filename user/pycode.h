/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * From (code object address, instruction offset) pairs, as the BPF frame
 * walker records them, to function, file and line, by reading the target's
 * memory; and a userspace walk of the live frames of every thread.
 *
 * Instruction offsets are in code units (2 bytes, _Py_CODEUNIT) in every
 * version: 3.10's f_lasti as is, 3.11+'s (instr pointer - co_code_adaptive) / 2.
 * A negative offset means the frame has not run its first instruction.
 */
#ifndef MT_PYCODE_H
#define MT_PYCODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "python_offsets.h"

struct mt_pycode {
	uint64_t addr;	/* the code object in the target */
	char *name;	/* co_name, UTF-8 */
	char *qualname; /* co_qualname (3.11+); co_name in 3.10 */
	char *filename; /* co_filename, UTF-8, as the target sees it */
	int firstlineno;
	uint8_t *linetable; /* co_linetable bytes */
	size_t linetable_len;
	uint8_t linetable_kind; /* enum mt_py_linetable_kind */
	/* co_name, co_filename, co_linetable pointers: tell a reused address from the same code */
	uint64_t sig[3];
};

struct mt_pycode_cache;

int mt_pycode_cache_new(pid_t pid, const struct mt_py_offsets *off, struct mt_pycode_cache **out);
void mt_pycode_cache_free(struct mt_pycode_cache *c); /* NULL-safe */

/*
 * The code object at addr, read once and then served from the cache (the
 * result belongs to the cache and lives until it is freed or the entry is
 * dropped). Returns 0, -EFAULT (unreadable: freed, or not a pointer),
 * -EINVAL (the fields do not look like a code object), -ENOMEM, -ESRCH.
 */
int mt_pycode_read(struct mt_pycode_cache *c, uint64_t addr, const struct mt_pycode **out);

/*
 * Code objects are freed and their addresses reused (exec(), lambdas in a
 * loop, reloads): re-read addr's identifying pointers and drop the cached
 * entry if they changed. Returns 1 if dropped, 0 if still valid or not
 * cached, -errno if unreadable (the entry is dropped too), but 0 once the
 * process is gone (nothing can reuse the address then).
 */
int mt_pycode_check(struct mt_pycode_cache *c, uint64_t addr);

/* Line of an instruction (code units) in code: co_firstlineno before the first, -1 for none. */
int mt_pycode_line(const struct mt_pycode *code, int32_t instr);

/* mt_pycode_read() and mt_pycode_line() at once. */
int mt_pycode_resolve(struct mt_pycode_cache *c, uint64_t addr, int32_t instr,
		      const struct mt_pycode **code, int *line);

/*
 * The line-table decoders, on a byte offset (code units * 2): 3.10's PEP 626
 * table, and 3.11+'s PEP 657 location table. Return the line, -1 for an
 * instruction without one (or past the end); firstlineno for addr < 0.
 */
int mt_py_addr2line_310(const uint8_t *tab, size_t len, int firstlineno, int addr);
int mt_py_addr2line_311(const uint8_t *tab, size_t len, int firstlineno, int addr);

/* A str object of the target as malloc'd UTF-8 (at most max code points); NULL on error, errno set. */
char *mt_py_read_str(pid_t pid, const struct mt_py_offsets *off, uint64_t addr, size_t max);

/* FNV-1a of a name, as the BPF walker computes it (python_offsets.h); 0 if not hashable there. */
uint64_t mt_py_name_hash(const char *name);

/*
 * The BPF matcher's view of n traced functions (target index i = names[i],
 * files[i] a FILE.py suffix or NULL), for py_frame_names and py_frame_files:
 * for each i, write files[i] -> out[i].filter, and, where out[i].head,
 * py_frame_names[out[i].hash] = i (same-name targets are chained from there).
 * Returns 0, or -EINVAL with *bad = the first index the BPF side cannot
 * match (name empty, non-ASCII or MT_PY_NAME_MAX bytes or longer; suffix
 * longer than MT_PY_SUFFIX_MAX; more than MT_PY_MAX_TARGETS targets).
 */
struct mt_py_match {
	uint64_t hash;
	bool head;
	struct mt_py_file_filter filter;
};

int mt_py_match_build(const char *const *names, const char *const *files, int n,
		      struct mt_py_match *out, int *bad);

/* Userspace frame walk. */
#define MT_PY_UFRAMES_MAX 128

struct mt_py_frame {
	uint64_t frame; /* the frame in the target */
	uint64_t code;	/* its code object */
	int32_t instr;	/* code units, -1 not started */
};

struct mt_py_thread {
	uint64_t interp;
	uint64_t tstate;
	uint64_t thread_id; /* pthread_t (the TCB address on x86_64 glibc) */
	int64_t native_tid; /* gettid() in the target's namespace; -1 in 3.10 */
	int nframes;	    /* Python frames, innermost first; C-owned shims skipped */
	bool truncated;	    /* more than MT_PY_UFRAMES_MAX frames */
	struct mt_py_frame frames[MT_PY_UFRAMES_MAX];
};

/*
 * Every thread state of every interpreter of the process, and each one's
 * Python frames, read from userspace (the BPF walker's logic, for tests and
 * to validate offsets on a new build). The target keeps running, so a walk
 * can see a frame mid-update; callers that need a stable answer retry.
 * Returns the number of threads written (up to max), or -errno.
 */
int mt_py_threads(pid_t pid, uint64_t runtime_addr, const struct mt_py_offsets *off,
		  struct mt_py_thread *out, int max);

#endif
