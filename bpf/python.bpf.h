/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The CPython frame walker, BPF side. Find the thread state of the current
 * thread (or of the main thread), take its innermost Python frame (code
 * object, instruction offset), and walk up to MT_PY_MAX_DEPTH frames for
 * the innermost (or outermost) one whose code object is a traced function.
 * Userspace (user/pycode.c) turns the (code, offset) pairs into names and
 * lines while the process lives.
 *
 * Include after vmlinux.h, bpf_helpers.h and bpf_core_read.h. x86_64 only:
 * a thread is recognised by fsbase == pthread_self() == tstate->thread_id,
 * which holds in any pid namespace (native_thread_id is namespace-relative).
 *
 * Usage:
 *	userspace, before load:	skel->rodata->mt_py_off = <mt_py_offsets_for()>;
 *	userspace, any time:	skel->bss->mt_py_runtime = <mt_pyproc.runtime_addr>;
 *				mt_py_names / mt_py_files from mt_py_match_build()
 *	BPF (e.g. kmem/rss_stat):
 *		struct mt_py_walk w;
 *		if (mt_py_walk(MT_PY_WALK_MATCH, &w) == 0 && w.match_depth >= 0)
 *			... w.match_target, w.match_code, w.match_instr ...
 */
#ifndef MT_PYTHON_BPF_H
#define MT_PYTHON_BPF_H

#include "python_offsets.h"

#ifndef __TARGET_ARCH_x86
#error "python.bpf.h matches threads by x86_64 fsbase"
#endif

/* vmlinux.h has no errno values; asm/errno.h may not be on the include path. */
#ifndef ENOENT
#define ENOENT 2
#endif
#ifndef ENODATA
#define ENODATA 61
#endif

/* Thread states visited per lookup, across all interpreters (list walk on a cache miss). */
#ifndef MT_PY_MAX_THREADS
#define MT_PY_MAX_THREADS 64
#endif
/* Python frames examined per walk when looking for a traced function. */
#ifndef MT_PY_MAX_DEPTH
#define MT_PY_MAX_DEPTH 32
#endif
#ifndef MT_PY_CODE_ENTRIES
#define MT_PY_CODE_ENTRIES 16384
#endif
#ifndef MT_PY_NAME_ENTRIES
#define MT_PY_NAME_ENTRIES 64
#endif
#ifndef MT_PY_TSTATE_ENTRIES
#define MT_PY_TSTATE_ENTRIES 4096
#endif
/*
 * How long a thread without a thread state is believed to stay so. Short:
 * the main thread faults pages before the interpreter creates its thread
 * state, and a program's first call follows within milliseconds; a list
 * walk (~1.5 us) every 2 ms for threads Python does not know costs nothing.
 */
#ifndef MT_PY_NEG_TTL_NS
#define MT_PY_NEG_TTL_NS 2000000ULL
#endif
/*
 * ... and only once it has gone that long without one: a new thread faults
 * its first pages before it binds its thread state (3.10 even marks the
 * state with the parent's id until then), so young threads always walk.
 */
#ifndef MT_PY_NEG_GRACE_NS
#define MT_PY_NEG_GRACE_NS 50000000ULL
#endif

/* mt_py_walk() flags */
enum mt_py_walk_flags {
	MT_PY_WALK_MATCH = 1,	 /* look for a traced code object up the stack */
	MT_PY_WALK_NO_CACHE = 2, /* walk the thread list even if the thread is cached */
	/* with MATCH: the outermost traced frame within MT_PY_MAX_DEPTH, not the innermost (recursion) */
	MT_PY_WALK_OUTERMOST = 4,
	/*
	 * Walk the main thread (_PyRuntime.main_thread) instead of the current
	 * one: where the program "is", memory_profiler-style, when any thread
	 * (a BLAS worker, the kernel on its behalf) changes RSS.
	 */
	MT_PY_WALK_MAIN_THREAD = 8,
};

/* mt_py_walk.flags */
enum mt_py_walk_result_flags {
	MT_PY_W_TRUNCATED = 1, /* MT_PY_MAX_DEPTH frames examined without reaching the outermost */
	MT_PY_W_CACHED = 2,    /* thread state (or its absence) came from mt_py_tstates */
};

