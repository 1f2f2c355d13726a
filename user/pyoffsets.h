/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Per-version CPython layouts (generated from the interpreters' internal
 * headers by tools/gen-pyoffsets.sh), and the check of a 3.13+ target's own
 * _Py_DebugOffsets against them.
 */
#ifndef MT_PYOFFSETS_H
#define MT_PYOFFSETS_H

#include <stddef.h>
#include <stdint.h>

#include "python_offsets.h"

struct mt_pyproc;

struct mt_py_table {
	struct mt_py_offsets off;    /* what the BPF walker and pycode.c use */
	const char *source;	     /* include dir the table was generated from */
	uint32_t debug_offsets_size; /* sizeof(_Py_DebugOffsets), 0 before 3.13 */
};

/* All generated tables, in generation order. */
const struct mt_py_table *mt_py_tables(size_t *n);

/*
 * The table for major.minor: the one generated from the same micro release
 * if there is one, else the closest. Layouts do not change within a minor
 * release in practice, and 3.13+ targets are checked against their own
 * _Py_DebugOffsets. NULL if the minor release has no table.
 */
const struct mt_py_table *mt_py_table_find(int major, int minor, int micro);

/*
 * The offsets to use for a detected process. Picks the table; for 3.13+
 * attached to a process (p->pid), reads the target's _Py_DebugOffsets and
 * compares every field both describe. Fields that differ take the target's
 * value (it describes the running build), and note says so; otherwise note
 * says how the table was confirmed. Returns 0, -EPROTONOSUPPORT (no table;
 * err lists the supported versions) or -errno.
 */
int mt_py_offsets_for(const struct mt_pyproc *p, struct mt_py_offsets *out, char *note,
		      size_t notelen, char *err, size_t errlen);

/*
 * Compare a 3.13 _Py_DebugOffsets image (as read from the start of
 * _PyRuntime) with off, correcting off where they differ. Returns the number
 * of fields compared (> 0), or -EINVAL if buf is not a 3.13 debug-offsets
 * image (cookie, version or size). *ndiff gets the number corrected; diff
 * (may be NULL) lists them as "name table->target".
 */
int mt_py_debug_offsets_apply(const void *buf, size_t len, struct mt_py_offsets *off, int *ndiff,
			      char *diff, size_t difflen);

#endif
