// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * memtrace: attribute a process's RSS growth to the functions that caused it.
 *
 * main() reads as a checklist: parse -> check the system -> find the target
 * -> resolve functions -> start the tracer (load, seed, attach) -> write the
 * start record -> (launch) let the command run -> poll until stopped ->
 * collect open calls -> detach -> print. It alone decides the exit code.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "cgroup.h"
#include "collect.h"
#include "debuginfo.h"
#include "process.h"
#include "sink.h"
#include "targets.h"
#include "env.h"
#include "existing.h"
#include "json.h"
#include "late.h"
#include "log.h"
#include "metrics.h"
#include "outfile.h"
#include "flame.h"
#include "http.h"
#include "plot.h"
#include "procfs.h"
#include "procs.h"
#include "pyframes.h"
#include "pysource.h"
#include "pytarget.h"
#include "records.h"
#include "samples.h"
#include "report.h"
#include "resolve.h"
#include "series.h"
#include "spec.h"
#include "stackreport.h"
#include "stats.h"
#include "tracer.h"

#define ERRLEN 1024
#define POLL_MS 50

static volatile sig_atomic_t stop_signal;

struct run {
	struct mt_env env;
	pid_t pid;
	struct mt_child child;
	struct mt_target *targets;
	size_t ntargets;
	struct mt_tracer *tracer;
	struct mt_sink sink;     /* the stream, the -o file, the plots */
	bool exited;             /* the traced process ended */
	int exit_status;         /* its wait status */
	struct mt_stats stats;
	struct mt_collect col;   /* kernel results -> calls and tables */
	/*
	 * Tables and the status line: stdout when attached; stderr with --json
	 * (stdout is the stream) or a launched command (stdout is the command's,
	 * as for perf stat, strace and time).
	 */
	FILE *tables;
	bool live;               /* status line on a terminal */
	struct mt_python py;     /* is the target CPython, and how it can be traced */
	struct mt_pycodes codes; /* Python functions matched so far */
	struct mt_pyframes frames; /* Python by frame walking */
	struct mt_samples samples; /* stack samples to the profile (with --no-stacks: unused) */
	struct mt_procs procs;   /* every process traced (user/procs.h) */
	struct mt_late late;     /* -f in the programs the processes exec (user/late.h) */
	bool *missing;           /* per -f: not in the first program; sought in the others */
	struct mt_http *http;    /* --listen: the server (user/http.h), NULL without */
	uint64_t dropped_series; /* --max-series: series left out of /metrics so far */
	int command_rc;          /* a launched command's exit code once reaped, else -1 */
};

static void on_signal(int sig)
{
	stop_signal = sig;
}

static void setup_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	/* No SA_RESTART: the ring-buffer wait returns EINTR and the loop stops. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* A closed stdout (memtrace --json | head) is EPIPE on write, handled as a stop. */
	signal(SIGPIPE, SIG_IGN);
}

/* ---- records from the kernel side (user/tracer.h) ---- */

static void on_call(void *ctx, const struct mt_call_rec *cr)
{
	struct run *r = ctx;
	struct mt_call c;

	mt_collect_call(&r->col, cr, &c);
	mt_sink_call(&r->sink, &c);
}

static void on_code(void *ctx, const struct mt_code_rec *cr)
{
	struct run *r = ctx;

	if (mt_pycodes_add(&r->codes, cr->code, cr->target, cr->name, cr->file, cr->firstlineno))
		mt_warn("out of memory: Python function %s will lack its source", cr->name);
	mt_info(1, "Python function %s matched in %s:%u", cr->name, cr->file, cr->firstlineno);
}

static void on_pyframe(void *ctx, const struct mt_pyframe_rec *pr)
{
	struct run *r = ctx;

	mt_pyframes_code_seen(&r->frames, pr, &r->codes);
}

static void on_stretch(void *ctx, const struct mt_stretch_rec *sr)
{
	struct run *r = ctx;
	struct mt_call c;

	mt_collect_stretch(&r->col, sr, &c);
	mt_sink_stretch(&r->sink, &c);
}

/* More than the one process of a plain -p or --no-children run. */
static bool many_procs(const struct run *r)
{
	return r->env.children || r->env.nmore_pids || !r->pid;
}

static void on_exit_rec(void *ctx, const struct mt_exit_rec *er)
{
	struct run *r = ctx;

	mt_procs_exit(&r->procs, er);
	mt_pyframes_gone(&r->frames, r->tracer, (pid_t)er->pid);
	mt_samples_ended(&r->samples, (pid_t)er->pid);
	/* The first process's exit is written at the stop (launch mode: with waitpid()'s status). */
	if ((pid_t)er->pid != r->pid) {
		mt_sink_exit(&r->sink, er->pid, mt_shell_status(er->status),
			     mt_procs_find(&r->procs, er->pid));
		return;
	}
	/* In launch mode waitpid() has the authoritative status; it overrides this. */
	r->exited = true;
	r->exit_status = er->status;
}