struct mt_py_walk {
	__u64 tstate;
	__u64 code;	  /* innermost Python frame's code object */
	__u64 match_code; /* innermost traced frame's code object, 0 if none */
	__s32 instr;	  /* code units; -1 before the frame's first instruction */
	__s32 match_instr;
	__s32 depth;	    /* Python frames examined */
	__s32 match_depth;  /* 0 = innermost Python frame; -1 none */
	__s32 match_target; /* value from mt_py_names / mt_py_codes; -1 none */
	__u32 flags;	    /* enum mt_py_walk_result_flags */
};

/* code object address -> struct mt_py_code_val (python_offsets.h) */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MT_PY_CODE_ENTRIES);
	__type(key, __u64);
	__type(value, struct mt_py_code_val);
} mt_py_codes SEC(".maps");

/* FNV-1a of a traced name (co_qualname or co_name; mt_py_name_hash() in userspace) -> target index */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MT_PY_NAME_ENTRIES);
	__type(key, __u64);
	__type(value, __u32);
} mt_py_names SEC(".maps");

/* target index -> struct mt_py_file_filter: FILE.py:NAME filters and same-name chains */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MT_PY_MAX_TARGETS);
	__type(key, __u32);
	__type(value, struct mt_py_file_filter);
} mt_py_files SEC(".maps");

/*
 * Thread state per thread, keyed by fsbase (pthread_self()): skips the list
 * walk. tstate 0 remembers "no thread state" for MT_PY_NEG_TTL_NS, so
 * threads Python does not know (BLAS workers, ...) do not walk the list on
 * every page fault. Call mt_py_forget_thread() when a thread exits: glibc
 * reuses thread control blocks, and with them fsbase values.
 */
struct mt_py_tstate_val {
	__u64 tstate;
	__u64 miss_ns;  /* when tstate == 0: when the walk last found none */
	__u64 first_ns; /* when tstate == 0: when the walk first found none */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MT_PY_TSTATE_ENTRIES);
	__type(key, __u64);
	__type(value, struct mt_py_tstate_val);
} mt_py_tstates SEC(".maps");

/*
 * The target's layout and its _PyRuntime: set by userspace through the
 * skeleton (rodata before load, from mt_py_offsets_for(); .bss at any time,
 * e.g. once a launched process has mapped libpython). Being globals rather
 * than arguments, the separately verified helpers below can read them, and
 * the verifier folds the rodata offsets into constants.
 */
const volatile struct mt_py_offsets mt_py_off = {};
__u64 mt_py_runtime = 0;

/*
 * Scratch for the structure images the walker reads in one go: a per-CPU
 * map value rather than the 512-byte stack the caller also needs.
 * Tracepoint programs do not nest on a CPU, so one slot is enough.
 */
#define MT_PY_SCRATCH 256
struct mt_py_scratch {
	__u8 tstate[MT_PY_SCRATCH];
	__u8 frame[128];
	char name[MT_PY_NAME_MAX];
	char file[2 *
		  MT_PY_SUFFIX_MAX]; /* a suffix and the '/' before it; power of two for masking */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mt_py_scratch);
} mt_py_scratch_map SEC(".maps");

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
 * thread list. Leaves the tstate image (len bytes) in s->tstate.
 */
