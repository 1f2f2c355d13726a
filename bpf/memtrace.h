/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The one header shared by the BPF programs and the userspace loader:
 * record layouts sent through the ring buffer and the limits both sides
 * agree on. Fixed-width types only, so both compilers lay them out alike.
 */
#ifndef MEMTRACE_H
#define MEMTRACE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Functions traced at once: each is one uprobe+uretprobe pair, its index the bpf_cookie. */
#define MT_MAX_FUNCS 64
/*
 * Outermost calls open at the same time across all threads. Each RSS change
 * walks the open slots (up to the high-water mark) to update call peaks, so
 * this bounds the per-event cost too.
 */
#define MT_MAX_ACTIVE 256

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
};

/* Set in mt_call_rec.flags. */
enum mt_call_flags {
	/* The thread left the call without returning (longjmp, thread exit) and re-entered. */
	MT_CALL_UNWOUND = 1,
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
};

struct mt_exit_rec {
	__u32 type; /* MT_REC_EXIT */
	__u32 pid;
	__s32 status; /* wait status, as from waitpid() */
	__u32 pad;
	__u64 ts;
};

/*
 * An open call, kept in BPF .bss so userspace can also read the calls still
 * open when tracing stops. tid == 0 marks a free slot.
 */
struct mt_active {
	__u32 tid;
	__u32 func;
	__u64 entry_sp; /* stack pointer at entry: tells outermost from nested returns */
	__u64 ts_entry;
	__s64 rss_entry;
	__s64 rss_peak;
	__s64 thread_growth;
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
};

#endif /* MEMTRACE_H */
