// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Python functions by frame walking (the default mode). On each RSS change
 * a thread of the target causes, find the thread's state, walk up to
 * MT_PY_MAX_DEPTH of its Python frames and charge the change to every
 * frame whose code object is a traced function, at the (code object,
 * instruction) it is running: the innermost at the instruction that changed
 * memory, an outer one at its call. A code object on the stack more than
 * once (recursion) is charged once, at its innermost frame. So a traced
 * function's growth includes its callees', traced or not, as
 * memory_profiler's does. Userspace (user/pycode.c) turns the pairs into
 * names and lines while the process lives. For stacks (bpf/stacks.bpf.c),
 * py_frames_stack() copies a sampled thread's frames, traced or not: the
 * walker then runs even with no function to trace (py_frame_ntargets 0).
 *
 * x86_64 only: a thread is recognised by fsbase == pthread_self() ==
 * tstate->thread_id, which holds in any pid namespace (native_thread_id is
 * namespace-relative).
 *
 * Every CPython process has its own interpreter state (struct mt_py_proc:
 * _PyRuntime, its version's layout, its code objects' group): the first
 * process's in py_frame_main (no lookup on its events), the others' in
 * py_frame_procs, each put there by userspace once it finds the process
 * runs CPython (user/pyframes.c: at the start, at an exec, at -a's first
 * sight), copied to a forked child here, dropped at an exec. Userspace
 * fills py_frame_layouts[] (from mt_py_offsets_for()), and py_frame_names /
 * py_frame_files from mt_py_match_build(), at any time.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "memtrace.bpf.h"
#include "python_offsets.h"

#ifndef __TARGET_ARCH_x86
#error "python_frames.bpf.c matches threads by x86_64 fsbase"
#endif

/* Thread states visited per lookup, across all interpreters (list walk on a cache miss). */
#define MT_PY_MAX_THREADS 64
/* Python frames examined per walk when looking for a traced function. */
#define MT_PY_MAX_DEPTH 32
#define MT_PY_CODE_ENTRIES 16384
#define MT_PY_NAME_ENTRIES 64
#define MT_PY_TSTATE_ENTRIES 4096
/* (thread, traced function) pairs with a stretch under way: see py_frame_stretches. */
#define MT_PY_STRETCH_ENTRIES 4096
/*
 * How long a thread without a thread state is believed to stay so. Short:
 * the main thread faults pages before the interpreter creates its thread
 * state, and a program's first call follows within milliseconds; a list
 * walk (~1.5 us) every 2 ms for threads Python does not know costs nothing.
 */
#define MT_PY_NEG_TTL_NS 2000000ULL
/*
 * ... and only once it has gone that long without one: a new thread faults
 * its first pages before it binds its thread state (3.10 even marks the
 * state with the parent's id until then), so young threads always walk.
 */
#define MT_PY_NEG_GRACE_NS 50000000ULL

/* RSS changes per (code object, instruction) of a traced frame: userspace reads them. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct mt_pyframe_key);
	__type(value, struct mt_pyframe_val);
} py_frame_lines SEC(".maps");

/* FNV-1a of a traced name (co_qualname or co_name; mt_py_name_hash() in userspace) -> target index */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MT_PY_NAME_ENTRIES);
	__type(key, __u64);
	__type(value, __u32);
} py_frame_names SEC(".maps");

/* target index -> struct mt_py_file_filter: FILE.py:NAME filters and same-name chains */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MT_PY_MAX_TARGETS);
	__type(key, __u32);
	__type(value, struct mt_py_file_filter);
} py_frame_files SEC(".maps");

/* (group, code object address) -> struct mt_py_code_val (python_offsets.h): traced? announced? */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MT_PY_CODE_ENTRIES);
	__type(key, struct mt_py_code_key);
	__type(value, struct mt_py_code_val);
} py_frame_verdicts SEC(".maps");

/*
 * Thread state per thread, keyed by fsbase (pthread_self()): skips the list
 * walk. tstate 0 remembers "no thread state" for MT_PY_NEG_TTL_NS, so
 * threads Python does not know (BLAS workers, ...) do not walk the list on
 * every page fault. Forgotten when a thread exits (py_frames_forget_thread()):
 * glibc reuses thread control blocks, and with them fsbase values.
 */
