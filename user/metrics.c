// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * GET /metrics: see user/metrics.h. Names come from the targets (a
 * function's, an object's path, a Python file's, a process's comm): any
 * bytes at all. A label value is written as valid UTF-8, an invalid byte
 * read as Latin-1 (as user/json.c does), with the format's three escapes
 * (backslash, double quote, newline).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "collect.h"
#include "metrics.h"
#include "procs.h"
#include "utf8.h"

/* One series group: a function in a process, the totals of every code object that shares its labels. */
struct func_row {
	const char *name, *object, *file; /* object: native; file: Python */
	pid_t pid;
	const struct mt_proc_info *p;     /* NULL: not in the process table */
	bool calls_known;                 /* else frame walking: growth alone */
	uint64_t calls;
	int64_t growth, peak;             /* peak: of the calls, when calls > 0 */
};

static void put_label(FILE *f, const char *name, const char *v, bool first)
{
	const unsigned char *s = (const unsigned char *)v;
	char u[4];

	fprintf(f, "%s%s=\"", first ? "" : ",", name);
	while (*s) {
		size_t n = mt_utf8_len(s);

		if (!n)
			fwrite(u, 1, mt_utf8_put(u, *s), f);
		else if (*s == '\\' || *s == '"')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fwrite(s, 1, n, f);
		s += n ? n : 1;
	}
	fputc('"', f);
}

static const char *comm_of(const struct mt_proc_info *p)
{
	return p ? p->comm : "?";
}

static void put_func_labels(FILE *f, const struct func_row *r)
{
	char pid[16];

	snprintf(pid, sizeof(pid), "%d", (int)r->pid);
	put_label(f, "function", r->name, true);
	if (r->object)
		put_label(f, "object", r->object, false);
	if (r->file)
		put_label(f, "file", r->file, false);
	put_label(f, "pid", pid, false);
	put_label(f, "comm", comm_of(r->p), false);
}

static void put_family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static int cmp_str(const char *a, const char *b)
{
	return same_str(a, b) ? 0 : !a ? -1 : !b ? 1 : strcmp(a, b);
}

/* By labels: rows that would be the same series fall next to each other. */
static int by_labels(const void *a, const void *b)
{
	const struct func_row *x = a, *y = b;
	int c;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if ((c = cmp_str(x->name, y->name)) || (c = cmp_str(x->object, y->object)))
		return c;
	return cmp_str(x->file, y->file);
}

static int by_growth(const void *a, const void *b)
{
	const struct func_row *x = a, *y = b;

	return x->growth < y->growth ? 1 : x->growth > y->growth ? -1 : by_labels(a, b);
}

static int by_rss(const void *a, const void *b)
{
	const struct mt_proc_info *x = *(const struct mt_proc_info *const *)a;
	const struct mt_proc_info *y = *(const struct mt_proc_info *const *)b;

	return x->end_rss < y->end_rss ? 1 : x->end_rss > y->end_rss ? -1 : x->pid - y->pid;
}

/* The per-(process, function) totals, named; those this run cannot name (a code never read) left out. */
static struct func_row *func_rows(const struct mt_metrics_src *src, size_t *n)
{
	const struct mt_procs *ps = src->procs;
	const struct mt_collect *col = src->col;
	struct func_row *rows = calloc(ps->nfuncs ? ps->nfuncs : 1, sizeof(*rows));

	*n = 0;
	for (size_t i = 0; rows && i < ps->nfuncs; i++) {
		const struct mt_proc_func *pf = &ps->funcs[i];
		bool native = pf->func < col->ntargets;

		if (!native && (pf->func < MT_MAX_FUNCS ||
				!mt_pycodes_at(col->codes, pf->func - MT_MAX_FUNCS)))
			continue;
		rows[(*n)++] = (struct func_row){
			.name = mt_collect_func_name(col, pf->func),
			.object = native ? col->targets[pf->func].object : NULL,
			.file = mt_collect_func_file(col, pf->func),
			.pid = pf->pid,
			.p = mt_procs_find(ps, pf->pid),
			.calls_known = pf->calls_known,
			.calls = pf->agg.calls,
			.growth = pf->agg.growth,
			.peak = pf->agg.peak_max,
		};
	}
	return rows;
}

/* Rows of the same labels (one name in two code objects of a file) as one: a series is unique. */
static size_t merge_rows(struct func_row *rows, size_t n)
{
	size_t out = 0;

	qsort(rows, n, sizeof(*rows), by_labels);
	for (size_t i = 0; i < n; i++) {
		struct func_row *last = out ? &rows[out - 1] : NULL;

		if (!last || by_labels(last, &rows[i])) {
			rows[out++] = rows[i];
			continue;
		}
		if (rows[i].calls && (!last->calls || rows[i].peak > last->peak))
			last->peak = rows[i].peak;
		last->calls += rows[i].calls;
		last->growth += rows[i].growth;
		last->calls_known &= rows[i].calls_known;
	}
	return out;
}

