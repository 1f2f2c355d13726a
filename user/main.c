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
#include "env.h"
#include "json.h"
#include "launch.h"
#include "log.h"
#include "outfile.h"
#include "plot.h"
#include "procfs.h"
#include "pyframes.h"
#include "pysource.h"
#include "pytarget.h"
#include "records.h"
#include "report.h"
#include "resolve.h"
#include "series.h"
#include "spec.h"
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
	struct mt_json *out[2]; /* stdout (--json) and the -o file */
	struct mt_outfile ofile; /* the -o file */
	bool write_failed;       /* an output could not be written: memtrace exits 1 */
	double t0;              /* CLOCK_MONOTONIC seconds at start */
	bool exited;            /* the traced process ended */
	int exit_status;        /* its wait status */
	uint64_t lost_reported;
	struct mt_stats stats;
	struct mt_series series; /* kept in memory only for --svg / --mprof */
	bool want_series;
	bool live;               /* status line on a terminal */
	uint64_t peak_ts;        /* when the peak RSS was reached (ktime ns) */
	double last_t;           /* "t" of the latest call or sample record written */
	struct mt_python py;     /* is the target CPython, and how it can be traced */
	struct mt_pycodes codes; /* Python functions matched so far */
	int row_of[MT_MAX_FUNCS + MT_MAX_CODES]; /* kernel-side function index -> stats row */
	struct mt_pyframes frames; /* Python by frame walking */
};

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double unix_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* bpf_ktime_get_ns() is CLOCK_MONOTONIC: the stream's "t" is relative to our start. */
static double rel_t(const struct run *r, uint64_t ktime_ns)
{
	return ktime_ns / 1e9 - r->t0;
}

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

/*
 * A JSON write failure ends tracing like a signal; the target runs on
 * untouched (a launched command runs to its end, untraced, as under perf
 * record when its disk fills). A reader that went away (EPIPE on stdout:
 * memtrace --json | head) or a write cut short by the signal that stops the
 * run is a quiet stop. Anything else (a full disk, /dev/full, EIO) is
 * memtrace's own failure: one line, and exit 1 (exit_status()); the -o file
 * is cut back to its last whole record.
 */
static void json_failed(struct run *r, int i, int e)
{
	char msg[ERRLEN];

	if (i == 1) {
		/* The write's own errno: stdio's may be stale. */
		e = r->ofile.err ?: e;
		mt_out_cut(&r->ofile);
	}
	if (!(i == 0 && e == -EPIPE) && !(e == -EINTR && stop_signal) && !r->write_failed) {
		r->write_failed = true;
		if (i == 1 && r->ofile.created)
			snprintf(msg, sizeof(msg),
				 "cannot write %s: %s; tracing stopped, the file ends with the last whole record: free some space or name another -o FILE",
				 r->env.output, strerror(-e));
		else if (i == 1)
			snprintf(msg, sizeof(msg), "cannot write %s: %s; tracing stopped: name another -o FILE",
				 r->env.output, strerror(-e));
		else
			snprintf(msg, sizeof(msg), "cannot write the JSON stream to stdout: %s; tracing stopped",
				 strerror(-e));
		mt_err("%s", msg);
		/* A --json reader learns it too, from its own stream. */
		if (i == 1 && r->out[0])
			mt_rec_error(r->out[0], mono_now() - r->t0, msg);
	}
	mt_json_free(r->out[i]);
	r->out[i] = NULL;
	if (!stop_signal)
		stop_signal = SIGPIPE;
}

#define EMIT(r, fn, ...)                                                        \
	do {                                                                    \
		for (int i_ = 0; i_ < 2; i_++) {                               \
			int e_;                                                 \
			if (!(r)->out[i_])                                      \
				continue;                                       \
			e_ = fn((r)->out[i_], __VA_ARGS__);                     \
			if (e_ < 0)                                             \
				json_failed((r), i_, e_);                       \
		}                                                               \
	} while (0)

/* Kernel-side function index: a native target, or MT_MAX_FUNCS + a Python code. */
static const char *func_name(const struct run *r, uint32_t func)
{
	const struct mt_pycode_info *ci;

	if (func < r->ntargets)
		return r->targets[func].func;
	ci = func >= MT_MAX_FUNCS ? mt_pycodes_get(&r->codes, func - MT_MAX_FUNCS) : NULL;
	return ci && ci->target < r->ntargets ? r->targets[ci->target].func : "?";
}