struct mt_py_tstate_val {
	__u64 tstate;
	__u64 miss_ns;  /* when tstate == 0: when the walk last found none */
	__u64 first_ns; /* when tstate == 0: when the walk first found none */
	__u64 last_ns;  /* when tstate != 0: the thread's latest RSS change the walker saw */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MT_PY_TSTATE_ENTRIES);
	__type(key, __u64);
	__type(value, struct mt_py_tstate_val);
} py_frame_tstates SEC(".maps");

/*
 * The stretch under way per (thread, walker target): extended while each of
 * the thread's RSS changes finds the function on its stack; sent to
 * userspace as an MT_REC_STRETCH record when a later change finds it again
 * after one that did not (or at the thread's exit), and read from here at
 * the stop. An entry is reused by its pair's next stretch.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MT_PY_STRETCH_ENTRIES);
	__type(key, struct mt_stretch_key);
	__type(value, struct mt_stretch);
} py_frame_stretches SEC(".maps");

/*
 * Code objects stack samples have carried, each announced once through
 * py_stack_codes: address -> its co_name pointer, which tells a new code
 * object at a freed one's address (module bodies are freed once run).
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MT_PY_CODE_ENTRIES);
	__type(key, __u64);
	__type(value, __u64);
} py_stack_seen SEC(".maps");

/*
 * Each code object a stack sample carries, the first time (its address):
 * userspace reads it from the process at once (user/pystack.c), close to
 * when the sample was taken: the samples queued in events may be reached
 * only once the code object is freed, its address reused, or the process
 * gone. Rare: each wakes userspace's reader.
 */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} py_stack_codes SEC(".maps");

/*
 * The layouts of the CPython versions met, and the first process's
 * interpreter: set by userspace through the skeleton at any time (a
 * launched process's _PyRuntime once it has mapped libpython). A process
 * is walked only once its runtime is set, which userspace writes last.
 * The separately verified helpers take a layout's index, a scalar.
 */
struct mt_py_offsets py_frame_layouts[MT_PY_MAX_LAYOUTS] = {};
struct mt_py_proc py_frame_main = {};
__u64 py_pid_bits[MT_PID_BITS / 64] = {};
/* Walker targets in py_frame_names: none when the walker runs for stacks only, or none yet. */
__u32 py_frame_ntargets = 0;

/* pid -> struct mt_py_proc: the CPython processes besides the first (see the top). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MT_MAX_PROCS);
	__type(key, __u32);
	__type(value, struct mt_py_proc);
} py_frame_procs SEC(".maps");

static __always_inline const struct mt_py_offsets *mt_py_layout(__u32 i)
{
	return &py_frame_layouts[i & (MT_PY_MAX_LAYOUTS - 1)];
}

/* The interpreter of process pid, or NULL: not known to run CPython. */
static __always_inline struct mt_py_proc *mt_py_proc_of(__u32 pid)
{
	if (targ_tgid && pid == targ_tgid)
		return &py_frame_main;
	return py_pid_maybe(pid) ? bpf_map_lookup_elem(&py_frame_procs, &pid) : NULL;
}

/*
 * Scratch for the structure images the walker reads in one go: a per-CPU
 * map value rather than the 512-byte stack the caller also needs.
 * Tracepoint programs do not nest on a CPU, so one slot is enough.
 */
#define MT_PY_SCRATCH 256
#define MT_PY_FRAME_IMAGE 128
struct mt_py_scratch {
	__u8 tstate[MT_PY_SCRATCH];
	__u8 frame[MT_PY_FRAME_IMAGE];
	char name[MT_PY_NAME_MAX];
	char file[2 *
		  MT_PY_SUFFIX_MAX]; /* a suffix and the '/' before it; power of two for masking */
	/* The code objects the current walk has charged: at most one per frame. */
	__u64 charged[MT_PY_MAX_DEPTH];
	__u32 ncharged;
	__u32 group; /* the walking process's code objects' (struct mt_py_proc) */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mt_py_scratch);
} py_frame_scratch SEC(".maps");

static __always_inline __u64 mt_py_u64(const __u8 *buf, __u32 off, __u32 size)
{
	__u64 v = 0;

	/* Keeps a variable offset (offsets from a map, not rodata) inside the buffer for the verifier. */
	if (off > size - 8)
		return 0;
	__builtin_memcpy(&v, buf + off, 8);
	return v;
}

static __always_inline __u64 mt_py_read_ptr(__u64 addr)
{
	__u64 v = 0;

	if (!addr || bpf_probe_read_user(&v, sizeof(v), (void *)addr))
		return 0;
	return v;
}

