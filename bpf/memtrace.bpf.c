// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * memtrace kernel side: exact process RSS from kmem:rss_stat, call windows
 * from uprobe/uretprobe pairs, and the attribution of every RSS change to
 * the outermost open calls (see docs/design.md, "Attribution rules").
 * Python functions are traced by bpf/python_frames.bpf.c and
 * bpf/python_usdt.bpf.c, which share this unit's state through
 * bpf/memtrace.bpf.h.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "memtrace.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Set by userspace before load. */
const volatile __u32 targ_tgid = 0; /* the process named first (-p, or the launched command) */
const volatile __u32 self_tgid = 0; /* memtrace itself, never traced */
const volatile __u32 follow = 0;    /* enum mt_follow: who else joins (see join_current()) */
/* --cgroup: the cgroup v2 directory's id, and its depth below the root. */
const volatile __u64 follow_cgroup_id = 0;
const volatile __u32 follow_cgroup_level = 0;
/* Per-process function totals (proc_funcs) are kept when more than one process may be traced. */
const volatile bool many_procs = false;
const volatile __u64 page_size = 4096;
const volatile __u32 nr_cpus = 1; /* possible CPUs */
/* Per-call records cost ring-buffer traffic: only sent when a JSON stream is written. */
const volatile bool emit_calls = false;
/* Python functions traced by walking the interpreter's frames on each RSS change. */
const volatile bool py_frames = false;

/*
 * The traced processes, by pid (struct mt_proc in bpf/memtrace.h): the ones
 * userspace names are put here before attach, seeded from /proc/PID/status;
 * others join by follow (fork, -a, --cgroup), seeded from their mm's
 * counters. Each rss_stat event then sets a counter to its exact size.
 * MT_PROC_EXITED is set when the last thread starts exiting
 * (sched_process_exit fires before the mm is torn down): from then on RSS
 * stays at its final value, so calls cut short by the exit are not charged
 * for the teardown. Processes that joined leave the map at their exit, their
 * figures in the exit record; named ones stay, for userspace's last read.
 */
struct mt_procs_map procs SEC(".maps");

/* Events with curr == 0 (reclaim, exit, a fork copying pages) name only the mm: its process. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MT_MAX_PROCS);
	__type(key, __u32);   /* kmem:rss_stat mm_id */
	__type(value, __u32); /* pid */
} mm_procs SEC(".maps");

/* With many_procs: each function's totals per process, beside funcs[] (all processes). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MT_MAX_PROC_FUNCS);
	__type(key, struct mt_proc_func_key);
	__type(value, struct mt_func_agg);
} proc_funcs SEC(".maps");

__u64 pid_bits[MT_PID_BITS / 64];
/*
 * The first process (targ_tgid) is kept here rather than in procs: its
 * every event finds it without a map lookup, as a single-process run's
 * did before there were several.
 */
struct mt_proc main_proc;

/* Processes that could not join: procs was full. */
__u64 procs_lost;
/*
 * The first process's largest RSS since userspace last took a sample: it
 * exchanges this for the current RSS at each sample, which a map value
 * would not let it do atomically.
 */
__s64 sample_peak;
/*
 * Set by userspace when tracing stops: from then on no call starts or ends
 * (the calls still open are reported as open), so the totals it reads and
 * the records it drains describe the same calls, while a target that runs
 * on keeps calling.
 */
__u32 stopped;
__u64 lost;        /* records the ring buffer had no room for, and line figures with no map room */
/*
 * Of those, what the tables need too (a Python function's announcement,
 * frame-walking figures, the exit record); the rest are per-call records,
 * whose totals the kernel keeps anyway (funcs[]).
 */
__u64 lost_tables;
__u64 nr_rss_events;
__u32 active_hiwater; /* slots at and above this index have never been used */
struct mt_active active[MT_MAX_ACTIVE];
struct mt_func_agg funcs[MT_NR_FUNCS];

struct mt_events_map events SEC(".maps");

