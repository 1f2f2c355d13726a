/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What the kernel side's units share (see the Makefile for how they are
 * linked into one object): bpf/memtrace.bpf.c owns the process's RSS, the
 * ring buffer and the open-call table; bpf/python_frames.bpf.c and
 * bpf/python_usdt.bpf.c add the two ways of tracing Python functions.
 * Declarations and static inline helpers only: every map, variable and
 * function declared here is defined once, in the unit named beside it.
 * Include after vmlinux.h and bpf/bpf_helpers.h.
 */
#ifndef MT_MEMTRACE_BPF_H
#define MT_MEMTRACE_BPF_H

#include "memtrace.h"

/* memtrace.bpf.c: set by userspace before load. */
extern const volatile __u32 targ_tgid;
extern const volatile bool py_frames;
/* memtrace.bpf.c: the tracing-stopped flag (userspace sets it). */
extern __u32 stopped;
/* memtrace.bpf.c: records dropped, and of those the ones the tables need. */
extern __u64 lost, lost_tables;

/*
 * memtrace.bpf.c: records to userspace. A named type, so that the
 * definition and this declaration are checked against each other.
 */
struct mt_events_map {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 * 1024 * 1024);
};
extern struct mt_events_map events SEC(".maps");

/*
 * Wake the consumer once per quarter of the buffer, when a record crosses
 * that mark, not on every record: a wake-up is an interrupt (a VM exit
 * here), costlier than the probe itself on hot functions, and once past the
 * mark every later record would send one too. Userspace also reads every
 * 50 ms, so nothing waits long.
 */
#define MT_WAKE_MARK (2 * 1024 * 1024)

/* avail: the data waiting, the record of this size included. */
static __always_inline __u64 wake_on_mark(__u64 avail, __u64 size)
{
	return avail >= MT_WAKE_MARK && avail - size < MT_WAKE_MARK ? BPF_RB_FORCE_WAKEUP
								   : BPF_RB_NO_WAKEUP;
}

/* For a reserved record: the query counts it already. */
static __always_inline __u64 wakeup_flags(__u64 size)
{
	return wake_on_mark(bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA), size);
}

/*
 * memtrace.bpf.c: the traced processes by pid (struct mt_proc). A named
 * type, so that the definition and this declaration are checked against
 * each other.
 */
struct mt_procs_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MT_MAX_PROCS);
	__type(key, __u32);
	__type(value, struct mt_proc);
};
extern struct mt_procs_map procs SEC(".maps");

/* memtrace.bpf.c: who joins besides the named processes (enum mt_follow). */
extern const volatile __u32 follow;
/* memtrace.bpf.c: -a, --cgroup: the current process joins if it is one of those (NULL if not). */
__hidden struct mt_proc *join_current(__u32 pid);

/* memtrace.bpf.c: the first process's state (not in procs). */
extern struct mt_proc main_proc;

/* A traced process's state, or NULL. */
static __always_inline struct mt_proc *proc_of(__u32 pid)
{
	if (targ_tgid && pid == targ_tgid)
		return &main_proc;
	return bpf_map_lookup_elem(&procs, &pid);
}

/* memtrace.bpf.c: the pids that may be traced (MT_PID_BITS in bpf/memtrace.h). */
extern __u64 pid_bits[MT_PID_BITS / 64];

/* Is pid possibly traced? No when its bit is clear and no process joins by itself (-a, --cgroup). */
static __always_inline bool maybe_traced(__u32 pid)
{
	return (follow & (MT_FOLLOW_ALL | MT_FOLLOW_CGROUP)) ||
	       (pid_bits[mt_pid_word(pid) & (MT_PID_BITS / 64 - 1)] & mt_pid_bit(pid));
}

/*
 * A call probe's process if it is traced and tracing has not stopped, else
 * NULL. Under -a or --cgroup a process joins at its first call as at its
 * first RSS change: its first call may be what first grows it.
 */
static __always_inline struct mt_proc *traced_call(__u64 pid_tgid)
{
	__u32 pid = pid_tgid >> 32;
	struct mt_proc *p;

	if (stopped || !maybe_traced(pid))
		return NULL;
	p = proc_of(pid);
	if (!p && (follow & (MT_FOLLOW_ALL | MT_FOLLOW_CGROUP)))
		p = join_current(pid);
	return p;
}