/* Largest end offset of the fields read from one image, clamped to the buffer. */
static __always_inline __u32 mt_py_span(__u32 a, __u32 b, __u32 c, __u32 d, __u32 size)
{
	__u32 m = a > b ? a : b;

	m = m > c ? m : c;
	m = m > d ? m : d;
	/* < size, not <=: the reads mask the length with size - 1 (sizes are powers of two) */
	return m >= size ? 0 : m;
}

/* The fsbase (pthread_self()) of the current thread. */
static __always_inline __u64 mt_py_current_fsbase(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();

	return BPF_CORE_READ(task, thread.fsbase);
}

/*
 * The thread state of the thread whose pthread_t is fsbase: from the cache
 * if its thread_id still says so, else found by walking every interpreter's
 * thread list. Leaves the tstate image (len bytes) in s->tstate. With prev,
 * records now as the thread's latest RSS change and sets *prev to the one
 * before (0: unknown); without, leaves that to the caller that has one.
 */
static __always_inline __u64 mt_py_find_tstate(const struct mt_py_offsets *off,
					       __u64 runtime, __u64 fsbase, struct mt_py_scratch *s,
					       __u32 len, __u64 now, __u64 *prev)
{
	struct mt_py_tstate_val *cached, val = {};
	__u64 interp, tstate, id;
	bool unbound = false;
	__u32 i;

	if (prev)
		*prev = 0;
	if (!fsbase || !len)
		return 0;
	cached = bpf_map_lookup_elem(&py_frame_tstates, &fsbase);
	if (cached && !cached->tstate && now - cached->miss_ns < MT_PY_NEG_TTL_NS &&
	    now - cached->first_ns > MT_PY_NEG_GRACE_NS)
		return 0;
	if (cached && cached->tstate &&
	    !bpf_probe_read_user(s->tstate, len & (MT_PY_SCRATCH - 1), (void *)cached->tstate) &&
	    mt_py_u64(s->tstate, off->tstate_thread_id, MT_PY_SCRATCH) == fsbase) {
		/* Only this thread writes its entry: no atomics needed. */
		if (prev) {
			*prev = cached->last_ns;
			cached->last_ns = now;
		}
		return cached->tstate;
	}
	interp = mt_py_read_ptr(runtime + off->runtime_interp_head);
	tstate = mt_py_read_ptr(interp + off->interp_threads_head);
	for (i = 0; i < MT_PY_MAX_THREADS; i++) {
		if (!tstate) {
			/* This interpreter's list is done: go on with the next one. */
			interp = mt_py_read_ptr(interp + off->interp_next);
			if (!interp)
				break;
			tstate = mt_py_read_ptr(interp + off->interp_threads_head);
			continue;
		}
		if (bpf_probe_read_user(s->tstate, len & (MT_PY_SCRATCH - 1), (void *)tstate))
			break;
		id = mt_py_u64(s->tstate, off->tstate_thread_id, MT_PY_SCRATCH);
		if (id == fsbase) {
			val.tstate = tstate;
			val.last_ns = now;
			bpf_map_update_elem(&py_frame_tstates, &fsbase, &val, BPF_ANY);
			return tstate;
		}
		/* Made by a parent for a thread that has not bound it yet: maybe ours. */
		unbound |= id == 0;
		tstate = mt_py_u64(s->tstate, off->tstate_next, MT_PY_SCRATCH);
	}
	/*
	 * Only a complete walk proves absence; an interrupted one proves
	 * nothing, and neither does one that met a thread state still waiting
	 * for its thread (a new Python thread's first pages come before it binds).
	 */
	if (!tstate && interp == 0 && !unbound) {
		cached = bpf_map_lookup_elem(&py_frame_tstates, &fsbase);
		val.miss_ns = now;
		val.first_ns = cached && !cached->tstate && cached->first_ns ? cached->first_ns
									    : val.miss_ns;
		bpf_map_update_elem(&py_frame_tstates, &fsbase, &val, BPF_ANY);
	}
	return 0;
}

/*
 * FNV-1a of len bytes at data in the target. A global (separately verified)
 * function: inlined, its byte loop would be verified again for every frame
 * of every walk, a quarter of the verifier's budget at MT_PY_MAX_DEPTH 32.
 * Returns 0 if the bytes cannot be read.
 */