/* Functions found in a program a traced process runs now: traced, named in the tables and stream. */
static void more_targets(struct run *r, pid_t pid)
{
	size_t first = r->ntargets;
	int n = mt_late_program(&r->late, pid, r->tracer, &r->targets, &r->ntargets);

	if (n < 0) {
		mt_warn("out of memory: the functions of process %d are not traced", (int)pid);
		return;
	}
	r->col.targets = r->targets;
	r->col.ntargets = r->ntargets;
	for (size_t i = first; i < r->ntargets; i++)
		if (r->targets[i].kind == MT_KIND_PYTHON) {
			mt_pyframes_retarget(&r->frames, r->tracer, r->targets, r->ntargets);
			break;
		}
	if (n && mt_sink_add_funcs(&r->sink, r->targets, first, r->ntargets))
		mt_warn("out of memory: the stream's summary lacks functions of process %d", (int)pid);
}

static void on_proc(void *ctx, const struct mt_proc_rec *pr)
{
	struct run *r = ctx;
	const struct mt_proc_info *p;
	char comm[MT_PROCS_COMM_ESC];

	mt_procs_event(&r->procs, pr);
	if (many_procs(r))
		mt_sink_process(&r->sink, pr);
	p = mt_procs_find(&r->procs, (pid_t)pr->pid);
	if (p)
		mt_info(1, "process %u (%s) %s", pr->pid, mt_procs_comm(p, comm),
			pr->event == MT_PROC_EXEC ? "exec'd" :
			pr->event == MT_PROC_FORK ? "forked: traced" : "traced");
	/* A new program: -f is looked for in it, Python functions walked (a fork runs its parent's). */
	if (r->missing && pr->event != MT_PROC_FORK && r->tracer)
		more_targets(r, (pid_t)pr->pid);
	if (pr->event != MT_PROC_FORK && r->tracer)
		mt_pyframes_program(&r->frames, r->tracer, (pid_t)pr->pid, pr->event == MT_PROC_EXEC);
}

/* The per-process tables: with -a or --cgroup, or once a second process was traced. */
static bool show_procs(const struct run *r)
{
	return !r->pid || (many_procs(r) && r->procs.n > 1);
}

static void on_stack(void *ctx, const struct mt_stack_rec *sr)
{
	struct run *r = ctx;

	mt_samples_add(&r->samples, sr);
}

/* Native functions by target index, Python ones (MT_MAX_FUNCS + code) by their code's name. */
static void report_proc_functions(struct run *r)
{
	const char **names = calloc(MT_NR_FUNCS, sizeof(*names));
	const struct mt_pycode_info *ci;

	for (size_t i = 0; names && i < r->ntargets; i++)
		names[i] = r->targets[i].func;
	for (uint32_t c = 0; names && c < MT_MAX_CODES; c++)
		if ((ci = mt_pycodes_at(&r->codes, c)))
			names[MT_MAX_FUNCS + c] = ci->name;
	if (names)
		mt_procs_report_functions(r->tables, &r->procs, names, MT_NR_FUNCS, r->env.verbose ? 0 : 10);
	free(names);
}

static void add_walked(void *ctx, pid_t pid, uint32_t code, int64_t growth)
{
	struct run *r = ctx;

	if (mt_procs_add_walked(&r->procs, pid, MT_MAX_FUNCS + code, growth))
		r->procs.events_lost++;
}

/* The processes' figures now, and their functions': the kernel's totals, and frame walking's. */
static void final_procs(struct run *r)
{
	mt_procs_final(&r->procs, r->tracer);
	if (mt_pyframes_walking(&r->frames))
		mt_pyframes_by_process(&r->frames, r->tracer, add_walked, r);
}

/*
 * One process: the kernel keeps no per-process totals (proc_funcs, only
 * with several); its functions' are the run's (native, and Python through
 * USDT; frame walking's came with final_procs()).
 */
