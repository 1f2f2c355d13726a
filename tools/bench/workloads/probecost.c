/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * probecost [CALLS]: what an entry+return probe pair costs per call of the
 * traced function, against a session uprobe (kernel 6.13: one program run
 * at the entry and, as it returns 0, again at the return). Calls a function
 * of its own CALLS times (default 1,000,000) per mode and prints one line
 * per mode, "MODE ns_per_call X" (wall time), the mode "none" unprobed:
 *   none     no probe
 *   pair     a uprobe_multi link for the entry and one for the return
 *            (as memtrace attaches native functions, user/uprobes.c)
 *   session  one uprobe_multi link of attach type BPF_TRACE_UPROBE_SESSION
 * The programs only return 0: the figures are the mechanisms' own cost,
 * the part that differs; memtrace's programs do the same work either way.
 * A mode the kernel refuses prints "MODE unsupported ERRNO". Needs root.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/bpf.h>

/* The kernel's include/uapi/linux/bpf.h (6.6+ and 6.13+); Debian's headers predate them. */
enum { TRACE_UPROBE_MULTI = 48, TRACE_UPROBE_SESSION = 57, UPROBE_MULTI_RETURN = 1 };

struct link_attr { /* union bpf_attr's link_create, uprobe_multi member */
	uint32_t prog_fd, target_fd, attach_type, flags;
	uint64_t path, offsets, ref_ctr_offsets, cookies;
	uint32_t cnt, multi_flags, pid;
};

/* push %rbp first, as compiled code with frame pointers starts: the kernel emulates it (cheap). */
int probed(int x);
__asm__(".text\n.globl probed\n.type probed,@function\n.p2align 4\n"
	"probed:\n\tpush %rbp\n\tmov %rsp,%rbp\n\tlea 1(%rdi),%eax\n\tpop %rbp\n\tret\n"
	".size probed,.-probed\n");

static int load_prog(uint32_t expected)
{
	struct bpf_insn insns[2] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_KPROBE;
	a.insns = (uintptr_t)insns;
	a.insn_cnt = 2;
	a.license = (uintptr_t)"GPL";
	a.expected_attach_type = expected;
	return (int)syscall(__NR_bpf, BPF_PROG_LOAD, &a, sizeof(a));
}

/* The file offset of probed() in /proc/self/exe, from its runtime address and our maps. */
static unsigned long probed_offset(void)
{
	unsigned long start, end, off, addr = (unsigned long)probed;
	char line[512], perms[8];
	FILE *f = fopen("/proc/self/maps", "r");

	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx %7s %lx", &start, &end, perms, &off) == 4 &&
		    addr >= start && addr < end) {
			fclose(f);
			return addr - start + off;
		}
	}
	fprintf(stderr, "probecost: probed() not in /proc/self/maps\n");
	exit(1);
}

static int attach(int prog, uint32_t type, uint32_t flags, unsigned long *off)
{
	struct link_attr a = {
		.prog_fd = (uint32_t)prog, .attach_type = type, .path = (uintptr_t)"/proc/self/exe",
		.offsets = (uintptr_t)off, .cnt = 1, .multi_flags = flags,
		.pid = (uint32_t)getpid(),
	};
	int fd = (int)syscall(__NR_bpf, BPF_LINK_CREATE, &a, sizeof(a));

	return fd < 0 ? -errno : fd;
}

static double ns_per_call(long calls)
{
	struct timespec a, b;
	volatile int sink = 0;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < calls; i++)
		sink += probed((int)i);
	clock_gettime(CLOCK_MONOTONIC, &b);
	return ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / calls;
}

int main(int argc, char **argv)
{
	long calls = argc > 1 ? atol(argv[1]) : 1000000;
	unsigned long off = probed_offset();
	int multi = load_prog(TRACE_UPROBE_MULTI), session = load_prog(TRACE_UPROBE_SESSION);
	int l1, l2;

	if (multi < 0) {
		fprintf(stderr, "probecost: cannot load a uprobe_multi program: %s\n", strerror(errno));
		return 1;
	}
	printf("none ns_per_call %.1f\n", ns_per_call(calls));
	l1 = attach(multi, TRACE_UPROBE_MULTI, UPROBE_MULTI_RETURN, &off);
	l2 = attach(multi, TRACE_UPROBE_MULTI, 0, &off);
	if (l1 < 0 || l2 < 0)
		printf("pair unsupported %d\n", l1 < 0 ? -l1 : -l2);
	else
		printf("pair ns_per_call %.1f\n", ns_per_call(calls));
	close(l1);
	close(l2);
	l1 = session < 0 ? -errno : attach(session, TRACE_UPROBE_SESSION, 0, &off);
	if (l1 < 0)
		printf("session unsupported %d\n", -l1);
	else
		printf("session ns_per_call %.1f\n", ns_per_call(calls));
	close(l1);
	return 0;
}
