// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Exact Python call windows and memory_profiler's per-line figures, from
 * CPython's USDT probes (function__entry, function__return, line), the
 * --exact mode. The call windows live in bpf/memtrace.bpf.c's open-call
 * table, next to the native ones (see bpf/memtrace.bpf.h). Every Python
 * call pays for these probes (~1 us), which is why this is not the default.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/usdt.bpf.h>
#include "memtrace.bpf.h"

/* Set by userspace before load: the Python functions to trace. */
const volatile __u32 py_ntargets = 0;
const volatile struct mt_py_target py_targets[MT_PY_MAX_TARGETS] = {};
__u32 py_ncodes; /* code indices handed out */
/*
 * When every probe was live, and the RSS then: set by userspace (0 until
 * then). A call found running that began before tracing is measured from
 * here (py_early_call()).
 */
__u64 trace_start_ts;
__s64 trace_start_rss;

/*
 * The probes pass UTF-8 buffers owned by the code object's name and
 * filename strings: their addresses identify a (name, file) pair for as
 * long as the code lives, so matching reads strings only once per pair.
 */
struct py_code_key {
	__u64 name, file;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct py_code_key);
	__type(value, __u32); /* code index, or MT_NO_CODE: not traced */
} py_usdt_codes SEC(".maps");

/*
 * A thread's interpreter frame depth, 0 at its first event after tracing
 * began. Frames that were running then sit at 0 and below, and the counter
 * has never gone below the one that runs now: "low" is the lowest it has
 * been, so a line or return at depth == low is a frame entered before
 * tracing (every frame entered since is above the depth at its entry).
 */
struct py_thread {
	__s32 depth;
	__s32 low;
	__u32 low_checked; /* the frame at "low" was checked: see py_early_call() */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, struct py_thread);
} py_usdt_depths SEC(".maps");

/* memory_profiler's figures per (code, line): userspace reads them. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct mt_line_key);
	__type(value, struct mt_line_val);
} py_usdt_lines SEC(".maps");

struct py_strings {
	char name[MT_PY_NAME_MAX];
	char file[MT_PY_PATH_LEN];
};

/* Too large for the 512-byte BPF stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct py_strings);
} py_usdt_scratch SEC(".maps");

struct py_match_ctx {
	__u32 name_len, file_len; /* without the NUL */
	int found;                /* the matching target's index into userspace's table */
};

static __always_inline bool py_name_equal(const struct py_strings *s, __u32 len,
					  const volatile struct mt_py_target *t)
{
	if (len != t->name_len)
		return false;
	for (int j = 0; j < MT_PY_NAME_MAX; j++) {
		if (j >= len)
			break;
		if (s->name[j] != t->name[j])
			return false;
	}
	return true;
}

/* "app.py" matches "/srv/app.py" and "app.py", not "myapp.py". */
static __always_inline bool py_file_matches(const struct py_strings *s, __u32 len,
					    const volatile struct mt_py_target *t)
{
	__u32 flen = t->file_len, off;

	if (!flen)
		return true;
	if (flen > len || flen >= MT_PY_SUFFIX_MAX)
		return false;
	off = len - flen;
	if (off && s->file[(off - 1) & (MT_PY_PATH_LEN - 1)] != '/')
		return false;
	for (int j = 0; j < MT_PY_SUFFIX_MAX; j++) {
		if (j >= flen)
			break;
		if (s->file[(off + j) & (MT_PY_PATH_LEN - 1)] != t->file[j])
			return false;
	}
	return true;
}

/*
 * Does py_targets[i] match the (name, file) of lengths name_len and
 * file_len in this CPU's py_usdt_scratch? Returns the target's index into
 * userspace's table, or -1. Global, so verified once: inlined in the
 * bpf_loop callback, its byte loops were verified again for every state
 * the loop went through (466k instructions and 1.5 s of py_entry's load
 * with four targets, against 6.5k whatever the count now).
 */
__attribute__((noinline)) int py_usdt_target_match(__u32 i, __u32 name_len, __u32 file_len)
{
	const volatile struct mt_py_target *t = &py_targets[i & (MT_PY_MAX_TARGETS - 1)];
	__u32 zero = 0;
	struct py_strings *s = bpf_map_lookup_elem(&py_usdt_scratch, &zero);

	if (i >= MT_PY_MAX_TARGETS || !s)
		return -1;
	if (!py_name_equal(s, name_len, t) || !py_file_matches(s, file_len, t))
		return -1;
	return t->target;
}

