// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "array.h"
#include "log.h"
#include "series.h"
#include "stream.h"

static bool func_is(const void *ctx, size_t row)
{
	const void *const *k = ctx; /* { series, name } */
	const struct mt_series *s = k[0];

	return !strcmp(s->funcs[row], k[1]);
}

int mt_series_func(struct mt_series *s, const char *func)
{
	const void *key[] = { s, func };
	uint64_t h = mt_rowindex_hash(MT_ROWINDEX_SEED, func);
	long i = mt_rowindex_find(&s->func_index, h, func_is, key);
	size_t len = strlen(func) + 1;

	if (i >= 0)
		return (int)i;
	if (s->nfuncs >= MT_SERIES_MAX_FUNCS || len > MT_SERIES_MAX_TEXT - s->text_bytes)
		return -E2BIG;
	if (mt_grow(&s->funcs, &s->funcs_cap, s->nfuncs + 1, sizeof(*s->funcs)))
		return -ENOMEM;
	s->funcs[s->nfuncs] = strdup(func);
	if (!s->funcs[s->nfuncs])
		return -ENOMEM;
	if (mt_rowindex_add(&s->func_index, h, s->nfuncs)) {
		free(s->funcs[s->nfuncs]);
		return -ENOMEM;
	}
	s->text_bytes += len;
	return (int)s->nfuncs++;
}

static int64_t max3(int64_t a, int64_t b, int64_t c)
{
	int64_t m = a > b ? a : b;

	return m > c ? m : c;
}

/*
 * Halves samples[0, *n): each pair becomes its later sample, whose peak (the
 * largest RSS since the sample before the pair) also covers the earlier one.
 */
static void merge_samples(struct mt_sample *samples, size_t *n)
{
	size_t i, k = 0;

	for (i = 0; i + 1 < *n; i += 2) {
		struct mt_sample m = samples[i + 1];
		const struct mt_sample *a = &samples[i];

		m.peak = max3(m.peak, a->peak, a->rss);
		samples[k++] = m;
	}
	if (i < *n)
		samples[k++] = samples[i];
	*n = k;
}

/* RSS rss seen at t: the plot's peak and its span of time so far. */
static void seen_at(struct mt_series *s, double t, int64_t rss)
{
	if (rss > s->peak_rss) {
		s->peak_rss = rss;
		s->peak_t = t;
	}
	if (t > s->duration)
		s->duration = t;
}

int mt_series_add_sample(struct mt_series *s, const struct mt_sample *smp)
{
	if (s->nsamples >= MT_SERIES_MAX_SAMPLES) {
		merge_samples(s->samples, &s->nsamples);
		s->samples_merged++;
	}
	if (mt_grow(&s->samples, &s->samples_cap, s->nsamples + 1, sizeof(*smp)))
		return -ENOMEM;
	s->samples[s->nsamples++] = *smp;
	seen_at(s, smp->t, smp->peak);
	return 0;
}

static uint64_t pid_hash(pid_t pid)
{
	return ((uint64_t)(uint32_t)pid + 1) * 0x9e3779b97f4a7c15ULL;
}

static bool curve_is(const void *ctx, size_t row)
{
	const void *const *k = ctx; /* { series, pid } */
	const struct mt_series *s = k[0];

	return s->curves[row].pid == *(const pid_t *)k[1];
}

static struct mt_curve *find_curve(const struct mt_series *s, pid_t pid)
{
	const void *key[] = { s, &pid };
	long i = mt_rowindex_find(&s->curve_index, pid_hash(pid), curve_is, key);

	return i < 0 ? NULL : &s->curves[i];
}

/* The curve of process pid, made on first sight; NULL when out of memory or past the bound. */
static struct mt_curve *curve_of(struct mt_series *s, pid_t pid)
{
	struct mt_curve *c = find_curve(s, pid);