__attribute__((noinline)) __u64 mt_py_hash_user(__u64 data, __u64 len)
{
	struct mt_py_scratch *s;
	__u64 h = MT_PY_FNV_OFFSET;
	__u32 zero = 0, i;

	s = bpf_map_lookup_elem(&py_frame_scratch, &zero);
	if (!s || len == 0 || len >= MT_PY_NAME_MAX)
		return 0;
	if (bpf_probe_read_user(s->name, len & (MT_PY_NAME_MAX - 1), (void *)data))
		return 0;
	for (i = 0; i < MT_PY_NAME_MAX; i++) {
		if (i >= len)
			break;
		h ^= (__u8)s->name[i];
		h *= MT_PY_FNV_PRIME;
	}
	return h;
}

/* Data address and length of a compact ASCII str of the target; 0 for any other kind. */
static __always_inline __u64 mt_py_ascii(const struct mt_py_offsets *off, __u64 str,
					 __u64 *len)
{
	__u32 state = 0;

	*len = 0;
	if (!str || bpf_probe_read_user(len, sizeof(*len), (void *)(str + off->unicode_length)) ||
	    bpf_probe_read_user(&state, sizeof(state), (void *)(str + off->unicode_state)))
		return 0;
	/* Compact ASCII strs keep their bytes right after the header; others are not matched. */
	if (!((state >> off->unicode_compact_shift) & 1) ||
	    !((state >> off->unicode_ascii_shift) & 1))
		return 0;
	return str + off->unicode_ascii_data;
}

/*
 * Does co_filename (the str at filename, in layout's terms) pass target
 * t's file filter? Global, verified once: its byte loop would otherwise be
 * verified for every same-name candidate of every name of every frame.
 */
__attribute__((noinline)) int mt_py_file_matches(__u64 filename, __u32 t, __u32 layout)
{
	const struct mt_py_offsets *off = mt_py_layout(layout);
	struct mt_py_file_filter *f = bpf_map_lookup_elem(&py_frame_files, &t);
	struct mt_py_scratch *s;
	__u32 zero = 0, n, b, i;
	__u64 data, len;

	if (!f || f->suffix_len == 0)
		return 1;
	n = f->suffix_len;
	s = bpf_map_lookup_elem(&py_frame_scratch, &zero);
	data = mt_py_ascii(off, filename, &len);
	if (!s || !data || n > MT_PY_SUFFIX_MAX || len < n)
		return 0;
	/* The suffix, and the '/' before it unless it is the whole name. */
	b = len > n;
	if (bpf_probe_read_user(s->file, (n + b) & (2 * MT_PY_SUFFIX_MAX - 1),
				(void *)(data + len - n - b)))
		return 0;
	if (b && s->file[0] != '/')
		return 0;
	for (i = 0; i < MT_PY_SUFFIX_MAX; i++) {
		if (i >= n)
			break;
		if (s->file[(i + b) & (2 * MT_PY_SUFFIX_MAX - 1)] != f->suffix[i])
			return 0;
	}
	return 1;
}

/*
 * Is this code object (of group, in layout's terms) traced? Returns the
 * target index or -1. Cached per (group, address); on a miss (or a reused
 * address) hash co_qualname, then co_name, look the hashes up, and apply
 * the file filters. Global, so verified once rather than once per frame of
 * the walk (inlined, the walk cost 250k verifier steps).
 */
__attribute__((noinline)) int mt_py_code_target(__u64 code, __u32 layout, __u32 group)
{
	const struct mt_py_offsets *off = mt_py_layout(layout);
	struct mt_py_code_key key = { .code = code, .group = group };
	struct mt_py_code_val val = { .target = -1 }, *v;
	struct mt_py_file_filter *f;
	__u64 name, str, data, h, len, filename = 0;
	__u32 k, c, t, *tp;

	if (!code)
		return -1;
	name = mt_py_read_ptr(code + off->code_name);
	v = bpf_map_lookup_elem(&py_frame_verdicts, &key);
	if (v && v->name == name)
		return v->target;
	for (k = 0; k < 2 && val.target < 0; k++) {
		str = k == 0 ? (off->code_qualname != MT_PY_NONE
					? mt_py_read_ptr(code + off->code_qualname)
					: 0)
			     : name;
		data = mt_py_ascii(off, str, &len);
		h = data ? mt_py_hash_user(data, len) : 0;
		tp = h ? bpf_map_lookup_elem(&py_frame_names, &h) : NULL;
		if (!tp)
			continue;
		t = *tp;
		if (!filename)
			filename = mt_py_read_ptr(code + off->code_filename);
		/* Targets sharing the name are chained: the first whose filter passes wins. */
		for (c = 0; c < MT_PY_MAX_TARGETS; c++) {
			if (mt_py_file_matches(filename, t, layout)) {
				val.target = (__s32)t;
				break;
			}
			f = bpf_map_lookup_elem(&py_frame_files, &t);
			if (!f || f->next < 0)
				break;
			t = (__u32)f->next;
		}
	}
	val.name = name;
	bpf_map_update_elem(&py_frame_verdicts, &key, &val, BPF_ANY);
	return val.target;
}