/* Python calls carry their file: one name may live in several. */
static const char *func_file(const struct run *r, uint32_t func)
{
	const struct mt_pycode_info *ci;

	ci = func >= MT_MAX_FUNCS ? mt_pycodes_get(&r->codes, func - MT_MAX_FUNCS) : NULL;
	return ci ? ci->file : NULL;
}

static void call_from_active(const struct run *r, const struct mt_active *a, int64_t rss_now,
			     double t_now, struct mt_call *c)
{
	memset(c, 0, sizeof(*c));
	c->pid = r->pid;
	c->tid = a->tid;
	c->func = func_name(r, a->func);
	c->file = func_file(r, a->func);
	c->t = t_now;
	c->dur = t_now - rel_t(r, a->ts_entry);
	c->rss_entry = a->rss_entry;
	c->rss_exit = rss_now;
	c->rss_peak = a->rss_peak > rss_now ? a->rss_peak : rss_now;
	c->growth = rss_now - a->rss_entry;
	c->thread_growth = a->thread_growth;
	c->open = true;
}

static void add_span(struct run *r, const struct mt_call *c)
{
	struct mt_span sp = {
		.t0 = c->t - c->dur,
		.t1 = c->t,
		.rss_entry = c->rss_entry,
		.rss_exit = c->rss_exit,
		.rss_peak = c->rss_peak,
		.open = c->open,
	};

	if (r->want_series && mt_series_add_span(&r->series, c->func, &sp))
		mt_warn("out of memory: the plot will miss calls");
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct run *r = ctx;
	const __u32 *type = data;

	if (size >= sizeof(struct mt_call_rec) && *type == MT_REC_CALL) {
		const struct mt_call_rec *cr = data;
		struct mt_call c = {
			.pid = r->pid,
			.tid = cr->tid,
			.func = func_name(r, cr->func),
			.file = func_file(r, cr->func),
			.t = rel_t(r, cr->ts_exit),
			.dur = (cr->ts_exit - cr->ts_entry) / 1e9,
			.rss_entry = cr->rss_entry,
			.rss_exit = cr->rss_exit,
			.rss_peak = cr->rss_peak,
			.growth = cr->rss_exit - cr->rss_entry,
			.thread_growth = cr->thread_growth,
			.ended = cr->flags & MT_CALL_THREAD_EXIT ? "thread_exit"
				 : cr->flags & MT_CALL_UNWOUND   ? "unwound"
								  : NULL,
		};

		/* A record submitted while a sample was written may end a few us before it. */
		if (c.t < r->last_t)
			c.t = r->last_t;
		r->last_t = c.t;
		EMIT(r, mt_rec_call, &c);
		add_span(r, &c);
	} else if (size >= sizeof(struct mt_code_rec) && *type == MT_REC_CODE) {
		/* A copy: the ring is mapped read-only, and its strings may lack their NUL. */
		struct mt_code_rec cr = *(const struct mt_code_rec *)data;

		cr.name[sizeof(cr.name) - 1] = '\0';
		cr.file[sizeof(cr.file) - 1] = '\0';
		if (mt_pycodes_add(&r->codes, cr.code, cr.target, cr.name, cr.file, cr.firstlineno))
			mt_warn("out of memory: Python function %s will lack its source", cr.name);
		mt_info(1, "Python function %s matched in %s:%u", cr.name, cr.file, cr.firstlineno);
	} else if (size >= sizeof(struct mt_pyframe_rec) && *type == MT_REC_PYFRAME) {
		const struct mt_pyframe_rec *pr = data;

		mt_pyframes_code_seen(&r->frames, pr->target, pr->code, &r->codes);
	} else if (size >= sizeof(struct mt_exit_rec) && *type == MT_REC_EXIT) {
		const struct mt_exit_rec *er = data;

		/* In launch mode waitpid() has the authoritative status; it overrides this. */
		r->exited = true;
		r->exit_status = er->status;
	}
	return 0;
}

static int shell_status(int wstatus)
{
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return WEXITSTATUS(wstatus);
}