/*
 * The open-call table. Slots live in .bss (userspace reads the calls still
 * open at the stop); an index finds a thread's call by function, or a
 * Python call by its frame depth, in O(1) whatever the number of threads;
 * free slots wait on a stack, so the lowest ones are reused first and the
 * high-water mark, which bounds the per-event walk, stays at the real
 * concurrency. open_lookup(), start_call() and close_call() are inlined in
 * this unit's probes; bpf/python_usdt.bpf.c calls their out-of-line copies.
 */
struct open_key {
	__u32 tid;
	__u32 kind;
	__s64 id;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2 * MT_MAX_ACTIVE);
	__type(key, struct open_key);
	__type(value, __u32);
} open_index SEC(".maps");

/* Filled by userspace before attach with every slot index, the lowest on top. */
struct {
	__uint(type, BPF_MAP_TYPE_STACK);
	__uint(max_entries, MT_MAX_ACTIVE);
	__uint(value_size, sizeof(__u32));
} free_slots SEC(".maps");

__always_inline __hidden struct mt_active *open_lookup(__u32 tid, __u32 kind, __s64 id)
{
	struct open_key k = { .tid = tid, .kind = kind, .id = id };
	__u32 *slot = bpf_map_lookup_elem(&open_index, &k);
	struct mt_active *a;

	if (!slot || *slot >= MT_MAX_ACTIVE)
		return NULL;
	a = &active[*slot];
	return a->tid == tid ? a : NULL;
}

_Static_assert((MT_NR_FUNCS & (MT_NR_FUNCS - 1)) == 0, "func_agg() masks the index");

/*
 * A function's totals, or NULL. The mask after the check is for the
 * verifier: clang may bound-check one copy of the index and use another,
 * and would drop a mask it can prove redundant, hence the barrier.
 */
static __always_inline struct mt_func_agg *func_agg(__u32 func)
{
	if (func >= MT_NR_FUNCS)
		return NULL;
	barrier_var(func);
	return &funcs[func & (MT_NR_FUNCS - 1)];
}

/*
 * The maxima start at INT64_MIN (seed_bss() in user/tracer.c sets funcs[];
 * agg_init the per-process ones), so the first call's values win even when
 * negative.
 */
static const struct mt_func_agg agg_init = { .growth_max = -0x7fffffffffffffffLL - 1, .peak_max = -0x7fffffffffffffffLL - 1 };

static __always_inline void add_call(struct mt_func_agg *agg, const struct mt_active *a,
				     __s64 rss_exit, __u32 flags)
{
	__s64 growth = rss_exit - a->rss_entry;

	/* Only part of it was seen: its growth is not the call's, so it is counted apart. */
	if (flags & MT_CALL_PARTIAL) {
		__sync_fetch_and_add(&agg->partial, 1);
		return;
	}
	__sync_fetch_and_add(&agg->calls, 1);
	__sync_fetch_and_add(&agg->growth, growth);
	/* What it retains, until its frame is seen gone (retained_settle()); final for native calls. */
	__sync_fetch_and_add(&agg->retained, growth);
	__sync_fetch_and_add(&agg->thread_growth, a->thread_growth);
	if (flags)
		__sync_fetch_and_add(&agg->unwound, 1);
	/*
	 * A plain store for the first call raced with a second thread's
	 * atomic_max(): the smaller value could overwrite the larger.
	 */
	atomic_max(&agg->growth_max, growth);
	atomic_max(&agg->peak_max, a->rss_peak - a->rss_entry);
}

/* The totals of func in process pid (many_procs), or NULL. */
static __always_inline struct mt_func_agg *proc_func_agg(__u32 pid, __u32 func)
{
	struct mt_proc_func_key k = { .pid = pid, .func = func };
	struct mt_func_agg *agg;

	if (!many_procs)
		return NULL;
	agg = map_lookup_or_init(&proc_funcs, &k, &agg_init);
	if (!agg)
		lose_table_record();
	return agg;
}

static __always_inline void account_call(const struct mt_active *a, __s64 rss_exit, __u32 flags)
{
	struct mt_func_agg *agg = func_agg(a->func);

	if (!agg)
		return;
	add_call(agg, a, rss_exit, flags);
	agg = proc_func_agg(a->pid, a->func);
	if (agg)
		add_call(agg, a, rss_exit, flags);
}

