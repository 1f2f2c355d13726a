// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * RSS growth by call stack: each thread's growth is sampled, and a sample
 * sends the thread's user registers and the top of its user stack
 * (struct mt_stack_rec in bpf/memtrace.h), which userspace unwinds.
 *
 * Sampling: every thread accrues the growth it causes and takes a sample
 * when the accrued bytes cross its next threshold, an exponential draw of
 * mean sample_bytes (userspace precomputes the draws: BPF has no logarithm).
 * Exponential intervals are memoryless, so a program that grows in a
 * periodic pattern is not sampled in step with it. A sample weighs the
 * bytes its thread grew since its previous sample, so the weights add up
 * to the exact growth, less what each thread is still accruing
 * (stacks_unsampled; a thread that ends leaves its part there). With
 * sample_bytes <= MT_SAMPLE_EXACT every growth event is a sample of its
 * own size: exact, at a cost per page fault.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "memtrace.bpf.h"

/* Set by userspace before load; stacks_on false leaves every hook a no-op. */
const volatile bool stacks_on = false;
const volatile __u64 sample_bytes = 0;
/* Launch mode: the target is memtrace's own fork until it execs the command. */
const volatile bool stacks_launch = false;
/* A page: below this every growth event is its own sample. */
#define MT_SAMPLE_EXACT 4096

/* Filled by userspace before attach: exponential draws of mean sample_bytes, each >= 1. */
__u32 sample_draws[MT_SAMPLE_DRAWS];
/* Growth the target's threads caused while sampled, and of it what no sample has claimed yet. */
__s64 stacks_growth;
__s64 stacks_unsampled;
/* Samples taken that the ring buffer had no room for, and the bytes they stood for. */
__u64 stacks_lost;
__s64 stacks_lost_bytes;
/* When a sample last woke the reader (bpf_ktime_get_ns). */
__u64 stacks_woken_ns;

/*
 * A sample wakes the reader if none did for this long: userspace unwinds
 * with the target's maps, which it can read only while the process lives
 * (a short command exits long before the ring's quarter mark), at 50
 * wake-ups a second at most.
 */
#define MT_STACK_WAKE_NS (20 * 1000 * 1000ULL)

_Static_assert((MT_SAMPLE_DRAWS & (MT_SAMPLE_DRAWS - 1)) == 0, "next_threshold() masks the index");

struct stack_thread {
	__s64 accrued; /* growth since the thread's last sample */
	__s64 left;    /* growth until its next sample */
};

/* Task storage: created at a thread's first growth, gone with the thread. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct stack_thread);
} stack_threads SEC(".maps");

/* A record is ~17.6 KB, far beyond the BPF stack: it is built here, one per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mt_stack_rec);
} stack_scratch SEC(".maps");

static __always_inline __s64 next_threshold(void)
{
	return sample_draws[bpf_get_prandom_u32() & (MT_SAMPLE_DRAWS - 1)] ?: 1;
}

/* struct pt_regs's fields in x86-64 DWARF order: regs[0..15], then rip (MT_STACK_REG_*). */
#define PT_REGS_DWARF(X)                                                                \
	X(ax) X(dx) X(cx) X(bx) X(si) X(di) X(bp) X(sp) X(r8) X(r9) X(r10) X(r11) X(r12) \
	X(r13) X(r14) X(r15) X(ip)

/* The user registers saved at kernel entry. */
static __always_inline void copy_user_regs(struct mt_stack_rec *r, struct pt_regs *regs)
{
	int i = 0;

#define COPY_REG(field) r->regs[i++] = BPF_CORE_READ(regs, field);
	PT_REGS_DWARF(COPY_REG)
#undef COPY_REG
}

/*
 * As much of the user stack from sp up as can be read, at most
 * MT_STACK_BYTES. A read that runs past the stack's top (the main thread's
 * is within a few KiB of it in main()) fails whole, so after the full size
 * the rest is read in halving chunks, each appended when it fits: the copy
 * ends within 512 bytes of the readable top. Returns the bytes read.
 */
static __always_inline __u32 copy_user_stack(struct mt_stack_rec *r, __u64 sp)
{
	__u32 len = 0;

	if (!bpf_probe_read_user(r->stack, MT_STACK_BYTES, (void *)sp))
		return MT_STACK_BYTES;
#pragma unroll
	for (__u32 chunk = MT_STACK_BYTES / 2; chunk >= 512; chunk /= 2) {
		if (len > MT_STACK_BYTES - chunk)
			continue;
		if (!bpf_probe_read_user(r->stack + len, chunk, (void *)(sp + len)))
			len += chunk;
	}
	return len;
}

/* Return probes nest this deep at most here (the kernel allows 64); deeper ones stay hidden. */
#define MT_URETPROBE_MAX 16

/*
 * While a function traced with -f runs, its return address on the stack is
 * the kernel's return-probe trampoline, which no CFI describes: put the
 * real one back into the copy, from the thread's return instances (each
 * the stack slot it took over and the address that was there).
 */
