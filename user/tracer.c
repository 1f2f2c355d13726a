// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The BPF side's lifecycle in libbpf-tools' order: open -> set rodata ->
 * load -> seed RSS -> attach -> poll -> destroy. Every step is checked;
 * destroying the skeleton detaches everything, and since uprobes are
 * perf-event or link file descriptors, the kernel drops them even if
 * memtrace is killed.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include "tracer.h" /* before the skeleton: it declares the .bss types */
#include "memtrace.skel.h"
#include "procfs.h"
#include "log.h"
#include "uprobes.h"

#define TRACEFS "/sys/kernel/tracing"
#define DEBUGFS_TRACING "/sys/kernel/debug/tracing"

struct mt_tracer {
	struct memtrace_bpf *skel;
	struct ring_buffer *rb;
	struct mt_tracer_events events;
	struct mt_uprobes *uprobes; /* the native targets' */
	struct bpf_link *links[3];  /* Python's USDT probes */
	size_t nlinks;
	uint64_t stacks_bad; /* sample records dropped by check_stack() */
	pid_t main_pid;      /* the first process named (opts.pid) */
};

static bool has_cap(const struct __user_cap_data_struct *d, int cap)
{
	return d[cap / 32].effective & (1u << (cap % 32));
}

int mt_tracer_check_system(char *err, size_t errlen)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};
	bool bpf, perfmon, admin;

	if (syscall(SYS_capget, &hdr, data) == 0) {
		admin = has_cap(data, CAP_SYS_ADMIN);
		bpf = has_cap(data, CAP_BPF) || admin;
		perfmon = has_cap(data, CAP_PERFMON) || admin;
		if (!bpf || !perfmon) {
			mt_set_err(err, errlen,
				"permission denied: tracing needs root (CAP_BPF and CAP_PERFMON%s); run with sudo",
				geteuid() ? ", you are not root" : "");
			return -EPERM;
		}
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		mt_set_err(err, errlen,
			"this kernel has no BTF (/sys/kernel/btf/vmlinux: %s); memtrace needs Linux 5.17 or later built with CONFIG_DEBUG_INFO_BTF=y",
			strerror(errno));
		return -ENOTSUP;
	}
	return 0;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && mt_verbose < 3)
		return 0;
	if (level == LIBBPF_INFO && mt_verbose < 2)
		return 0;
	/* libbpf's warnings are the details behind our one-line errors: only with -v. */
	if (mt_verbose < 1)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/*
 * Classic tracepoints (kmem:rss_stat, the only exact RSS source) are found
 * by their id in tracefs, which a fresh boot may not have mounted. Mount it
 * for the attach and unmount it again, so nothing is left behind.
 */
static int tracefs_ensure(bool *mounted, char *err, size_t errlen)
{
	*mounted = false;
	if (!access(TRACEFS "/events/kmem/rss_stat/id", R_OK) ||
	    !access(DEBUGFS_TRACING "/events/kmem/rss_stat/id", R_OK))
		return 0;
	if (mount("nodev", TRACEFS, "tracefs", 0, NULL)) {
		int e = errno;

		mt_set_err(err, errlen,
			"tracefs is not mounted and mounting it failed (%s); mount it with 'mount -t tracefs nodev %s' and retry",
			strerror(e), TRACEFS);
		return -e;
	}
	*mounted = true;
	if (access(TRACEFS "/events/kmem/rss_stat/id", R_OK)) {
		mt_set_err(err, errlen,
			"this kernel has no kmem:rss_stat tracepoint (%s/events/kmem/rss_stat); memtrace needs Linux 5.5 or later",
			TRACEFS);
		umount2(TRACEFS, MNT_DETACH);
		*mounted = false;
		return -ENOTSUP;
	}
	mt_info(1, "mounted tracefs at %s for the attach", TRACEFS);
	return 0;
}

static void seed_funcs(struct memtrace_bpf *skel)
{
	/* Maxima over calls start below any value: the first call sets them (close_call()). */
	for (size_t i = 0; i < MT_NR_FUNCS; i++)
		skel->bss->funcs[i].growth_max = skel->bss->funcs[i].peak_max = INT64_MIN;
}