static __always_inline void emit_call(const struct mt_active *a, __u64 now, __s64 rss_exit,
				      __u32 flags)
{
	struct mt_call_rec *r;

	if (!emit_calls)
		return;
	r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r) {
		__sync_fetch_and_add(&lost, 1);
		return;
	}
	r->type = MT_REC_CALL;
	r->tid = a->tid;
	r->func = a->func;
	r->flags = flags;
	r->ts_entry = a->ts_entry;
	r->ts_exit = now;
	r->rss_entry = a->rss_entry;
	r->rss_exit = rss_exit;
	r->rss_peak = a->rss_peak > rss_exit ? a->rss_peak : rss_exit;
	r->thread_growth = a->thread_growth;
	r->pid = a->pid;
	r->pad = 0;
	bpf_ringbuf_submit(r, wakeup_flags(sizeof(*r) + 8));
}

/*
 * A Python call's frame outlives its return event: CPython fires
 * function__return, then clears the frame, freeing its locals. What the
 * call leaves behind is known at its thread's next event (bpf/python_usdt.bpf.c
 * settles it at every line, entry and return), so close_call() keeps, per
 * thread, the one call whose frame may still be going and its RSS at
 * return; the function's retained total already has its growth, and the
 * settlement adds what RSS did since. A native frame is gone at its return
 * probe (the uretprobe fires after ret): its growth is what it retains. A
 * call whose thread ends, or that tracing stops before, keeps its growth.
 */
struct retained_pending {
	__u32 func;
	__u32 pid;
	__s64 rss_exit;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32); /* tid */
	__type(value, struct retained_pending);
} retained_pending SEC(".maps");

static __always_inline void retained_pend(const struct mt_active *a, __s64 rss_exit)
{
	struct retained_pending p = { .func = a->func, .pid = a->pid, .rss_exit = rss_exit };

	/* No room: its growth stands for it, and the tables say they are incomplete. */
	if (bpf_map_update_elem(&retained_pending, &a->tid, &p, BPF_ANY))
		lose_table_record();
}

__always_inline __hidden int retained_settle(__u32 tid, __s64 rss_now)
{
	struct retained_pending *p = bpf_map_lookup_elem(&retained_pending, &tid);
	struct mt_func_agg *agg;

	if (!p)
		return 0;
	/* Only the thread itself adds, settles or forgets its entry: no race. */
	agg = func_agg(p->func);
	if (agg)
		__sync_fetch_and_add(&agg->retained, rss_now - p->rss_exit);
	agg = proc_func_agg(p->pid, p->func);
	if (agg)
		__sync_fetch_and_add(&agg->retained, rss_now - p->rss_exit);
	bpf_map_delete_elem(&retained_pending, &tid);
	return 0;
}

/*
 * Completes the call in slot a with the process RSS at its end, and frees
 * the slot: index entries first, tid cleared, then the slot back on the
 * free stack, so no lookup can find a slot that is being reused.
 */
__always_inline __hidden int close_call(struct mt_active *a, __u32 flags, __s64 rss_exit)
{
	struct open_key k = { .tid = a->tid, .kind = OPEN_BY_FUNC, .id = a->func };
	/* Unsigned: BPF has no signed division, which a - active would take out of line. */
	__u32 slot = ((__u64)a - (__u64)active) / sizeof(*a);

	if (a->code != MT_NO_CODE)
		py_line_end(a, rss_exit);
	flags |= a->flags;
	atomic_max(&a->rss_peak, rss_exit);
	account_call(a, rss_exit, flags);
	if (a->code != MT_NO_CODE && !(flags & (MT_CALL_PARTIAL | MT_CALL_THREAD_EXIT)))
		retained_pend(a, rss_exit);
	emit_call(a, bpf_ktime_get_ns(), rss_exit, flags);
	bpf_map_delete_elem(&open_index, &k);
	if (a->code != MT_NO_CODE) {
		k.kind = OPEN_BY_DEPTH;
		k.id = (__s64)a->entry_sp;
		bpf_map_delete_elem(&open_index, &k);
	}
	__sync_lock_test_and_set(&a->tid, 0);
	if (slot < MT_MAX_ACTIVE)
		bpf_map_push_elem(&free_slots, &slot, 0);
	return 0;
}