static __always_inline void restore_return_addrs(struct task_struct *task, struct mt_stack_rec *r,
						 __u64 sp, __u32 len)
{
	struct return_instance *ri = BPF_CORE_READ(task, utask, return_instances);

	for (int i = 0; i < MT_URETPROBE_MAX && ri; i++) {
		__u64 at = BPF_CORE_READ(ri, stack) - sp;

		if (at + 8 <= len && at <= MT_STACK_BYTES - 8)
			*(__u64 *)(r->stack + at) = BPF_CORE_READ(ri, orig_ret_vaddr);
		ri = BPF_CORE_READ(ri, next);
	}
}

/*
 * Launch mode, before the exec: memtrace's fork runs memtrace's code (the
 * lazy binding of execve), in memory the exec discards. Each exec raises
 * self_exec_id, which the fork copied from memtrace, its parent.
 */
static __always_inline bool before_exec(struct task_struct *task)
{
	return stacks_launch && BPF_CORE_READ(task, tgid) == targ_tgid &&
	       BPF_CORE_READ(task, self_exec_id) == BPF_CORE_READ(task, real_parent, self_exec_id);
}

/*
 * Inside execve the new image's memory grows (its stack, its arguments)
 * while the saved user registers are still the old image's: no stack.
 */
static __always_inline bool user_regs_valid(struct task_struct *task)
{
	return !BPF_CORE_READ_BITFIELD_PROBED(task, in_execve);
}

/* Builds the sample in the per-CPU scratch and sends its used part. */
static __always_inline void send_sample(struct task_struct *task, __s64 weight, __s64 total,
					 bool python)
{
	struct pt_regs *regs = user_regs_valid(task) ? (struct pt_regs *)bpf_task_pt_regs(task) : NULL;
	__u32 zero = 0, len = 0;
	struct mt_stack_rec *r = bpf_map_lookup_elem(&stack_scratch, &zero);
	__u64 wake, now;

	if (!r)
		return;
	r->type = MT_REC_STACK;
	r->tid = (__u32)bpf_get_current_pid_tgid();
	r->ts = bpf_ktime_get_ns();
	r->weight = weight;
	r->rss = total;
	r->flags = 0;
	r->nr_py = 0;
	r->pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(r->comm, sizeof(r->comm));
	r->image = mt_image_id(BPF_CORE_READ(task, mm, start_code), BPF_CORE_READ(task, mm, start_brk),
			       BPF_CORE_READ(task, mm, arg_start));
	if (regs) {
		copy_user_regs(r, regs);
		len = copy_user_stack(r, r->regs[MT_STACK_REG_SP]);
		restore_return_addrs(task, r, r->regs[MT_STACK_REG_SP], len);
	} else {
		__builtin_memset(r->regs, 0, sizeof(r->regs));
		r->flags |= MT_STACK_NO_USER;
	}
	if (len < MT_STACK_BYTES)
		r->flags |= MT_STACK_COPY_SHORT;
	r->stack_len = len;
	if (py_frames && python)
		py_frames_stack(r);
	/* Bounded again for the verifier: len is at most MT_STACK_BYTES. */
	if (len > MT_STACK_BYTES)
		len = MT_STACK_BYTES;
	len += offsetof(struct mt_stack_rec, stack);
	/* Copied in by the output, so not yet counted by the query. */
	wake = wake_on_mark(bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) + len, len);
	now = bpf_ktime_get_ns();
	if (now - stacks_woken_ns >= MT_STACK_WAKE_NS) {
		stacks_woken_ns = now;
		wake = BPF_RB_FORCE_WAKEUP;
	}
	if (bpf_ringbuf_output(&events, r, len, wake)) {
		__sync_fetch_and_add(&stacks_lost, 1);
		__sync_fetch_and_add(&stacks_lost_bytes, weight);
	}
}

/*
 * Called by handle_rss_stat in bpf/memtrace.bpf.c for each RSS growth
 * (delta > 0) the target's own thread caused.
 */
__hidden int stacks_account(__s64 delta, __s64 total, bool python)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct stack_thread *st;
	__s64 weight;

	if (!stacks_on || delta <= 0 || stopped || before_exec(task))
		return 0;
	__sync_fetch_and_add(&stacks_growth, delta);
	__sync_fetch_and_add(&stacks_unsampled, delta);
	st = bpf_task_storage_get(&stack_threads, task, NULL, BPF_LOCAL_STORAGE_GET_F_CREATE);
	/* No memory for the thread's state: its growth stays unsampled, and says so. */
	if (!st)
		return 0;
	/* Created zeroed: the thread's first threshold. */
	if (!st->left && !st->accrued)
		st->left = next_threshold();
	/* Only the thread itself updates its entry: no race. */
	st->accrued += delta;
	st->left -= delta;
	if (sample_bytes > MT_SAMPLE_EXACT && st->left > 0)
		return 0;
	weight = st->accrued;
	st->accrued = 0;
	st->left = next_threshold();
	__sync_fetch_and_add(&stacks_unsampled, -weight);
	send_sample(task, weight, total, python);
	return 0;
}