static void single_proc_funcs(struct run *r)
{
	bool oom = false;

	/* Once scraped after its end, it was dropped (metrics_sent()): its functions go with it. */
	if (!mt_procs_find(&r->procs, r->pid))
		return;
	for (size_t i = 0; i < r->ntargets; i++)
		oom |= mt_procs_add_func(&r->procs, r->pid, i, mt_tracer_func(r->tracer, i)) < 0;
	for (size_t c = 0; c < r->codes.ncodes; c++)
		oom |= mt_procs_add_func(&r->procs, r->pid, MT_MAX_FUNCS + c,
					 mt_tracer_func(r->tracer, MT_MAX_FUNCS + c)) < 0;
	if (oom)
		mt_warn("out of memory: /metrics lacks functions");
}

/* GET /metrics (user/http.c): the figures the end-of-run tables read, as they are now. */
static int serve_metrics(void *ctx, FILE *f, uint64_t *mark)
{
	struct run *r = ctx;
	struct mt_snapshot snap;

	*mark = mt_procs_mark(&r->procs);
	final_procs(r);
	if (!many_procs(r))
		single_proc_funcs(r);
	mt_tracer_snapshot(r->tracer, &snap, false);
	return mt_metrics_write(f, &(struct mt_metrics_src){ .procs = &r->procs, .col = &r->col,
							    .lost = snap.lost,
							    .max_series = r->env.max_series,
							    .dropped = &r->dropped_series });
}

/* A /metrics response reached its scraper: the processes that had ended by then are dropped. */
static void metrics_sent(void *ctx, uint64_t mark)
{
	struct run *r = ctx;

	mt_procs_prune(&r->procs, r->tracer, mark);
}

/* --listen: bound before anything is attached, so a bad address leaves nothing behind. */
static int start_server(struct run *r, char *err, size_t errlen)
{
	struct mt_http_handlers h = { .metrics = serve_metrics, .metrics_sent = metrics_sent, .ctx = r,
				      .profile = r->env.sample_bytes ? &r->samples.profile : NULL };

	return r->env.listen ? mt_http_start(&r->http, r->env.listen, &h, err, errlen) : 0;
}

/* Records for up to ms; with --listen, requests too: either wakes the loop. */
static int wait_records(struct run *r, int ms)
{
	if (r->http && mt_http_wait(r->http, mt_tracer_wait_fd(r->tracer), ms) < 0 && errno == EINTR)
		return -EINTR;
	return mt_tracer_poll(r->tracer, r->http ? 0 : ms);
}

static int64_t proc_rss_now(struct run *r, pid_t pid)
{
	struct mt_proc p;

	return mt_tracer_proc(r->tracer, pid, &p) ? 0 : mt_proc_rss(&p);
}

/* The processes the user named, as the kernel side seeded them. */
static void name_procs(struct run *r)
{
	if (r->pid)
		mt_procs_named(&r->procs, r->pid, 0, "named", r->env.cmd ? 0 : proc_rss_now(r, r->pid));
	for (size_t i = 0; i < r->env.nmore_pids; i++)
		mt_procs_named(&r->procs, r->env.more_pids[i], 0, "named",
			       proc_rss_now(r, r->env.more_pids[i]));
}

static int late_program(void *ctx, pid_t pid)
{
	struct run *r = ctx;

	if (pid != getpid()) {
		more_targets(r, pid);
		mt_pyframes_program(&r->frames, r->tracer, pid, false);
	}
	return 0;
}

/*
 * Processes running already: --children takes in the named ones'
 * descendants; with -f, -a and --cgroup resolve it in every program
 * running (once per executable), not only in those that start or grow later.
 */
static void take_in_existing(struct run *r)
{
	char err[ERRLEN];
	pid_t *kids = NULL, ppid;
	size_t nkids = 0;

	if (r->env.children && r->env.pid) {
		pid_t *named = malloc((r->env.nmore_pids + 1) * sizeof(*named));

		if (named) {
			named[0] = r->pid;
			memcpy(named + 1, r->env.more_pids, r->env.nmore_pids * sizeof(*named));
			if (mt_existing_descendants(named, r->env.nmore_pids + 1, &kids, &nkids))
				mt_warn("cannot list the processes' children; only those forked from now on are traced");
			free(named);
		}
	}
	/* The other -p processes: their programs may be others, CPython among them. */
	for (size_t i = 0; i < r->env.nmore_pids; i++) {
		if (r->missing)
			more_targets(r, r->env.more_pids[i]);
		mt_pyframes_program(&r->frames, r->tracer, r->env.more_pids[i], false);
	}
	for (size_t i = 0; i < nkids; i++) {
		if (mt_tracer_add_proc(r->tracer, kids[i], err, sizeof(err)) || mt_proc_ppid(kids[i], &ppid))
			continue;
		mt_procs_named(&r->procs, kids[i], ppid, "fork", proc_rss_now(r, kids[i]));
		if (r->missing)
			more_targets(r, kids[i]);
		mt_pyframes_program(&r->frames, r->tracer, kids[i], false);
	}
	free(kids);
	if (!r->missing || r->pid)
		return;
	if ((r->env.cgroup ? mt_existing_in_cgroup(r->env.cgroup, late_program, r) :
			     mt_proc_each(late_program, r)) < 0)
		mt_warn("cannot list the processes running now; -f is resolved in the programs that start or grow from now on");
}