	if (c)
		return c;
	if (s->ncurves >= MT_SERIES_MAX_CURVES) {
		s->curves_dropped++;
		return NULL;
	}
	if (mt_grow(&s->curves, &s->curves_cap, s->ncurves + 1, sizeof(*s->curves)) ||
	    mt_rowindex_add(&s->curve_index, pid_hash(pid), s->ncurves))
		return NULL;
	s->curves[s->ncurves] = (struct mt_curve){ .pid = pid };
	return &s->curves[s->ncurves++];
}

/* All curves at half the resolution: their samples together stay within the bound. */
static void merge_curves(struct mt_series *s)
{
	s->curve_samples = 0;
	for (size_t i = 0; i < s->ncurves; i++) {
		merge_samples(s->curves[i].samples, &s->curves[i].nsamples);
		s->curve_samples += s->curves[i].nsamples;
	}
	s->curves_merged++;
}

int mt_series_add_proc_sample(struct mt_series *s, pid_t pid, const struct mt_sample *smp)
{
	struct mt_curve *c;

	if (pid == s->pid)
		return mt_series_add_sample(s, smp);
	if (s->curve_samples >= MT_SERIES_MAX_SAMPLES)
		merge_curves(s);
	c = curve_of(s, pid);
	if (!c)
		return s->ncurves >= MT_SERIES_MAX_CURVES ? 0 : -ENOMEM;
	if (mt_grow(&c->samples, &c->cap, c->nsamples + 1, sizeof(*smp)))
		return -ENOMEM;
	c->samples[c->nsamples++] = *smp;
	s->curve_samples++;
	if (smp->peak > c->peak)
		c->peak = smp->peak;
	if (smp->t > s->duration)
		s->duration = smp->t;
	return 0;
}

void mt_series_proc_comm(struct mt_series *s, pid_t pid, const char *comm)
{
	struct mt_curve *c = find_curve(s, pid);

	if (c)
		snprintf(c->comm, sizeof(c->comm), "%s", comm);
}

void mt_series_proc_end(struct mt_series *s, pid_t pid, double t, int64_t rss)
{
	struct mt_curve *c = find_curve(s, pid);
	/* Only its RSS: the exit record has no split, and only RSS is drawn for another process. */
	struct mt_sample end = { .t = t, .rss = rss, .peak = rss };

	if (c && !mt_grow(&c->samples, &c->cap, c->nsamples + 1, sizeof(end))) {
		c->samples[c->nsamples++] = end;
		s->curve_samples++;
		if (rss > c->peak)
			c->peak = rss;
	}
}

/* How far memory rose in a call, without overflow for any int64 values. */
int64_t mt_span_size(const struct mt_span *sp)
{
	int64_t d;

	if (__builtin_sub_overflow(sp->rss_peak, sp->rss_entry, &d))
		return sp->rss_peak > sp->rss_entry ? INT64_MAX : INT64_MIN;
	return d;
}

int mt_span_cmp_size(const struct mt_span *x, const struct mt_span *y)
{
	int64_t dx = mt_span_size(x), dy = mt_span_size(y);
	double lx = x->t1 - x->t0, ly = y->t1 - y->t0;

	if (dx != dy)
		return dx < dy ? 1 : -1;
	if (lx != ly)
		return lx < ly ? 1 : -1;
	return 0;
}

/* Largest first, longer first among equals, then earlier first: a total order. */
static int by_size_desc(const void *a, const void *b)
{
	const struct mt_span *x = a, *y = b;
	int c = mt_span_cmp_size(x, y);

	return c ? c : (x->t1 > y->t1) - (x->t1 < y->t1);
}

static int by_end(const void *a, const void *b)
{
	const struct mt_span *x = a, *y = b;

	if (x->t1 != y->t1)
		return x->t1 < y->t1 ? -1 : 1;
	return (x->t0 > y->t0) - (x->t0 < y->t0);
}