static __always_inline void raise_hiwater(__u32 n)
{
	/* A racing raise to a larger value wins; a few tries are plenty. */
	for (int j = 0; j < 4; j++) {
		__u32 cur = active_hiwater;

		if (n <= cur || __sync_val_compare_and_swap(&active_hiwater, cur, n) == cur)
			break;
	}
}

static __always_inline void count_untimed(__u32 func)
{
	struct mt_func_agg *agg = func_agg(func);

	if (agg)
		__sync_fetch_and_add(&agg->untimed, 1);
}

/*
 * Open a call window in a free slot: entry RSS, time, peak so far. entry_sp
 * is the stack pointer (native) or the frame depth (Python), which tells
 * the outermost call's return from nested ones. NULL when every slot is
 * busy: the call is counted as untimed for its function, never guessed.
 */
__always_inline __hidden struct mt_active *start_call(struct mt_proc *p, __u32 tid, __u32 func,
						      __u32 code, __u64 entry_sp)
{
	struct open_key k = { .tid = tid, .kind = OPEN_BY_FUNC, .id = func };
	struct mt_active *a;
	__u32 slot;

	if (bpf_map_pop_elem(&free_slots, &slot) || slot >= MT_MAX_ACTIVE) {
		count_untimed(func);
		return NULL;
	}
	a = &active[slot];
	a->func = func;
	a->code = code;
	a->entry_sp = entry_sp;
	a->pid = bpf_get_current_pid_tgid() >> 32;
	a->ts_entry = bpf_ktime_get_ns();
	a->rss_entry = mt_proc_rss(p);
	a->rss_peak = a->rss_entry;
	a->thread_growth = 0;
	a->line = 0;
	a->rss_at_line = 0;
	a->ret_word = 0;
	a->flags = 0;
	/* Published last: walkers skip slots whose tid is 0. */
	__sync_lock_test_and_set(&a->tid, tid);
	raise_hiwater(slot + 1);
	if (bpf_map_update_elem(&open_index, &k, &slot, BPF_ANY))
		goto unindexed;
	if (code != MT_NO_CODE) {
		k.kind = OPEN_BY_DEPTH;
		k.id = (__s64)entry_sp;
		if (bpf_map_update_elem(&open_index, &k, &slot, BPF_ANY)) {
			k.kind = OPEN_BY_FUNC;
			k.id = func;
			bpf_map_delete_elem(&open_index, &k);
			goto unindexed;
		}
	}
	return a;
unindexed:
	/* Cannot happen with the index sized for every slot; counted, not hidden, if it does. */
	__sync_lock_test_and_set(&a->tid, 0);
	bpf_map_push_elem(&free_slots, &slot, 0);
	count_untimed(func);
	return NULL;
}

struct rss_walk {
	__u32 pid;   /* the process whose RSS changed */
	__u32 tid;   /* the thread that caused the change, 0 if not the process's own */
	__u64 sp;    /* its user stack pointer, 0 if unknown */
	__s64 delta, total;
};

/*
 * Has the thread left this native call without returning (longjmp, an
 * exception)? Yes if it now runs above the call's entry frame, or if the
 * word at the entry stack pointer changed since its first memory event in
 * the call: another call at the same depth has overwritten the return
 * address. A thread on another stack (a signal's, a coroutine's) leaves
 * that word alone and is not mistaken for one that left.
 */
static __always_inline bool left_call(struct mt_active *a, __u64 sp)
{
	__u64 word = 0;

	if (!sp)
		return false;
	/*
	 * Exactly one word above is a return whose return probe has yet to
	 * run: the first return through the kernel's trampoline faults its
	 * page in, an RSS event between the return and the probe.
	 */
	if (sp > a->entry_sp + 8)
		return sp - a->entry_sp < MT_STACK_SPAN;
	if (sp > a->entry_sp)
		return false;
	if (bpf_probe_read_user(&word, sizeof(word), (void *)a->entry_sp) || !word)
		return false;
	if (!a->ret_word) {
		a->ret_word = word;
		return false;
	}
	return word != a->ret_word;
}