/*
 * A process the user named joins the procs map (bpf/memtrace.bpf.c) before
 * attach, its RSS from /proc/PID/status; a launched command has not exec'd
 * yet, and its own mm will start empty. The first one runs the interpreter
 * that Python frame walking was set up for.
 */
static int seed_proc(struct mt_tracer *t, pid_t pid, bool first, bool launch, char *err,
		     size_t errlen)
{
	struct mt_proc p = { .flags = MT_PROC_NAMED };
	struct mt_proc_rss r;
	__u32 key = (__u32)pid;

	if (first)
		p.flags |= MT_PROC_PYTHON | (launch ? MT_PROC_LAUNCHING : 0);
	if (!launch && !mt_proc_read_rss(pid, &r)) {
		p.rss[MT_RSS_ANON] = r.anon;
		p.rss[MT_RSS_FILE] = r.file;
		p.rss[MT_RSS_SHMEM] = r.shmem;
		p.peak = r.anon + r.file + r.shmem;
	}
	/* The kernel side looks a process up only once its bit is set. */
	__atomic_fetch_or(&t->skel->bss->pid_bits[mt_pid_word(key)], mt_pid_bit(key), __ATOMIC_SEQ_CST);
	/* The first process lives in .bss (main_proc in bpf/memtrace.bpf.c), before attach. */
	if (first) {
		t->skel->bss->sample_peak = p.peak;
		t->skel->bss->main_proc = p;
		return 0;
	}
	if (bpf_map_update_elem(bpf_map__fd(t->skel->maps.procs), &key, &p, BPF_NOEXIST)) {
		int e = errno;

		mt_set_err(err, errlen, "cannot add process %d to the traced ones: %s", pid, strerror(e));
		return e;
	}
	return 0;
}

/*
 * Every probe is live: a Python call found running from now on, with no
 * entry seen, began before this moment, which starts its window
 * (py_early_call() in bpf/python_usdt.bpf.c).
 */
static void mark_trace_start(struct mt_tracer *t, pid_t pid)
{
	struct memtrace_bpf *skel = t->skel;
	struct mt_proc p;
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts); /* bpf_ktime_get_ns()'s clock */
	if (!mt_tracer_proc(t, pid, &p))
		skel->bss->trace_start_rss = mt_proc_rss(&p);
	__atomic_store_n(&skel->bss->trace_start_ts, ts.tv_sec * 1000000000ULL + ts.tv_nsec,
			 __ATOMIC_RELEASE);
}

/* Every open-call slot starts free, the lowest on top: see free_slots in bpf/memtrace.bpf.c. */
static int fill_free_slots(struct memtrace_bpf *skel, char *err, size_t errlen)
{
	int fd = bpf_map__fd(skel->maps.free_slots);

	for (__u32 slot = MT_MAX_ACTIVE; slot-- > 0;) {
		if (bpf_map_update_elem(fd, NULL, &slot, 0)) {
			int e = errno;

			mt_set_err(err, errlen, "cannot fill the open-call table: %s", strerror(e));
			return e;
		}
	}
	return 0;
}

static const char *last_component(const char *name)
{
	const char *dot = strrchr(name, '.');

	return dot ? dot + 1 : name;
}

/*
 * The kernel side matches Python functions by co_name (and file suffix):
 * "Class.method" is matched as "method" in USDT mode, which has no qualname.
 */
