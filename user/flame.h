/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * RSS growth by call stack as a flame graph: a self-contained SVG (no
 * scripts, fonts or links) in the style of the RSS plot (user/plot.c), for
 * --flame FILE.svg and `memtrace flame RUN.ndjson -o OUT.svg`.
 */
#ifndef MT_FLAME_H
#define MT_FLAME_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include "profile.h"

/*
 * What one picture draws at most: past it, the narrowest frames are left
 * out (and the picture says how many), so no profile makes a huge file.
 */
#define MT_FLAME_MAX_FRAMES 20000
/* Frames narrower than this (pixels) are not drawn: nobody could see them. */
#define MT_FLAME_MIN_WIDTH 0.1

/*
 * The flame graph of p: root at the bottom, each frame as wide as the bytes
 * of the stacks through it, frames of one name merged along each path
 * (children by name, as flamegraph.pl). title heads it (NULL: "memtrace").
 * 0, or -1 on a write error or when out of memory.
 */
int mt_flame_svg(const struct mt_profile *p, const char *title, FILE *f);
/* The SVG to path, atomically, as the plots are (user/outfile.h). 0 or -errno, reason in err. */
int mt_flame_write(const char *path, const struct mt_profile *p, const char *title, char *err,
		   size_t errlen);
/* "memtrace: CMDLINE (pid N)" (COMM without a command line), malloc'd; NULL when out of memory. */
char *mt_flame_title(const char *comm, const char *cmdline, pid_t pid);

/* `memtrace flame RUN.ndjson -o OUT.svg [--title T]`: returns the exit code. */
int mt_flame_main(int argc, char **argv);

#endif