static int py_match_target(__u32 i, struct py_match_ctx *m)
{
	m->found = py_usdt_target_match(i, m->name_len, m->file_len);
	return m->found >= 0;
}

static __always_inline void py_announce(__u32 code, __u32 target, __u32 firstlineno,
					 const struct py_strings *s)
{
	struct mt_code_rec *r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);

	if (!r) {
		lose_table_record();
		return;
	}
	r->type = MT_REC_CODE;
	r->code = code;
	r->target = target;
	r->firstlineno = firstlineno;
	__builtin_memcpy(r->name, s->name, sizeof(r->name));
	__builtin_memcpy(r->file, s->file, sizeof(r->file));
	bpf_ringbuf_submit(r, BPF_RB_FORCE_WAKEUP);
}

/* The code index of a (name, file) pair if it is traced, else MT_NO_CODE. */
static __always_inline __u32 py_code_of(void *file, void *name, int lineno)
{
	struct py_code_key k = { .name = (__u64)name, .file = (__u64)file };
	struct py_match_ctx m = { .found = -1 };
	__u32 zero = 0, code = MT_NO_CODE, *cached;
	struct py_strings *s;
	long nl, fl;

	cached = bpf_map_lookup_elem(&py_usdt_codes, &k);
	if (cached)
		return *cached;
	s = bpf_map_lookup_elem(&py_usdt_scratch, &zero);
	if (!s)
		return MT_NO_CODE;
	nl = bpf_probe_read_user_str(s->name, sizeof(s->name), name);
	fl = bpf_probe_read_user_str(s->file, sizeof(s->file), file);
	if (nl <= 0 || fl <= 0)
		return MT_NO_CODE;
	m.name_len = nl - 1;
	m.file_len = fl - 1;
	bpf_loop(py_ntargets, py_match_target, &m, 0);
	if (m.found >= 0) {
		code = __sync_fetch_and_add(&py_ncodes, 1);
		if (code < MT_MAX_CODES)
			py_announce(code, m.found, lineno, s);
		else
			code = MT_NO_CODE; /* more matches than we can keep apart */
	}
	bpf_map_update_elem(&py_usdt_codes, &k, &code, BPF_ANY);
	return code;
}

static __always_inline void py_line_add(__u32 code, __s32 line, __s64 inc, __s64 mem, __u64 occ)
{
	struct mt_line_key k = { .code = code, .line = line };
	struct mt_line_val zero = {}, *v = map_lookup_or_init(&py_usdt_lines, &k, &zero);

	if (!v) {
		lose_table_record();
		return;
	}
	if (inc)
		__sync_fetch_and_add(&v->increment, inc);
	if (mem)
		atomic_max(&v->mem, mem);
	if (occ)
		__sync_fetch_and_add(&v->occurrences, occ);
}

/*
 * The line running in the traced frame ends: its increment is what RSS did
 * meanwhile. Called by close_call() in bpf/memtrace.bpf.c for every Python
 * call, and inlined in this unit's probes.
 */
__always_inline __hidden int py_line_end(struct mt_active *a, __s64 rss_now)
{
	if (a->line > 0)
		py_line_add(a->code, a->line, rss_now - a->rss_at_line, rss_now, 0);
	return 0;
}

static __always_inline void py_line_start(struct mt_active *a, __s32 line, __s64 rss_now)
{
	a->line = line;
	a->rss_at_line = rss_now;
	py_line_add(a->code, line, 0, 0, 1);
}

/* The open traced call whose frame is at this depth of this thread, or NULL. */
static __always_inline struct mt_active *py_frame_call(__u32 tid, __s32 depth)
{
	return open_lookup(tid, OPEN_BY_DEPTH, depth);
}

/* The thread's frame depth state, created at its first event since tracing began (NULL: no room). */
static __always_inline struct py_thread *py_thread_of(__u32 tid)
{
	struct py_thread zero = {};

	return map_lookup_or_init(&py_usdt_depths, &tid, &zero);
}

