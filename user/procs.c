// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The processes of a run: see user/procs.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "array.h"
#include "procfs.h"
#include "procs.h"
#include "process.h"
#include "report.h"
#include "termtext.h"
#include "tracer.h"

struct pid_key {
	const struct mt_procs *ps;
	pid_t pid;
};

static uint64_t pid_hash(pid_t pid)
{
	return ((uint64_t)(uint32_t)pid + 1) * 0x9e3779b97f4a7c15ULL;
}

static bool pid_eq(const void *ctx, size_t row)
{
	const struct pid_key *k = ctx;

	return k->ps->v[row].pid == k->pid;
}

static struct mt_proc_info *find(const struct mt_procs *ps, pid_t pid)
{
	struct pid_key k = { ps, pid };
	long row = mt_rowindex_find(&ps->index, pid_hash(pid), pid_eq, &k);

	return row < 0 ? NULL : &ps->v[row];
}

const struct mt_proc_info *mt_procs_find(const struct mt_procs *ps, pid_t pid)
{
	return find(ps, pid);
}

struct mt_proc_info *mt_procs_add(struct mt_procs *ps, pid_t pid)
{
	struct mt_proc_info *old = find(ps, pid), *p;

	if (mt_grow(&ps->v, &ps->cap, ps->n + 1, sizeof(*ps->v))) {
		ps->events_lost++;
		return NULL;
	}
	/* A reused pid: the earlier process keeps its row, unindexed. */
	if (old)
		mt_rowindex_remove(&ps->index, pid_hash(pid), (size_t)(old - ps->v));
	if (mt_rowindex_add(&ps->index, pid_hash(pid), ps->n)) {
		ps->events_lost++;
		return NULL;
	}
	p = &ps->v[ps->n++];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	return p;
}

void mt_procs_named(struct mt_procs *ps, pid_t pid, pid_t ppid, const char *how, int64_t rss)
{
	struct mt_proc_info *p = mt_procs_add(ps, pid);

	if (!p)
		return;
	p->how = how;
	p->ppid = ppid;
	p->start_rss = p->end_rss = p->peak = rss;
	if (mt_proc_comm(pid, p->comm, sizeof(p->comm)))
		strcpy(p->comm, "?");
}

void mt_procs_event(struct mt_procs *ps, const struct mt_proc_rec *r)
{
	struct mt_proc_info *p = find(ps, (pid_t)r->pid);

	if (r->event == MT_PROC_EXEC && p && !p->exited) {
		p->execs++;
	} else {
		p = mt_procs_add(ps, (pid_t)r->pid);
		if (!p)
			return;
		p->how = r->event == MT_PROC_FORK ? "fork" : "seen";
		p->ppid = (pid_t)r->ppid;
		p->start_rss = p->end_rss = p->peak = r->rss;
	}
	memcpy(p->comm, r->comm, sizeof(p->comm));
	p->comm[sizeof(p->comm) - 1] = '\0';
}

void mt_procs_exit(struct mt_procs *ps, const struct mt_exit_rec *r)
{
	struct mt_proc_info *p = find(ps, (pid_t)r->pid);

	if (!p || p->exited)
		return;
	p->exited = true;
	p->status = r->status;
	p->end_rss = r->rss;
	if (r->peak > p->peak)
		p->peak = r->peak;
}

int mt_procs_add_func(struct mt_procs *ps, pid_t pid, uint32_t func, const struct mt_func_agg *agg)
{
	if (!agg->calls && !agg->partial)
		return 0;
	if (mt_grow(&ps->funcs, &ps->funcs_cap, ps->nfuncs + 1, sizeof(*ps->funcs)))
		return -ENOMEM;
	ps->funcs[ps->nfuncs++] = (struct mt_proc_func){ .pid = pid, .func = func, .agg = *agg,
							 .calls_known = true };
	return 0;
}

int mt_procs_add_walked(struct mt_procs *ps, pid_t pid, uint32_t func, int64_t growth)
{
	for (size_t i = 0; i < ps->nfuncs; i++) {
		if (ps->funcs[i].pid == pid && ps->funcs[i].func == func && !ps->funcs[i].calls_known) {
			ps->funcs[i].agg.growth += growth;
			return 0;
		}
	}
	if (mt_grow(&ps->funcs, &ps->funcs_cap, ps->nfuncs + 1, sizeof(*ps->funcs)))
		return -ENOMEM;
	ps->funcs[ps->nfuncs++] = (struct mt_proc_func){ .pid = pid, .func = func, .agg.growth = growth };
	return 0;
}

static void add_func_row(void *ctx, const struct mt_proc_func_key *k, const struct mt_func_agg *agg)
{
	mt_procs_add_func(ctx, (pid_t)k->pid, k->func, agg);
}

void mt_procs_final(struct mt_procs *ps, struct mt_tracer *t)
{
	struct mt_proc k;

	ps->nfuncs = 0;
	mt_tracer_proc_funcs(t, add_func_row, ps);
	for (size_t i = 0; i < ps->n; i++) {
		struct mt_proc_info *p = &ps->v[i];

		/* An exited process that joined has left the kernel's map; a named one stays. */
		if (find(ps, p->pid) != p || mt_tracer_proc(t, p->pid, &k))
			continue;
		if (!p->exited)
			p->end_rss = mt_proc_rss(&k);
		if (k.peak > p->peak)
			p->peak = k.peak;
	}
}

static int by_growth(const void *a, const void *b)
{
	const struct mt_proc_info *x = *(struct mt_proc_info *const *)a, *y = *(struct mt_proc_info *const *)b;
	int64_t gx = x->end_rss - x->start_rss, gy = y->end_rss - y->start_rss;

	return gx < gy ? 1 : gx > gy ? -1 : x->pid - y->pid;
}