/*
 * Each open call: raise its peak, and credit the change to it if its thread
 * caused it. A native call its thread has left without returning ended
 * before this change.
 */
static int rss_walk_slot(__u32 i, struct rss_walk *w)
{
	struct mt_active *a;

	if (i >= MT_MAX_ACTIVE)
		return 1;
	a = &active[i];
	if (!a->tid || a->pid != w->pid)
		return 0;
	if (w->tid && a->tid == w->tid && a->code == MT_NO_CODE && !stopped && left_call(a, w->sp)) {
		close_call(a, MT_CALL_UNWOUND, w->total - w->delta);
		return 0;
	}
	if (w->delta > 0)
		atomic_max(&a->rss_peak, w->total);
	if (w->tid && a->tid == w->tid)
		__sync_fetch_and_add(&a->thread_growth, w->delta);
	return 0;
}

/* The current thread's user stack pointer (its registers saved at kernel entry). */
static __always_inline __u64 user_sp(void)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());

	return regs ? BPF_CORE_READ(regs, sp) : 0;
}

/*
 * Each CPU's per-CPU area offset, to read a per-CPU counter's parts. The
 * kernel's table of them is not a symbol BPF can name here (kallsyms lists
 * no data), so it is measured: this per-CPU map's one element, at its
 * per-CPU address (pptrs[0]), is found on each CPU at that address plus the
 * CPU's offset.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} cpu_offsets SEC(".maps");

struct pcpu_sum {
	__u64 base;     /* cpu_offsets' element's per-CPU address */
	__u64 counters; /* the percpu_counter's per-CPU s32 parts */
	__s64 sum;
};

/* A pointer's value as a plain number: the verifier forbids arithmetic on map pointers. */
static __always_inline __u64 addr_of(const void *p)
{
	__u64 a = 0;

	bpf_probe_read_kernel(&a, sizeof(a), &p);
	return a;
}

static long add_cpu_part(__u32 cpu, struct pcpu_sum *ps)
{
	__u32 zero = 0;
	__u64 elem = addr_of(bpf_map_lookup_percpu_elem(&cpu_offsets, &zero, cpu));
	__s32 v;

	if (!elem)
		return 1;
	if (!bpf_probe_read_kernel(&v, sizeof(v), (const void *)(ps->counters + (elem - ps->base))))
		ps->sum += v;
	return 0;
}

/*
 * A counter of mm now, in pages, as exact as kmem:rss_stat's size: the
 * shared count plus each CPU's part not yet folded in (up to a batch of
 * pages per CPU, hundreds of KiB a process).
 */
static __always_inline __s64 mm_counter(struct mm_struct *mm, int idx)
{
	struct pcpu_sum ps = { .counters = (__u64)BPF_CORE_READ(mm, rss_stat[idx & 3].counters),
			       .sum = BPF_CORE_READ(mm, rss_stat[idx & 3].count) };
	__u64 arr = addr_of(&cpu_offsets);

	if (ps.counters && arr &&
	    !bpf_probe_read_kernel(&ps.base, sizeof(ps.base),
				   (const void *)(arr + bpf_core_field_offset(struct bpf_array, pptrs))) &&
	    ps.base)
		bpf_loop(nr_cpus, add_cpu_part, &ps, 0);
	return ps.sum;
}

/* The counters of mm now: a process that joins starts from them. */
static __always_inline void seed_from_mm(struct mt_proc *p, struct mm_struct *mm)
{
	__s64 v;

	if (!mm)
		return;
#define SEED(member, idx)                                                  \
	v = mm_counter(mm, idx);                                            \
	p->rss[member] = v > 0 ? v * (__s64)page_size : 0;
	SEED(MT_RSS_FILE, 0)
	SEED(MT_RSS_ANON, 1)
	SEED(MT_RSS_SWAP, 2)
	SEED(MT_RSS_SHMEM, 3)
#undef SEED
	p->peak = mt_proc_rss(p);
	p->peak_ts = bpf_ktime_get_ns();
}