static void write_start(struct run *r)
{
	struct mt_rec_target *tg = calloc(r->ntargets ? r->ntargets : 1, sizeof(*tg));
	struct mt_rec_start s = {
		.ts_unix = 0,
		.pid = r->pid,
		.ntargets = r->ntargets,
		.page_size = sysconf(_SC_PAGESIZE),
	};
	struct timespec now;
	char comm[64] = "?", **argv = NULL;
	int argc = 0;

	if (!tg)
		return;
	for (size_t i = 0; i < r->ntargets; i++) {
		tg[i].spec = r->targets[i].spec;
		tg[i].func = r->targets[i].func;
		tg[i].kind = r->targets[i].kind == MT_KIND_PYTHON ? "python" : "native";
		tg[i].object = r->targets[i].object;
		tg[i].method = mt_method_name(r->targets[i].method);
	}
	if (r->env.cmd) {
		/* Not exec'd yet: its name and arguments are the ones it is about to run with. */
		const char *base = strrchr(r->env.cmd[0], '/');

		snprintf(comm, sizeof(comm), "%.15s", base ? base + 1 : r->env.cmd[0]);
		s.cmdline = r->env.cmd;
	} else {
		mt_proc_comm(r->pid, comm, sizeof(comm));
		if (!mt_proc_cmdline(r->pid, &argv, &argc))
			s.cmdline = argv;
	}
	s.comm = comm;
	s.targets = tg;
	clock_gettime(CLOCK_REALTIME, &now);
	s.ts_unix = now.tv_sec + now.tv_nsec / 1e9;
	mt_sink_start(&r->sink, &s);
	mt_proc_free_argv(argv);
	free(tg);
}

static bool pid_gone(int pidfd)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };

	return pidfd >= 0 && poll(&p, 1, 0) == 1;
}

/*
 * Does a process named with -p besides the first still run? others holds
 * their pidfds (-1: gone already); NULL (out of memory): they are not
 * waited for.
 */
static bool others_alive(const struct run *r, const int *others)
{
	for (size_t i = 0; others && i < r->env.nmore_pids; i++)
		if (others[i] >= 0 && !pid_gone(others[i]))
			return true;
	return false;
}

static void take_sample(struct run *r)
{
	struct mt_snapshot snap;
	struct mt_rec_sample rs;

	/* Calls that ended before this sample go first: "t" never runs backwards. */
	mt_tracer_poll(r->tracer, 0);
	/* -a, --cgroup: no first process, only the others. */
	if (r->pid) {
		mt_tracer_snapshot(r->tracer, &snap, true);
		rs = (struct mt_rec_sample){ .pid = r->pid, .rss = snap.rss, .anon = snap.anon,
					     .file = snap.file, .shmem = snap.shmem,
					     .peak = snap.sample_peak };
		mt_sink_sample(&r->sink, &rs);
	}
	if (many_procs(r))
		mt_sink_proc_samples(&r->sink, r->tracer, &r->procs, r->pid);
}

static uint64_t calls_so_far(struct run *r)
{
	uint64_t n = 0;

	for (size_t i = 0; i < r->ntargets; i++)
		n += mt_tracer_func(r->tracer, i)->calls;
	return n;
}

static void live_clear(struct run *r)
{
	if (r->live)
		mt_report_status_clear(r->tables);
}

/* The tables from the kernel side's totals, with the run's figures. */
static int collect_stats(struct run *r, const struct mt_snapshot *snap)
{
	int e = mt_collect_stats(&r->col);

	r->stats.peak_rss = r->pid ? snap->peak : -1;
	r->stats.lost = snap->lost;
	r->stats.duration = mt_sink_now(&r->sink);
	return e;
}

/* --every: the table so far, like top. */
static void periodic_table(struct run *r, double now, const struct mt_snapshot *snap)
{
	FILE *f = r->tables;

	live_clear(r);
	if (collect_stats(r, snap))
		return;
	fprintf(f, "--- %.1f s ---\n", now);
	if (r->ntargets)
		mt_report_functions(f, &r->stats);
	if (many_procs(r))
		final_procs(r);
	if (show_procs(r))
		mt_procs_report(f, &r->procs, 20);
	fputc('\n', f);
	fflush(f);
}