/* "running", "exit 0", "killed by 9". */
static const char *end_of(const struct mt_proc_info *p, char *buf, size_t len)
{
	int code;

	if (!p->exited)
		return "running";
	code = mt_shell_status(p->status);
	if (code > 128)
		snprintf(buf, len, "signal %d", code - 128);
	else
		snprintf(buf, len, "exit %d", code);
	return buf;
}

/* A comm is the process's to set (prctl): escaped for the terminal. */
const char *mt_procs_comm(const struct mt_proc_info *p, char out[MT_PROCS_COMM_ESC])
{
	mt_term_escape_into(out, p->comm, strnlen(p->comm, sizeof(p->comm)), false);
	return out;
}

void mt_procs_report(FILE *f, const struct mt_procs *ps, size_t max)
{
	struct mt_proc_info **order = calloc(ps->n ? ps->n : 1, sizeof(*order));
	char a[32], b[32], c[32], d[32], e[32], comm[MT_PROCS_COMM_ESC];
	const char *unit;
	size_t i, shown;

	if (!order)
		return;
	for (i = 0; i < ps->n; i++)
		order[i] = &ps->v[i];
	qsort(order, ps->n, sizeof(*order), by_growth);
	shown = max && ps->n > max ? max : ps->n;
	fprintf(f, "Processes by RSS growth: %zu traced\n", ps->n);
	fprintf(f, "%8s %8s  %-16s %7s %11s %11s %11s %11s  %s\n", "PID", "PPID", "Command", "Joined",
		"Start", "End", "Growth", "Peak", "Ended");
	for (i = 0; i < shown; i++) {
		const struct mt_proc_info *p = order[i];

		mt_fmt_size(a, sizeof(a), p->start_rss, &unit);
		fprintf(f, "%8d %8d  %-16s %7s %7s %3s", p->pid, p->ppid, mt_procs_comm(p, comm), p->how, a,
			unit);
		mt_fmt_size(b, sizeof(b), p->end_rss, &unit);
		fprintf(f, " %7s %3s", b, unit);
		mt_fmt_size(c, sizeof(c), p->end_rss - p->start_rss, &unit);
		fprintf(f, " %7s %3s", c, unit);
		mt_fmt_size(d, sizeof(d), p->peak, &unit);
		fprintf(f, " %7s %3s  %s\n", d, unit, end_of(p, e, sizeof(e)));
	}
	if (shown < ps->n)
		fprintf(f, "... and %zu more (all of them: -v)\n", ps->n - shown);
	free(order);
}


static int by_func_growth(const void *a, const void *b)
{
	const struct mt_proc_func *x = a, *y = b;

	if (x->func != y->func)
		return x->func < y->func ? -1 : 1;
	return x->agg.growth < y->agg.growth ? 1 : x->agg.growth > y->agg.growth ? -1 : x->pid - y->pid;
}

/* A function's name, from the target: escaped for the terminal, in a 32-column field. */
static void print_name(FILE *f, const char *name)
{
	char *esc = mt_term_escape(name, strlen(name), false);

	fprintf(f, "%-32s", esc ? esc : "?");
	free(esc);
}

void mt_procs_report_functions(FILE *f, struct mt_procs *ps, const char *const *names, size_t nnames,
			       size_t max)
{
	char a[32], b[32], comm[MT_PROCS_COMM_ESC];
	const char *unit, *unit2;
	bool head = false;
	size_t shown = 0, hidden = 0;

	qsort(ps->funcs, ps->nfuncs, sizeof(*ps->funcs), by_func_growth);
	for (size_t i = 0; i < ps->nfuncs; i++) {
		const struct mt_proc_func *r = &ps->funcs[i];
		const struct mt_proc_info *p = find(ps, r->pid);

		/* A function this run cannot name (a code object never read): left to the totals. */
		if (r->func >= nnames || !names[r->func])
			continue;
		if (i && r->func != ps->funcs[i - 1].func)
			shown = 0;
		if (max && shown++ >= max) {
			hidden++;
			if (i + 1 == ps->nfuncs || ps->funcs[i + 1].func != r->func) {
				print_name(f, names[r->func]);
				fprintf(f, " ... and %zu more processes (all of them: -v)\n", hidden);
				hidden = 0;
			}
			continue;
		}
		if (!head)
			fprintf(f, "Functions by process\n%-32s %8s  %-16s %8s %11s %11s\n", "Function",
				"PID", "Command", "Calls", "Growth", "Max/call");
		head = true;
		print_name(f, names[r->func]);
		fprintf(f, " %8d  %-16s ", r->pid, p ? mt_procs_comm(p, comm) : "?");
		mt_fmt_size(a, sizeof(a), r->agg.growth, &unit);
		/* Frame walking counts no calls: "-", as the function table shows them. */
		if (!r->calls_known) {
			fprintf(f, "%8s %7s %3s %11s\n", "-", a, unit, "-");
			continue;
		}
		mt_fmt_size(b, sizeof(b), r->agg.calls ? r->agg.growth_max : 0, &unit2);
		fprintf(f, "%8llu %7s %3s %7s %3s\n", (unsigned long long)r->agg.calls, a, unit, b, unit2);
	}
	if (head)
		fputc('\n', f);
}

void mt_procs_free(struct mt_procs *ps)
{
	free(ps->v);
	free(ps->funcs);
	mt_rowindex_free(&ps->index);
	memset(ps, 0, sizeof(*ps));
}