/* Tells userspace a process joined (or exec'd); losing it loses its name, not its figures. */
static __always_inline void send_proc(struct task_struct *task, __u32 pid, __u32 ppid, __u32 event,
				      __s64 rss)
{
	struct mt_proc_rec *r = reserve_table_record(sizeof(*r));

	if (!r)
		return;
	r->type = MT_REC_PROC;
	r->pid = pid;
	r->ppid = ppid;
	r->event = event;
	r->ts = bpf_ktime_get_ns();
	r->rss = rss;
	BPF_CORE_READ_STR_INTO(&r->comm, task, comm);
	bpf_ringbuf_submit(r, BPF_RB_FORCE_WAKEUP);
}

/* Adds process pid (task its leader or any thread), seeded from its mm; NULL if procs is full. */
static __always_inline struct mt_proc *join(struct task_struct *task, __u32 pid, __u32 event)
{
	struct mt_proc init = {};
	struct mt_proc *p;

	seed_from_mm(&init, BPF_CORE_READ(task, mm));
	if (bpf_map_update_elem(&procs, &pid, &init, BPF_NOEXIST)) {
		p = bpf_map_lookup_elem(&procs, &pid);
		if (!p)
			__sync_fetch_and_add(&procs_lost, 1);
		/* Another CPU added it first: it also told userspace. */
		return p;
	}
	__sync_fetch_and_or(&pid_bits[mt_pid_word(pid) & (MT_PID_BITS / 64 - 1)], mt_pid_bit(pid));
	send_proc(task, pid, BPF_CORE_READ(task, real_parent, tgid), event, mt_proc_rss(&init));
	return bpf_map_lookup_elem(&procs, &pid);
}

/* The mm's entry in mm_procs, if it is still this process's. */
static __always_inline void forget_mm(__u32 mm_id, __u32 pid)
{
	__u32 *owner = bpf_map_lookup_elem(&mm_procs, &mm_id);

	if (owner && *owner == pid)
		bpf_map_delete_elem(&mm_procs, &mm_id);
}

/* -a and --cgroup: does the current process join at its first RSS change? */
static __always_inline bool joins_by_itself(__u32 pid)
{
	if (pid == self_tgid)
		return false;
	if (follow & MT_FOLLOW_ALL)
		return true;
	return (follow & MT_FOLLOW_CGROUP) &&
	       bpf_get_current_ancestor_cgroup_id(follow_cgroup_level) == follow_cgroup_id;
}

__hidden struct mt_proc *join_current(__u32 pid)
{
	return joins_by_itself(pid) ? join(bpf_get_current_task_btf(), pid, MT_PROC_SEEN) : NULL;
}

/*
 * The process an rss_stat event is about, or NULL if untraced: the
 * current one for its own events (joining with -a or --cgroup), else
 * whichever traced process has that mm.
 */
static __always_inline struct mt_proc *event_proc(__u32 curr, __u32 id, __u32 *pid)
{
	struct mt_proc *p;
	__u32 *owner;

	if (curr) {
		if (!maybe_traced(*pid))
			return NULL;
		p = proc_of(*pid);
		if (!p)
			p = join_current(*pid);
		if (!p)
			return NULL;
		/*
		 * exec gives the process a new mm, which starts empty: follow it,
		 * and forget the counters of the old one (each event carries the
		 * absolute size, so the next event per counter sets it exactly).
		 */
		if (!(p->flags & MT_PROC_MM_KNOWN) || id != p->mm_id) {
			if (p->flags & MT_PROC_MM_KNOWN) {
				forget_mm(p->mm_id, *pid);
				p->rss[MT_RSS_FILE] = 0;
				p->rss[MT_RSS_ANON] = 0;
				p->rss[MT_RSS_SHMEM] = 0;
			}
			bpf_map_update_elem(&mm_procs, &id, pid, BPF_ANY);
			p->mm_id = id;
			p->flags |= MT_PROC_MM_KNOWN;
		}
		return p;
	}
	/* Events with curr == 0 (exit, reclaim, a fork copying pages) match by mm only. */
	owner = bpf_map_lookup_elem(&mm_procs, &id);
	if (!owner)
		return NULL;
	*pid = *owner;
	p = proc_of(*pid);
	return p && (p->flags & MT_PROC_MM_KNOWN) && p->mm_id == id ? p : NULL;
}