static int set_python_targets(struct memtrace_bpf *skel, const struct mt_tracer_opts *o, char *err,
			      size_t errlen)
{
	__u32 n = 0;

	for (size_t i = 0; i < o->ntargets; i++) {
		const struct mt_target *tg = &o->targets[i];
		struct mt_py_target *pt;
		const char *name = last_component(tg->func);

		if (tg->kind != MT_KIND_PYTHON)
			continue;
		if (n >= MT_PY_MAX_TARGETS) {
			mt_set_err(err, errlen, "too many Python functions (at most %d)", MT_PY_MAX_TARGETS);
			return -E2BIG;
		}
		if (strlen(name) >= MT_PY_NAME_MAX ||
		    (tg->py_file && strlen(tg->py_file) >= MT_PY_SUFFIX_MAX)) {
			mt_set_err(err, errlen, "'%s' is too long to match (names up to %d, files up to %d bytes)",
				tg->spec, MT_PY_NAME_MAX - 1, MT_PY_SUFFIX_MAX - 1);
			return -ENAMETOOLONG;
		}
		pt = (struct mt_py_target *)&skel->rodata->py_targets[n++];
		strcpy(pt->name, name);
		pt->name_len = strlen(name);
		if (tg->py_file) {
			strcpy(pt->file, tg->py_file);
			pt->file_len = strlen(tg->py_file);
		}
		pt->target = i;
	}
	skel->rodata->py_ntargets = n;
	return 0;
}

static int attach_usdt(struct mt_tracer *t, pid_t pid, const struct mt_target *tg, char *err,
		       size_t errlen)
{
	static const char *const probes[] = { "function__entry", "function__return", "line" };
	struct bpf_program *progs[] = { t->skel->progs.py_entry, t->skel->progs.py_return,
					t->skel->progs.py_line };

	for (int i = 0; i < 3; i++) {
		struct bpf_link *l = bpf_program__attach_usdt(progs[i], pid, tg->object_host, "python",
							      probes[i], NULL);

		if (!l) {
			int e = errno;

			mt_set_err(err, errlen, "cannot attach to python:%s in %s: %s", probes[i],
				tg->object, strerror(e));
			return -e;
		}
		t->links[t->nlinks++] = l;
	}
	mt_info(1, "attached python:function__entry/return/line in %s", tg->object);
	return 0;
}

int mt_tracer_set_py_targets(struct mt_tracer *t, const struct mt_py_match *match, int n)
{
	int names = bpf_map__fd(t->skel->maps.py_frame_names);
	int files = bpf_map__fd(t->skel->maps.py_frame_files);
	int verdicts = bpf_map__fd(t->skel->maps.py_frame_verdicts);
	struct mt_py_code_key k;

	for (int i = 0; i < n; i++) {
		__u32 idx = i;

		if (bpf_map_update_elem(files, &idx, &match[i].filter, BPF_ANY) ||
		    (match[i].head && bpf_map_update_elem(names, &match[i].hash, &idx, BPF_ANY)))
			return -errno;
	}
	/* Code objects judged untraced before may be traced now. */
	while (!bpf_map_get_next_key(verdicts, NULL, &k))
		if (bpf_map_delete_elem(verdicts, &k))
			break;
	__atomic_store_n(&t->skel->bss->py_frame_ntargets, n, __ATOMIC_RELEASE);
	return 0;
}

int mt_tracer_set_py_layout(struct mt_tracer *t, uint32_t idx, const struct mt_py_offsets *off)
{
	if (idx >= MT_PY_MAX_LAYOUTS)
		return -E2BIG;
	t->skel->bss->py_frame_layouts[idx] = *off;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	return 0;
}

static void set_py_bit(struct mt_tracer *t, pid_t pid)
{
	__atomic_fetch_or(&t->skel->bss->py_pid_bits[mt_pid_word(pid)], mt_pid_bit(pid),
			  __ATOMIC_SEQ_CST);
}

int mt_tracer_set_py_proc(struct mt_tracer *t, pid_t pid, const struct mt_py_proc *p)
{
	struct mt_py_proc *m = &t->skel->bss->py_frame_main;
	__u32 key = (__u32)pid;

	if (pid != t->main_pid) {
		if (bpf_map_update_elem(bpf_map__fd(t->skel->maps.py_frame_procs), &key, p, BPF_ANY))
			return -errno;
		set_py_bit(t, pid);
		return 0;
	}
	/* The walker reads the runtime first: a new layout and group are in place before it. */
	__atomic_store_n(&m->runtime, 0, __ATOMIC_RELEASE);
	m->layout = p->layout;
	m->group = p->group;
	__atomic_store_n(&m->runtime, p->runtime, __ATOMIC_RELEASE);
	set_py_bit(t, pid);
	return 0;
}