/* Keeps the larger half of the spans, back in the order of their ends. */
static void drop_small_spans(struct mt_series *s)
{
	size_t keep = s->nspans / 2;

	qsort(s->spans, s->nspans, sizeof(*s->spans), by_size_desc);
	s->spans_dropped += s->nspans - keep;
	s->nspans = keep;
	qsort(s->spans, s->nspans, sizeof(*s->spans), by_end);
}

bool mt_series_own_call(const struct mt_series *s, pid_t pid)
{
	return pid == s->pid;
}

int mt_series_add_span(struct mt_series *s, const char *func, const struct mt_span *sp)
{
	int f = mt_series_func(s, func);

	if (f < 0)
		return f;
	if (s->nspans >= MT_SERIES_MAX_SPANS)
		drop_small_spans(s);
	if (mt_grow(&s->spans, &s->spans_cap, s->nspans + 1, sizeof(*sp)))
		return -ENOMEM;
	s->spans[s->nspans] = *sp;
	s->spans[s->nspans++].func = f;
	seen_at(s, sp->t1, sp->rss_peak);
	return 0;
}

int mt_series_set_info(struct mt_series *s, pid_t pid, const char *comm, char *const *argv,
		       double ts_unix)
{
	size_t len = 1, at = 0;

	s->pid = pid;
	s->ts_unix = ts_unix;
	free(s->comm);
	s->comm = strdup(comm ? comm : "?");
	for (char *const *a = argv; a && *a; a++)
		len += strlen(*a) + 1;
	free(s->cmdline);
	s->cmdline = calloc(1, len);
	if (!s->comm || !s->cmdline)
		return -ENOMEM;
	/* Appended at a running offset: strcat would rescan, n^2 in the arguments. */
	for (char *const *a = argv; a && *a; a++) {
		size_t n = strlen(*a);

		if (a != argv)
			s->cmdline[at++] = ' ';
		memcpy(s->cmdline + at, *a, n);
		at += n;
	}
	s->cmdline[at] = '\0';
	return 0;
}

void mt_series_free(struct mt_series *s)
{
	for (size_t i = 0; i < s->nfuncs; i++)
		free(s->funcs[i]);
	free(s->funcs);
	free(s->samples);
	free(s->spans);
	free(s->comm);
	free(s->cmdline);
	mt_rowindex_free(&s->func_index);
	for (size_t i = 0; i < s->ncurves; i++)
		free(s->curves[i].samples);
	free(s->curves);
	mt_rowindex_free(&s->curve_index);
	memset(s, 0, sizeof(*s));
}

/* Reading a saved stream */

static int added(struct mt_stream *st, int e)
{
	if (e == -E2BIG)
		return mt_stream_bad(st, "more than %u function names or %u MiB of them; is this a "
				     "memtrace stream?", MT_SERIES_MAX_FUNCS, MT_SERIES_MAX_TEXT >> 20);
	if (e < 0)
		return mt_stream_bad(st, "out of memory");
	return 0;
}

static int read_start(struct mt_series *s, struct mt_stream *st, const json_t *o)
{
	const char **args = NULL;
	const char *comm;
	json_t *argv, *a;
	double ts;
	int64_t pid;
	size_t i;
	int e;

	if (mt_stream_str(st, o, "comm", &comm) ||
	    mt_stream_num(st, o, "ts_unix", 0, 1e11, &ts) ||
	    mt_stream_int(st, o, "pid", 0, INT32_MAX, &pid) ||
	    mt_stream_arr(st, o, "cmdline", &argv))
		return -1;
	args = calloc(json_array_size(argv) + 1, sizeof(*args));
	if (!args)
		return added(st, -ENOMEM);
	json_array_foreach(argv, i, a) {
		if (!json_is_string(a)) {
			free(args);
			return mt_stream_bad(st, "\"start\" record: cmdline[%zu] should be a string, "
					     "not %s", i, mt_stream_describe(a));
		}
		args[i] = json_string_value(a);
	}
	/* ts_unix is the wall-clock time of the start record; the series wants t = 0's. */
	e = mt_series_set_info(s, (pid_t)pid, comm, (char *const *)args, ts - st->t);
	free(args);
	return added(st, e);
}

