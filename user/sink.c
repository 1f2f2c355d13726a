// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "array.h"
#include "flame.h"
#include "pprof.h"
#include "folded.h"
#include "json.h"
#include "log.h"
#include "plot.h"
#include "resolve.h"
#include "sink.h"
#include "tracer.h"

#define MSGLEN 1024

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

double mt_sink_now(const struct mt_sink *s)
{
	return mono_now() - s->t0;
}

/* bpf_ktime_get_ns() is CLOCK_MONOTONIC: the stream's "t" is relative to our start. */
double mt_sink_ktime(const struct mt_sink *s, uint64_t ktime_ns)
{
	return ktime_ns / 1e9 - s->t0;
}

/*
 * A JSON write failure ends tracing like a signal; the target runs on
 * untouched (a launched command runs to its end, untraced, as under perf
 * record when its disk fills). A reader that went away (EPIPE on stdout:
 * memtrace --json | head) or a write cut short by the signal that stops the
 * run is a quiet stop. Anything else (a full disk, /dev/full, EIO) is
 * memtrace's own failure: one line, and exit 1; the -o file is cut back to
 * its last whole record.
 */
static void write_failed(struct mt_sink *s, int i, int e)
{
	char msg[MSGLEN];

	if (i == 1) {
		/* The write's own errno: stdio's may be stale. */
		e = s->ofile.err ?: e;
		mt_out_cut(&s->ofile);
	}
	if (!(i == 0 && e == -EPIPE) && !(e == -EINTR && *s->stop_signal) && !s->failed) {
		s->failed = true;
		if (i == 1 && s->ofile.created)
			snprintf(msg, sizeof(msg),
				 "cannot write %s: %s; tracing stopped, the file ends with the last whole record: free some space or name another -o FILE",
				 s->env->output, strerror(-e));
		else if (i == 1)
			snprintf(msg, sizeof(msg), "cannot write %s: %s; tracing stopped: name another -o FILE",
				 s->env->output, strerror(-e));
		else
			snprintf(msg, sizeof(msg), "cannot write the JSON stream to stdout: %s; tracing stopped",
				 strerror(-e));
		mt_err("%s", msg);
		/* A --json reader learns it too, from its own stream. */
		if (i == 1)
			mt_sink_error(s, msg);
	}
	mt_json_free(s->out[i]);
	s->out[i] = NULL;
	s->broken = true;
}

/* fn(out, args...) on each output still open; a failure closes that output. */
#define EMIT(s, fn, ...)                                                        \
	do {                                                                    \
		for (int i_ = 0; i_ < 2; i_++) {                               \
			int e_;                                                 \
			if (!(s)->out[i_])                                      \
				continue;                                       \
			e_ = fn((s)->out[i_], __VA_ARGS__);                     \
			if (e_ < 0)                                             \
				write_failed((s), i_, e_);                      \
		}                                                               \
	} while (0)

int mt_sink_open(struct mt_sink *s, const struct mt_env *env, const volatile sig_atomic_t *stop_signal)
{
	s->t0 = mono_now();
	s->env = env;
	s->stop_signal = stop_signal;
	s->want_series = env->svg || env->mprof;
	if (env->json && !(s->out[0] = mt_json_new(stdout)))
		return -ENOMEM;
	return 0;
}

int mt_sink_check(struct mt_sink *s, char *err, size_t errlen)
{
	const struct mt_env *env = s->env;
	const char *plots[] = { env->svg, env->mprof, env->folded, env->pprof, env->flame };
	enum mt_out_kind kind;
	int e;

	if (env->output) {
		e = mt_out_check(&s->ofile, env->output, err, errlen);
		if (e == -EINTR && *s->stop_signal)
			mt_set_err(err, errlen,
				   "stopped by a signal before tracing started (waiting for a reader of %s); nothing was traced",
				   env->output);
		if (e)
			return e;
	}
	for (size_t i = 0; i < sizeof(plots) / sizeof(plots[0]); i++) {
		e = plots[i] ? mt_out_classify(plots[i], &kind, err, errlen) : 0;
		if (e)
			return e;
	}
	return 0;
}