/* Something the tables need was dropped, not only a per-call record. */
static __always_inline void lose_table_record(void)
{
	__sync_fetch_and_add(&lost, 1);
	__sync_fetch_and_add(&lost_tables, 1);
}

/* Room in the ring buffer for a record the tables need: NULL, the loss counted, when full. */
static __always_inline void *reserve_table_record(__u64 size)
{
	void *r = bpf_ringbuf_reserve(&events, size, 0);

	if (!r)
		lose_table_record();
	return r;
}

/* Racing updates only ever raise the value: retry a few times, then give up (a lost race is a tie). */
static __always_inline void atomic_max(__s64 *p, __s64 v)
{
	for (int i = 0; i < 4; i++) {
		__s64 old = *p;

		if (v <= old)
			return;
		if (__sync_val_compare_and_swap(p, old, v) == old)
			return;
	}
}

/*
 * The value at key, inserted as init first if absent (libbpf-tools'
 * bpf_map_lookup_or_try_init): NULL only if the map has no room. A racing
 * insert of the same key is found by the second lookup.
 */
static __always_inline void *map_lookup_or_init(void *map, const void *key, const void *init)
{
	void *v = bpf_map_lookup_elem(map, key);

	if (v)
		return v;
	bpf_map_update_elem(map, key, init, BPF_NOEXIST);
	return bpf_map_lookup_elem(map, key);
}

/*
 * memtrace.bpf.c: the open-call table. An open call is found by its
 * function, or a Python call (USDT mode) by its interpreter frame depth.
 * __hidden: verified as part of each caller, with its context, like a
 * static function, rather than once on its own like a global one.
 */
enum open_key_kind {
	OPEN_BY_FUNC = 0,  /* id: the function index */
	OPEN_BY_DEPTH = 1, /* id: the Python frame depth (USDT mode) */
};

__hidden struct mt_active *open_lookup(__u32 tid, __u32 kind, __s64 id);
__hidden struct mt_active *start_call(struct mt_proc *p, __u32 tid, __u32 func, __u32 code,
				     __u64 entry_sp);
__hidden int close_call(struct mt_active *a, __u32 flags, __s64 rss_exit);

/* The open outermost call of this function in this thread, or NULL. */
static __always_inline struct mt_active *open_call(__u32 tid, __u32 func)
{
	return open_lookup(tid, OPEN_BY_FUNC, func);
}

/* memtrace.bpf.c: settles the thread's last Python call, whose frame is gone by its next event. */
__hidden int retained_settle(__u32 tid, __s64 rss_now);

/* python_usdt.bpf.c: close_call() ends the running line of a Python call it closes. */
__hidden int py_line_end(struct mt_active *a, __s64 rss_now);

/* python_frames.bpf.c: frame walking, on each RSS change the thread caused and at its exit. */
__hidden int py_frames_account(__s64 delta, __s64 total);
__hidden int py_frames_forget_thread(void);
/* python_frames.bpf.c: a forked child runs its parent's interpreter; an exec leaves it. */
__hidden int py_frames_fork(__u32 ppid, __u32 pid);
__hidden int py_frames_exec(__u32 pid);

/* python_frames.bpf.c: a bit per pid (as pid_bits) that userspace found running CPython. */
extern __u64 py_pid_bits[MT_PID_BITS / 64];

static __always_inline bool py_pid_maybe(__u32 pid)
{
	return py_pid_bits[mt_pid_word(pid) & (MT_PID_BITS / 64 - 1)] & mt_pid_bit(pid);
}

/*
 * Does the walker look at this process's frames: the first process's
 * interpreter (flags), or one userspace found in it since (a bit test, so
 * the other processes of -a pay no lookup)?
 */
static __always_inline bool py_walked(__u32 pid, __u32 flags)
{
	return (flags & MT_PROC_PYTHON) || py_pid_maybe(pid);
}
/*
 * python_frames.bpf.c: the current thread's Python frames, innermost first,
 * into r->py (sets r->nr_py, and MT_STACK_PY_TRUNC in r->flags). For stacks.
 */
struct mt_stack_rec;
__hidden int py_frames_stack(struct mt_stack_rec *r);

/* stacks.bpf.c: on each RSS growth the thread caused; takes a stack when its sample is due. */
__hidden int stacks_account(__s64 delta, __s64 total, bool python);

#endif /* MT_MEMTRACE_BPF_H */