static int wait_command(struct run *r);

/* Poll until a signal, -d, a failed output, or the end of the traced process. */
static void trace_loop(struct run *r)
{
	int pidfd = r->pid ? syscall(SYS_pidfd_open, r->pid, 0) : -1;
	int *others = calloc(r->env.nmore_pids + 1, sizeof(*others));

	for (size_t i = 0; others && i < r->env.nmore_pids; i++)
		others[i] = syscall(SYS_pidfd_open, r->env.more_pids[i], 0);
	double start = mt_sink_now(&r->sink);
	double deadline = r->env.duration > 0 ? start + r->env.duration : 0;
	bool sampling = r->sink.out[0] || r->sink.out[1] || r->sink.want_series;
	double next_sample = start, next_live = start, next_table = start + r->env.every;
	bool serving_on = false; /* --listen: the processes ended, the server serves on */
	struct mt_snapshot snap;

	while (!stop_signal && !mt_sink_stopped(&r->sink)) {
		double now = mt_sink_now(&r->sink), wait = POLL_MS / 1000.0;
		int n;

		if (sampling && now >= next_sample) {
			take_sample(r);
			/* Keep the grid: a late wake-up does not shift later samples. */
			while (next_sample <= now)
				next_sample += r->env.interval;
		}
		if (sampling && next_sample - now < wait)
			wait = next_sample - now;
		/* A launched or exec'd interpreter maps _PyRuntime soon after: look often until then. */
		if (mt_pyframes_poll(&r->frames, r->tracer) && wait > 0.002)
			wait = 0.002;
		/* Records, then the stack samples the worker (user/samples.c) has unwound meanwhile. */
		n = wait_records(r, (int)(wait * 1000 + 0.5));
		mt_samples_collect(&r->samples, false);
		mt_procs_tick(&r->procs, r->tracer);
		mt_sink_hold(&r->sink, true);
		if (n < 0 && n != -EINTR) {
			mt_err("reading the ring buffer failed: %s", strerror(-n));
			break;
		}
		/* Requests see every record read so far: handlers run here, in this thread. */
		if (r->http)
			mt_http_run(r->http);
		now = mt_sink_now(&r->sink);
		mt_tracer_snapshot(r->tracer, &snap, false);
		mt_sink_lost(&r->sink, snap.lost);
		if (r->env.every > 0 && now >= next_table) {
			periodic_table(r, now, &snap);
			next_table += r->env.every;
		}
		if (r->live && now >= next_live) {
			mt_report_status(r->tables, now, snap.rss, snap.peak, calls_so_far(r), snap.lost);
			next_live = now + 0.25;
		}
		if (deadline && now >= deadline)
			break;
		if ((r->exited || pid_gone(pidfd)) && !serving_on) {
			r->exited = true;
			/* -p A,B: tracing goes on while another named process runs. */
			if (others_alive(r, others))
				continue;
			/* --listen: the final figures stay served until a signal or -d. */
			if (!r->http)
				break;
			mt_info(0, "the traced process%s ended; serving the figures until stopped (Ctrl-C)",
				r->env.nmore_pids ? "es" : "");
			serving_on = true;
			/* No zombie while serving: its status is kept for memtrace's exit. */
			if (r->env.cmd)
				wait_command(r);
		}
	}
	/* Records submitted just before the stop, then the last sample. */
	mt_tracer_stop(r->tracer);
	mt_tracer_poll(r->tracer, 0);
	mt_samples_collect(&r->samples, true);
	if (sampling)
		take_sample(r);
	mt_sink_hold(&r->sink, false);
	live_clear(r);
	if (pidfd >= 0)
		close(pidfd);
	for (size_t i = 0; others && i < r->env.nmore_pids; i++)
		if (others[i] >= 0)
			close(others[i]);
	free(others);
}

/* Calls still running at the stop: reported as open, never dropped. */
static void emit_open_call(void *ctx, struct mt_call *c)
{
	mt_sink_call(ctx, c);
}

static void write_plots(struct run *r, const struct mt_snapshot *snap)
{
	const char **funcs = calloc(r->ntargets ? r->ntargets : 1, sizeof(*funcs));

	for (size_t i = 0; funcs && i < r->ntargets; i++)
		funcs[i] = r->targets[i].func;
	mt_sink_plots(&r->sink, snap->peak, snap->peak_ts ? mt_sink_ktime(&r->sink, snap->peak_ts) : -1,
		      funcs, funcs ? r->ntargets : 0);
	free(funcs);
}