/*
 * Has the current walk charged this code object already? If not, remember
 * it: a recursing function is charged once per change, so its growth is not
 * multiplied by its depth. Global, so its loop is verified once rather than
 * once per frame of the walk.
 */
__attribute__((noinline)) int mt_py_first_sight(__u64 code)
{
	struct mt_py_scratch *s;
	__u32 zero = 0, n, i;

	s = bpf_map_lookup_elem(&py_frame_scratch, &zero);
	if (!s)
		return 0;
	n = s->ncharged;
	for (i = 0; i < MT_PY_MAX_DEPTH; i++) {
		if (i >= n)
			break;
		if (s->charged[i] == code)
			return 0;
	}
	/* One per frame of a walk bounded by MT_PY_MAX_DEPTH: the array cannot fill. */
	if (n >= MT_PY_MAX_DEPTH)
		return 0;
	s->charged[n] = code;
	s->ncharged = n + 1;
	return 1;
}

/*
 * Charge an RSS change (delta, leaving the process at total) to a traced
 * frame's (code object of the walk's group, instruction), and announce a
 * code object seen for the first time in its group: userspace reads it
 * while the process lives. Global, verified once rather than once per
 * frame of the walk.
 */
__attribute__((noinline)) int mt_py_charge(__u64 code, __s32 instr, __s32 target, __s64 delta,
					   __s64 total)
{
	struct mt_pyframe_key k = { .code = code, .instr = instr,
				    .pid = bpf_get_current_pid_tgid() >> 32 };
	struct mt_py_code_key ck = { .code = code };
	struct mt_pyframe_val zero = {}, *v;
	struct mt_py_code_val *cv;
	struct mt_py_scratch *s;
	struct mt_pyframe_rec *r;
	__u32 z = 0;

	s = bpf_map_lookup_elem(&py_frame_scratch, &z);
	if (!s)
		return 0;
	k.group = ck.group = s->group;

	v = map_lookup_or_init(&py_frame_lines, &k, &zero);
	if (!v) {
		lose_table_record();
		return 0;
	}
	__sync_fetch_and_add(&v->increment, delta);
	__sync_fetch_and_add(&v->events, 1);
	atomic_max(&v->mem, total);

	/* Its verdict, just cached by mt_py_code_target(), says if it was announced: once, by one CPU. */
	cv = bpf_map_lookup_elem(&py_frame_verdicts, &ck);
	if (!cv || cv->announced || __sync_fetch_and_or(&cv->announced, 1))
		return 0;
	r = reserve_table_record(sizeof(*r));
	if (!r)
		return 0;
	r->type = MT_REC_PYFRAME;
	r->target = target;
	r->code = code;
	r->pid = k.pid;
	r->group = ck.group;
	bpf_ringbuf_submit(r, BPF_RB_FORCE_WAKEUP);
	return 0;
}

/* A stretch (per-call-like record): counted in lost alone when the ring buffer is full. */
static __always_inline void mt_py_send_stretch(const struct mt_stretch_key *k,
					       const struct mt_stretch *st)
{
	struct mt_stretch_rec *r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);

	if (!r) {
		__sync_fetch_and_add(&lost, 1);
		return;
	}
	r->type = MT_REC_STRETCH;
	r->key = *k;
	r->flags = 0;
	r->s = *st;
	bpf_ringbuf_submit(r, 0);
}

/*
 * The thread's RSS change at now (RSS total after it) found walker target
 * t on its stack: extend the stretch under way if the thread's previous
 * change (at prev) was part of it, else send that one and begin anew.
 * One lookup, and an insert only for a pair's first stretch. Global,
 * verified once rather than once per frame of the walk.
 */
