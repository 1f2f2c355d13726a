/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Pictures and exports of a series: SVG plots, memory_profiler's mprofile format. */
#ifndef MT_PLOT_H
#define MT_PLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "series.h"

/*
 * s as SVG text (XML-escaped, control bytes "?", invalid UTF-8 U+FFFD): at
 * most max characters, cut with ".." when longer.
 */
void mt_xml_text(FILE *f, const char *s, size_t max);
/* A self-contained SVG. 0, or -1 on a write error. */
int mt_plot_svg(const struct mt_series *s, FILE *f);
/* mprof's format (CMDLINE, MEM, FUNC lines), for `mprof plot`. 0, or -1 on a write error. */
int mt_mprof_write(const struct mt_series *s, FILE *f);
/*
 * Save the SVG plot (mprof: the mprofile format) to path whole, through
 * user/outfile.c (a temporary file renamed into place, 0600; a symbolic
 * link refused). 0 or -errno, reason in err.
 */
int mt_plot_save(const char *path, bool mprof, const struct mt_series *s, char *err, size_t errlen);

/* `memtrace plot FILE -o OUT.svg [--mprof OUT.dat]`: returns the exit code. */
int mt_plot_main(int argc, char **argv);

#endif