static void cleanup(struct run *r, bool failed)
{
	mt_http_free(r->http);
	r->http = NULL;
	mt_tracer_free(r->tracer);
	r->tracer = NULL;
	mt_sink_close(&r->sink, failed);
	for (size_t i = 0; i < r->ntargets; i++)
		mt_target_free(&r->targets[i]);
	free(r->targets);
	mt_stats_free(&r->stats);
	mt_pycodes_free(&r->codes);
	mt_pyframes_free(&r->frames);
	mt_samples_free(&r->samples);
	mt_procs_free(&r->procs);
	mt_late_free(&r->late);
	free(r->missing);
	mt_launch_free(&r->child);
	mt_env_free(&r->env);
}

/* Launch mode: the command's exit status becomes memtrace's. */
static int wait_command(struct run *r)
{
	int rc;

	/* --listen reaps it as soon as it ends (trace_loop), not at the stop. */
	if (r->command_rc >= 0)
		return r->command_rc;
	rc = mt_launch_wait(&r->child, &stop_signal, &r->exit_status);
	if (rc < 0)
		return MT_EXIT_RUNTIME;
	r->exited = true;
	r->command_rc = rc;
	return rc;
}

/* msg NULL: already reported (a failed write, user/sink.c). */
static int fail(struct run *r, const char *msg)
{
	if (msg) {
		mt_err("%s", msg);
		mt_sink_error(&r->sink, msg);
	}
	mt_launch_abort(&r->child);
	cleanup(r, true);
	return MT_EXIT_RUNTIME;
}

/*
 * What the results lack, and why, said exactly: calls the kernel could not
 * count (per function), calls that ended without returning, and records
 * dropped from the stream or from the tables.
 */
static void warn_incomplete(const struct run *r, const struct mt_snapshot *snap)
{
	uint64_t lost_calls = snap->lost - snap->lost_tables;

	mt_report_incomplete(&r->stats);
	if (lost_calls)
		mt_warn("the stream lacks %llu call record%s (ring buffer full); the tables still count %s",
			(unsigned long long)lost_calls, lost_calls == 1 ? "" : "s",
			lost_calls == 1 ? "it" : "them");
	if (snap->lost_tables)
		mt_warn("%llu event%s the tables need %s lost (ring buffer or kernel map full): Python functions or lines may be missing",
			(unsigned long long)snap->lost_tables, snap->lost_tables == 1 ? "" : "s",
			snap->lost_tables == 1 ? "was" : "were");
	if (snap->procs_lost)
		mt_warn("processes beyond the %d traced at once were not traced (%llu of their events)",
			MT_MAX_PROCS, (unsigned long long)snap->procs_lost);
	if (r->procs.events_lost)
		mt_warn("out of memory: %llu process%s missing from the process table",
			(unsigned long long)r->procs.events_lost, r->procs.events_lost == 1 ? " is" : "es are");
	if (r->frames.unresolved)
		mt_warn("%u Python code object%s could not be read from the process (did it exit first?); their memory is missing from the tables",
			r->frames.unresolved, r->frames.unresolved == 1 ? "" : "s");
	mt_samples_warn(&r->samples, snap);
	if (r->missing)
		mt_late_warn(&r->late, r->targets, r->ntargets, &r->codes);
}