/* Series a row is written as: calls and peak only where calls are counted, peak once there is one. */
static size_t func_series(const struct func_row *r)
{
	return 1 + r->calls_known + (r->calls_known && r->calls > 0);
}

/* The processes, once each: a reused pid's latest. */
static const struct mt_proc_info **proc_rows(const struct mt_procs *ps, size_t *n)
{
	const struct mt_proc_info **v = calloc(ps->n ? ps->n : 1, sizeof(*v));

	*n = 0;
	for (size_t i = 0; v && i < ps->n; i++)
		if (mt_procs_find(ps, ps->v[i].pid) == &ps->v[i])
			v[(*n)++] = &ps->v[i];
	return v;
}

static void put_funcs(FILE *f, const struct func_row *rows, size_t n)
{
	put_family(f, "memtrace_calls_total", "counter",
		   "Completed calls of a traced function in a process.");
	for (size_t i = 0; i < n; i++) {
		if (!rows[i].calls_known)
			continue;
		fputs("memtrace_calls_total{", f);
		put_func_labels(f, &rows[i]);
		fprintf(f, "} %llu\n", (unsigned long long)rows[i].calls);
	}
	put_family(f, "memtrace_growth_bytes", "gauge",
		   "Sum of the RSS growth of a function's calls in a process (frees make it go down).");
	for (size_t i = 0; i < n; i++) {
		fputs("memtrace_growth_bytes{", f);
		put_func_labels(f, &rows[i]);
		fprintf(f, "} %lld\n", (long long)rows[i].growth);
	}
	put_family(f, "memtrace_peak_in_call_bytes", "gauge",
		   "Largest RSS rise inside one call of a function in a process (its peak minus its entry).");
	for (size_t i = 0; i < n; i++) {
		if (!rows[i].calls_known || !rows[i].calls)
			continue;
		fputs("memtrace_peak_in_call_bytes{", f);
		put_func_labels(f, &rows[i]);
		fprintf(f, "} %lld\n", (long long)rows[i].peak);
	}
}

static void put_procs(FILE *f, const struct mt_proc_info **v, size_t n)
{
	char pid[16];

	put_family(f, "memtrace_process_rss_bytes", "gauge",
		   "Resident set size of a traced process: now, or at its exit.");
	for (size_t i = 0; i < n; i++) {
		snprintf(pid, sizeof(pid), "%d", (int)v[i]->pid);
		fputs("memtrace_process_rss_bytes{", f);
		put_label(f, "pid", pid, true);
		put_label(f, "comm", comm_of(v[i]), false);
		fprintf(f, "} %lld\n", (long long)v[i]->end_rss);
	}
}

int mt_metrics_write(FILE *f, const struct mt_metrics_src *src)
{
	size_t nfuncs = 0, nprocs = 0, budget = src->max_series, keep_funcs, keep_procs;
	struct func_row *rows = func_rows(src, &nfuncs);
	const struct mt_proc_info **procs = proc_rows(src->procs, &nprocs);
	int ret = -1;

	if (!rows || !procs) {
		errno = ENOMEM;
		goto out;
	}
	nfuncs = merge_rows(rows, nfuncs);
	/* Past the budget the smallest go: the functions that grew least, then the smallest processes. */
	qsort(rows, nfuncs, sizeof(*rows), by_growth);
	qsort(procs, nprocs, sizeof(*procs), by_rss);
	for (keep_funcs = 0; keep_funcs < nfuncs && func_series(&rows[keep_funcs]) <= budget; keep_funcs++)
		budget -= func_series(&rows[keep_funcs]);
	keep_procs = nprocs < budget ? nprocs : budget;
	for (size_t i = keep_funcs; i < nfuncs; i++)
		*src->dropped += func_series(&rows[i]);
	*src->dropped += nprocs - keep_procs;

	put_funcs(f, rows, keep_funcs);
	put_procs(f, procs, keep_procs);
	put_family(f, "memtrace_lost_records_total", "counter",
		   "Records the kernel side could not hand over (ring buffer or map full).");
	fprintf(f, "memtrace_lost_records_total %llu\n", (unsigned long long)src->lost);
	put_family(f, "memtrace_dropped_series_total", "counter",
		   "Series left out of /metrics responses so far, past --max-series.");
	fprintf(f, "memtrace_dropped_series_total %llu\n", (unsigned long long)*src->dropped);
	ret = ferror(f) ? -1 : 0;
out:
	free(rows);
	free(procs);
	return ret;
}
