/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Is this process (or this executable) CPython, which version, and where is
 * its _PyRuntime? The answers the frame walker needs before it can start.
 */
#ifndef MT_PYPROC_H
#define MT_PYPROC_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* How the version was established, strongest last. */
enum mt_pyver_source {
	MT_PYVER_NAME = 1,    /* libpython3.X.so / python3.X file name only */
	MT_PYVER_VERSION_STR, /* 3.10: Py_GetVersion()'s buffer, read from memory */
	MT_PYVER_PY_VERSION,  /* 3.11+: the Py_Version constant (memory, or file in launch mode) */
	MT_PYVER_DEBUG_OFFSETS, /* 3.13+: _PyRuntime's _Py_DebugOffsets.version */
};

struct mt_pyproc {
	int major, minor;
	int micro;	      /* -1 if only the name was available */
	uint32_t version_hex; /* PY_VERSION_HEX, 0 if not read */
	enum mt_pyver_source version_source;
	bool shared;		    /* _PyRuntime is in libpython, not in the executable */
	char object[PATH_MAX];	    /* ELF holding _PyRuntime, as the target sees it */
	char object_host[PATH_MAX]; /* the same file as memtrace opens it (/proc/PID/root/...) */
	uint64_t runtime_vaddr;	    /* _PyRuntime's st_value (link-time address) */
	uint64_t runtime_size;
	/* Attach mode only (0 in launch mode, before the object is mapped): */
	pid_t pid;
	uint64_t load_bias;    /* runtime address = link-time address + load_bias */
	uint64_t runtime_addr; /* _PyRuntime in the target */
};

/*
 * Detect CPython in a running process: the executable first (static builds
 * such as Debian's /usr/bin/python3.11), then every mapped libpython3.X.
 * Returns 0, -ENOENT if the process is not CPython 3 (err says what was
 * found instead), -EPROTONOSUPPORT for Python 2, or another -errno
 * (-ESRCH gone, -EACCES not permitted); err gets a one-line reason.
 */
int mt_pyproc_detect(pid_t pid, struct mt_pyproc *out, char *err, size_t errlen);

/*
 * Launch mode: the same, for an executable that has not run yet. Follows one
 * "#!" line (and "/usr/bin/env NAME" through PATH), then finds a DT_NEEDED
 * libpython where ld.so would. runtime_addr is known only for a non-PIE executable that
 * holds _PyRuntime itself; otherwise it stays 0: call mt_pyproc_detect()
 * once the process has mapped the object (or learn the load bias from a
 * uprobe in it).
 */
int mt_pyproc_detect_exe(const char *exe, struct mt_pyproc *out, char *err, size_t errlen);

/*
 * Read len bytes of the target's memory at addr (process_vm_readv, then
 * /proc/PID/mem). Returns 0, or -EFAULT if any byte is unreadable, -ESRCH,
 * -EPERM / -EACCES.
 */
int mt_py_read(pid_t pid, uint64_t addr, void *buf, size_t len);

/* Parse "3.X" out of libpython3.X.so* or python3.X[suffix]; 0 or -1. */
int mt_pyproc_name_version(const char *path, int *major, int *minor);

#endif