void mt_tracer_forget_py_proc(struct mt_tracer *t, pid_t pid)
{
	__u32 key = (__u32)pid;

	if (pid == t->main_pid)
		__atomic_store_n(&t->skel->bss->py_frame_main.runtime, 0, __ATOMIC_RELEASE);
	else
		bpf_map_delete_elem(bpf_map__fd(t->skel->maps.py_frame_procs), &key);
}

/* The first process's interpreter and the walker's targets, before attach. */
static int set_frames(struct mt_tracer *t, const struct mt_tracer_opts *o, char *err,
		      size_t errlen)
{
	int e = 0;

	if (o->py_off)
		e = mt_tracer_set_py_layout(t, 0, o->py_off);
	if (!e && o->py_first.runtime)
		e = mt_tracer_set_py_proc(t, o->pid, &o->py_first);
	else
		t->skel->bss->py_frame_main = o->py_first;
	if (!e)
		e = mt_tracer_set_py_targets(t, o->py_match, o->npy_match);
	if (e)
		mt_set_err(err, errlen, "cannot set up Python frame matching: %s", strerror(-e));
	return e;
}

/*
 * The USDT programs are loaded only when a target uses them: less to
 * verify, and this kernel's verifier fails on py_entry when its Python
 * target count is the constant 0 ("No program to jit": the bpf_loop
 * callback it cannot reach is dropped while still referenced).
 */
static void set_usdt_autoload(struct memtrace_bpf *skel, const struct mt_tracer_opts *o)
{
	bool usdt = false;

	for (size_t i = 0; i < o->ntargets; i++)
		usdt |= o->targets[i].kind == MT_KIND_PYTHON && o->targets[i].method == MT_METHOD_USDT;
	bpf_program__set_autoload(skel->progs.py_entry, usdt);
	bpf_program__set_autoload(skel->progs.py_line, usdt);
	bpf_program__set_autoload(skel->progs.py_return, usdt);
}

static int load_error(int e, char *err, size_t errlen)
{
	if (e == EPERM || e == EACCES)
		mt_set_err(err, errlen,
			"the kernel refused to load memtrace's BPF programs (%s); run as root with CAP_BPF and CAP_PERFMON, and check kernel.unprivileged_bpf_disabled / lockdown",
			strerror(e));
	else
		mt_set_err(err, errlen,
			"cannot load memtrace's BPF programs: %s; this kernel may be too old (memtrace needs 5.17+ with BTF); rerun with -vvv for the verifier's log",
			strerror(e));
	return -e;
}

/* splitmix64: a seeded generator for the draws; they need spread, not secrecy. */
static uint64_t next_random(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/*
 * The sampling intervals (sample_draws in bpf/stacks.bpf.c): exponential
 * draws -mean * ln(U), U uniform in (0, 1], kept within 1 .. UINT32_MAX.
 */
static void fill_sample_draws(struct memtrace_bpf *skel, uint64_t mean)
{
	uint64_t state = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);

	/* A fixed seed would do too; a fresh one keeps runs from sharing their blind spots. */
	if (getrandom(&state, sizeof(state), GRND_NONBLOCK) != sizeof(state))
		mt_info(1, "getrandom failed: sampling seeded from the time");
	for (size_t i = 0; i < MT_SAMPLE_DRAWS; i++) {
		double u = ((next_random(&state) >> 11) + 1) * 0x1p-53;
		double d = -(double)mean * log(u);

		skel->bss->sample_draws[i] = d < 1 ? 1 : d > UINT32_MAX ? UINT32_MAX : (__u32)d;
	}
}

/*
 * A sample record is used only if its counts agree with its size and the
 * limits (the handler reads stack[] and py[] by them); else it is counted.
 */
static bool check_stack(struct mt_tracer *t, const struct mt_stack_rec *r, size_t size)
{
	if (size >= offsetof(struct mt_stack_rec, stack) && r->stack_len <= MT_STACK_BYTES &&
	    size >= offsetof(struct mt_stack_rec, stack) + r->stack_len && r->nr_py <= MT_PY_STACK_MAX)
		return true;
	t->stacks_bad++;
	return false;
}