__attribute__((noinline)) int mt_py_stretch(__u32 t, __u64 now, __u64 prev, __s64 total)
{
	struct mt_stretch_key k = { .tid = (__u32)bpf_get_current_pid_tgid(), .target = t };
	struct mt_stretch fresh = { .ts_first = now, .ts_last = now, .rss_first = total,
				    .rss_last = total, .rss_peak = total };
	struct mt_stretch *v = bpf_map_lookup_elem(&py_frame_stretches, &k);

	if (!v) {
		/* No room: this change is not drawn; say so as a lost record. */
		if (bpf_map_update_elem(&py_frame_stretches, &k, &fresh, BPF_NOEXIST))
			__sync_fetch_and_add(&lost, 1);
		return 0;
	}
	/* Another code object of the same target on this stack: already counted at now. */
	if (v->ts_last == now)
		return 0;
	if (!prev || v->ts_last != prev) {
		mt_py_send_stretch(&k, v);
		*v = fresh;
		return 0;
	}
	v->ts_last = now;
	v->rss_last = total;
	if (total > v->rss_peak)
		v->rss_peak = total;
	return 0;
}

/* Bytes of a thread state image that hold every field the walker reads: 0 if they do not fit. */
static __always_inline __u32 mt_py_tstate_len(const struct mt_py_offsets *off)
{
	return mt_py_span(off->tstate_next + 8, off->tstate_thread_id + 8, off->tstate_frame + 8, 8,
			  MT_PY_SCRATCH);
}

/* The same for a frame image: its code, link, instruction, owner and is_entry. */
static __always_inline __u32 mt_py_frame_len(const struct mt_py_offsets *off)
{
	__u32 owner = off->frame_owner == MT_PY_NONE ? 8 : off->frame_owner + 1;
	__u32 entry = off->frame_is_entry == 0xff ? 8 : off->frame_is_entry + 1;

	return mt_py_span(off->frame_code + 8, off->frame_previous + 8, off->frame_instr + 8,
			  owner > entry ? owner : entry, MT_PY_FRAME_IMAGE);
}

/*
 * The current thread's innermost Python frame (of the interpreter at
 * runtime, laid out as off), or 0: no thread state (not a Python thread, or
 * runtime not known yet) or no Python frame (idle, or running C with no
 * Python above). prev: see mt_py_find_tstate().
 */
static __always_inline __u64 mt_py_thread_frame(const struct mt_py_offsets *off, __u64 runtime,
						 struct mt_py_scratch *s, __u64 now, __u64 *prev)
{
	__u64 tstate, frame;

	if (prev)
		*prev = 0;
	if (!runtime || !mt_py_frame_len(off))
		return 0;
	tstate = mt_py_find_tstate(off, runtime, mt_py_current_fsbase(), s, mt_py_tstate_len(off),
				   now, prev);
	if (!tstate)
		return 0;
	frame = mt_py_u64(s->tstate, off->tstate_frame, MT_PY_SCRATCH);
	if (off->cframe_current_frame != MT_PY_NONE)
		frame = frame ? mt_py_read_ptr(frame + off->cframe_current_frame) : 0;
	return frame;
}

/* What one frame says about itself (mt_py_read_frame()). */
struct mt_py_frame_info {
	__u64 code;
	__u64 previous; /* the next frame out, 0 at the outermost */
	__s32 instr;    /* code units; -1 before the first instruction */
	bool shim;      /* 3.12+: an entry shim that belongs to C, not a program frame */
	bool entry;     /* its C eval loop was entered with it (see struct mt_py_stack_frame) */
};

/* Read the frame at addr into *fi (image left in s->frame). 0, or -1 if unreadable. */
static __always_inline int mt_py_read_frame(const struct mt_py_offsets *off,
					    struct mt_py_scratch *s, __u64 addr,
					    struct mt_py_frame_info *fi)
{
	__u64 ip;

	if (bpf_probe_read_user(s->frame, mt_py_frame_len(off) & (MT_PY_FRAME_IMAGE - 1),
				(void *)addr))
		return -1;
	fi->code = mt_py_u64(s->frame, off->frame_code, MT_PY_FRAME_IMAGE);
	fi->previous = mt_py_u64(s->frame, off->frame_previous, MT_PY_FRAME_IMAGE);
	/* 3.12+ entry frames belong to C: their code is a shim, not the program's. */
	fi->shim = off->frame_owner != MT_PY_NONE && off->owner_cstack != 0xff &&
		   s->frame[off->frame_owner & (MT_PY_FRAME_IMAGE - 1)] == off->owner_cstack;
	/* 3.10 enters the eval loop once per frame; 3.11 flags it; 3.12+ has shims (the caller's). */
	fi->entry = off->frame_owner == MT_PY_NONE ||
		    (off->frame_is_entry != 0xff &&
		     s->frame[off->frame_is_entry & (MT_PY_FRAME_IMAGE - 1)]);
	if (off->instr_kind == MT_PY_INSTR_LASTI) {
		fi->instr = (__s32)mt_py_u64(s->frame, off->frame_instr, MT_PY_FRAME_IMAGE);
	} else {
		ip = mt_py_u64(s->frame, off->frame_instr, MT_PY_FRAME_IMAGE);
		ip -= fi->code + off->code_adaptive;
		/* No signed division before -mcpu=v4: a fresh 3.11 frame sits one unit before its code. */
		fi->instr = (__s64)ip < 0 ? -1 : (__s32)(ip >> 1);
	}
	return 0;
}

