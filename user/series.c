// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "jsonparse.h"
#include "series.h"

/* Grow *arr (of *cap elements of size sz) to hold one more; 0 or -ENOMEM. */
static int reserve(void **arr, size_t *cap, size_t n, size_t sz)
{
	void *p;
	size_t ncap;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 256;
	p = realloc(*arr, ncap * sz);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

int mt_series_func(struct mt_series *s, const char *func)
{
	char **n;

	for (size_t i = 0; i < s->nfuncs; i++)
		if (!strcmp(s->funcs[i], func))
			return (int)i;
	n = realloc(s->funcs, (s->nfuncs + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	s->funcs = n;
	s->funcs[s->nfuncs] = strdup(func);
	if (!s->funcs[s->nfuncs])
		return -ENOMEM;
	return (int)s->nfuncs++;
}

int mt_series_add_sample(struct mt_series *s, const struct mt_sample *smp)
{
	if (reserve((void **)&s->samples, &s->samples_cap, s->nsamples, sizeof(*smp)))
		return -ENOMEM;
	s->samples[s->nsamples++] = *smp;
	if (smp->peak > s->peak_rss) {
		s->peak_rss = smp->peak;
		s->peak_t = smp->t;
	}
	if (smp->t > s->duration)
		s->duration = smp->t;
	return 0;
}

int mt_series_add_span(struct mt_series *s, const char *func, const struct mt_span *sp)
{
	int f = mt_series_func(s, func);

	if (f < 0)
		return f;
	if (reserve((void **)&s->spans, &s->spans_cap, s->nspans, sizeof(*sp)))
		return -ENOMEM;
	s->spans[s->nspans] = *sp;
	s->spans[s->nspans++].func = f;
	if (sp->rss_peak > s->peak_rss) {
		s->peak_rss = sp->rss_peak;
		s->peak_t = sp->t1;
	}
	if (sp->t1 > s->duration)
		s->duration = sp->t1;
	return 0;
}

int mt_series_set_info(struct mt_series *s, pid_t pid, const char *comm, char *const *argv,
		       double ts_unix)
{
	size_t len = 1;

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
	for (char *const *a = argv; a && *a; a++) {
		if (a != argv)
			strcat(s->cmdline, " ");
		strcat(s->cmdline, *a);
	}
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
	memset(s, 0, sizeof(*s));
}

static int read_start(struct mt_series *s, const struct mt_jval *v)
{
	const struct mt_jval *argv = mt_jobj_get(v, "cmdline");
	const char *comm = NULL;
	char **args = NULL;
	double ts = 0, t0 = 0;
	int64_t pid = 0;
	int e;

	mt_jget_str(v, "comm", &comm);
	mt_jget_num(v, "ts_unix", &ts);
	mt_jget_int(v, "pid", &pid);
	if (argv && argv->type == MT_JARR) {
		args = calloc(argv->arr.n + 1, sizeof(*args));
		if (!args)
			return -ENOMEM;
		for (size_t i = 0; i < argv->arr.n; i++)
			args[i] = argv->arr.items[i].type == MT_JSTR ? argv->arr.items[i].str.s : "?";
	}
	/* ts_unix is the wall-clock time of the start record; the series wants t = 0's. */
	mt_jget_num(v, "t", &t0);
	e = mt_series_set_info(s, (pid_t)pid, comm, args, ts - t0);
	free(args);
	return e;
}

static int read_sample(struct mt_series *s, const struct mt_jval *v)
{
	struct mt_sample smp = {};

	mt_jget_num(v, "t", &smp.t);
	mt_jget_int(v, "rss", &smp.rss);
	mt_jget_int(v, "anon", &smp.anon);
	mt_jget_int(v, "file", &smp.file);
	mt_jget_int(v, "shmem", &smp.shmem);
	if (!mt_jget_int(v, "peak", &smp.peak))
		smp.peak = smp.rss;
	return mt_series_add_sample(s, &smp);
}

static int read_call(struct mt_series *s, const struct mt_jval *v)
{
	const struct mt_jval *open = mt_jobj_get(v, "open");
	const char *func = "?";
	struct mt_span sp = {};
	double dur = 0;

	mt_jget_str(v, "func", &func);
	mt_jget_num(v, "t", &sp.t1);
	mt_jget_num(v, "dur", &dur);
	sp.t0 = sp.t1 - dur;
	mt_jget_int(v, "rss_entry", &sp.rss_entry);
	mt_jget_int(v, "rss_exit", &sp.rss_exit);
	mt_jget_int(v, "rss_peak", &sp.rss_peak);
	sp.open = open && open->type == MT_JBOOL && open->b;
	return mt_series_add_span(s, func, &sp);
}

static int read_record(struct mt_series *s, const struct mt_jval *v, bool *seen)
{
	const char *type = NULL;
	double t;

	if (!mt_jget_str(v, "type", &type))
		return 0;
	*seen = true;
	if (!strcmp(type, "start"))
		return read_start(s, v);
	if (!strcmp(type, "sample"))
		return read_sample(s, v);
	if (!strcmp(type, "call"))
		return read_call(s, v);
	if (!strcmp(type, "summary")) {
		const struct mt_jval *funcs = mt_jobj_get(v, "functions");
		int64_t peak;

		if (mt_jget_num(v, "duration", &t) && t > s->duration)
			s->duration = t;
		if (mt_jget_int(v, "peak_rss", &peak) && peak > s->peak_rss)
			s->peak_rss = peak; /* exact, though its time is only known to a sample */
		/* Functions never called still get a legend entry. */
		for (size_t i = 0; funcs && funcs->type == MT_JARR && i < funcs->arr.n; i++) {
			const char *f;

			if (mt_jget_str(&funcs->arr.items[i], "func", &f) && mt_series_func(s, f) < 0)
				return -ENOMEM;
		}
	}
	return 0;
}

int mt_series_read(const char *path, struct mt_series *s, char *err, size_t errlen)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "re") : stdin;
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t n;
	bool seen = false;
	int e = 0;

	if (!f) {
		e = -errno;
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return e;
	}
	while (!e && (n = getline(&line, &cap, f)) >= 0) {
		struct mt_jval *v = NULL;
		struct mt_jerr je = {};

		lineno++;
		if (n == 0 || (n == 1 && line[0] == '\n'))
			continue;
		if (mt_jparse(line, n, &v, &je)) {
			/* A run killed mid-write leaves a torn last line: keep what came before. */
			if (feof(f) || line[n - 1] != '\n')
				break;
			snprintf(err, errlen, "%s:%zu: not valid JSON (%s); is this a memtrace --json stream?",
				 path, lineno, je.msg ? je.msg : "out of memory");
			e = -EINVAL;
			break;
		}
		e = read_record(s, v, &seen);
		mt_jval_free(v);
		if (e)
			snprintf(err, errlen, "out of memory reading %s", path);
	}
	free(line);
	if (f != stdin)
		fclose(f);
	if (!e && !seen) {
		snprintf(err, errlen, "%s: no memtrace records found", path);
		e = -EINVAL;
	}
	return e;
}