SEC("usdt")
int BPF_USDT(py_entry, void *file, void *name, int lineno)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)pid_tgid, code, func;
	__s32 depth = 1;
	struct mt_proc *p = traced_call(pid_tgid);
	struct py_thread *pt;
	struct mt_active *a;

	if (!p)
		return 0;
	retained_settle(tid, mt_proc_rss(p));
	pt = py_thread_of(tid);
	if (pt)
		depth = ++pt->depth;

	code = py_code_of(file, name, lineno);
	if (code >= MT_MAX_CODES)
		return 0;
	func = MT_MAX_FUNCS + code;
	a = open_call(tid, func);
	if (a) {
		/* Recursion: the outer call counts. */
		if ((__s64)a->entry_sp < depth)
			return 0;
		/* Its return was never seen (the thread unwound past it): close it now. */
		close_call(a, MT_CALL_UNWOUND, mt_proc_rss(p));
	}

	a = start_call(p, tid, func, code, depth);
	/* memory_profiler lists the "def" line once per call, with the RSS at entry. */
	if (a)
		py_line_start(a, lineno, a->rss_entry);
	return 0;
}

/*
 * A call that began before tracing ran through all of it: its window
 * starts when tracing began, and its peak so far is the process's peak
 * since then. What the thread itself caused is known only from now on.
 */
static __always_inline void py_partial_from_start(struct mt_proc *p, struct mt_active *a)
{
	/* Each 0 until userspace sets it (a live process's RSS is never 0): whatever the order seen. */
	__u64 ts = *(volatile __u64 *)&trace_start_ts;
	__s64 rss_then = *(volatile __s64 *)&trace_start_rss;

	if (!ts || !rss_then)
		return;
	a->ts_entry = ts;
	a->rss_entry = rss_then;
	atomic_max(&a->rss_peak, p->peak);
	atomic_max(&a->rss_peak, a->rss_entry);
}

/*
 * The frame at the thread's lowest depth began before tracing did. The
 * first time it shows (a line or its return), if it is a traced function
 * with no open call of its own, open one flagged partial: its entry was
 * never seen, so its figures cover it from when tracing began. Checked
 * once per frame, so that a long-running caller (the module, main())
 * costs one lookup, not one per line.
 */
static __always_inline struct mt_active *py_early_call(struct mt_proc *p, __u32 tid,
						       struct py_thread *pt, void *file, void *name,
						       int lineno)
{
	struct mt_active *a;
	__u32 code;

	if (pt->depth != pt->low || pt->low_checked)
		return NULL;
	pt->low_checked = 1;
	code = py_code_of(file, name, lineno);
	if (code >= MT_MAX_CODES || open_call(tid, MT_MAX_FUNCS + code))
		return NULL;
	a = start_call(p, tid, MT_MAX_FUNCS + code, code, pt->depth);
	if (a) {
		a->flags = MT_CALL_PARTIAL;
		py_partial_from_start(p, a);
	}
	return a;
}

/* The open traced call running at the thread's depth, opening a partial one if it began before tracing. */
static __always_inline struct mt_active *py_running_call(__u64 pid_tgid, struct mt_proc **pp,
							 struct py_thread **ptp, void *file,
							 void *name, int lineno)
{
	__u32 tid = (__u32)pid_tgid;
	struct mt_proc *p;
	struct py_thread *pt;
	struct mt_active *a;

	*ptp = pt = NULL;
	*pp = p = traced_call(pid_tgid);
	if (!p)
		return NULL;
	/* Any event of the thread comes after the frame of its last return is cleared. */
	retained_settle(tid, mt_proc_rss(p));
	*ptp = pt = py_thread_of(tid);
	if (!pt)
		return NULL;
	a = py_frame_call(tid, pt->depth);
	return a ? a : py_early_call(p, tid, pt, file, name, lineno);
}

SEC("usdt")
int BPF_USDT(py_line, void *file, void *name, int lineno)
{
	struct py_thread *pt;
	struct mt_active *a;
	struct mt_proc *p;
	__s64 rss;

	/* Only lines of the traced frame itself; callees' memory lands on the calling line. */
	a = py_running_call(bpf_get_current_pid_tgid(), &p, &pt, file, name, lineno);
	if (!a)
		return 0;
	rss = mt_proc_rss(p);
	py_line_end(a, rss);
	py_line_start(a, lineno, rss);
	return 0;
}

SEC("usdt")
int BPF_USDT(py_return, void *file, void *name, int lineno)
{
	struct py_thread *pt;
	struct mt_active *a;
	struct mt_proc *p;

	a = py_running_call(bpf_get_current_pid_tgid(), &p, &pt, file, name, lineno);
	if (!pt)
		return 0;
	/* Below the lowest depth so far: the frame there began before tracing too, unchecked. */
	if (pt->depth-- == pt->low) {
		pt->low = pt->depth;
		pt->low_checked = 0;
	}
	if (a)
		close_call(a, 0, mt_proc_rss(p));
	return 0;
}