/*
 * Charge an RSS change the thread caused to each traced code object among
 * the first MT_PY_MAX_DEPTH of its Python frames (of its process's
 * interpreter), once each, at the instruction its innermost frame is at.
 * Nothing without a thread state (not a Python thread, or its runtime not
 * known yet) or a Python frame (idle, or running C with no Python above).
 * Costs a walk per RSS change, and nothing at all while memory does not
 * change. Called by handle_rss_stat in bpf/memtrace.bpf.c.
 */
__hidden int py_frames_account(__s64 delta, __s64 total)
{
	__u64 now = bpf_ktime_get_ns(), prev, runtime;
	const struct mt_py_offsets *off;
	struct mt_py_frame_info fi = {};
	struct mt_py_scratch *s;
	struct mt_py_proc *pp;
	__u32 zero = 0, i, layout, group;

	if (!py_frame_ntargets)
		return 0;
	pp = mt_py_proc_of(bpf_get_current_pid_tgid() >> 32);
	s = bpf_map_lookup_elem(&py_frame_scratch, &zero);
	if (!pp || !s)
		return 0;
	/* Once: userspace may rewrite the entry (an exec's new interpreter) meanwhile. */
	runtime = pp->runtime;
	layout = pp->layout;
	group = pp->group;
	off = mt_py_layout(layout);
	s->ncharged = 0;
	s->group = group;
	fi.previous = mt_py_thread_frame(off, runtime, s, now, &prev);

	for (i = 0; i < MT_PY_MAX_DEPTH; i++) {
		__s32 t;

		if (!fi.previous || mt_py_read_frame(off, s, fi.previous, &fi))
			break;
		if (fi.shim)
			continue;
		t = mt_py_code_target(fi.code, layout, group);
		if (t >= 0 && mt_py_first_sight(fi.code)) {
			mt_py_charge(fi.code, fi.instr, t, delta, total);
			mt_py_stretch(t, now, prev, total);
		}
	}
	return 0;
}

/*
 * Drop the current thread's cached thread state, and send its stretches:
 * called by handle_exit in bpf/memtrace.bpf.c.
 */
__hidden int py_frames_forget_thread(void)
{
	struct mt_stretch_key k = { .tid = (__u32)bpf_get_current_pid_tgid() };
	__u64 fsbase = mt_py_current_fsbase();
	struct mt_stretch *v;
	__u32 t;

	bpf_map_delete_elem(&py_frame_tstates, &fsbase);
	for (t = 0; t < MT_PY_MAX_TARGETS; t++) {
		k.target = t;
		v = bpf_map_lookup_elem(&py_frame_stretches, &k);
		if (!v)
			continue;
		mt_py_send_stretch(&k, v);
		bpf_map_delete_elem(&py_frame_stretches, &k);
	}
	return 0;
}

/* A code object met by a stack sample: announced through py_stack_codes when new at its address. */
static __always_inline void mt_py_stack_announce(const struct mt_py_offsets *off,
						  __u64 code)
{
	__u64 name = mt_py_read_ptr(code + off->code_name), *seen;

	seen = bpf_map_lookup_elem(&py_stack_seen, &code);
	if (seen && *seen == name)
		return;
	bpf_map_update_elem(&py_stack_seen, &code, &name, BPF_ANY);
	/* No room: forget it, so a later sample announces it again. */
	if (bpf_ringbuf_output(&py_stack_codes, &code, sizeof(code), BPF_RB_FORCE_WAKEUP))
		bpf_map_delete_elem(&py_stack_seen, &code);
}