/* Attach mode: is PID something we can trace? One clear line if not. */
static int check_pid(pid_t pid, char *err, size_t errlen)
{
	char path[64], exe[PATH_MAX], comm[64] = "?";
	ssize_t n;

	if (pid == getpid()) {
		snprintf(err, errlen, "process %d is memtrace itself; name another process", pid);
		return -EINVAL;
	}
	if (kill(pid, 0) && errno == ESRCH) {
		snprintf(err, errlen, "no process with PID %d; check the PID (ps -p %d)", pid, pid);
		return -ESRCH;
	}
	mt_proc_comm(pid, comm, sizeof(comm));
	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	if (n < 0 && errno == ENOENT) {
		snprintf(err, errlen,
			 "process %d (%s) is a kernel thread or a zombie: it has no user memory to trace", pid,
			 comm);
		return -EINVAL;
	}
	if (n < 0) {
		snprintf(err, errlen, "cannot inspect process %d (%s): %s: %s; run memtrace as root", pid,
			 comm, path, strerror(errno));
		return -errno;
	}
	return 0;
}

static bool same_target(const struct mt_target *a, const struct mt_target *b)
{
	if (a->kind != b->kind)
		return false;
	if (a->kind == MT_KIND_PYTHON)
		return !strcmp(a->func, b->func) &&
		       !strcmp(a->py_file ? a->py_file : "", b->py_file ? b->py_file : "");
	return !strcmp(a->object_host, b->object_host) && a->sym_offset == b->sym_offset;
}

static int resolve_one(struct run *r, const struct mt_resolve_ctx *rc, const char *text,
		       struct mt_target *t, char *err, size_t errlen)
{
	struct mt_spec spec;
	int e = mt_spec_parse(text, &spec, err, errlen);

	if (e)
		return e;
	if (mt_python_wants(&r->py, &spec, rc)) {
		e = mt_python_target(&r->py, &spec, r->env.exact, t, err, errlen);
	} else {
		e = mt_resolve(rc, text, t, err, errlen);
		/* A bare name that is no native symbol may have been meant as Python. */
		if (e == -ENOENT && !spec.object && r->py.unsupported) {
			snprintf(err, errlen, "%.600s; and '%.200s' is no native function either",
				 r->py.what, spec.name);
		} else if (e == -ENOENT && !spec.object && !r->py.found) {
			size_t len = strlen(err);

			snprintf(err + len, errlen - len, "; nor is it a Python function: the process is not CPython");
		}
	}
	mt_spec_free(&spec);
	return e;
}

static int resolve_targets(struct run *r, char *err, size_t errlen)
{
	struct mt_resolve_ctx rc = { .pid = r->env.cmd ? 0 : r->pid, .exe = r->child.exe };
	int e = mt_python_detect(rc.pid, rc.exe, &r->py, err, errlen);

	if (e)
		return e;
	if (r->py.found)
		mt_info(1, "CPython %d.%d in %s%s", r->py.proc.major, r->py.proc.minor, r->py.proc.object,
			r->py.has_usdt ? " (with USDT probes)" : "");
	r->targets = calloc(r->env.nspecs, sizeof(*r->targets));
	if (!r->targets)
		return -ENOMEM;
	for (int i = 0; i < r->env.nspecs; i++) {
		struct mt_target *t = &r->targets[r->ntargets];
		bool dup = false;

		e = resolve_one(r, &rc, r->env.specs[i], t, err, errlen);
		if (e)
			return e;
		/*
		 * A C++ exception unwinding through a uretprobe'd frame meets the
		 * kernel's trampoline as return address, finds no unwind info and
		 * calls std::terminate(): refuse unless the user vouches for it.
		 */
		if (t->kind == MT_KIND_NATIVE && t->go_runtime) {
			snprintf(err, errlen,
				 "%s is in %s, a Go program: Go moves goroutine stacks, and a return probe's rewritten return address would crash it; memtrace cannot trace Go functions",
				 t->func, t->object);
			mt_target_free(t);
			return -EPERM;
		}
		if (t->kind == MT_KIND_NATIVE && t->cxx_exceptions && !r->env.cxx_noexcept) {
			snprintf(err, errlen,
				 "%s is in %s, C++ code with exceptions: one thrown through a traced function would terminate the process (the kernel's return probe hides the frame from the unwinder); if none can pass through %s, add --cxx-noexcept",
				 t->func, t->object, t->func);
			mt_target_free(t);
			return -EPERM;
		}
		/* The same function named twice would be counted twice: keep the first. */
		for (size_t j = 0; j < r->ntargets; j++)
			dup |= same_target(&r->targets[j], t);
		if (dup) {
			mt_warn("'%s' names %s in %s again; tracing it once", r->env.specs[i], t->func,
				t->object);
			mt_target_free(t);
			continue;
		}
		r->ntargets++;
	}
	return 0;
}

