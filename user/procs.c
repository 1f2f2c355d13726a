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

/* Ended processes whose function totals wait in the kernel map, at most, before they move here. */
#define SETTLE_BATCH 256

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
	p->ended = ++ps->exits;
	ps->nended++;
	ps->unsettled++;
	p->status = r->status;
	p->end_rss = r->rss;
	if (r->peak > p->peak)
		p->peak = r->peak;
}

/* Appends row r; 0 or -ENOMEM. */
static int push_func(struct mt_procs *ps, const struct mt_proc_func *r)
{
	if (mt_grow(&ps->funcs, &ps->funcs_cap, ps->nfuncs + 1, sizeof(*ps->funcs)))
		return -ENOMEM;
	ps->funcs[ps->nfuncs++] = *r;
	return 0;
}

int mt_procs_add_func(struct mt_procs *ps, pid_t pid, uint32_t func, const struct mt_func_agg *agg)
{
	if (!agg->calls && !agg->partial)
		return 0;
	return push_func(ps, &(struct mt_proc_func){ .pid = pid, .func = func, .agg = *agg,
						     .calls_known = true });
}

int mt_procs_add_walked(struct mt_procs *ps, pid_t pid, uint32_t func, int64_t growth)
{
	/* A process dropped (scraped after its end, or past the bound) does not come back through its lines. */
	if (!find(ps, pid))
		return 0;
	for (size_t i = 0; i < ps->nfuncs; i++) {
		if (ps->funcs[i].pid == pid && ps->funcs[i].func == func && !ps->funcs[i].calls_known) {
			ps->funcs[i].agg.growth += growth;
			return 0;
		}
	}
	return push_func(ps, &(struct mt_proc_func){ .pid = pid, .func = func, .agg.growth = growth });
}

static void add_func_row(void *ctx, const struct mt_proc_func_key *k, const struct mt_func_agg *agg)
{
	mt_procs_add_func(ctx, (pid_t)k->pid, k->func, agg);
}

/* settle(): the kernel entries of ended processes, moved into the settled rows. */
struct settling {
	struct mt_procs *ps;
	struct mt_proc_func_key *moved; /* to delete from the kernel map */
	size_t nmoved, cap;
};

static void settle_one(void *ctx, const struct mt_proc_func_key *k, const struct mt_func_agg *agg)
{
	struct settling *st = ctx;
	const struct mt_proc_info *p = find(st->ps, (pid_t)k->pid);

	if (!p || !p->exited || p->settled)
		return;
	/* Out of memory: the entry stays in the kernel, read at the stop as a running one's. */
	if (mt_grow(&st->moved, &st->cap, st->nmoved + 1, sizeof(*st->moved)))
		return;
	if ((agg->calls || agg->partial) &&
	    push_func(st->ps, &(struct mt_proc_func){ .pid = p->pid, .func = k->func, .agg = *agg,
						      .calls_known = true, .ended = p->ended }))
		return;
	st->moved[st->nmoved++] = *k;
}

/*
 * The function totals of the processes ended since the last time move from
 * the kernel's proc_funcs (bounded: MT_MAX_PROC_FUNCS entries) into the
 * settled rows. An ended process's totals no longer change: its last
 * thread has exited, so no call of it closes again.
 */