/* The ring buffer's callback: one record, by type, to its handler. */
static int dispatch_record(void *ctx, void *data, size_t size)
{
	struct mt_tracer *t = ctx;
	const struct mt_tracer_events *ev = &t->events;
	const __u32 *type = data;

	if (size < sizeof(*type))
		return 0;
	if (*type == MT_REC_CALL && size >= sizeof(struct mt_call_rec) && ev->call) {
		ev->call(ev->ctx, data);
	} else if (*type == MT_REC_CODE && size >= sizeof(struct mt_code_rec) && ev->code) {
		/* A copy: the ring is mapped read-only, and its strings may lack their NUL. */
		struct mt_code_rec cr = *(const struct mt_code_rec *)data;

		cr.name[sizeof(cr.name) - 1] = '\0';
		cr.file[sizeof(cr.file) - 1] = '\0';
		ev->code(ev->ctx, &cr);
	} else if (*type == MT_REC_PYFRAME && size >= sizeof(struct mt_pyframe_rec) && ev->pyframe) {
		ev->pyframe(ev->ctx, data);
	} else if (*type == MT_REC_STRETCH && size >= sizeof(struct mt_stretch_rec) && ev->stretch) {
		ev->stretch(ev->ctx, data);
	} else if (*type == MT_REC_EXIT && size >= sizeof(struct mt_exit_rec) && ev->exit) {
		ev->exit(ev->ctx, data);
	} else if (*type == MT_REC_PROC && size >= sizeof(struct mt_proc_rec) && ev->proc) {
		struct mt_proc_rec pr = *(const struct mt_proc_rec *)data;

		pr.comm[sizeof(pr.comm) - 1] = '\0';
		ev->proc(ev->ctx, &pr);
	} else if (*type == MT_REC_STACK && ev->stack && check_stack(t, data, size)) {
		ev->stack(ev->ctx, data);
	}
	return 0;
}

int mt_tracer_start(const struct mt_tracer_opts *o, struct mt_tracer **out, char *err, size_t errlen)
{
	struct mt_tracer *t;
	bool mounted = false;
	int e, usdt_done = 0;
	pid_t probe_pid;

	*out = NULL;
	libbpf_set_print(libbpf_print);
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;

	t->skel = memtrace_bpf__open();
	if (!t->skel) {
		e = errno;
		mt_set_err(err, errlen, "cannot open memtrace's BPF object: %s", strerror(e));
		goto fail;
	}
	t->main_pid = o->pid;
	t->skel->rodata->targ_tgid = o->pid;
	t->skel->rodata->self_tgid = getpid();
	t->skel->rodata->follow = o->follow;
	t->skel->rodata->follow_cgroup_id = o->cgroup_id;
	t->skel->rodata->follow_cgroup_level = o->cgroup_level;
	t->skel->rodata->many_procs = o->follow || o->nmore_pids;
	t->skel->rodata->page_size = sysconf(_SC_PAGESIZE);
	e = libbpf_num_possible_cpus();
	t->skel->rodata->nr_cpus = e > 0 ? e : 1;
	t->skel->rodata->emit_calls = o->emit_calls;
	e = -set_python_targets(t->skel, o, err, errlen);
	if (e)
		goto fail;
	set_usdt_autoload(t->skel, o);
	mt_uprobes_prepare(t->skel->progs.func_entry, t->skel->progs.func_return);
	t->skel->rodata->py_frames = o->npy_match || o->py_stacks || o->py_late;
	t->skel->rodata->stacks_on = o->sample_bytes > 0;
	t->skel->rodata->sample_bytes = o->sample_bytes;
	t->skel->rodata->stacks_launch = o->launch;

	if (memtrace_bpf__load(t->skel)) {
		e = -load_error(errno, err, errlen);
		goto fail;
	}
	seed_funcs(t->skel);
	e = -seed_proc(t, o->pid, true, o->launch, err, errlen);
	for (size_t i = 0; !e && i < o->nmore_pids; i++)
		e = -seed_proc(t, o->more_pids[i], false, false, err, errlen);
	if (e)
		goto fail;
	if (o->sample_bytes)
		fill_sample_draws(t->skel, o->sample_bytes);
	e = fill_free_slots(t->skel, err, errlen);
	if (e)
		goto fail;
	if (o->npy_match || o->py_stacks || o->py_late) {
		e = -set_frames(t, o, err, errlen);
		if (e)
			goto fail;
	}

	e = -tracefs_ensure(&mounted, err, errlen);
	if (e)
		goto fail;
	if (memtrace_bpf__attach(t->skel)) {
		e = errno;
		mt_set_err(err, errlen, "cannot attach to kmem:rss_stat and sched_process_exit: %s",
			strerror(e));
		goto fail;
	}
	/* The tracepoint's perf event holds its own reference: tracefs is no longer needed. */
	if (mounted && umount2(TRACEFS, MNT_DETACH) == 0)
		mounted = false;

	/* Several processes: the probes fire in every process, and traced_call() keeps the traced ones. */
	probe_pid = o->follow || o->nmore_pids ? -1 : o->pid;
	e = -mt_uprobes_attach(t->skel->progs.func_entry, t->skel->progs.func_return, o->targets, 0,
			       o->ntargets, probe_pid, &t->uprobes, err, errlen);
	if (e)
		goto fail;
	for (size_t i = 0; i < o->ntargets; i++) {
		const struct mt_target *tg = &o->targets[i];

		if (tg->kind == MT_KIND_PYTHON && tg->method == MT_METHOD_USDT && !usdt_done++) {
			e = -attach_usdt(t, probe_pid, tg, err, errlen);
			if (e)
				goto fail;
		}
	}
	mark_trace_start(t, o->pid);

	t->events = o->events;
	t->rb = ring_buffer__new(bpf_map__fd(t->skel->maps.events), dispatch_record, t, NULL);
	if (!t->rb) {
		e = errno;
		mt_set_err(err, errlen, "cannot set up the ring buffer: %s", strerror(e));
		goto fail;
	}
	*out = t;
	return 0;
fail:
	if (mounted)
		umount2(TRACEFS, MNT_DETACH);
	mt_tracer_free(t);
	return -(e ? e : EINVAL);
}

