// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Schema 1 records (docs/schema.md). Key order is fixed ("type", "t",
 * then the record's fields) so streams diff cleanly between runs.
 * docs/schema.md lists every key written here (tests/jsonlint.py checks
 * streams against it): change both together.
 */
#include "json.h"
#include "process.h"
#include "records.h"

/* Microseconds are enough for timestamps; call durations keep nanoseconds. */
#define T_DECIMALS 6
#define DUR_DECIMALS 9

static void begin(struct mt_json *j, const char *type, double t)
{
	mt_json_obj_begin(j);
	mt_json_key(j, "type");
	mt_json_str(j, type);
	mt_json_key(j, "t");
	mt_json_double(j, t, T_DECIMALS);
}

static int end(struct mt_json *j)
{
	mt_json_obj_end(j);
	return mt_json_end_record(j);
}

static void kv_int(struct mt_json *j, const char *key, int64_t v)
{
	mt_json_key(j, key);
	mt_json_int(j, v);
}

static void kv_uint(struct mt_json *j, const char *key, uint64_t v)
{
	mt_json_key(j, key);
	mt_json_uint(j, v);
}

static void kv_str(struct mt_json *j, const char *key, const char *v)
{
	mt_json_key(j, key);
	mt_json_str(j, v);
}

static void kv_double(struct mt_json *j, const char *key, double v, int decimals)
{
	mt_json_key(j, key);
	mt_json_double(j, v, decimals);
}

/* "key": [each(j, &items[0]), ...]: the summary's arrays of rows. */
#define KV_ROWS(j, key, items, n, each)                                         \
	do {                                                                    \
		mt_json_key(j, key);                                            \
		mt_json_arr_begin(j);                                           \
		for (size_t i_ = 0; i_ < (n); i_++)                             \
			each(j, &(items)[i_]);                                  \
		mt_json_arr_end(j);                                             \
	} while (0)

/* A flag written only when set ("key": true): the common case stays short. */
static void kv_flag(struct mt_json *j, const char *key, bool set)
{
	if (!set)
		return;
	mt_json_key(j, key);
	mt_json_bool(j, true);
}

/* memory_profiler's unknowns (negative) are null, not invented zeros. */
static void kv_int_or_null(struct mt_json *j, const char *key, int64_t v, bool known)
{
	mt_json_key(j, key);
	if (known)
		mt_json_int(j, v);
	else
		mt_json_null(j);
}

int mt_rec_start(struct mt_json *j, const struct mt_rec_start *r)
{
	size_t i;

	begin(j, "start", r->t);
	kv_int(j, "schema", MT_SCHEMA);
	kv_double(j, "ts_unix", r->ts_unix, T_DECIMALS);
	kv_int(j, "pid", r->pid);
	kv_str(j, "comm", r->comm);
	mt_json_key(j, "cmdline");
	mt_json_arr_begin(j);
	for (i = 0; r->cmdline && r->cmdline[i]; i++)
		mt_json_str(j, r->cmdline[i]);
	mt_json_arr_end(j);
	mt_json_key(j, "targets");
	mt_json_arr_begin(j);
	for (i = 0; i < r->ntargets; i++) {
		const struct mt_rec_target *tg = &r->targets[i];

		mt_json_obj_begin(j);
		kv_str(j, "spec", tg->spec);
		kv_str(j, "func", tg->func);
		kv_str(j, "kind", tg->kind);
		kv_str(j, "object", tg->object);
		kv_str(j, "method", tg->method);
		mt_json_obj_end(j);
	}
	mt_json_arr_end(j);
	kv_int(j, "page_size", r->page_size);
	return end(j);
}

/* A record of one thread in one function: "call" and "stretch" begin alike. */
static void begin_thread_func(struct mt_json *j, const char *type, double t, const struct mt_call *c)
{
	begin(j, type, t);
	kv_int(j, "pid", c->pid);
	kv_int(j, "tid", c->tid);
	kv_str(j, "func", c->func);
}

int mt_rec_call(struct mt_json *j, const struct mt_call *c)
{
	begin_thread_func(j, "call", c->t, c);
	/* Python functions: the same name may live in several files. */
	if (c->file)
		kv_str(j, "file", c->file);
	kv_double(j, "dur", c->dur, DUR_DECIMALS);
	kv_int(j, "rss_entry", c->rss_entry);
	kv_int(j, "rss_exit", c->rss_exit);
	kv_int(j, "rss_peak", c->rss_peak);
	kv_int(j, "growth", c->growth);
	kv_int(j, "thread_growth", c->thread_growth);
	/* Only for calls that did not return: the common case stays short. */
	if (c->ended)
		kv_str(j, "ended", c->ended);
	kv_flag(j, "open", c->open);
	kv_flag(j, "partial", c->partial);
	return end(j);
}