SEC("tracepoint/kmem/rss_stat")
int handle_rss_stat(struct trace_event_raw_rss_stat *ctx)
{
	/* Locals first: clang may otherwise re-derive ctx pointers the verifier rejects. */
	__u32 id = ctx->mm_id;
	__u32 curr = ctx->curr;
	int member = ctx->member;
	__s64 size = ctx->size;
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)pid_tgid, pid = pid_tgid >> 32;
	struct mt_proc *p;
	bool own;
	__s64 old, delta, total;
	__u32 hw;

	/*
	 * One process traced (no follow, one -p): another process's own events,
	 * nearly all of a host's, end at this compare, not at a map lookup
	 * (which costs every page fault on the host ~70 ns more).
	 */
	if (!many_procs && curr && pid != targ_tgid)
		return 0;
	p = event_proc(curr, id, &pid);
	own = p && curr;
	if (!p || member < 0 || member >= MT_RSS_NR || (p->flags & MT_PROC_EXITED))
		return 0;

	/* Exchange, so deltas from racing CPUs still add up to the final size. */
	old = __sync_lock_test_and_set(&p->rss[member & (MT_RSS_NR - 1)], size);
	if (member == MT_RSS_SWAP)
		return 0;
	__sync_fetch_and_add(&nr_rss_events, 1);
	delta = size - old;
	total = mt_proc_rss(p);
	if (total > p->peak) {
		atomic_max(&p->peak, total);
		p->peak_ts = bpf_ktime_get_ns();
	}
	if (pid == targ_tgid)
		atomic_max(&sample_peak, total);

	/* bpf_loop: the verifier checks the body once, not once per slot. */
	struct rss_walk w = { .pid = pid, .tid = own ? tid : 0, .delta = delta, .total = total };

	hw = active_hiwater;
	if (hw) {
		if (own)
			w.sp = user_sp();
		bpf_loop(hw < MT_MAX_ACTIVE ? hw : MT_MAX_ACTIVE, rss_walk_slot, &w, 0);
	}
	if (py_frames && own && delta && py_walked(pid, p->flags))
		py_frames_account(delta, total);
	if (own && delta > 0)
		stacks_account(delta, total, p->flags & MT_PROC_PYTHON);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(func_entry)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)pid_tgid;
	__u32 func = (__u32)bpf_get_attach_cookie(ctx);
	__u64 sp = PT_REGS_SP(ctx);
	struct mt_proc *p = traced_call(pid_tgid);
	struct mt_active *a;

	if (!p)
		return 0;

	a = open_call(tid, func);
	if (a) {
		/* Deeper on the stack than the open call: recursion or nesting, counted once. */
		if (sp < a->entry_sp)
			return 0;
		/* The open call's frame is gone without a return (longjmp): close it here. */
		close_call(a, MT_CALL_UNWOUND, mt_proc_rss(p));
	}

	start_call(p, tid, func, MT_NO_CODE, sp);
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(func_return)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 func = (__u32)bpf_get_attach_cookie(ctx);
	/* After the return: one word above the entry stack pointer for the outermost call. */
	__u64 sp = PT_REGS_SP(ctx);
	struct mt_proc *p = traced_call(pid_tgid);
	struct mt_active *a;

	if (!p)
		return 0;
	a = open_call((__u32)pid_tgid, func);
	if (a && sp > a->entry_sp)
		close_call(a, 0, mt_proc_rss(p));
	return 0;
}

struct thread_end {
	__u32 tid;
	__s64 rss;
};

static int close_thread_slot(__u32 i, struct thread_end *te)
{
	if (i >= MT_MAX_ACTIVE)
		return 1;
	if (active[i].tid == te->tid)
		close_call(&active[i], MT_CALL_THREAD_EXIT, te->rss);
	return 0;
}

