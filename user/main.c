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
#include "collect.h"
#include "debuginfo.h"
#include "process.h"
#include "sink.h"
#include "targets.h"
#include "env.h"
#include "json.h"
#include "log.h"
#include "outfile.h"
#include "flame.h"
#include "plot.h"
#include "procfs.h"
#include "profile.h"
#include "pyframes.h"
#include "pystack.h"
#include "pysource.h"
#include "pytarget.h"
#include "records.h"
#include "report.h"
#include "resolve.h"
#include "series.h"
#include "spec.h"
#include "stackreport.h"
#include "stats.h"
#include "tracer.h"
#include "unwind.h"

#define ERRLEN 1024
#define POLL_MS 50
/* Native frames kept per sample: a 16 KiB stack copy holds fewer (16 bytes a frame at least). */
#define MAX_FRAMES 1024
/* Samples waiting to be unwound, at most (~10 KiB each): beyond, the oldest is unwound at once. */
#define STACKS_QUEUED 4096
/* Time spent unwinding between two reads of the ring. */
#define UNWIND_BUDGET_S 0.01

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
	/* Stacks: the samples' unwinder, a frame buffer for it, and what they add up to. */
	struct mt_unwinder *unwinder;
	struct mt_frame *stack_frames; /* MAX_FRAMES */
	/* Python's frames in stacks: NULL if the target is no CPython we can walk. */
	struct mt_pystack *pystack;
	struct mt_frame *mixed_frames; /* MAX_FRAMES, with pystack */
	struct mt_profile profile;
	/*
	 * Samples wait here, oldest first, to be unwound between reads of the
	 * ring (unwind_queued()): an unwind takes up to milliseconds, and
	 * records behind it in the ring (a Python code object to read while
	 * the process lives) must not wait for it.
	 */
	struct mt_stack_rec **queued; /* a circle of STACKS_QUEUED slots */
	size_t queued_head, nqueued;
	bool unwind_now; /* the next sample is unwound at once (see on_stack()) */
	uint64_t unwind_failed;  /* samples kept as [unknown]: no unwinder, or it failed */
	bool profile_oom;        /* a sample could not be added: the stacks are incomplete */
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

	mt_pyframes_code_seen(&r->frames, pr->target, pr->code, &r->codes);
}

static void on_stretch(void *ctx, const struct mt_stretch_rec *sr)
{
	struct run *r = ctx;
	struct mt_call c;

	mt_collect_stretch(&r->col, sr, &c);
	mt_sink_stretch(&r->sink, &c);
}

static void on_exit_rec(void *ctx, const struct mt_exit_rec *er)
{
	struct run *r = ctx;

	/* In launch mode waitpid() has the authoritative status; it overrides this. */
	r->exited = true;
	r->exit_status = er->status;
}

/* Where a sample the unwinder could not read goes: its bytes stay counted. */
static const struct mt_frame unknown_frame = { .func = "[unknown]", .kind = MT_FRAME_UNKNOWN };
/* A sample with no user registers (inside execve, bpf/stacks.bpf.c): the kernel's work. */
static const struct mt_frame kernel_frame = { .func = "[kernel]", .kind = MT_FRAME_UNKNOWN };

static void reverse_frames(struct mt_frame *f, size_t n)
{
	for (size_t i = 0; i < n / 2; i++) {
		struct mt_frame tmp = f[i];

		f[i] = f[n - 1 - i];
		f[n - 1 - i] = tmp;
	}
}

/*
 * A sampled stack: unwound (leaf first), its Python frames put in place of
 * the interpreter's eval loops (user/pystack.h), turned root first, added to
 * the profile.
 */
static void add_sample(struct run *r, const struct mt_stack_rec *sr)
{
	struct mt_frame *frames = r->stack_frames;
	struct mt_stack st = { .bytes = sr->weight, .tid = sr->tid,
			       .t = mt_sink_ktime(&r->sink, sr->ts) };
	size_t n = 0, first_new;
	int64_t i;

	if (!r->unwinder || !frames ||
	    mt_unwind(r->unwinder, sr, frames, MAX_FRAMES, &n, &st.truncated))
		n = 0;
	st.truncated &= n > 0;
	if (r->pystack && sr->nr_py) {
		st.truncated |= mt_pystack_merge(r->pystack, sr, frames, n, r->mixed_frames,
						 MAX_FRAMES, &n) == 1;
		frames = r->mixed_frames;
	}
	if (n) {
		reverse_frames(frames, n);
		st.frames = frames;
		st.n = n;
	} else {
		bool kernel = sr->flags & MT_STACK_NO_USER;

		r->unwind_failed += !kernel;
		st.frames = kernel ? &kernel_frame : &unknown_frame;
		st.n = 1;
		st.truncated = !kernel;
	}
	first_new = r->profile.nframes;
	i = mt_profile_add(&r->profile, &st);
	if (i < 0)
		r->profile_oom = true;
	else
		mt_sink_stack(&r->sink, &r->profile, first_new, &st, r->profile.stacks[i].frames);
}