/*
 * One frame of a stack sample's walk: append the frame at addr to r->py, or
 * for a 3.12+ shim mark the frame before it as its eval loop's first, and
 * return the next frame out (0: the walk ends, MT_STACK_PY_TRUNC set if
 * frames are left). Global, verified once: inlined, the count of frames
 * kept apart from the walk's turn multiplied the verifier's states past
 * its limit.
 */
__attribute__((noinline)) __u64 mt_py_stack_step(struct mt_stack_rec *r, __u64 addr)
{
	const struct mt_py_offsets *off = mt_py_layout(py_frame_main.layout);
	struct mt_py_frame_info fi = {};
	struct mt_py_scratch *s;
	__u32 zero = 0, n;

	s = bpf_map_lookup_elem(&py_frame_scratch, &zero);
	if (!r || !s)
		return 0;
	n = r->nr_py;
	if (mt_py_read_frame(off, s, addr, &fi) || (n >= MT_PY_STACK_MAX && !fi.shim)) {
		r->flags |= MT_STACK_PY_TRUNC;
		return 0;
	}
	if (fi.shim) {
		if (n > 0 && n <= MT_PY_STACK_MAX)
			r->py[n - 1].entry = 1;
		return fi.previous;
	}
	r->py[n].code = fi.code;
	r->py[n].instr = fi.instr;
	r->py[n].entry = fi.entry;
	r->nr_py = n + 1;
	mt_py_stack_announce(off, fi.code);
	return fi.previous;
}

/*
 * The current thread's Python frames for a stack sample (bpf/stacks.bpf.c),
 * of a process running the first process's interpreter (MT_PROC_PYTHON):
 * up to MT_PY_STACK_MAX, innermost first, as (code, instr, entry) into r->py,
 * and MT_STACK_PY_TRUNC when the outermost could not all be read. Leaves the
 * thread's stretch bookkeeping alone (no prev): py_frames_account() may see
 * the same RSS change before or after. A 3.12+ shim is no frame of its own:
 * it marks the frame just inside it as the one its C eval loop began with,
 * which userspace (user/pystack.c) needs to put the frames in place of the
 * native _PyEval_EvalFrameDefault frames. Global, verified once: inlined in
 * bpf/stacks.bpf.c's sampling, the thread-state lookup was verified again
 * for each of its paths (seconds of loading).
 */
__attribute__((noinline)) int mt_py_stack_walk(struct mt_stack_rec *r)
{
	struct mt_py_scratch *s;
	__u32 zero = 0, i;
	__u64 frame;

	s = bpf_map_lookup_elem(&py_frame_scratch, &zero);
	if (!r || !s)
		return 0;
	r->nr_py = 0;
	frame = mt_py_thread_frame(mt_py_layout(py_frame_main.layout), py_frame_main.runtime, s,
				   bpf_ktime_get_ns(), NULL);
	/* At most one shim per frame: twice the frames are enough turns. */
	for (i = 0; i < 2 * MT_PY_STACK_MAX && frame; i++)
		frame = mt_py_stack_step(r, frame);
	if (frame)
		r->flags |= MT_STACK_PY_TRUNC;
	return 0;
}

__hidden int py_frames_stack(struct mt_stack_rec *r)
{
	return mt_py_stack_walk(r);
}

/*
 * A forked child runs its parent's interpreter at the same addresses, and
 * its code objects are the parent's (the same group); a child of any other
 * process must not inherit a stale entry of a process that had its pid.
 * Called by handle_fork in bpf/memtrace.bpf.c.
 */
__hidden int py_frames_fork(__u32 ppid, __u32 pid)
{
	struct mt_py_proc *pp = mt_py_proc_of(ppid), copy;

	if (pp && pp->runtime) {
		copy = *pp;
		if (!bpf_map_update_elem(&py_frame_procs, &pid, &copy, BPF_ANY))
			__sync_fetch_and_or(&py_pid_bits[mt_pid_word(pid) & (MT_PID_BITS / 64 - 1)],
					    mt_pid_bit(pid));
	} else if (py_pid_maybe(pid)) {
		bpf_map_delete_elem(&py_frame_procs, &pid);
	}
	return 0;
}

/*
 * The process runs a new program: not walked until userspace finds its
 * interpreter (user/pyframes.c). Called by handle_exec in bpf/memtrace.bpf.c.
 */
__hidden int py_frames_exec(__u32 pid)
{
	if (targ_tgid && pid == targ_tgid)
		py_frame_main.runtime = 0;
	else if (py_pid_maybe(pid))
		bpf_map_delete_elem(&py_frame_procs, &pid);
	return 0;
}