/*
 * A traced process's child (not a thread) joins with follow: fork copies the
 * parent's mm, whose copied pages the child's counters already hold. A child
 * that shares its parent's mm (vfork, posix_spawn: CLONE_VM) has no memory
 * of its own until it execs: it joins then (handle_exec), its faults
 * meanwhile being its parent's.
 */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(handle_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ppid = BPF_CORE_READ(parent, tgid), pid = BPF_CORE_READ(child, pid);
	struct mt_proc *pp, *p;

	if (!follow || stopped || pid != BPF_CORE_READ(child, tgid) ||
	    BPF_CORE_READ(child, mm) == BPF_CORE_READ(parent, mm))
		return 0;
	pp = proc_of(ppid);
	if (!pp)
		return 0;
	p = join(child, pid, MT_PROC_FORK);
	/* Same program, same interpreter: frame walking works in the child as in the parent. */
	if (p)
		p->flags |= pp->flags & MT_PROC_PYTHON;
	if (p && py_frames)
		py_frames_fork(ppid, pid);
	return 0;
}

/*
 * A traced process runs a new program: userspace resolves -f in it again.
 * The launched command's first exec is the one memtrace waits for; any
 * other leaves the interpreter frame walking knew there.
 */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(handle_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 pid = BPF_CORE_READ(task, tgid), ppid = BPF_CORE_READ(task, real_parent, tgid);
	struct mt_proc *p = proc_of(pid);

	if (stopped)
		return 0;
	/*
	 * A vfork child of a traced process: its own memory starts here
	 * (handle_fork). It joins as a child, then runs a new program as any.
	 */
	if (!p && (follow & MT_FOLLOW_CHILDREN) && proc_of(ppid))
		p = join(task, pid, MT_PROC_FORK);
	if (!p)
		return 0;
	if (p->flags & MT_PROC_LAUNCHING) {
		p->flags &= ~MT_PROC_LAUNCHING;
	} else {
		p->flags &= ~MT_PROC_PYTHON;
		/* Userspace finds the new program's interpreter, if any (user/pyframes.c). */
		if (py_frames)
			py_frames_exec(pid);
	}
	send_proc(task, pid, BPF_CORE_READ(task, real_parent, tgid), MT_PROC_EXEC, mt_proc_rss(p));
	return 0;
}

/*
 * Every thread's exit: close the calls it leaves open (pthread_exit inside
 * a traced function), so their slots serve later calls. The last thread's
 * exit ends the process: its calls stay open and are reported as open,
 * and the group's exit status and last figures go to userspace.
 */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(handle_exit, struct task_struct *task)
{
	__u32 pid = BPF_CORE_READ(task, tgid), tid;
	struct mt_proc *p = proc_of(pid);
	struct mt_exit_rec *r;
	__u32 hw;

	if (!p)
		return 0;
	/* glibc reuses thread control blocks, and the walker caches threads by them. */
	if (py_frames)
		py_frames_forget_thread();
	/* Its last call keeps its growth as retained; a later thread may reuse the tid. */
	tid = BPF_CORE_READ(task, pid);
	bpf_map_delete_elem(&retained_pending, &tid);
	if (BPF_CORE_READ(task, signal, live.counter) != 0) {
		if (stopped)
			return 0;
		struct thread_end te = { .tid = tid, .rss = mt_proc_rss(p) };

		hw = active_hiwater;
		bpf_loop(hw < MT_MAX_ACTIVE ? hw : MT_MAX_ACTIVE, close_thread_slot, &te, 0);
		return 0;
	}
	p->flags |= MT_PROC_EXITED;
	r = reserve_table_record(sizeof(*r));
	if (!r)
		return 0;
	r->type = MT_REC_EXIT;
	r->pid = pid;
	r->status = BPF_CORE_READ(task, exit_code);
	r->pad = 0;
	r->ts = bpf_ktime_get_ns();
	r->rss = mt_proc_rss(p);
	r->peak = p->peak;
	bpf_ringbuf_submit(r, BPF_RB_FORCE_WAKEUP);
	/* Its figures are in the record: a process that joined makes room (-a on a busy host). */
	if (!(p->flags & MT_PROC_NAMED)) {
		forget_mm(p->mm_id, pid);
		bpf_map_delete_elem(&procs, &pid);
	}
	return 0;
}