static int read_sample(struct mt_series *s, struct mt_stream *st, const json_t *o)
{
	struct mt_sample smp = { .t = st->t };
	int64_t pid = s->pid;

	if (mt_stream_opt_int(st, o, "pid", 0, INT32_MAX, &pid) ||
	    mt_stream_bytes(st, o, "rss", false, &smp.rss) ||
	    mt_stream_bytes(st, o, "anon", false, &smp.anon) ||
	    mt_stream_bytes(st, o, "file", false, &smp.file) ||
	    mt_stream_bytes(st, o, "shmem", false, &smp.shmem))
		return -1;
	/* A sample without its peak (older writers) peaked at its RSS. */
	smp.peak = smp.rss;
	if (mt_stream_opt_int(st, o, "peak", 0, MT_STREAM_MAX_BYTES, &smp.peak))
		return -1;
	return added(st, mt_series_add_proc_sample(s, (pid_t)pid, &smp));
}

static int read_call(struct mt_series *s, struct mt_stream *st, const json_t *o)
{
	struct mt_span sp = { .t1 = st->t };
	const char *func;
	int64_t pid;
	double dur;

	if (mt_stream_int(st, o, "pid", 0, INT32_MAX, &pid) || mt_stream_str(st, o, "func", &func) ||
	    mt_stream_num(st, o, "dur", -MT_STREAM_MAX_SECONDS, MT_STREAM_MAX_SECONDS, &dur) ||
	    mt_stream_bytes(st, o, "rss_entry", false, &sp.rss_entry) ||
	    mt_stream_bytes(st, o, "rss_exit", false, &sp.rss_exit) ||
	    mt_stream_bytes(st, o, "rss_peak", false, &sp.rss_peak) ||
	    mt_stream_opt_bool(st, o, "open", &sp.open))
		return -1;
	if (!mt_series_own_call(s, (pid_t)pid))
		return 0;
	sp.t0 = sp.t1 - dur;
	return added(st, mt_series_add_span(s, func, &sp));
}

static int read_stretch(struct mt_series *s, struct mt_stream *st, const json_t *o)
{
	struct mt_span sp = { .observed = true };
	const char *func;

	if (mt_stream_str(st, o, "func", &func) ||
	    mt_stream_num(st, o, "t_first", -MT_STREAM_MAX_SECONDS, MT_STREAM_MAX_SECONDS, &sp.t0) ||
	    mt_stream_num(st, o, "t_last", -MT_STREAM_MAX_SECONDS, MT_STREAM_MAX_SECONDS, &sp.t1) ||
	    mt_stream_bytes(st, o, "rss_first", false, &sp.rss_entry) ||
	    mt_stream_bytes(st, o, "rss_last", false, &sp.rss_exit) ||
	    mt_stream_bytes(st, o, "rss_peak", false, &sp.rss_peak) ||
	    mt_stream_opt_bool(st, o, "open", &sp.open))
		return -1;
	return added(st, mt_series_add_span(s, func, &sp));
}

/* Several processes: the curves' names, from summary.processes[] (user/report.c reads the rest). */
static int read_summary_procs(struct mt_series *s, struct mt_stream *st, const json_t *o)
{
	json_t *procs, *p;
	const char *comm;
	int64_t pid;
	size_t i;

	if (!json_object_get(o, "processes"))
		return 0;
	if (mt_stream_arr(st, o, "processes", &procs))
		return -1;
	json_array_foreach(procs, i, p) {
		if (mt_stream_obj_at(st, procs, "processes", i, &p) ||
		    mt_stream_int(st, p, "pid", 0, INT32_MAX, &pid) || mt_stream_str(st, p, "comm", &comm))
			return -1;
		mt_series_proc_comm(s, (pid_t)pid, comm);
	}
	return 0;
}