int mt_tracer_poll(struct mt_tracer *t, int timeout_ms)
{
	int n = ring_buffer__poll(t->rb, timeout_ms), m;

	/* A signal (Ctrl-C) interrupting the wait is the normal way to stop. */
	if (n == -EINTR)
		n = 0;
	/*
	 * The kernel side wakes us only once records pile up (a wake-up per
	 * record costs more than the probe): read what is there anyway, so
	 * records go out close to when they happened.
	 */
	m = ring_buffer__consume(t->rb);
	if (n < 0)
		return n;
	return m < 0 ? (m == -EINTR ? n : m) : n + m;
}

void mt_tracer_stop(struct mt_tracer *t)
{
	struct timespec settle = { 0, 2000000 };

	__atomic_store_n(&t->skel->bss->stopped, 1, __ATOMIC_SEQ_CST);
	/*
	 * A probe that read the flag just before runs to its end within
	 * microseconds (BPF programs do not sleep here): 2 ms is ample.
	 */
	nanosleep(&settle, NULL);
}

void mt_tracer_snapshot(struct mt_tracer *t, struct mt_snapshot *s, bool reset_sample_peak)
{
	struct memtrace_bpf__bss *b = t->skel->bss;
	struct mt_proc p = {};

	/* The first process's: it stays in procs after its exit (MT_PROC_NAMED). */
	mt_tracer_proc(t, t->main_pid, &p);
	s->anon = p.rss[MT_RSS_ANON];
	s->file = p.rss[MT_RSS_FILE];
	s->shmem = p.rss[MT_RSS_SHMEM];
	s->rss = s->anon + s->file + s->shmem;
	s->peak = p.peak;
	s->peak_ts = p.peak_ts;
	if (reset_sample_peak)
		/* Exchange, so a peak reached by the kernel side at this moment is not lost. */
		s->sample_peak = __atomic_exchange_n(&b->sample_peak, s->rss, __ATOMIC_SEQ_CST);
	else
		s->sample_peak = __atomic_load_n(&b->sample_peak, __ATOMIC_RELAXED);
	if (s->sample_peak < s->rss)
		s->sample_peak = s->rss;
	s->lost = __atomic_load_n(&b->lost, __ATOMIC_RELAXED);
	s->lost_tables = __atomic_load_n(&b->lost_tables, __ATOMIC_RELAXED);
	s->rss_events = __atomic_load_n(&b->nr_rss_events, __ATOMIC_RELAXED);
	s->stacks_growth = __atomic_load_n(&b->stacks_growth, __ATOMIC_RELAXED);
	s->stacks_unsampled = __atomic_load_n(&b->stacks_unsampled, __ATOMIC_RELAXED);
	s->stacks_lost = __atomic_load_n(&b->stacks_lost, __ATOMIC_RELAXED);
	s->stacks_lost_bytes = __atomic_load_n(&b->stacks_lost_bytes, __ATOMIC_RELAXED);
	s->stacks_bad = t->stacks_bad;
	s->procs_lost = __atomic_load_n(&b->procs_lost, __ATOMIC_RELAXED);
}

