/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Separate debug files of stripped objects, found by build id as the rest
 * of the ecosystem finds them: the local build-id trees (what the -dbgsym
 * packages install), then debuginfod servers named by $DEBUGINFOD_URLS.
 */
#ifndef MT_DEBUGINFO_H
#define MT_DEBUGINFO_H

#include <signal.h>
#include <stdbool.h>

/*
 * Offered each candidate debug file, best first: fd is open for reading.
 * Returns NULL when it keeps the file (fd is then its to close), or why it
 * refuses it ("a different build id"): the search goes on.
 */
typedef const char *(*mt_debuginfo_take)(int fd, void *arg);

/*
 * The debug file of the object with this build id (lowercase hex): from
 * ROOT/usr/lib/debug/.build-id/ when root is not NULL (the target's root as
 * memtrace sees it, "/proc/PID/root"), then /usr/lib/debug/.build-id/, then
 * debuginfod when DEBUGINFOD_URLS is set (never any network otherwise).
 * what names the object in messages. True if take kept a file; otherwise
 * the object stays stripped and -v says why.
 */
bool mt_debuginfo_find(const char *build_id, const char *root, const char *what,
		       mt_debuginfo_take take, void *arg);

/* The flag memtrace's signal handler sets: a download stops when it is non-zero. */
void mt_debuginfo_set_stop(const volatile sig_atomic_t *stop);

/* What to do about an object without symbols, for the end of an error line. */
const char *mt_debuginfo_advice(void);

#endif