int mt_sink_create(struct mt_sink *s, char *err, size_t errlen)
{
	int e;

	if (*s->stop_signal) {
		mt_set_err(err, errlen, "stopped by a signal before tracing started; nothing was traced");
		return -EINTR;
	}
	if (!s->env->output)
		return 0;
	e = mt_out_create(&s->ofile, err, errlen);
	if (e)
		return e;
	s->out[1] = mt_json_new(s->ofile.f);
	if (!s->out[1]) {
		mt_set_err(err, errlen, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

/* A record's t, never before the last one's (records come from several queues). */
static double stamp(struct mt_sink *s, double t)
{
	if (t < s->last_t)
		t = s->last_t;
	s->last_t = t;
	return t;
}

/* The targets' names, which the summary's per-process rows use as the kernel numbers them. */
static void keep_funcs(struct mt_sink *s, const struct mt_rec_start *r)
{
	s->funcs = calloc(r->ntargets ? r->ntargets : 1, sizeof(*s->funcs));
	for (size_t i = 0; s->funcs && i < r->ntargets; i++) {
		s->funcs[i] = strdup(r->targets[i].func);
		if (!s->funcs[i])
			break;
		s->nfuncs = i + 1;
	}
}

int mt_sink_add_funcs(struct mt_sink *s, const struct mt_target *targets, size_t from, size_t n)
{
	char **v = realloc(s->funcs, (n ? n : 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	s->funcs = v;
	for (size_t i = from; i < n && s->nfuncs == i; i++) {
		s->funcs[i] = strdup(targets[i].func);
		if (!s->funcs[i])
			return -ENOMEM;
		s->nfuncs = i + 1;
	}
	return 0;
}

void mt_sink_start(struct mt_sink *s, struct mt_rec_start *r)
{
	char msg[MSGLEN];

	keep_funcs(s, r);
	r->t = mt_sink_now(s);
	/* Calls can end between the attach and this record: none may come before it. */
	s->last_t = r->t;
	EMIT(s, mt_rec_start, r);
	if (s->out[1] && mt_out_publish(&s->ofile, msg, sizeof(msg))) {
		mt_err("%s", msg);
		s->failed = true;
	}
	/* The series counts from t = 0, the start record from a little later; --flame's title too. */
	mt_series_set_info(&s->series, r->pid, r->comm, r->cmdline, r->ts_unix - r->t);
}

void mt_sink_call(struct mt_sink *s, struct mt_call *c)
{
	struct mt_span sp;

	/* A record submitted while a sample was written may end a few us before it. */
	c->t = stamp(s, c->t);
	EMIT(s, mt_rec_call, c);
	if (!s->want_series || !mt_series_own_call(&s->series, c->pid))
		return;
	sp = (struct mt_span){ .t0 = c->t - c->dur, .t1 = c->t, .rss_entry = c->rss_entry,
			       .rss_exit = c->rss_exit, .rss_peak = c->rss_peak, .open = c->open };
	if (mt_series_add_span(&s->series, c->func, &sp))
		mt_warn("out of memory: the plot will miss calls");
}

void mt_sink_stretch(struct mt_sink *s, const struct mt_call *c)
{
	double now = mt_sink_now(s);
	/* Sent when the next stretch begins, long after this one ended: t is when written. */
	double t = stamp(s, now > c->t ? now : c->t);
	struct mt_span sp;

	EMIT(s, mt_rec_stretch, t, c);
	if (!s->want_series)
		return;
	sp = (struct mt_span){ .t0 = c->t - c->dur, .t1 = c->t, .rss_entry = c->rss_entry,
			       .rss_exit = c->rss_exit, .rss_peak = c->rss_peak, .open = c->open,
			       .observed = true };
	if (mt_series_add_span(&s->series, c->func, &sp))
		mt_warn("out of memory: the plot will miss where functions ran");
}

void mt_sink_sample(struct mt_sink *s, struct mt_rec_sample *r)
{
	struct mt_sample smp;

	r->t = stamp(s, mt_sink_now(s));
	EMIT(s, mt_rec_sample, r);
	smp = (struct mt_sample){ .t = r->t, .rss = r->rss, .anon = r->anon, .file = r->file,
				  .shmem = r->shmem, .peak = r->peak };
	if (s->want_series && mt_series_add_proc_sample(&s->series, r->pid, &smp))
		mt_warn("out of memory: the plot will miss samples");
}

struct proc_now {
	pid_t pid;
	struct mt_proc p;
};

struct procs_now {
	struct proc_now *v;
	size_t n, cap;
	pid_t first;
	bool short_of_memory;
};

static void keep_proc(void *ctx, const __u32 *pid, const struct mt_proc *p)
{
	struct procs_now *pn = ctx;

	/* An exited one keeps its last figures in the map (a named one): it has no more samples. */
	if ((pid_t)*pid == pn->first || (p->flags & MT_PROC_EXITED))
		return;
	if (mt_grow(&pn->v, &pn->cap, pn->n + 1, sizeof(*pn->v))) {
		pn->short_of_memory = true;
		return;
	}
	pn->v[pn->n++] = (struct proc_now){ .pid = (pid_t)*pid, .p = *p };
}

/* Largest RSS first, then the lower pid: the same order for the same figures. */
static int by_rss_desc(const void *a, const void *b)
{
	const struct proc_now *x = a, *y = b;
	int64_t rx = mt_proc_rss(&x->p), ry = mt_proc_rss(&y->p);

	if (rx != ry)
		return rx < ry ? 1 : -1;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

/*
 * Its largest RSS since the previous tick, as far as the kernel side says
 * without a reset: its peak since it joined if reached in this interval,
 * else (a spike below an earlier high) only the RSS now. docs/schema.md says so.
 */
static int64_t interval_peak(const struct mt_sink *s, const struct mt_proc *p, int64_t rss)
{
	if (p->peak > rss && p->peak_ts && mt_sink_ktime(s, p->peak_ts) > s->procs_sampled_t)
		return p->peak;
	return rss;
}

void mt_sink_proc_samples(struct mt_sink *s, struct mt_tracer *t, const struct mt_procs *ps,
			  pid_t first)
{
	struct procs_now pn = { .first = first };
	size_t n;

	mt_tracer_procs(t, keep_proc, &pn);
	if (pn.short_of_memory)
		mt_warn("out of memory: some processes' samples are left out");
	qsort(pn.v, pn.n, sizeof(*pn.v), by_rss_desc);
	n = pn.n < MT_SINK_MAX_PROC_SAMPLES ? pn.n : MT_SINK_MAX_PROC_SAMPLES;
	for (size_t i = 0; i < n; i++) {
		const struct mt_proc *p = &pn.v[i].p;
		int64_t rss = mt_proc_rss(p);
		struct mt_rec_sample rs = { .pid = pn.v[i].pid, .rss = rss, .anon = p->rss[MT_RSS_ANON],
					    .file = p->rss[MT_RSS_FILE], .shmem = p->rss[MT_RSS_SHMEM],
					    .peak = interval_peak(s, p, rss) };
		const struct mt_proc_info *info = mt_procs_find(ps, rs.pid);

		mt_sink_sample(s, &rs);
		if (s->want_series && info)
			mt_series_proc_comm(&s->series, rs.pid, info->comm);
	}
	s->procs_sampled_t = mt_sink_now(s);
	free(pn.v);
}

/* Each frame's record, then the stack's: all on one t, so the stream stays ordered. */
static int emit_stack(struct mt_json *j, double t, const struct mt_profile *p, size_t first,
		      const struct mt_stack *st, const uint32_t *ids)
{
	int e = 0;

	for (size_t id = first; id < p->nframes && e >= 0; id++)
		e = mt_rec_frame(j, t, id, &p->frames[id]);
	return e < 0 ? e : mt_rec_stack(j, t, st, ids);
}

void mt_sink_stack(struct mt_sink *s, const struct mt_profile *p, size_t first_new_frame,
		   const struct mt_stack *st, const uint32_t *ids)
{
	double t = stamp(s, st->t);

	s->sample_bytes = p->sample_bytes;
	EMIT(s, emit_stack, t, p, first_new_frame, st, ids);
}

void mt_sink_lost(struct mt_sink *s, uint64_t lost)
{
	if (lost > s->lost_reported) {
		EMIT(s, mt_rec_lost, mt_sink_now(s), lost - s->lost_reported);
		s->lost_reported = lost;
	}
}

static const char *proc_event(uint32_t event)
{
	return event == MT_PROC_FORK ? "fork" : event == MT_PROC_EXEC ? "exec" : "seen";
}

void mt_sink_process(struct mt_sink *s, const struct mt_proc_rec *pr)
{
	char comm[sizeof(pr->comm) + 1];
	struct mt_rec_process r = { .pid = (pid_t)pr->pid, .ppid = (pid_t)pr->ppid, .comm = comm,
				    .event = proc_event(pr->event), .rss = pr->rss };

	/* The kernel's comm need not end in a NUL. */
	memcpy(comm, pr->comm, sizeof(pr->comm));
	comm[sizeof(pr->comm)] = '\0';
	r.t = stamp(s, mt_sink_ktime(s, pr->ts));
	EMIT(s, mt_rec_process, &r);
}

void mt_sink_exit(struct mt_sink *s, pid_t pid, int status, const struct mt_proc_info *p)
{
	double t = stamp(s, mt_sink_now(s));

	EMIT(s, mt_rec_exit_proc, t, pid, status, p);
	if (s->want_series && p)
		mt_series_proc_end(&s->series, pid, t, p->end_rss);
}

void mt_sink_summary(struct mt_sink *s, pid_t pid, const struct mt_stats *stats,
		     const struct mt_procs *ps)
{
	EMIT(s, mt_rec_summary_all, mt_sink_now(s), pid, stats, s->sample_bytes, ps,
	     (const char *const *)s->funcs, s->nfuncs);
}

void mt_sink_error(struct mt_sink *s, const char *msg)
{
	if (s->out[0] && mt_rec_error(s->out[0], mt_sink_now(s), msg) < 0)
		write_failed(s, 0, -EIO);
}

void mt_sink_hold(struct mt_sink *s, bool hold)
{
	for (int i = 0; i < 2; i++) {
		int e;

		if (!s->out[i])
			continue;
		mt_json_hold(s->out[i], hold);
		e = mt_json_flush(s->out[i]);
		if (e < 0)
			write_failed(s, i, e);
	}
}

bool mt_sink_stopped(const struct mt_sink *s)
{
	return s->broken;
}

void mt_sink_plots(struct mt_sink *s, int64_t peak_rss, double peak_t, const char *const *funcs,
		   size_t nfuncs)
{
	const char *svg = s->env->svg, *mprof = s->env->mprof;
	char err[MSGLEN];

	if (!s->want_series)
		return;
	if (peak_rss >= s->series.peak_rss) {
		s->series.peak_rss = peak_rss;
		if (peak_t >= 0)
			s->series.peak_t = peak_t;
	}
	for (size_t i = 0; i < nfuncs; i++)
		mt_series_func(&s->series, funcs[i]);
	mt_series_warn_bounds(&s->series, svg ? svg : mprof);
	if (svg && mt_plot_save(svg, false, &s->series, err, sizeof(err))) {
		mt_err("%s", err);
		s->failed = true;
	}
	if (mprof && mt_plot_save(mprof, true, &s->series, err, sizeof(err))) {
		mt_err("%s", err);
		s->failed = true;
	}
}

void mt_sink_stacks(struct mt_sink *s, const struct mt_profile *p)
{
	const struct mt_env *env = s->env;
	char err[MSGLEN], *title;

	if (env->folded && mt_folded_save(env->folded, p, err, sizeof(err)))
		goto failed;
	if (env->pprof && mt_pprof_save(env->pprof, p, err, sizeof(err)))
		goto failed;
	if (!env->flame)
		return;
	title = mt_flame_title(s->series.comm, s->series.cmdline, s->series.pid);
	if (mt_flame_write(env->flame, p, title, err, sizeof(err))) {
		free(title);
		goto failed;
	}
	free(title);
	return;
failed:
	mt_err("%s", err);
	s->failed = true;
}

void mt_sink_close(struct mt_sink *s, bool failed)
{
	for (int i = 0; i < 2; i++) {
		mt_json_free(s->out[i]);
		s->out[i] = NULL;
	}
	/* A run that failed before tracing leaves no half-written stream behind. */
	mt_out_close(&s->ofile, failed);
	mt_series_free(&s->series);
	for (size_t i = 0; i < s->nfuncs; i++)
		free(s->funcs[i]);
	free(s->funcs);
	s->funcs = NULL;
	s->nfuncs = 0;
}