int mt_tracer_add_proc(struct mt_tracer *t, pid_t pid, char *err, size_t errlen)
{
	return -seed_proc(t, pid, false, false, err, errlen);
}

int mt_tracer_attach_more(struct mt_tracer *t, const struct mt_target *targets, size_t from, size_t n,
			  char *err, size_t errlen)
{
	return mt_uprobes_attach(t->skel->progs.func_entry, t->skel->progs.func_return, targets, from, n,
				 -1, &t->uprobes, err, errlen);
}

int mt_tracer_proc(struct mt_tracer *t, pid_t pid, struct mt_proc *out)
{
	__u32 key = (__u32)pid;

	/* Word by word as the kernel side writes them: a torn read of one field at worst. */
	if (pid && pid == t->main_pid) {
		const struct mt_proc *m = &t->skel->bss->main_proc;

		for (int i = 0; i < MT_RSS_NR; i++)
			out->rss[i] = __atomic_load_n(&m->rss[i], __ATOMIC_RELAXED);
		out->peak = __atomic_load_n(&m->peak, __ATOMIC_RELAXED);
		out->peak_ts = __atomic_load_n(&m->peak_ts, __ATOMIC_RELAXED);
		out->mm_id = __atomic_load_n(&m->mm_id, __ATOMIC_RELAXED);
		out->flags = __atomic_load_n(&m->flags, __ATOMIC_RELAXED);
		return 0;
	}

	return bpf_map_lookup_elem(bpf_map__fd(t->skel->maps.procs), &key, out) ? -errno : 0;
}

const struct mt_func_agg *mt_tracer_func(struct mt_tracer *t, size_t idx)
{
	return idx < MT_NR_FUNCS ? &t->skel->bss->funcs[idx] : NULL;
}

/* Every entry of a hash map, in no particular order. */
static void map_each(int fd, size_t key_size, size_t val_size,
		     void (*fn)(void *ctx, const void *k, const void *v), void *ctx)
{
	/* Keys and values here are small fixed structs: 128 bytes is plenty. */
	__u8 key[128], next[128], val[128];
	void *prev = NULL;

	if (key_size > sizeof(key) || val_size > sizeof(val))
		return;
	while (!bpf_map_get_next_key(fd, prev, next)) {
		if (!bpf_map_lookup_elem(fd, next, val))
			fn(ctx, next, val);
		memcpy(key, next, key_size);
		prev = key;
	}
}

/*
 * Typed callers of map_each(): struct NAME_each carries a callback that
 * knows its map's key and value types, NAME_each_one() calls it, and
 * NAME_each_map() runs it over a map.
 */