static void unwind_oldest(struct run *r)
{
	struct mt_stack_rec *sr = r->queued[r->queued_head];

	r->queued_head = (r->queued_head + 1) % STACKS_QUEUED;
	r->nqueued--;
	add_sample(r, sr);
	free(sr);
}

/* Unwinds the oldest queued samples for up to budget seconds (< 0: all of them). */
static void unwind_queued(struct run *r, double budget)
{
	double end = mt_sink_now(&r->sink) + budget;

	while (r->nqueued && (budget < 0 || mt_sink_now(&r->sink) < end))
		unwind_oldest(r);
}

/* A sample from the ring: copied (the part used) to be unwound soon, or at once if it cannot wait. */
static void on_stack(void *ctx, const struct mt_stack_rec *sr)
{
	struct run *r = ctx;
	size_t size = offsetof(struct mt_stack_rec, stack) + sr->stack_len;
	struct mt_stack_rec *copy;

	/*
	 * One per read of the ring at once: the unwinder rereads the maps on
	 * an address it does not know, which only a live process can give
	 * (a launched command's libraries map after its exec).
	 */
	if (r->unwind_now && (!mt_pyframes_walking(&r->frames) || r->frames.runtime)) {
		r->unwind_now = false;
		add_sample(r, sr);
		return;
	}
	if (r->nqueued == STACKS_QUEUED)
		unwind_oldest(r);
	copy = r->queued ? malloc(size) : NULL;
	if (!copy) {
		add_sample(r, sr);
		return;
	}
	memcpy(copy, sr, size);
	r->queued[(r->queued_head + r->nqueued++) % STACKS_QUEUED] = copy;
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

static void take_sample(struct run *r)
{
	struct mt_snapshot snap;
	struct mt_rec_sample rs;

	/* Calls that ended before this sample go first: "t" never runs backwards. */
	mt_tracer_poll(r->tracer, 0);
	mt_tracer_snapshot(r->tracer, &snap, true);
	rs = (struct mt_rec_sample){ .pid = r->pid, .rss = snap.rss, .anon = snap.anon,
				     .file = snap.file, .shmem = snap.shmem, .peak = snap.sample_peak };
	mt_sink_sample(&r->sink, &rs);
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

	r->stats.peak_rss = snap->peak;
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
	mt_report_functions(f, &r->stats);
	fputc('\n', f);
	fflush(f);
}

/* Poll until a signal, -d, a failed output, or the end of the traced process. */
static void trace_loop(struct run *r)
{
	int pidfd = syscall(SYS_pidfd_open, r->pid, 0);
	double start = mt_sink_now(&r->sink);
	double deadline = r->env.duration > 0 ? start + r->env.duration : 0;
	bool sampling = r->sink.out[0] || r->sink.out[1] || r->sink.want_series;
	double next_sample = start, next_live = start, next_table = start + r->env.every;
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
		/* A launched interpreter maps _PyRuntime soon after exec: look often until then. */
		if (mt_pyframes_walking(&r->frames) && !r->frames.runtime) {
			if (mt_pyframes_find_runtime(&r->frames))
				mt_tracer_set_py_runtime(r->tracer, r->frames.runtime);
			else if (wait > 0.002)
				wait = 0.002;
		}
		/* Samples to unwind: read what is there without waiting, then unwind some. */
		r->unwind_now = true;
		n = mt_tracer_poll(r->tracer, r->nqueued ? 0 : (int)(wait * 1000 + 0.5));
		/* Not while a launched interpreter's runtime is sought: its first calls would go unwalked. */
		if (!mt_pyframes_walking(&r->frames) || r->frames.runtime)
			unwind_queued(r, UNWIND_BUDGET_S);
		mt_sink_hold(&r->sink, true);
		if (n < 0 && n != -EINTR) {
			mt_err("reading the ring buffer failed: %s", strerror(-n));
			break;
		}
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
		if (r->exited || pid_gone(pidfd)) {
			r->exited = true;
			break;
		}
	}
	/* Records submitted just before the stop, then the last sample. */
	mt_tracer_stop(r->tracer);
	mt_tracer_poll(r->tracer, 0);
	unwind_queued(r, -1);
	if (sampling)
		take_sample(r);
	mt_sink_hold(&r->sink, false);
	live_clear(r);
	if (pidfd >= 0)
		close(pidfd);
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
	mt_tracer_free(r->tracer);
	r->tracer = NULL;
	mt_sink_close(&r->sink, failed);
	for (size_t i = 0; i < r->ntargets; i++)
		mt_target_free(&r->targets[i]);
	free(r->targets);
	mt_stats_free(&r->stats);
	mt_pycodes_free(&r->codes);
	mt_pyframes_free(&r->frames);
	mt_unwinder_free(r->unwinder);
	r->unwinder = NULL;
	free(r->stack_frames);
	r->stack_frames = NULL;
	mt_pystack_free(r->pystack);
	r->pystack = NULL;
	free(r->mixed_frames);
	r->mixed_frames = NULL;
	while (r->nqueued) {
		free(r->queued[r->queued_head]);
		r->queued_head = (r->queued_head + 1) % STACKS_QUEUED;
		r->nqueued--;
	}
	free(r->queued);
	r->queued = NULL;
	mt_profile_free(&r->profile);
	mt_launch_free(&r->child);
	mt_env_free(&r->env);
}