static __always_inline __u64 mt_py_find_tstate(const volatile struct mt_py_offsets *off,
					       __u64 runtime, __u64 fsbase, struct mt_py_scratch *s,
					       __u32 len, __u32 flags, __u32 *wflags)
{
	struct mt_py_tstate_val *cached, val = {};
	__u64 interp, tstate, id;
	bool unbound = false;
	__u32 i;

	if (!fsbase || !len)
		return 0;
	if (!(flags & MT_PY_WALK_NO_CACHE)) {
		__u64 now = bpf_ktime_get_ns();

		cached = bpf_map_lookup_elem(&mt_py_tstates, &fsbase);
		if (cached && !cached->tstate && now - cached->miss_ns < MT_PY_NEG_TTL_NS &&
		    now - cached->first_ns > MT_PY_NEG_GRACE_NS) {
			*wflags |= MT_PY_W_CACHED;
			return 0;
		}
		if (cached && cached->tstate &&
		    !bpf_probe_read_user(s->tstate, len & (MT_PY_SCRATCH - 1),
					 (void *)cached->tstate) &&
		    mt_py_u64(s->tstate, off->tstate_thread_id, MT_PY_SCRATCH) == fsbase) {
			*wflags |= MT_PY_W_CACHED;
			return cached->tstate;
		}
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
			bpf_map_update_elem(&mt_py_tstates, &fsbase, &val, BPF_ANY);
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
		cached = bpf_map_lookup_elem(&mt_py_tstates, &fsbase);
		val.miss_ns = bpf_ktime_get_ns();
		val.first_ns = cached && !cached->tstate && cached->first_ns ? cached->first_ns
									    : val.miss_ns;
		bpf_map_update_elem(&mt_py_tstates, &fsbase, &val, BPF_ANY);
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

	s = bpf_map_lookup_elem(&mt_py_scratch_map, &zero);
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
static __always_inline __u64 mt_py_ascii(const volatile struct mt_py_offsets *off, __u64 str,
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
 * Does co_filename (the str at filename) pass target t's file filter?
 * Global, verified once: its byte loop would otherwise be verified for
 * every same-name candidate of every name of every frame.
 */
__attribute__((noinline)) int mt_py_file_matches(__u64 filename, __u32 t)
{
	const volatile struct mt_py_offsets *off = &mt_py_off;
	struct mt_py_file_filter *f = bpf_map_lookup_elem(&mt_py_files, &t);
	struct mt_py_scratch *s;
	__u32 zero = 0, n, b, i;
	__u64 data, len;

	if (!f || f->suffix_len == 0)
		return 1;
	n = f->suffix_len;
	s = bpf_map_lookup_elem(&mt_py_scratch_map, &zero);
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
 * Is this code object traced? Returns the target index or -1. Cached per
 * address; on a miss (or a reused address) hash co_qualname, then co_name,
 * look the hashes up, and apply the file filters. Global, so verified once
 * rather than once per frame of the walk (inlined, the walk cost 250k
 * verifier steps).
 */
__attribute__((noinline)) int mt_py_code_target(__u64 code)
{
	const volatile struct mt_py_offsets *off = &mt_py_off;
	struct mt_py_code_val val = { .target = -1 }, *v;
	struct mt_py_file_filter *f;
	__u64 name, str, data, h, len, filename = 0;
	__u32 k, c, t, *tp;

	if (!code)
		return -1;
	name = mt_py_read_ptr(code + off->code_name);
	v = bpf_map_lookup_elem(&mt_py_codes, &code);
	if (v && v->name == name)
		return v->target;
	for (k = 0; k < 2 && val.target < 0; k++) {
		str = k == 0 ? (off->code_qualname != MT_PY_NONE
					? mt_py_read_ptr(code + off->code_qualname)
					: 0)
			     : name;
		data = mt_py_ascii(off, str, &len);
		h = data ? mt_py_hash_user(data, len) : 0;
		tp = h ? bpf_map_lookup_elem(&mt_py_names, &h) : NULL;
		if (!tp)
			continue;
		t = *tp;
		if (!filename)
			filename = mt_py_read_ptr(code + off->code_filename);
		/* Targets sharing the name are chained: the first whose filter passes wins. */
		for (c = 0; c < MT_PY_MAX_TARGETS; c++) {
			if (mt_py_file_matches(filename, t)) {
				val.target = (__s32)t;
				break;
			}
			f = bpf_map_lookup_elem(&mt_py_files, &t);
			if (!f || f->next < 0)
				break;
			t = (__u32)f->next;
		}
	}
	val.name = name;
	bpf_map_update_elem(&mt_py_codes, &code, &val, BPF_ANY);
	return val.target;
}

/*
 * Walk the Python frames of the current thread (or, with
 * MT_PY_WALK_MAIN_THREAD, of the main thread) of the target described by
 * mt_py_off and mt_py_runtime. Returns 0 with out->code set when the thread
 * has a Python frame; -ENOENT when it has no thread state (not a Python
 * thread, not the target, or mt_py_runtime not set yet); -ENODATA when it
 * has one but no Python frame (idle, or running C with no Python above).
 * With MT_PY_WALK_MATCH, out->match_* name the innermost (or with
 * MT_PY_WALK_OUTERMOST the outermost) frame whose code object is traced,
 * among the first MT_PY_MAX_DEPTH Python frames.
 */
static __always_inline int mt_py_walk(__u32 flags, struct mt_py_walk *out)
{
	const volatile struct mt_py_offsets *off = &mt_py_off;
	__u64 runtime = mt_py_runtime, fsbase, tstate, frame;
	struct mt_py_scratch *s;
	__u32 zero = 0, tlen, flen, i;

	__builtin_memset(out, 0, sizeof(*out));
	out->match_depth = -1;
	out->match_target = -1;
	out->instr = -1;
	out->match_instr = -1;
	if (!runtime)
		return -ENOENT;
	s = bpf_map_lookup_elem(&mt_py_scratch_map, &zero);
	if (!s)
		return -ENOENT;
	tlen = mt_py_span(off->tstate_next + 8, off->tstate_thread_id + 8, off->tstate_frame + 8, 8,
			  MT_PY_SCRATCH);
	flen = mt_py_span(off->frame_code + 8, off->frame_previous + 8, off->frame_instr + 8,
			  off->frame_owner == MT_PY_NONE ? 8 : off->frame_owner + 1,
			  sizeof(s->frame));

	fsbase = flags & MT_PY_WALK_MAIN_THREAD ? mt_py_read_ptr(runtime + off->runtime_main_thread)
						: mt_py_current_fsbase();
	tstate = mt_py_find_tstate(off, runtime, fsbase, s, tlen, flags, &out->flags);
	if (!tstate)
		return -ENOENT;
	out->tstate = tstate;
	frame = mt_py_u64(s->tstate, off->tstate_frame, MT_PY_SCRATCH);
	if (off->cframe_current_frame != MT_PY_NONE)
		frame = frame ? mt_py_read_ptr(frame + off->cframe_current_frame) : 0;
	if (!flen)
		return -ENODATA;

	for (i = 0; i < MT_PY_MAX_DEPTH; i++) {
		__u64 code, ip;
		__s32 instr;

		if (!frame)
			break;
		if (bpf_probe_read_user(s->frame, flen & 127, (void *)frame))
			break;
		code = mt_py_u64(s->frame, off->frame_code, sizeof(s->frame));
		frame = mt_py_u64(s->frame, off->frame_previous, sizeof(s->frame));
		/* 3.12+ entry frames belong to C: their code is a shim, not the program's. */
		if (off->frame_owner != MT_PY_NONE && off->owner_cstack != 0xff &&
		    s->frame[off->frame_owner & 127] == off->owner_cstack)
			continue;
		if (off->instr_kind == MT_PY_INSTR_LASTI) {
			instr = (__s32)mt_py_u64(s->frame, off->frame_instr, sizeof(s->frame));
		} else {
			ip = mt_py_u64(s->frame, off->frame_instr, sizeof(s->frame));
			ip -= code + off->code_adaptive;
			/* No signed division before -mcpu=v4: a fresh 3.11 frame sits one unit before its code. */
			instr = (__s64)ip < 0 ? -1 : (__s32)(ip >> 1);
		}
		if (!out->code) {
			out->code = code;
			out->instr = instr;
		}
		out->depth++;
		if (flags & MT_PY_WALK_MATCH) {
			__s32 t = mt_py_code_target(code);

			if (t >= 0) {
				out->match_code = code;
				out->match_instr = instr;
				out->match_depth = out->depth - 1;
				out->match_target = t;
				if (!(flags & MT_PY_WALK_OUTERMOST))
					return 0;
			}
		} else {
			return 0;
		}
	}
	if (frame && i == MT_PY_MAX_DEPTH)
		out->flags |= MT_PY_W_TRUNCATED;
	return out->code ? 0 : -ENODATA;
}

/* Drop the current thread's cached thread state: call from sched_process_exit. */
static __always_inline void mt_py_forget_thread(void)
{
	__u64 fsbase = mt_py_current_fsbase();

	bpf_map_delete_elem(&mt_py_tstates, &fsbase);
}

#endif /* MT_PYTHON_BPF_H */