static void settle(struct mt_procs *ps, struct mt_tracer *t)
{
	struct settling st = { .ps = ps };

	if (!ps->unsettled)
		return;
	ps->nfuncs = ps->nsettled; /* the running ones' rows are reread by mt_procs_final() */
	/* No tracer (tests/unit/test_procs.c): rows only. */
	if (t)
		mt_tracer_proc_funcs(t, settle_one, &st);
	ps->nsettled = ps->nfuncs;
	for (size_t i = 0; i < st.nmoved; i++)
		mt_tracer_forget_proc_func(t, &st.moved[i]);
	free(st.moved);
	for (size_t i = 0; i < ps->n; i++)
		if (ps->v[i].exited)
			ps->v[i].settled = true;
	ps->unsettled = 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static bool is_gone(uint64_t ended, const uint64_t *gone, size_t ngone)
{
	return ended && bsearch(&ended, gone, ngone, sizeof(*gone), cmp_u64);
}

/* The index again, after rows moved: each pid finds its last row, its latest process. */
static void reindex(struct mt_procs *ps)
{
	mt_rowindex_free(&ps->index);
	for (size_t i = 0; i < ps->n; i++) {
		struct mt_proc_info *old = find(ps, ps->v[i].pid);

		if (old)
			mt_rowindex_remove(&ps->index, pid_hash(old->pid), (size_t)(old - ps->v));
		if (mt_rowindex_add(&ps->index, pid_hash(ps->v[i].pid), i))
			ps->events_lost++;
	}
}

/* Drops the ended processes numbered gone[] (sorted), their rows and their settled totals. */
static void drop_ended(struct mt_procs *ps, const uint64_t *gone, size_t ngone)
{
	size_t i, kept = 0, settled;

	if (!ngone)
		return;
	if (!ps->dropped_funcs)
		ps->dropped_funcs = calloc(MT_NR_FUNCS, sizeof(*ps->dropped_funcs));
	for (i = 0; i < ps->nsettled; i++) {
		const struct mt_proc_func *r = &ps->funcs[i];

		if (!is_gone(r->ended, gone, ngone))
			ps->funcs[kept++] = *r;
		else if (ps->dropped_funcs && r->func < MT_NR_FUNCS)
			ps->dropped_funcs[r->func]++;
	}
	settled = kept;
	if (ps->nfuncs > ps->nsettled)
		memmove(&ps->funcs[kept], &ps->funcs[ps->nsettled],
			(ps->nfuncs - ps->nsettled) * sizeof(*ps->funcs));
	ps->nfuncs -= ps->nsettled - settled;
	ps->nsettled = settled;
	for (i = 0, kept = 0; i < ps->n; i++) {
		if (ps->v[i].exited && is_gone(ps->v[i].ended, gone, ngone)) {
			ps->dropped++;
			ps->nended--;
			continue;
		}
		ps->v[kept++] = ps->v[i];
	}
	ps->n = kept;
	reindex(ps);
}

uint64_t mt_procs_mark(const struct mt_procs *ps)
{
	return ps->exits;
}

void mt_procs_prune(struct mt_procs *ps, struct mt_tracer *t, uint64_t mark)
{
	uint64_t *gone = calloc(ps->nended ? ps->nended : 1, sizeof(*gone));
	size_t ngone = 0;

	if (!gone)
		return;
	settle(ps, t);
	for (size_t i = 0; i < ps->n; i++)
		if (ps->v[i].exited && ps->v[i].ended <= mark)
			gone[ngone++] = ps->v[i].ended;
	qsort(gone, ngone, sizeof(*gone), cmp_u64);
	drop_ended(ps, gone, ngone);
	free(gone);
}

static int by_growth(const void *a, const void *b);

/* At most MT_PROCS_KEEP_ENDED ended processes: the largest growers stay. */
static void keep_bound(struct mt_procs *ps, struct mt_tracer *t)
{
	struct mt_proc_info **ended = calloc(ps->nended ? ps->nended : 1, sizeof(*ended));
	uint64_t *gone = calloc(ps->nended ? ps->nended : 1, sizeof(*gone));
	size_t n = 0, ngone = 0;

	if (ended && gone) {
		settle(ps, t);
		for (size_t i = 0; i < ps->n; i++)
			if (ps->v[i].exited)
				ended[n++] = &ps->v[i];
		qsort(ended, n, sizeof(*ended), by_growth);
		for (size_t i = MT_PROCS_KEEP_ENDED; i < n; i++)
			gone[ngone++] = ended[i]->ended;
		qsort(gone, ngone, sizeof(*gone), cmp_u64);
		drop_ended(ps, gone, ngone);
	}
	free(ended);
	free(gone);
}

void mt_procs_tick(struct mt_procs *ps, struct mt_tracer *t)
{
	if (ps->unsettled >= SETTLE_BATCH)
		settle(ps, t);
	/* A slack of an eighth: the sort runs once per so many exits, not at each. */
	if (ps->nended > MT_PROCS_KEEP_ENDED + MT_PROCS_KEEP_ENDED / 8)
		keep_bound(ps, t);
}

void mt_procs_final(struct mt_procs *ps, struct mt_tracer *t)
{
	struct mt_proc k;

	if (ps->nended > MT_PROCS_KEEP_ENDED)
		keep_bound(ps, t);
	settle(ps, t);
	ps->nfuncs = ps->nsettled;
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
	fprintf(f, "Processes by RSS growth: %llu traced\n", (unsigned long long)(ps->n + ps->dropped));
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
	if (ps->dropped)
		fprintf(f, "... and %llu more (%llu ended and not kept: at most %d ended are%s)\n",
			(unsigned long long)(ps->n - shown + ps->dropped), (unsigned long long)ps->dropped,
			MT_PROCS_KEEP_ENDED, shown < ps->n ? "; the others: -v" : "");
	else if (shown < ps->n)
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

/* One function's calls and growth in one process (p: its row, if still kept). */
static void print_row(FILE *f, const char *name, const struct mt_proc_func *r,
		      const struct mt_proc_info *p, char comm[MT_PROCS_COMM_ESC])
{
	char a[32], b[32];
	const char *unit, *unit2;

	print_name(f, name);
	fprintf(f, " %8d  %-16s ", r->pid, p ? mt_procs_comm(p, comm) : "?");
	mt_fmt_size(a, sizeof(a), r->agg.growth, &unit);
	/* Frame walking counts no calls: "-", as the function table shows them. */
	if (!r->calls_known) {
		fprintf(f, "%8s %7s %3s %11s\n", "-", a, unit, "-");
		return;
	}
	mt_fmt_size(b, sizeof(b), r->agg.calls ? r->agg.growth_max : 0, &unit2);
	fprintf(f, "%8llu %7s %3s %7s %3s\n", (unsigned long long)r->agg.calls, a, unit, b, unit2);
}

/* The line after a function's rows: its processes not shown (-v shows them) or not kept. */
static void print_more(FILE *f, const char *name, size_t hidden, uint32_t dropped)
{
	if (!hidden && !dropped)
		return;
	print_name(f, name);
	if (!dropped)
		fprintf(f, " ... and %zu more processes (all of them: -v)\n", hidden);
	else
		fprintf(f, " ... and %zu more processes (%u ended and not kept%s)\n", hidden + dropped,
			dropped, hidden ? "; the others: -v" : "");
}

void mt_procs_report_functions(FILE *f, struct mt_procs *ps, const char *const *names, size_t nnames,
			       size_t max)
{
	char comm[MT_PROCS_COMM_ESC];
	bool head = false;
	size_t shown = 0, hidden = 0;
	/* Sorted apart: ps->funcs keeps its settled rows first. */
	struct mt_proc_func *rows = malloc((ps->nfuncs ? ps->nfuncs : 1) * sizeof(*rows));

	if (!rows)
		return;
	memcpy(rows, ps->funcs, ps->nfuncs * sizeof(*rows));
	qsort(rows, ps->nfuncs, sizeof(*rows), by_func_growth);
	for (size_t i = 0; i < ps->nfuncs; i++) {
		const struct mt_proc_func *r = &rows[i];
		const struct mt_proc_info *p = find(ps, r->pid);
		bool last = i + 1 == ps->nfuncs || rows[i + 1].func != r->func;

		/* A function this run cannot name (a code object never read): left to the totals. */
		if (r->func >= nnames || !names[r->func])
			continue;
		if (i && r->func != rows[i - 1].func)
			shown = 0;
		if (max && shown++ >= max) {
			hidden++;
		} else {
			if (!head)
				fprintf(f, "Functions by process\n%-32s %8s  %-16s %8s %11s %11s\n",
					"Function", "PID", "Command", "Calls", "Growth", "Max/call");
			head = true;
			print_row(f, names[r->func], r, p, comm);
		}
		if (last) {
			print_more(f, names[r->func], hidden, ps->dropped_funcs ? ps->dropped_funcs[r->func] : 0);
			hidden = 0;
		}
	}
	if (head)
		fputc('\n', f);
	free(rows);
}

void mt_procs_free(struct mt_procs *ps)
{
	free(ps->v);
	free(ps->funcs);
	free(ps->dropped_funcs);
	mt_rowindex_free(&ps->index);
	memset(ps, 0, sizeof(*ps));
}