int mt_rec_stretch(struct mt_json *j, double t, const struct mt_call *c)
{
	begin_thread_func(j, "stretch", t, c);
	kv_double(j, "t_first", c->t - c->dur, T_DECIMALS);
	kv_double(j, "t_last", c->t, T_DECIMALS);
	kv_int(j, "rss_first", c->rss_entry);
	kv_int(j, "rss_last", c->rss_exit);
	kv_int(j, "rss_peak", c->rss_peak);
	kv_flag(j, "open", c->open);
	return end(j);
}

int mt_rec_sample(struct mt_json *j, const struct mt_rec_sample *r)
{
	begin(j, "sample", r->t);
	kv_int(j, "pid", r->pid);
	kv_int(j, "rss", r->rss);
	kv_int(j, "anon", r->anon);
	kv_int(j, "file", r->file);
	kv_int(j, "shmem", r->shmem);
	kv_int(j, "peak", r->peak);
	return end(j);
}

int mt_rec_lost(struct mt_json *j, double t, uint64_t count)
{
	begin(j, "lost", t);
	kv_uint(j, "count", count);
	return end(j);
}

/* Who a process is, in "process" records and summary.processes[]. */
static void kv_proc(struct mt_json *j, pid_t pid, pid_t ppid, const char *comm)
{
	kv_int(j, "pid", pid);
	kv_int(j, "ppid", ppid);
	kv_str(j, "comm", comm); /* the process's to set: escaped as every name is */
}

int mt_rec_process(struct mt_json *j, const struct mt_rec_process *r)
{
	begin(j, "process", r->t);
	kv_proc(j, r->pid, r->ppid, r->comm);
	kv_str(j, "event", r->event);
	kv_int(j, "rss", r->rss);
	return end(j);
}

int mt_rec_exit_proc(struct mt_json *j, double t, pid_t pid, int status,
		     const struct mt_proc_info *p)
{
	begin(j, "exit", t);
	kv_int(j, "pid", pid);
	kv_int(j, "status", status);
	/* Only where several processes may be traced: a single process's record stays as it was. */
	if (p) {
		kv_int(j, "rss", p->end_rss);
		kv_int(j, "peak", p->peak);
	}
	return end(j);
}

int mt_rec_exit(struct mt_json *j, double t, pid_t pid, int status)
{
	return mt_rec_exit_proc(j, t, pid, status, NULL);
}

/* A function's figures from "calls" on, in summary.functions[] and .functions_by_process[]. */
static void func_figures(struct mt_json *j, const struct mt_func_stats *f, bool with_open)
{
	/* Per-call maxima exist only once a call has completed and was counted. */
	bool per_call = f->calls_known && f->calls > 0;

	kv_int_or_null(j, "calls", (int64_t)f->calls, f->calls_known);
	if (with_open)
		kv_uint(j, "open", f->open);
	kv_int(j, "growth", f->growth);
	kv_int_or_null(j, "growth_max", f->growth_max, per_call);
	kv_int_or_null(j, "peak_max", f->peak_max, per_call);
	kv_int(j, "thread_growth", f->thread_growth);
	kv_uint(j, "unwound", f->unwound);
	kv_uint(j, "untimed", f->untimed);
	kv_uint(j, "partial", f->partial);
	kv_int_or_null(j, "retained", f->retained, f->retained_known);
}

static void summary_func(struct mt_json *j, const struct mt_func_stats *f)
{
	mt_json_obj_begin(j);
	kv_str(j, "func", f->func);
	if (f->file)
		kv_str(j, "file", f->file);
	kv_str(j, "kind", f->kind);
	func_figures(j, f, true);
	mt_json_obj_end(j);
}

static void summary_process(struct mt_json *j, const struct mt_proc_info *p)
{
	mt_json_obj_begin(j);
	kv_proc(j, p->pid, p->ppid, p->comm);
	kv_str(j, "joined", p->how);
	kv_int(j, "start_rss", p->start_rss);
	kv_int(j, "end_rss", p->end_rss);
	kv_int(j, "peak", p->peak);
	kv_uint(j, "execs", p->execs);
	kv_int_or_null(j, "status", mt_shell_status(p->status), p->exited);
	mt_json_obj_end(j);
}