/* Another process's exit: its curve ends at its RSS then (exit.rss, where written). */
static int read_exit(struct mt_series *s, struct mt_stream *st, const json_t *o)
{
	int64_t pid, rss = -1;

	if (mt_stream_int(st, o, "pid", 0, INT32_MAX, &pid) ||
	    mt_stream_opt_int(st, o, "rss", 0, MT_STREAM_MAX_BYTES, &rss))
		return -1;
	if (rss >= 0)
		mt_series_proc_end(s, (pid_t)pid, st->t, rss);
	return 0;
}

static int read_summary(struct mt_series *s, struct mt_stream *st, const json_t *o)
{
	json_t *funcs, *f;
	double duration;
	int64_t peak;
	size_t i;

	if (mt_stream_num(st, o, "duration", -MT_STREAM_MAX_SECONDS, MT_STREAM_MAX_SECONDS,
			  &duration) ||
	    mt_stream_bytes(st, o, "peak_rss", false, &peak) ||
	    mt_stream_arr(st, o, "functions", &funcs))
		return -1;
	if (duration > s->duration)
		s->duration = duration;
	if (peak > s->peak_rss)
		s->peak_rss = peak; /* exact, though its time is only known to a sample */
	/* Functions never called still get a legend entry. */
	json_array_foreach(funcs, i, f) {
		const char *name;

		if (mt_stream_obj_at(st, funcs, "functions", i, &f) ||
		    mt_stream_str(st, f, "func", &name) || added(st, mt_series_func(s, name)))
			return -1;
	}
	return read_summary_procs(s, st, o);
}

static int read_record(struct mt_series *s, struct mt_stream *st)
{
	switch (st->type) {
	case MT_STREAM_REC_START:
		return read_start(s, st, st->rec);
	case MT_STREAM_REC_SAMPLE:
		return read_sample(s, st, st->rec);
	case MT_STREAM_REC_CALL:
		return read_call(s, st, st->rec);
	case MT_STREAM_REC_STRETCH:
		return read_stretch(s, st, st->rec);
	case MT_STREAM_REC_SUMMARY:
		return read_summary(s, st, st->rec);
	case MT_STREAM_REC_EXIT:
		return read_exit(s, st, st->rec);
	default:
		return 0;
	}
}

/* Says what the bounds in series.h cost the picture, so it is not taken for the whole run. */
void mt_series_warn_bounds(const struct mt_series *s, const char *name)
{
	if (s->samples_merged)
		mt_warn("%s: more than %u samples; neighbours merged %u time%s (every peak kept)",
			name, MT_SERIES_MAX_SAMPLES, s->samples_merged,
			s->samples_merged == 1 ? "" : "s");
	if (s->spans_dropped)
		mt_warn("%s: more than %u calls; the %zu smallest are left out", name,
			MT_SERIES_MAX_SPANS, s->spans_dropped);
	if (s->curves_merged)
		mt_warn("%s: more than %u samples of other processes; neighbours merged %u time%s (every peak kept)",
			name, MT_SERIES_MAX_SAMPLES, s->curves_merged, s->curves_merged == 1 ? "" : "s");
	if (s->curves_dropped)
		mt_warn("%s: more than %u processes sampled; %zu samples of later ones are left out",
			name, MT_SERIES_MAX_CURVES, s->curves_dropped);
}

int mt_series_read(const char *path, struct mt_series *s, char *err, size_t errlen)
{
	struct mt_stream st;
	int rc;

	if (mt_stream_open(&st, path, err, errlen))
		return -EINVAL;
	while ((rc = mt_stream_next(&st)) > 0)
		if (read_record(s, &st))
			break;
	if (!rc && !st.nrecords) {
		mt_set_err(err, errlen, "%s: no memtrace records found", st.name);
		rc = -1;
	}
	if (!rc)
		mt_series_warn_bounds(s, st.name);
	mt_stream_close(&st);
	return rc ? -EINVAL : 0;
}