static int run_trace(struct run *r)
{
	char err[ERRLEN] = "";
	struct mt_tracer_opts topts = {};
	struct mt_snapshot snap;
	int e, rc = MT_EXIT_OK;

	mt_verbose = r->env.verbose;
	setup_signals();
	mt_debuginfo_set_stop(&stop_signal);
	if (mt_sink_open(&r->sink, &r->env, &stop_signal))
		return fail(r, "out of memory");
	if (mt_tracer_check_system(err, sizeof(err)))
		return fail(r, err);
	if (start_server(r, err, sizeof(err)))
		return fail(r, err);
	if (r->env.cgroup &&
	    mt_cgroup_resolve(r->env.cgroup, &topts.cgroup_id, &topts.cgroup_level, err, sizeof(err)))
		return fail(r, err);
	if (r->env.cmd) {
		if (mt_launch_prepare(r->env.cmd, &r->child, err, sizeof(err)))
			return fail(r, err);
		r->pid = r->child.pid;
	} else if (r->env.pid) {
		r->pid = r->env.pid;
		if (mt_attach_check(r->pid, err, sizeof(err)))
			return fail(r, err);
		for (size_t i = 0; i < r->env.nmore_pids; i++)
			if (mt_attach_check(r->env.more_pids[i], err, sizeof(err)))
				return fail(r, err);
	}
	r->codes.pid = r->pid;
	/*
	 * Processes chosen as several: a -f the first program lacks may be in a
	 * program the others run. A command's children, followed by default,
	 * are not asked for: there a name the command lacks is a typo's error.
	 */
	if ((r->env.children_asked || r->env.nmore_pids || !r->pid) && r->env.nspecs) {
		r->missing = calloc(r->env.nspecs, sizeof(*r->missing));
		if (!r->missing)
			return fail(r, "out of memory");
	}
	/* -a, --cgroup: no process to resolve functions or find an interpreter in; each program's, later. */
	for (int i = 0; !r->pid && i < r->env.nspecs; i++)
		r->missing[i] = true;
	e = !r->pid ? 0 : mt_targets_resolve(&r->env, r->env.cmd ? 0 : r->pid, r->child.exe, &r->py,
					     r->missing, &r->targets, &r->ntargets, err, sizeof(err));
	if (e == -ENOENT && r->env.cmd && r->env.children)
		mt_add_err(err, sizeof(err), "; if the command runs another program that has it, add --children");
	if (e)
		return fail(r, e == -ENOMEM ? "out of memory" : err);
	if (r->missing && mt_late_init(&r->late, &r->env, r->targets, r->ntargets, r->missing))
		return fail(r, "out of memory");
	/* Attached: its program's functions are resolved; a launched command's, at its exec. */
	if (r->missing && r->pid && !r->env.cmd)
		mt_late_new_program(&r->late, r->pid);
	if (r->pid)
		mt_targets_check_python(r->env.cmd, r->pid, r->targets, r->ntargets, &r->codes);
	e = mt_pyframes_setup(&r->frames, &r->py, r->pid, r->missing != NULL, r->targets, r->ntargets,
			      err, sizeof(err));
	if (e)
		return fail(r, e == -ENOMEM ? "out of memory" : err);
	if (r->pid && r->env.sample_bytes)
		mt_pyframes_setup_stacks(&r->frames, &r->py);
	if (mt_sink_check(&r->sink, err, sizeof(err)))
		return fail(r, err[0] ? err : "out of memory");
	/*
	 * Children share their parent's stacks, as perf's do (a pre-fork server's
	 * hundred workers run the same code); processes chosen apart (-p A,B, -a,
	 * --cgroup) get stacks of their own.
	 */
	if (r->env.sample_bytes &&
	    mt_samples_start(&r->samples, r->pid, r->env.cmd != NULL,
			     r->env.nmore_pids || r->env.all || r->env.cgroup,
			     r->env.sample_bytes, &r->frames, &r->sink, err, sizeof(err)))
		return fail(r, err);

	r->tables = r->env.json || r->env.cmd ? stderr : stdout;
	r->live = !r->env.json && isatty(fileno(r->tables));
	topts.pid = r->pid;
	topts.more_pids = r->env.more_pids;
	topts.nmore_pids = r->env.nmore_pids;
	topts.follow = (r->env.children ? MT_FOLLOW_CHILDREN : 0) | (r->env.all ? MT_FOLLOW_ALL : 0) |
		       (r->env.cgroup ? MT_FOLLOW_CGROUP : 0);
	topts.launch = r->env.cmd != NULL;
	topts.emit_calls = r->sink.out[0] || r->env.output || r->sink.want_series;
	topts.targets = r->targets;
	topts.ntargets = r->ntargets;
	topts.events = (struct mt_tracer_events){ .call = on_call, .code = on_code,
						  .pyframe = on_pyframe, .stretch = on_stretch, .exit = on_exit_rec,
						  .proc = on_proc, .ctx = r };
	topts.py_off = r->frames.nlayouts ? &r->frames.off : NULL;
	topts.py_first = mt_pyframes_first(&r->frames);
	topts.py_match = r->frames.match;
	topts.npy_match = r->frames.nmatch;
	topts.py_stacks = r->frames.stacks;
	topts.py_late = r->frames.late;
	topts.sample_bytes = r->env.sample_bytes;
	if (r->env.sample_bytes)
		topts.events.stack = on_stack;
	e = mt_tracer_start(&topts, &r->tracer, err, sizeof(err));
	if (e) {
		if (!r->env.cmd && e == -ESRCH)
			mt_set_err(err, sizeof(err), "process %d exited before memtrace could attach", r->pid);
		return fail(r, err[0] ? err : strerror(-e));
	}
	mt_samples_follow(&r->samples, mt_tracer_py_codes_fd(r->tracer));
	name_procs(r);
	r->col = (struct mt_collect){ .tracer = r->tracer, .pid = r->pid, .t0 = r->sink.t0,
				      .targets = r->targets, .ntargets = r->ntargets,
				      .codes = &r->codes, .frames = &r->frames, .stats = &r->stats };
	/* Before the start record, which then lists what was found in the programs running. */
	take_in_existing(r);
	if (mt_sink_create(&r->sink, err, sizeof(err)))
		return fail(r, err);
	write_start(r);
	/* Not even the start record could be written: the command never runs. */
	if (r->sink.failed)
		return fail(r, NULL);
	if (r->env.cmd && mt_launch_release(&r->child, r->env.cmd, err, sizeof(err)))
		return fail(r, err);
	if (r->env.cmd)
		mt_samples_launched(&r->samples);
	if (r->pid)
		mt_info(1, "tracing %d function%s in process %d%s; Ctrl-C to stop", (int)r->ntargets,
			r->ntargets == 1 ? "" : "s", r->pid, many_procs(r) ? " and others" : "");
	else
		mt_info(1, "tracing %d function%s in %s; Ctrl-C to stop", (int)r->ntargets,
			r->ntargets == 1 ? "" : "s", r->env.all ? "every process" : "the cgroup's processes");

	trace_loop(r);
	final_procs(r);

	mt_tracer_snapshot(r->tracer, &snap, false);
	mt_sink_lost(&r->sink, snap.lost);
	if (collect_stats(r, &snap))
		mt_warn("out of memory: the tables are incomplete");
	if (mt_collect_open_calls(&r->col, snap.rss, mt_sink_now(&r->sink), emit_open_call, &r->sink))
		mt_warn("out of memory: calls still open at the stop are missing from the stream");
	mt_tracer_open_stretches(r->tracer);
	/*
	 * A launched command still running (-d, a signal) runs on untraced:
	 * the results come first, then we wait for it. Otherwise, too, results
	 * come first: removing each probe waits out an RCU grace period
	 * (~100 ms), which the user need not.
	 */
	if (r->env.cmd && !r->exited) {
		mt_tracer_free(r->tracer);
		r->tracer = NULL;
	} else if (r->env.cmd) {
		rc = wait_command(r); /* it has ended: its status is in the exit record */
	}
	if (r->exited)
		mt_sink_exit(&r->sink, r->pid, mt_shell_status(r->exit_status),
			     many_procs(r) ? mt_procs_find(&r->procs, r->pid) : NULL);
	/* As the tables: the processes once a second one was traced. */
	mt_sink_summary(&r->sink, r->pid, &r->stats, show_procs(r) ? &r->procs : NULL);
	write_plots(r, &snap);
	if (r->env.sample_bytes)
		mt_sink_stacks(&r->sink, &r->samples.profile);
	if (!r->env.json) {
		/*
		 * The stacks between the function table and the line tables, as
		 * `memtrace report` prints them from a saved stream (the sampling
		 * line, with what the kernel counted, only here).
		 */
		if (r->ntargets)
			mt_report_functions(r->tables, &r->stats);
		if (r->ntargets && show_procs(r))
			report_proc_functions(r);
		if (show_procs(r))
			mt_procs_report(r->tables, &r->procs, r->env.verbose ? 0 : 20);
		if (r->env.sample_bytes)
			mt_samples_report(r->tables, &r->samples, &snap, mt_report_stacks_top(r->ntargets));
		mt_report_lines(r->tables, &r->stats);
		fflush(r->tables);
	}
	warn_incomplete(r, &snap);
	mt_targets_suggest_python(r->pid, r->targets, r->ntargets, &r->codes);
	mt_sink_close(&r->sink, false);
	if (r->env.cmd && !r->exited) {
		/* A stopping signal ends the command too (mt_launch_wait()); -d lets it run on. */
		if (!stop_signal && !r->sink.failed)
			mt_info(0, "tracing ended; %s (PID %d) runs on untraced, and memtrace exits with its status when it ends",
				r->env.cmd[0], r->pid);
		rc = wait_command(r);
	}
	cleanup(r, false);
	/*
	 * memtrace's own failure (an output it could not write: its results are
	 * lost) wins over a launched command's status, so no script takes the
	 * run for a success.
	 */
	return r->sink.failed ? MT_EXIT_RUNTIME : rc;
}

int main(int argc, char **argv)
{
	struct run r = { .command_rc = -1 };
	int rc;

	if (argc > 1 && !strcmp(argv[1], "report"))
		return mt_report_main(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "plot"))
		return mt_plot_main(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "flame"))
		return mt_flame_main(argc - 1, argv + 1);

	rc = mt_env_parse(argc, argv, &r.env);
	if (rc) {
		mt_env_free(&r.env);
		return rc < 0 ? MT_EXIT_OK : rc;
	}
	return run_trace(&r);
}