/* Launch mode: the command's exit status becomes memtrace's. */
static int wait_command(struct run *r)
{
	int rc = mt_launch_wait(&r->child, &stop_signal, &r->exit_status);

	if (rc < 0)
		return MT_EXIT_RUNTIME;
	r->exited = true;
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

/* Samples the stacks lack: lost in the kernel, malformed, not unwound, or no memory to keep. */
static void warn_stacks_incomplete(const struct run *r, const struct mt_snapshot *snap)
{
	char lost[32];
	const char *unit;

	if (snap->stacks_lost) {
		mt_fmt_size(lost, sizeof(lost), snap->stacks_lost_bytes, &unit);
		mt_warn("%llu stack sample%s (%s %s of growth) lost: ring buffer full; a larger --sample-bytes takes fewer",
			(unsigned long long)snap->stacks_lost, snap->stacks_lost == 1 ? "" : "s", lost, unit);
	}
	if (snap->stacks_bad)
		mt_warn("%llu malformed stack sample%s dropped", (unsigned long long)snap->stacks_bad,
			snap->stacks_bad == 1 ? "" : "s");
	if (r->unwind_failed && r->unwinder)
		mt_warn("%llu stack sample%s could not be unwound: shown as [unknown]",
			(unsigned long long)r->unwind_failed, r->unwind_failed == 1 ? "" : "s");
	if (r->profile_oom)
		mt_warn("out of memory: the stacks are incomplete");
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
	if (r->frames.unresolved)
		mt_warn("%u Python code object%s could not be read from the process (did it exit first?); their memory is missing from the tables",
			r->frames.unresolved, r->frames.unresolved == 1 ? "" : "s");
	warn_stacks_incomplete(r, snap);
}

/*
 * Stacks: the unwinder reads the target's mappings and objects as samples
 * come (in launch mode the command has not exec'd yet). Without one the
 * samples still count, as [unknown].
 */
static int start_stacks(struct run *r, char *err, size_t errlen)
{
	int e;

	r->stack_frames = calloc(MAX_FRAMES, sizeof(*r->stack_frames));
	r->queued = calloc(STACKS_QUEUED, sizeof(*r->queued));
	if (!r->stack_frames || !r->queued) {
		mt_set_err(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (r->frames.stacks) {
		r->mixed_frames = calloc(MAX_FRAMES, sizeof(*r->mixed_frames));
		if (!r->mixed_frames || mt_pystack_new(r->pid, &r->frames.off, &r->pystack)) {
			mt_set_err(err, errlen, "out of memory");
			return -ENOMEM;
		}
	}
	e = mt_unwinder_new(r->pid, &r->unwinder);
	if (e) {
		mt_warn("cannot unwind the stacks of process %d (%s); their growth shows as [unknown]",
			r->pid, strerror(e < 0 ? -e : e));
		r->unwinder = NULL;
	}
	return 0;
}

/* One line on the tables stream: what the stacks stand for, and what they miss. */
static void report_sampling(FILE *f, const struct mt_snapshot *snap)
{
	char all[32], left[32];
	const char *ua, *ul;

	/* What the stack tables below (user/stackreport.c) cannot say: the growth they miss. */
	mt_fmt_size(all, sizeof(all), snap->stacks_growth, &ua);
	mt_fmt_size(left, sizeof(left), snap->stacks_unsampled, &ul);
	fprintf(f, "stacks: %s %s of growth seen; %s %s of it came after its thread's last sample and is in no stack\n",
		all, ua, left, ul);
}

static int run_trace(struct run *r)
{
	char err[ERRLEN] = "";
	struct mt_tracer_opts topts = {};
	struct mt_snapshot snap;
	int e, rc = MT_EXIT_OK;

	mt_verbose = r->env.verbose;
	mt_profile_init(&r->profile);
	r->profile.sample_bytes = r->env.sample_bytes;
	setup_signals();
	mt_debuginfo_set_stop(&stop_signal);
	if (mt_sink_open(&r->sink, &r->env, &stop_signal))
		return fail(r, "out of memory");
	if (mt_tracer_check_system(err, sizeof(err)))
		return fail(r, err);
	if (r->env.cmd) {
		if (mt_launch_prepare(r->env.cmd, &r->child, err, sizeof(err)))
			return fail(r, err);
		r->pid = r->child.pid;
	} else {
		r->pid = r->env.pid;
		if (mt_attach_check(r->pid, err, sizeof(err)))
			return fail(r, err);
	}
	r->codes.pid = r->pid;
	e = mt_targets_resolve(&r->env, r->env.cmd ? 0 : r->pid, r->child.exe, &r->py, &r->targets,
			       &r->ntargets, err, sizeof(err));
	if (e)
		return fail(r, e == -ENOMEM ? "out of memory" : err);
	mt_targets_check_python(r->env.cmd, r->pid, r->targets, r->ntargets, &r->codes);
	e = mt_pyframes_setup(&r->frames, &r->py, r->pid, r->targets, r->ntargets, err, sizeof(err));
	if (e)
		return fail(r, e == -ENOMEM ? "out of memory" : err);
	if (r->env.sample_bytes)
		mt_pyframes_setup_stacks(&r->frames, &r->py);
	if (mt_sink_check(&r->sink, err, sizeof(err)))
		return fail(r, err[0] ? err : "out of memory");
	if (r->env.sample_bytes && start_stacks(r, err, sizeof(err)))
		return fail(r, err);

	r->tables = r->env.json || r->env.cmd ? stderr : stdout;
	r->live = !r->env.json && isatty(fileno(r->tables));
	topts.pid = r->pid;
	topts.launch = r->env.cmd != NULL;
	topts.emit_calls = r->sink.out[0] || r->env.output || r->sink.want_series;
	topts.targets = r->targets;
	topts.ntargets = r->ntargets;
	topts.events = (struct mt_tracer_events){ .call = on_call, .code = on_code,
						  .pyframe = on_pyframe, .stretch = on_stretch, .exit = on_exit_rec, .ctx = r };
	topts.py_off = &r->frames.off;
	topts.py_runtime = r->frames.runtime;
	topts.py_match = r->frames.match;
	topts.npy_match = r->frames.nmatch;
	topts.py_stacks = r->frames.stacks;
	topts.sample_bytes = r->env.sample_bytes;
	if (r->env.sample_bytes)
		topts.events.stack = on_stack;
	e = mt_tracer_start(&topts, &r->tracer, err, sizeof(err));
	if (e) {
		if (!r->env.cmd && e == -ESRCH)
			mt_set_err(err, sizeof(err), "process %d exited before memtrace could attach", r->pid);
		return fail(r, err[0] ? err : strerror(-e));
	}
	if (r->pystack && (e = mt_pystack_follow(r->pystack, mt_tracer_py_codes_fd(r->tracer))))
		mt_warn("cannot follow the Python code objects of stacks (%s); those of samples read after the process exits show as [python code 0x...]",
			strerror(-e));
	r->col = (struct mt_collect){ .tracer = r->tracer, .pid = r->pid, .t0 = r->sink.t0,
				      .targets = r->targets, .ntargets = r->ntargets,
				      .codes = &r->codes, .frames = &r->frames, .stats = &r->stats };
	if (mt_sink_create(&r->sink, err, sizeof(err)))
		return fail(r, err);
	write_start(r);
	/* Not even the start record could be written: the command never runs. */
	if (r->sink.failed)
		return fail(r, NULL);
	if (r->env.cmd && mt_launch_release(&r->child, r->env.cmd, err, sizeof(err)))
		return fail(r, err);
	mt_info(1, "tracing %d function%s in process %d; Ctrl-C to stop", (int)r->ntargets,
		r->ntargets == 1 ? "" : "s", r->pid);

	trace_loop(r);

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
		mt_sink_exit(&r->sink, r->pid, mt_shell_status(r->exit_status));
	mt_sink_summary(&r->sink, r->pid, &r->stats);
	write_plots(r, &snap);
	mt_sink_stacks(&r->sink, &r->profile);
	if (!r->env.json) {
		/*
		 * The stacks between the function table and the line tables, as
		 * `memtrace report` prints them from a saved stream (the sampling
		 * line, with what the kernel counted, only here).
		 */
		if (r->ntargets)
			mt_report_functions(r->tables, &r->stats);
		if (r->env.sample_bytes) {
			report_sampling(r->tables, &snap);
			mt_report_stacks(r->tables, &r->profile, mt_report_stacks_top(r->ntargets));
		}
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
	struct run r = {};
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
