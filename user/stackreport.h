/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The stack tables at the end of a run and of `memtrace report`: where RSS grew, by call stack. */
#ifndef MT_STACKREPORT_H
#define MT_STACKREPORT_H

#include <stdio.h>
#include "profile.h"

/*
 * A header line saying what was sampled, "Functions by RSS growth"
 * (inclusive and self bytes, as `perf report --children` shows them) and
 * "Top stacks", each table top rows long (20 when top <= 0). An empty
 * profile is one line saying why there can be nothing.
 */
void mt_report_stacks(FILE *f, const struct mt_profile *p, int top);
/*
 * Rows per stack table: 20 when the stacks are the whole answer (no -f),
 * 5 beside a function table, which keeps the user's own functions first.
 */
int mt_report_stacks_top(size_t nfuncs);

#endif