/*
 * Before tracing: every output name is one memtrace may write (no symbolic
 * link, no directory: user/outfile.c), so a mistake costs no traced run. A
 * -o FIFO, device or /dev/fd/N is opened here (a FIFO waits for its reader);
 * a regular -o file is created by create_output(), the plots at the end.
 */
static int open_outputs(struct run *r, char *err, size_t errlen)
{
	const char *plots[] = { r->env.svg, r->env.mprof };
	enum mt_out_kind kind;
	int e;

	if (r->env.output) {
		e = mt_out_check(&r->ofile, r->env.output, err, errlen);
		if (e == -EINTR && stop_signal)
			snprintf(err, errlen, "stopped by a signal before tracing started (waiting for a reader of %s); nothing was traced",
				 r->env.output);
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

/*
 * The -o file is created only now, with every probe live and just before
 * the start record: a run that fails or is stopped before tracing leaves no
 * file, and an old file of that name stays as it was.
 */
static int create_output(struct run *r, char *err, size_t errlen)
{
	int e;

	if (stop_signal) {
		snprintf(err, errlen, "stopped by a signal before tracing started; nothing was traced");
		return -EINTR;
	}
	if (!r->env.output)
		return 0;
	e = mt_out_create(&r->ofile, err, errlen);
	if (e)
		return e;
	r->out[1] = mt_json_new(r->ofile.f);
	if (!r->out[1]) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

static void write_start(struct run *r)
{
	struct mt_rec_target *tg = calloc(r->ntargets ? r->ntargets : 1, sizeof(*tg));
	struct mt_rec_start s = {
		.t = mono_now() - r->t0,
		.ts_unix = unix_now(),
		.pid = r->pid,
		.ntargets = r->ntargets,
		.page_size = sysconf(_SC_PAGESIZE),
	};
	char comm[64] = "?", **argv = NULL;
	int argc = 0;

	if (!tg)
		return;
	for (size_t i = 0; i < r->ntargets; i++) {
		tg[i].spec = r->targets[i].spec;
		tg[i].func = r->targets[i].func;
		tg[i].kind = r->targets[i].kind == MT_KIND_PYTHON ? "python" : "native";
		tg[i].object = r->targets[i].object;
		tg[i].method = r->targets[i].method;
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
	/* Calls can end between the attach and this record: none may come before it. */
	r->last_t = s.t;
	EMIT(r, mt_rec_start, &s);
	/* The series counts from t = 0, the start record from a little later. */
	if (r->want_series)
		mt_series_set_info(&r->series, r->pid, comm, s.cmdline, s.ts_unix - s.t);
	mt_proc_free_argv(argv);
	free(tg);
}

static bool pid_gone(int pidfd)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };

	return pidfd >= 0 && poll(&p, 1, 0) == 1;
}

static void report_lost(struct run *r, uint64_t lost)
{
	if (lost > r->lost_reported) {
		EMIT(r, mt_rec_lost, mono_now() - r->t0, lost - r->lost_reported);
		r->lost_reported = lost;
	}
}

static void take_sample(struct run *r)
{
	struct mt_snapshot snap;
	struct mt_rec_sample rs;
	struct mt_sample smp;
	double now;

	/*
	 * Calls that ended before this sample go first, and the sample's time
	 * is taken after them: "t" never runs backwards.
	 */
	mt_tracer_poll(r->tracer, 0);
	now = mono_now() - r->t0;
	if (now < r->last_t)
		now = r->last_t;
	mt_tracer_snapshot(r->tracer, &snap, true);
	rs = (struct mt_rec_sample){ .t = now, .pid = r->pid, .rss = snap.rss, .anon = snap.anon,
				     .file = snap.file, .shmem = snap.shmem, .peak = snap.sample_peak };
	r->last_t = now;
	EMIT(r, mt_rec_sample, &rs);
	smp = (struct mt_sample){ .t = now, .rss = snap.rss, .anon = snap.anon, .file = snap.file,
				  .shmem = snap.shmem, .peak = snap.sample_peak };
	if (r->want_series && mt_series_add_sample(&r->series, &smp))
		mt_warn("out of memory: the plot will miss samples");
}

static uint64_t calls_so_far(struct run *r)
{
	uint64_t n = 0;

	for (size_t i = 0; i < r->ntargets; i++)
		n += mt_tracer_func(r->tracer, i)->calls;
	return n;
}

/* One line, rewritten in place: erase it before anything else goes to stdout. */
static void live_status(struct run *r, double now, const struct mt_snapshot *snap)
{
	char rss[32], peak[32];

	printf("\r\033[K[%7.1fs] RSS %s MiB  peak %s MiB  calls %llu  lost %llu", now,
	       mt_fmt_mib(rss, sizeof(rss), snap->rss), mt_fmt_mib(peak, sizeof(peak), snap->peak),
	       (unsigned long long)calls_so_far(r), (unsigned long long)snap->lost);
	fflush(stdout);
}

static void live_clear(struct run *r)
{
	if (r->live) {
		printf("\r\033[K");
		fflush(stdout);
	}
}

static int collect_stats(struct run *r, const struct mt_snapshot *snap);

/* --every: the table so far, like top. */
static void periodic_table(struct run *r, double now, const struct mt_snapshot *snap)
{
	/* With --json, stdout is the stream: the tables go to stderr. */
	FILE *f = r->env.json ? stderr : stdout;

	live_clear(r);
	if (collect_stats(r, snap))
		return;
	fprintf(f, "--- %.1f s ---\n", now);
	mt_report_functions(f, &r->stats);
	fputc('\n', f);
	fflush(f);
}

/* Records of one ring-buffer drain go out together: flushed once per poll, not per record. */
static void hold_outputs(struct run *r, bool hold)
{
	for (int i = 0; i < 2; i++) {
		int e;

		if (!r->out[i])
			continue;
		mt_json_hold(r->out[i], hold);
		e = mt_json_flush(r->out[i]);
		if (e < 0)
			json_failed(r, i, e);
	}
}

/* Poll until a signal, -d, or the end of the traced process. */
static void trace_loop(struct run *r)
{
	int pidfd = syscall(SYS_pidfd_open, r->pid, 0);
	double start = mono_now() - r->t0;
	double deadline = r->env.duration > 0 ? start + r->env.duration : 0;
	bool sampling = r->out[0] || r->out[1] || r->want_series;
	double next_sample = start, next_live = start, next_table = start + r->env.every;
	struct mt_snapshot snap;

	while (!stop_signal) {
		double now = mono_now() - r->t0, wait = POLL_MS / 1000.0;
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
		if (r->frames.nmatch && !r->frames.runtime) {
			if (mt_pyframes_find_runtime(&r->frames))
				mt_tracer_set_py_runtime(r->tracer, r->frames.runtime);
			else if (wait > 0.002)
				wait = 0.002;
		}
		n = mt_tracer_poll(r->tracer, (int)(wait * 1000 + 0.5));
		hold_outputs(r, true);
		if (n < 0 && n != -EINTR) {
			mt_err("reading the ring buffer failed: %s", strerror(-n));
			break;
		}
		now = mono_now() - r->t0;
		mt_tracer_snapshot(r->tracer, &snap, false);
		report_lost(r, snap.lost);
		if (r->env.every > 0 && now >= next_table) {
			periodic_table(r, now, &snap);
			next_table += r->env.every;
		}
		if (r->live && now >= next_live) {
			live_status(r, now, &snap);
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
	if (sampling)
		take_sample(r);
	hold_outputs(r, false);
	live_clear(r);
	if (pidfd >= 0)
		close(pidfd);
}

/* Calls still running at the stop: reported as open, never dropped. */
static void collect_open_calls(struct run *r, const struct mt_snapshot *snap)
{
	struct mt_active *open = calloc(MT_MAX_ACTIVE, sizeof(*open));
	int n = open ? mt_tracer_open_calls(r->tracer, open, MT_MAX_ACTIVE) : 0;
	double now = mono_now() - r->t0;

	if (!open)
		mt_warn("out of memory: calls still open at the stop are missing from the stream");

	for (int i = 0; i < n; i++) {
		struct mt_call c;

		call_from_active(r, &open[i], snap->rss, now, &c);
		EMIT(r, mt_rec_call, &c);
		add_span(r, &c);
		if (open[i].func < MT_MAX_FUNCS + MT_MAX_CODES && r->row_of[open[i].func] >= 0)
			r->stats.funcs[r->row_of[open[i].func]].open++;
	}
	free(open);
}

static int collect_stats(struct run *r, const struct mt_snapshot *snap)
{
	struct mt_collect c = {
		.tracer = r->tracer,
		.targets = r->targets,
		.ntargets = r->ntargets,
		.codes = &r->codes,
		.frames = &r->frames,
		.stats = &r->stats,
	};
	int e = mt_collect_stats(&c);

	memcpy(r->row_of, c.row_of, sizeof(r->row_of));
	r->stats.peak_rss = snap->peak;
	r->peak_ts = snap->peak_ts;
	r->stats.lost = snap->lost;
	r->stats.duration = mono_now() - r->t0;
	return e;
}

/* The plots, each written whole or not at all; a failure is memtrace's (exit 1). */
static void write_plots(struct run *r)
{
	char err[ERRLEN];

	if (!r->want_series)
		return;
	/* The exact peak and its time from the kernel side, not the nearest sample. */
	if (r->stats.peak_rss >= r->series.peak_rss) {
		r->series.peak_rss = r->stats.peak_rss;
		if (r->peak_ts)
			r->series.peak_t = rel_t(r, r->peak_ts);
	}
	for (size_t i = 0; i < r->ntargets; i++)
		mt_series_func(&r->series, r->targets[i].func);
	mt_series_warn_bounds(&r->series, r->env.svg ? r->env.svg : r->env.mprof);
	if (r->env.svg && mt_write_file(r->env.svg, mt_plot_svg, &r->series, err, sizeof(err))) {
		mt_err("%s", err);
		r->write_failed = true;
	}
	if (r->env.mprof && mt_write_file(r->env.mprof, mt_mprof_write, &r->series, err, sizeof(err))) {
		mt_err("%s", err);
		r->write_failed = true;
	}
}

static void cleanup(struct run *r, bool failed)
{
	mt_tracer_free(r->tracer);
	r->tracer = NULL;
	for (int i = 0; i < 2; i++)
		mt_json_free(r->out[i]);
	/* A run that failed before tracing leaves no half-written stream behind. */
	mt_out_close(&r->ofile, failed);
	for (size_t i = 0; i < r->ntargets; i++)
		mt_target_free(&r->targets[i]);
	free(r->targets);
	mt_stats_free(&r->stats);
	mt_series_free(&r->series);
	mt_pycodes_free(&r->codes);
	mt_pyframes_free(&r->frames);
	mt_launch_free(&r->child);
	mt_env_free(&r->env);
}

/* msg NULL: already reported (json_failed()). */
static int fail(struct run *r, const char *msg)
{
	if (msg) {
		mt_err("%s", msg);
		if (r->out[0])
			mt_rec_error(r->out[0], mono_now() - r->t0, msg);
	}
	mt_launch_abort(&r->child);
	cleanup(r, true);
	return MT_EXIT_RUNTIME;
}

/*
 * How memtrace's outcome and a launched command's status combine: memtrace's
 * own failure (an output it could not write: its results are lost) wins, so
 * no script takes the run for a success; otherwise the command's status.
 */
static int exit_status(const struct run *r, int rc)
{
	return r->write_failed ? MT_EXIT_RUNTIME : rc;
}

/* Launch mode after tracing: the command's exit status becomes ours. */
static int wait_child(struct run *r)
{
	int st = 0;

	if (r->child.pid <= 0)
		return 0;
	/* Tracing stopped by a signal: end the command too, as perf record does. */
	if (stop_signal && stop_signal != SIGPIPE)
		kill(r->child.pid, SIGTERM);
	while (waitpid(r->child.pid, &st, 0) < 0) {
		if (errno != EINTR)
			return MT_EXIT_RUNTIME;
		if (stop_signal)
			kill(r->child.pid, SIGTERM);
	}
	r->exit_status = st;
	r->exited = true;
	return shell_status(st);
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
}

static int run_trace(struct run *r)
{
	char err[ERRLEN] = "";
	struct mt_tracer_opts topts = {};
	struct mt_snapshot snap;
	int e, rc = MT_EXIT_OK;

	r->t0 = mono_now();
	mt_verbose = r->env.verbose;
	setup_signals();
	/* From here on, errors in JSON mode are also an "error" record: stdout stays NDJSON. */
	if (r->env.json && !(r->out[0] = mt_json_new(stdout)))
		return fail(r, "out of memory");

	if (mt_tracer_check_system(err, sizeof(err)))
		return fail(r, err);
	if (r->env.cmd) {
		if (mt_launch_prepare(r->env.cmd, &r->child, err, sizeof(err)))
			return fail(r, err);
		r->pid = r->child.pid;
	} else {
		r->pid = r->env.pid;
		if (check_pid(r->pid, err, sizeof(err)))
			return fail(r, err);
	}
	r->codes.pid = r->pid;
	e = resolve_targets(r, err, sizeof(err));
	if (e == -ENOMEM)
		return fail(r, "out of memory");
	if (e)
		return fail(r, err);
	e = mt_pyframes_setup(&r->frames, &r->py, r->pid, r->targets, r->ntargets, err, sizeof(err));
	if (e)
		return fail(r, e == -ENOMEM ? "out of memory" : err);
	if (open_outputs(r, err, sizeof(err)))
		return fail(r, err[0] ? err : "out of memory");

	topts.pid = r->pid;
	topts.launch = r->env.cmd != NULL;
	r->want_series = r->env.svg || r->env.mprof;
	r->live = !r->env.json && isatty(STDOUT_FILENO);
	topts.emit_calls = r->out[0] || r->env.output || r->want_series;
	topts.targets = r->targets;
	topts.ntargets = r->ntargets;
	topts.on_record = on_record;
	topts.ctx = r;
	topts.py_off = &r->frames.off;
	topts.py_runtime = r->frames.runtime;
	topts.py_match = r->frames.match;
	topts.npy_match = r->frames.nmatch;
	e = mt_tracer_start(&topts, &r->tracer, err, sizeof(err));
	if (e) {
		if (!r->env.cmd && e == -ESRCH)
			snprintf(err, sizeof(err), "process %d exited before memtrace could attach", r->pid);
		return fail(r, err[0] ? err : strerror(-e));
	}
	if (create_output(r, err, sizeof(err)))
		return fail(r, err);
	write_start(r);
	/* Not even the start record could be written: the command never runs. */
	if (r->write_failed)
		return fail(r, NULL);
	/* The command's own output would corrupt the NDJSON on stdout. */
	if (r->env.cmd && r->env.json)
		mt_launch_stdout_to_stderr(&r->child);
	if (r->env.cmd && mt_launch_release(&r->child, r->env.cmd, err, sizeof(err)))
		return fail(r, err);
	mt_info(1, "tracing %d function%s in process %d; Ctrl-C to stop", (int)r->ntargets,
		r->ntargets == 1 ? "" : "s", r->pid);

	trace_loop(r);

	mt_tracer_snapshot(r->tracer, &snap, false);
	report_lost(r, snap.lost);
	if (collect_stats(r, &snap))
		mt_warn("out of memory: the tables are incomplete");
	collect_open_calls(r, &snap);
	/*
	 * A launched command still running (-d, a signal) runs on untraced while
	 * we wait for it. Otherwise results come first: removing each probe
	 * waits out an RCU grace period (~100 ms), which the user need not.
	 */
	if (r->env.cmd && !r->exited) {
		mt_tracer_free(r->tracer);
		r->tracer = NULL;
	}
	if (r->env.cmd)
		rc = wait_child(r);
	if (r->exited)
		EMIT(r, mt_rec_exit, mono_now() - r->t0, r->pid, shell_status(r->exit_status));
	EMIT(r, mt_rec_summary, mono_now() - r->t0, r->pid, &r->stats);
	write_plots(r);
	if (!r->env.json) {
		mt_report_functions(stdout, &r->stats);
		mt_report_lines(stdout, &r->stats);
		fflush(stdout);
	}
	warn_incomplete(r, &snap);
	if (r->frames.unresolved)
		mt_warn("%u Python code object%s could not be read from the process (did it exit first?); their memory is missing from the tables",
			r->frames.unresolved, r->frames.unresolved == 1 ? "" : "s");
	cleanup(r, false);
	return exit_status(r, rc);
}

int main(int argc, char **argv)
{
	struct run r = {};
	int rc;

	if (argc > 1 && !strcmp(argv[1], "report"))
		return mt_report_main(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "plot"))
		return mt_plot_main(argc - 1, argv + 1);

	rc = mt_env_parse(argc, argv, &r.env);
	if (rc) {
		mt_env_free(&r.env);
		return rc < 0 ? MT_EXIT_OK : rc;
	}
	return run_trace(&r);
}
