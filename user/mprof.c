// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * memory_profiler's mprofile format, so `mprof plot` draws a memtrace run:
 *   CMDLINE <command>
 *   MEM <MiB> <unix time>
 *   FUNC <name> <MiB at entry> <unix time> <MiB at return> <unix time> <stack level>
 * FUNC brackets are calls, or with frame walking the stretches where the
 * function was seen (user/series.h): mprof has no way to mark them apart.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "plot.h"

static double mib(int64_t b)
{
	return b / 1048576.0;
}

/* mprof splits FUNC lines on spaces: a name must be one word. */
static void word(FILE *f, const char *s)
{
	for (; *s; s++)
		fputc(*s == ' ' || *s == '\t' || *s == '\n' ? '_' : *s, f);
}

/* mprof's resolution: timestamps are written with 4 decimals. */
#define TICK 0.0001

/* Timestamps must increase: two samples closer than a tick would not. */
static void mem_line(FILE *f, double mib_value, double ts, double *last)
{
	/* Compared as written (whole ticks), so rounding cannot make two equal. */
	ts = round(ts / TICK) * TICK;
	if (ts < *last + TICK / 2)
		ts = *last + TICK;
	*last = ts;
	fprintf(f, "MEM %.6f %.4f\n", mib_value, ts);
}

int mt_mprof_write(const struct mt_series *s, FILE *f)
{
	double last = 0;

	/* mprof reads the rest of the CMDLINE line as is: only a newline would break it. */
	fprintf(f, "CMDLINE ");
	for (const char *c = s->cmdline && *s->cmdline ? s->cmdline : s->comm ? s->comm : "?"; *c; c++)
		fputc(*c == '\n' ? ' ' : *c, f);
	fputc('\n', f);
	for (size_t i = 0; i < s->nsamples; i++) {
		const struct mt_sample *m = &s->samples[i];

		/*
		 * A peak between two samples becomes a point of its own just before
		 * the sample: mprof's curve then shows what polling would miss.
		 */
		if (m->peak > m->rss)
			mem_line(f, mib(m->peak), s->ts_unix + m->t - TICK, &last);
		mem_line(f, mib(m->rss), s->ts_unix + m->t, &last);
	}
	for (size_t i = 0; i < s->nspans; i++) {
		const struct mt_span *sp = &s->spans[i];

		fprintf(f, "FUNC ");
		word(f, s->funcs[sp->func]);
		fprintf(f, " %.4f %.4f %.4f %.4f 0\n", mib(sp->rss_entry), s->ts_unix + sp->t0,
			mib(sp->rss_exit), s->ts_unix + sp->t1);
	}
	return ferror(f) ? -1 : 0;
}