/* One native function's totals in one process: the rows of "Functions by process". */
static void summary_proc_func(struct mt_json *j, const struct mt_procs *ps,
			      const struct mt_proc_func *r, const char *func)
{
	const struct mt_proc_info *p = mt_procs_find(ps, r->pid);
	struct mt_func_stats f = {
		.calls_known = true, .calls = r->agg.calls, .growth = r->agg.growth,
		.growth_max = r->agg.growth_max, .peak_max = r->agg.peak_max,
		.thread_growth = r->agg.thread_growth, .unwound = r->agg.unwound,
		.untimed = r->agg.untimed, .partial = r->agg.partial, .retained_known = true,
		.retained = r->agg.retained,
	};

	mt_json_obj_begin(j);
	kv_int(j, "pid", r->pid);
	kv_str(j, "comm", p ? p->comm : NULL);
	kv_str(j, "func", func);
	func_figures(j, &f, false);
	mt_json_obj_end(j);
}

static void summary_procs(struct mt_json *j, const struct mt_procs *ps, const char *const *funcs,
			  size_t nfuncs)
{
	KV_ROWS(j, "processes", ps->v, ps->n, summary_process);
	mt_json_key(j, "functions_by_process");
	mt_json_arr_begin(j);
	/* As the table (user/procs.c): Python functions are in the totals only. */
	for (size_t i = 0; i < ps->nfuncs; i++)
		if (ps->funcs[i].func < nfuncs)
			summary_proc_func(j, ps, &ps->funcs[i], funcs[ps->funcs[i].func]);
	mt_json_arr_end(j);
}

static void summary_line(struct mt_json *j, const struct mt_line_stats *l)
{
	mt_json_obj_begin(j);
	kv_str(j, "func", l->func);
	kv_str(j, "file", l->file);
	kv_int(j, "line", l->line);
	kv_int_or_null(j, "mem", l->mem, l->mem >= 0);
	kv_int(j, "increment", l->increment);
	kv_int_or_null(j, "occurrences", l->occurrences, l->occurrences >= 0);
	kv_str(j, "source", l->source); /* null when the source could not be read */
	mt_json_obj_end(j);
}

int mt_rec_summary_all(struct mt_json *j, double t, pid_t pid, const struct mt_stats *s,
		       int64_t sample_bytes, const struct mt_procs *ps, const char *const *funcs,
		       size_t nfuncs)
{
	begin(j, "summary", t);
	kv_int(j, "pid", pid);
	kv_double(j, "duration", s->duration, T_DECIMALS);
	kv_int(j, "peak_rss", s->peak_rss);
	KV_ROWS(j, "functions", s->funcs, s->nfuncs, summary_func);
	KV_ROWS(j, "lines", s->lines, s->nlines, summary_line);
	kv_uint(j, "lost", s->lost);
	/* Only where stacks were sampled: streams without them stay as they were. */
	if (sample_bytes > 0)
		kv_int(j, "sample_bytes", sample_bytes);
	if (ps)
		summary_procs(j, ps, funcs, nfuncs);
	return end(j);
}

static const char *frame_kind(enum mt_frame_kind k)
{
	return k == MT_FRAME_NATIVE ? "native" : k == MT_FRAME_PYTHON ? "python" : "unknown";
}

int mt_rec_frame(struct mt_json *j, double t, uint32_t id, const struct mt_profile_frame *f)
{
	begin(j, "frame", t);
	kv_uint(j, "id", id);
	kv_str(j, "kind", frame_kind(f->kind));
	kv_str(j, "func", f->func);
	kv_str(j, "file", f->file); /* NULL writes null */
	kv_int_or_null(j, "line", f->line, f->line != 0);
	kv_str(j, "object", f->object);
	kv_str(j, "build_id", f->build_id);
	/* A file offset: far below 2^63, so it reads back as a JSON integer anywhere. */
	kv_int_or_null(j, "addr", (int64_t)f->addr, f->addr != 0 && f->addr <= INT64_MAX);
	return end(j);
}

int mt_rec_stack(struct mt_json *j, double t, const struct mt_stack *st, const uint32_t *ids)
{
	begin(j, "stack", t);
	kv_uint(j, "tid", st->tid);
	kv_int(j, "bytes", st->bytes);
	mt_json_key(j, "frames");
	mt_json_arr_begin(j);
	for (size_t i = 0; i < st->n; i++)
		mt_json_uint(j, ids[i]);
	mt_json_arr_end(j);
	mt_json_key(j, "truncated");
	mt_json_bool(j, st->truncated);
	return end(j);
}

int mt_rec_summary(struct mt_json *j, double t, pid_t pid, const struct mt_stats *s)
{
	return mt_rec_summary_all(j, t, pid, s, 0, NULL, NULL, 0);
}

int mt_rec_error(struct mt_json *j, double t, const char *message)
{
	begin(j, "error", t);
	kv_str(j, "message", message);
	return end(j);
}