#define TYPED_EACH(name, key_t, val_t)                                          \
	struct name##_each {                                                    \
		void (*fn)(void *ctx, const key_t *k, const val_t *v);          \
		void *ctx;                                                      \
	};                                                                      \
	static void name##_each_one(void *ctx, const void *k, const void *v)   \
	{                                                                       \
		struct name##_each *e = ctx;                                    \
		e->fn(e->ctx, k, v);                                            \
	}                                                                       \
	static void name##_each_map(struct bpf_map *m,                          \
				    void (*fn)(void *ctx, const key_t *k, const val_t *v), \
				    void *ctx)                                  \
	{                                                                       \
		struct name##_each e = { .fn = fn, .ctx = ctx };                \
									\
		map_each(bpf_map__fd(m), sizeof(key_t), sizeof(val_t),          \
			 name##_each_one, &e);                                  \
	}

TYPED_EACH(lines, struct mt_line_key, struct mt_line_val)
TYPED_EACH(frames, struct mt_pyframe_key, struct mt_pyframe_val)
TYPED_EACH(procs, __u32, struct mt_proc)
TYPED_EACH(proc_funcs, struct mt_proc_func_key, struct mt_func_agg)

void mt_tracer_procs(struct mt_tracer *t, void (*fn)(void *ctx, const __u32 *pid, const struct mt_proc *p),
		     void *ctx)
{
	__u32 main_pid = (__u32)t->main_pid;
	struct mt_proc m;

	if (main_pid && !mt_tracer_proc(t, t->main_pid, &m))
		fn(ctx, &main_pid, &m);
	procs_each_map(t->skel->maps.procs, fn, ctx);
}

void mt_tracer_proc_funcs(struct mt_tracer *t,
			  void (*fn)(void *ctx, const struct mt_proc_func_key *k, const struct mt_func_agg *v),
			  void *ctx)
{
	proc_funcs_each_map(t->skel->maps.proc_funcs, fn, ctx);
}

void mt_tracer_forget_proc_func(struct mt_tracer *t, const struct mt_proc_func_key *k)
{
	bpf_map_delete_elem(bpf_map__fd(t->skel->maps.proc_funcs), k);
}

int mt_tracer_lines(struct mt_tracer *t,
		    void (*fn)(void *ctx, const struct mt_line_key *k, const struct mt_line_val *v),
		    void *ctx)
{
	lines_each_map(t->skel->maps.py_usdt_lines, fn, ctx);
	return 0;
}

int mt_tracer_open_calls(struct mt_tracer *t, struct mt_active *out, int max)
{
	struct memtrace_bpf__bss *b = t->skel->bss;
	int n = 0;

	for (unsigned i = 0; i < b->active_hiwater && i < MT_MAX_ACTIVE && n < max; i++) {
		if (!__atomic_load_n(&b->active[i].tid, __ATOMIC_ACQUIRE))
			continue;
		out[n++] = b->active[i];
	}
	return n;
}

int mt_tracer_wait_fd(struct mt_tracer *t)
{
	return ring_buffer__epoll_fd(t->rb);
}

int mt_tracer_py_codes_fd(struct mt_tracer *t)
{
	return bpf_map__fd(t->skel->maps.py_stack_codes);
}

int mt_tracer_frame_lines(struct mt_tracer *t,
			  void (*fn)(void *ctx, const struct mt_pyframe_key *k,
				     const struct mt_pyframe_val *v),
			  void *ctx)
{
	frames_each_map(t->skel->maps.py_frame_lines, fn, ctx);
	return 0;
}

static void stretches_each_one(void *ctx, const void *k, const void *v)
{
	const struct mt_tracer *t = ctx;
	struct mt_stretch_rec r = { .type = MT_REC_STRETCH, .flags = MT_STRETCH_OPEN };

	memcpy(&r.key, k, sizeof(r.key));
	memcpy(&r.s, v, sizeof(r.s));
	t->events.stretch(t->events.ctx, &r);
}

void mt_tracer_open_stretches(struct mt_tracer *t)
{
	if (t->events.stretch)
		map_each(bpf_map__fd(t->skel->maps.py_frame_stretches),
			 sizeof(struct mt_stretch_key), sizeof(struct mt_stretch),
			 stretches_each_one, t);
}

void mt_tracer_free(struct mt_tracer *t)
{
	if (!t)
		return;
	ring_buffer__free(t->rb);
	mt_uprobes_free(t->uprobes);
	for (size_t i = 0; i < t->nlinks; i++)
		bpf_link__destroy(t->links[i]);
	memtrace_bpf__destroy(t->skel);
	free(t);
}
