/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Shared by the BPF programs and userspace: the record layouts sent through
 * the ring buffer, and every limit both sides agree on, each under one name
 * (bpf/python_offsets.h, the other shared header, holds CPython's layout).
 * Fixed-width types only, so both compilers lay them out alike.
 */
#ifndef MEMTRACE_H
#define MEMTRACE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/*
 * Native functions traced at once: each is an entry and a return probe, its
 * index the bpf_cookie. Globs make thousands common (user/resolve.h,
 * MT_GLOB_MAX per pattern); with the Python codes after them the totals
 * fill a power of two (MT_NR_FUNCS, masked in func_agg()).
 */
#define MT_MAX_FUNCS (16384 - MT_MAX_CODES)
/*
 * Python functions traced at once, by either method, and the distinct code
 * objects they may match (the same name in two files): each match gets a
 * "code" index, and its totals live at funcs[MT_MAX_FUNCS + code], after
 * the native targets. MT_NR_FUNCS indexes the kernel-side totals.
 */
#define MT_PY_MAX_TARGETS 16
#define MT_MAX_CODES 64
#define MT_NR_FUNCS (MT_MAX_FUNCS + MT_MAX_CODES)
#define MT_NO_CODE 0xffffffffu
/*
 * Python names are matched on their first MT_PY_NAME_MAX - 1 bytes (the
 * USDT probes compare longer names on that prefix; frame walking does not
 * hash them), and FILE.py filters (path suffixes) fit in MT_PY_SUFFIX_MAX
 * bytes; a file name reported to userspace is cut at MT_PY_PATH_LEN - 1.
 */
#define MT_PY_NAME_MAX 64
#define MT_PY_SUFFIX_MAX 128
#define MT_PY_PATH_LEN 256
/*
 * Outermost calls open at the same time across all threads: sized for
 * servers with thousands of threads, each blocked inside a traced function.
 * Each RSS change walks the slots up to the high-water mark (the most calls
 * ever open at once, since freed slots are reused lowest-first) to update
 * call peaks, so the per-event cost follows the real concurrency, not this.
 * A call that finds every slot busy is counted as untimed, per function.
 */
#define MT_MAX_ACTIVE 8192
/*
 * A thread whose stack pointer is above an open native call's entry stack
 * pointer has left that call without returning (longjmp, an exception).
 * Only within this distance: farther away is another stack (a signal's
 * alternate stack, a coroutine), not the same one unwound.
 */
#define MT_STACK_SPAN (8ULL << 20)

/*
 * Processes traced at once (the procs map in bpf/memtrace.bpf.c): those
 * that join beyond it (-a on a busy host) are counted, not traced. And the
 * (process, function) totals kept when several processes are traced.
 */
#define MT_MAX_PROCS 32768
#define MT_MAX_PROC_FUNCS 65536

/*
 * A bit per pid (modulo), set when a process joins: a pid whose bit is clear
 * is not traced, known without a map lookup (most of a host's events, with
 * --children). Never cleared: a stale bit only costs the lookup.
 */
#define MT_PID_BITS 65536

static inline __u32 mt_pid_word(__u32 pid)
{
	return (pid / 64) % (MT_PID_BITS / 64);
}

static inline __u64 mt_pid_bit(__u32 pid)
{
	return 1ULL << (pid % 64);
}

struct mt_proc_func_key {
	__u32 pid;
	__u32 func; /* as funcs[]: the target index, or MT_MAX_FUNCS + code */
};

/* Process memory counters, numbered like the kernel's MM_* (kmem:rss_stat "member"). */
enum mt_rss_member {
	MT_RSS_FILE = 0,
	MT_RSS_ANON = 1,
	MT_RSS_SWAP = 2, /* swap entries: not resident, not part of RSS */
	MT_RSS_SHMEM = 3,
	MT_RSS_NR = 4,
};

enum mt_rec_type {
	MT_REC_CALL = 1, /* one completed outermost call */
	MT_REC_EXIT = 2, /* the traced process ended */
	MT_REC_CODE = 3, /* a Python function (name, file) matched a target for the first time */
	MT_REC_PYFRAME = 4, /* frame walking met a traced code object for the first time */
	MT_REC_STRETCH = 5, /* frame walking: a stretch of a thread's RSS changes inside a function */
	MT_REC_STACK = 6, /* a sampled stack, weighted by the RSS growth it stands for */
	MT_REC_PROC = 7,  /* a process joined the trace (fork, -a, --cgroup) or exec'd */
};

/*
 * Stacks (bpf/stacks.bpf.c): each thread's RSS growth is sampled, and a
 * sample copies the thread's user registers and the top of its user stack,
 * which userspace unwinds from DWARF CFI (user/unwind.c): Debian's libc and
 * interpreters have no frame pointers. MT_STACK_BYTES is perf's default
 * --call-graph dwarf size doubled: deep C++ and interpreter frames are big.
 * Python frames (bpf/python_frames.bpf.c) are copied as (code, instr)
 * pairs, innermost first, and resolved in userspace like the walker's.
 */
#define MT_STACK_BYTES 16384
#define MT_PY_STACK_MAX 64
/* x86-64 DWARF register numbers 0-15 (rax rdx rcx rbx rsi rdi rbp rsp r8-r15), then rip. */
#define MT_STACK_NR_REGS 17
#define MT_STACK_REG_SP 7
#define MT_STACK_REG_IP 16
/* Exponential draws for the sampling intervals, filled by userspace (see sample_draws). */
#define MT_SAMPLE_DRAWS 1024

enum mt_stack_flags {
	MT_STACK_COPY_SHORT = 1, /* less than MT_STACK_BYTES could be read: the stack's top, or unmapped */
	MT_STACK_PY_TRUNC = 2,   /* more Python frames than MT_PY_STACK_MAX: the outermost are missing */
	MT_STACK_NO_USER = 4,    /* no user registers (a kernel thread's work on the process's behalf) */
};

/*
 * Which program image a process runs: an exec replaces it, and with it every
 * mapping, so a sample is unwound only with maps read while the same image
 * ran. Made of three addresses the exec chooses (at random, under ASLR) and
 * that stay until the next exec: the code's start, the heap's start and the
 * arguments' place on the stack. BPF reads them from the mm, userspace from
 * /proc/PID/stat (fields startcode, start_brk, arg_start).
 */
static inline __u64 mt_image_id(__u64 start_code, __u64 start_brk, __u64 arg_start)
{
	return start_code ^ (start_brk << 21 | start_brk >> 43) ^ (arg_start << 42 | arg_start >> 22);
}

struct mt_py_stack_frame {
	__u64 code;  /* code object address in the target */
	__s32 instr; /* code units from its first instruction; -1 before the first */
	/*
	 * 1: the frame was entered from C (3.11+: an entry frame; 3.10: every
	 * frame), so one native _PyEval_EvalFrameDefault frame ends here.
	 */
	__u32 entry;
};

struct mt_stack_rec {
	__u32 type; /* MT_REC_STACK */
	__u32 tid;
	__u64 ts;     /* CLOCK_MONOTONIC ns */
	__s64 weight; /* bytes of RSS growth this sample stands for */
	__s64 rss;    /* process RSS after the change that took it */
	__u32 flags;  /* enum mt_stack_flags */
	__u32 stack_len; /* bytes of stack[] read, from regs[MT_STACK_REG_SP] up */
	__u32 nr_py;  /* entries of py[] used */
	__u32 pid;    /* the thread's process */
	__u64 image;  /* mt_image_id() of the process's program image when it was taken */
	char comm[16]; /* the thread's name then (the process's, for its main thread) */
	__u64 regs[MT_STACK_NR_REGS];
	struct mt_py_stack_frame py[MT_PY_STACK_MAX];
	__u8 stack[MT_STACK_BYTES];
};

/* Frame walking: the code object is resolved in userspace, from the target's memory. */
struct mt_pyframe_rec {
	__u32 type; /* MT_REC_PYFRAME */
	__u32 target; /* the walker's target index (see bpf/python_frames.bpf.c) */
	__u64 code;   /* code object address in the target */
	__u32 pid;    /* the process that ran it */
	__u32 group;  /* its code objects' group (struct mt_py_proc in bpf/python_offsets.h) */
};

/* Frame walking: RSS changes per (code object, instruction) of the traced frame. */
struct mt_pyframe_key {
	__u64 code;
	__s32 instr; /* code units; -1 before the first instruction */
	__u32 pid;   /* the process: a forked worker runs the same code objects */
	__u32 group; /* whose code object (struct mt_py_proc in bpf/python_offsets.h) */
	__u32 pad;
};

struct mt_pyframe_val {
	__s64 increment; /* sum of the RSS changes the thread caused there */
	__s64 mem;       /* largest RSS after one of them */
	__u64 events;
};

/*
 * Frame walking: consecutive RSS changes of one thread that each found a
 * traced function on its stack. Where the function ran, as observed: it was
 * entered before the first and left after the last.
 */
struct mt_stretch_key {
	__u32 tid;
	__u32 target; /* the walker's target index */
};

struct mt_stretch {
	__u64 ts_first, ts_last; /* CLOCK_MONOTONIC ns of the first and last change */
	__s64 rss_first, rss_last; /* process RSS after them */
	__s64 rss_peak;
};

/* Set in mt_stretch_rec.flags, by userspace only. */
enum mt_stretch_flags {
	MT_STRETCH_OPEN = 1, /* still under way at the stop: read from the map */
};

struct mt_stretch_rec {
	__u32 type; /* MT_REC_STRETCH */
	struct mt_stretch_key key;
	__u32 flags;
	struct mt_stretch s;
};

/* A Python function traced through the USDT probes (bpf/python_usdt.bpf.c). */
struct mt_py_target {
	char name[MT_PY_NAME_MAX];
	char file[MT_PY_SUFFIX_MAX]; /* empty: any file */
	__u32 target;              /* index into the userspace target table */
	__u32 name_len, file_len;
};

struct mt_code_rec {
	__u32 type; /* MT_REC_CODE */
	__u32 code;
	__u32 target;
	__u32 firstlineno;
	char name[MT_PY_NAME_MAX];
	char file[MT_PY_PATH_LEN];
};

/* memory_profiler's per-line figures, per (code, line). */
struct mt_line_key {
	__u32 code;
	__u32 line;
};

struct mt_line_val {
	__s64 increment;   /* sum over occurrences of RSS at the next line (or return) minus RSS here */
	__s64 mem;         /* largest RSS seen after this line */
	__u64 occurrences; /* line events */
};

/* Set in mt_call_rec.flags. */
enum mt_call_flags {
	/* The thread left the call without returning (longjmp, an exception): closed when seen. */
	MT_CALL_UNWOUND = 1,
	/* The thread exited inside the call (pthread_exit): closed at its exit. */
	MT_CALL_THREAD_EXIT = 2,
	/*
	 * The call began before tracing did (Python, --exact: its frame was
	 * running when first seen): the record covers it from then on only,
	 * and it stays out of the function's calls and maxima (mt_func_agg.partial).
	 */
	MT_CALL_PARTIAL = 4,
};

struct mt_call_rec {
	__u32 type; /* MT_REC_CALL */
	__u32 tid;
	__u32 func; /* index into the userspace target table */
	__u32 flags;
	__u64 ts_entry; /* CLOCK_MONOTONIC ns (bpf_ktime_get_ns) */
	__u64 ts_exit;
	__s64 rss_entry; /* process RSS (file+anon+shmem), bytes */
	__s64 rss_exit;
	__s64 rss_peak; /* largest process RSS inside the call */
	__s64 thread_growth; /* sum of RSS changes caused by this thread in the call */
	__u32 pid; /* the thread's process */
	__u32 pad;
};

struct mt_exit_rec {
	__u32 type; /* MT_REC_EXIT */
	__u32 pid;
	__s32 status; /* wait status, as from waitpid() */
	__u32 pad;
	__u64 ts;
	__s64 rss;  /* its RSS as its last thread began to exit */
	__s64 peak; /* its largest RSS while traced */
};

/*
 * Which processes are traced besides the ones userspace names (follow in
 * bpf/memtrace.bpf.c): a traced process's new children, every process, or
 * those in one cgroup v2 subtree.
 */
enum mt_follow {
	MT_FOLLOW_CHILDREN = 1,
	MT_FOLLOW_ALL = 2,
	MT_FOLLOW_CGROUP = 4,
};

/* How a process joined, or what it did (struct mt_proc_rec). */
enum mt_proc_event {
	MT_PROC_FORK = 1, /* a traced process's child */
	MT_PROC_SEEN = 2, /* -a or --cgroup: its first RSS change */
	MT_PROC_EXEC = 3, /* it runs a new program */
};

struct mt_proc_rec {
	__u32 type; /* MT_REC_PROC */
	__u32 pid;
	__u32 ppid;  /* the parent at that moment */
	__u32 event; /* enum mt_proc_event */
	__u64 ts;
	__s64 rss;   /* RSS then: where its growth is counted from */
	char comm[16];
};

/* enum mt_proc_flags: struct mt_proc's state. */
enum mt_proc_flags {
	MT_PROC_MM_KNOWN = 1, /* mm_id was learnt from its own event */
	MT_PROC_EXITED = 2,   /* its last thread began to exit: RSS stays at the value then */
	MT_PROC_NAMED = 4,    /* named by userspace: it stays in procs after its exit */
	MT_PROC_LAUNCHING = 8, /* the launched command before its exec */
	MT_PROC_PYTHON = 16,  /* runs the first process's interpreter (stacks' Python frames) */
};

/*
 * One traced process's memory, kept by the kernel side (the procs map in
 * bpf/memtrace.bpf.c), by its pid: RSS per counter, seeded when it joins
 * and then set from the exact size each kmem:rss_stat event carries.
 */
struct mt_proc {
	__s64 rss[MT_RSS_NR];
	__s64 peak;        /* largest RSS since it joined */
	__u64 peak_ts;     /* when (bpf_ktime_get_ns) */
	__u32 mm_id;       /* the kmem:rss_stat hash of its mm */
	__u32 flags;       /* enum mt_proc_flags */
};

/* A process's RSS: what its counters add up to, swap aside (both sides use it). */
static inline __s64 mt_proc_rss(const struct mt_proc *p)
{
	return p->rss[MT_RSS_FILE] + p->rss[MT_RSS_ANON] + p->rss[MT_RSS_SHMEM];
}

/*
 * An open call, kept in BPF .bss so userspace can also read the calls still
 * open when tracing stops. tid == 0 marks a free slot.
 */
struct mt_active {
	__u32 tid;
	__u32 func;     /* native: target index; Python: MT_MAX_FUNCS + code */
	__u64 entry_sp; /* native: stack pointer at entry; Python: interpreter frame depth */
	__u32 code;     /* Python code index, MT_NO_CODE for native calls */
	__s32 line;     /* Python: the line running in the traced frame, 0 before the first */
	__s64 rss_at_line; /* Python: RSS when that line started */
	__u64 ts_entry;
	__s64 rss_entry;
	__s64 rss_peak;
	__s64 thread_growth;
	/*
	 * Native: the word at entry_sp (the return address, or the kernel's
	 * return-probe trampoline), read at the thread's first memory event
	 * inside the call; 0 until then. Another value there later means the
	 * frame is gone (see rss_walk_slot in bpf/memtrace.bpf.c).
	 */
	__u64 ret_word;
	__u32 flags; /* MT_CALL_PARTIAL for a call that began before tracing, else 0 */
	__u32 pid;   /* the thread's process */
};

/*
 * Per-function totals, aggregated in the kernel so they stay exact even when
 * per-call records are not sent or are lost. Indexed like the target table.
 */
struct mt_func_agg {
	__u64 calls; /* completed outermost calls */
	__s64 growth;
	__s64 growth_max;
	__s64 peak_max; /* largest rss_peak - rss_entry of one call */
	__s64 thread_growth;
	__u64 unwound; /* of calls: ended without returning (MT_CALL_UNWOUND, MT_CALL_THREAD_EXIT) */
	__u64 untimed; /* calls not counted at all: every open-call slot was busy */
	__u64 partial; /* not in calls: began before tracing, ended while traced (MT_CALL_PARTIAL) */
	/*
	 * Sum over calls of the RSS once the call's frame is gone minus its
	 * entry RSS: growth, plus what a Python frame freed after its return
	 * event (see retained_settle in bpf/memtrace.bpf.c).
	 */
	__s64 retained;
};

#endif /* MEMTRACE_H */
