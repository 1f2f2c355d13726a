// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The native call probes. A perf-event uprobe costs a registration, and its
 * removal a wait for the probes running on it (about 0.1 s each, two per
 * function); a uprobe_multi link registers every offset of one file at once
 * and its close waits once for all. Debian's libbpf 1.1 predates those
 * links, so they are created with the raw BPF_LINK_CREATE below.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "array.h"
#include "log.h"
#include "uprobes.h"

/* From the kernel's include/uapi/linux/bpf.h (6.6+), which Debian's headers predate. */
#define MT_BPF_TRACE_UPROBE_MULTI 48
#define MT_BPF_F_UPROBE_MULTI_RETURN 1u

/* union bpf_attr as BPF_LINK_CREATE reads it for uprobe_multi (attr.link_create). */
struct uprobe_multi_attr {
	__u32 prog_fd;
	__u32 target_fd;
	__u32 attach_type;
	__u32 flags;
	__aligned_u64 path;
	__aligned_u64 offsets;
	__aligned_u64 ref_ctr_offsets;
	__aligned_u64 cookies;
	__u32 cnt;
	__u32 multi_flags;
	__u32 pid; /* 0: every process */
};

struct mt_uprobes {
	int *fds; /* uprobe_multi links */
	size_t nfds, fds_cap;
	struct bpf_link **links; /* perf-event uprobes (the fallback) */
	size_t nlinks, links_cap;
};

static bool use_multi; /* set by mt_uprobes_prepare() */

static int link_create_multi(int prog_fd, const char *path, const unsigned long *offsets,
			     const __u64 *cookies, __u32 cnt, __u32 flags, pid_t pid)
{
	struct uprobe_multi_attr a;
	int fd;

	memset(&a, 0, sizeof(a));
	a.prog_fd = prog_fd;
	a.attach_type = MT_BPF_TRACE_UPROBE_MULTI;
	a.path = (uintptr_t)path;
	a.offsets = (uintptr_t)offsets;
	a.cookies = (uintptr_t)cookies;
	a.cnt = cnt;
	a.multi_flags = flags;
	a.pid = (__u32)pid;
	fd = (int)syscall(__NR_bpf, BPF_LINK_CREATE, &a, sizeof(a));
	return fd < 0 ? -errno : fd;
}

/*
 * Does the kernel have uprobe_multi links that filter by process? A link
 * on "/" (no regular file) fails with EBADF where they exist; an invalid
 * pid then fails with EINVAL before the path is looked at only on kernels
 * whose pid filter is the process, not one thread (fixed after 6.6): with
 * the old filter, calls from the target's other threads would be missed.
 */
static bool probe_multi(void)
{
	LIBBPF_OPTS(bpf_prog_load_opts, po,
		    .expected_attach_type = (enum bpf_attach_type)MT_BPF_TRACE_UPROBE_MULTI);
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	unsigned long off = 0;
	int prog, e1, e2;

	prog = bpf_prog_load(BPF_PROG_TYPE_KPROBE, NULL, "GPL", insns, 2, &po);
	if (prog < 0)
		return false;
	e1 = link_create_multi(prog, "/", &off, NULL, 1, 0, 0);
	e2 = e1 == -EBADF ? link_create_multi(prog, "/", &off, NULL, 1, 0, -1) : 0;
	if (e1 >= 0)
		close(e1);
	if (e2 >= 0)
		close(e2);
	close(prog);
	return e1 == -EBADF && e2 == -EINVAL;
}

static bool multi_disabled(void)
{
	const char *v = getenv("MEMTRACE_NO_UPROBE_MULTI");

	return v && *v && strcmp(v, "0");
}

bool mt_uprobes_prepare(struct bpf_program *entry, struct bpf_program *ret)
{
	static int probed = -1;

	if (probed < 0)
		probed = probe_multi();
	use_multi = probed && !multi_disabled();
	mt_info(1, "native functions attach through %s", use_multi ? "uprobe_multi links" :
		probed ? "single uprobes (MEMTRACE_NO_UPROBE_MULTI)" :
		"single uprobes (no uprobe_multi in this kernel)");
	if (use_multi) {
		bpf_program__set_expected_attach_type(entry,
			(enum bpf_attach_type)MT_BPF_TRACE_UPROBE_MULTI);
		bpf_program__set_expected_attach_type(ret,
			(enum bpf_attach_type)MT_BPF_TRACE_UPROBE_MULTI);
	}
	return use_multi;
}

static void attached_note(const struct mt_target *tg)
{
	mt_info(1, "attached %s in %s at 0x%llx (%s)", tg->func, tg->object,
		(unsigned long long)tg->offset, tg->attach_note ? tg->attach_note : "entry");
}

/* One object's native targets, those at index first and after with its file. */
struct batch {
	unsigned long *offsets;
	__u64 *cookies;
	__u32 n;
};

static int collect_batch(const struct mt_target *targets, size_t n, size_t first,
			 struct batch *b)
{
	const char *host = targets[first].object_host;

	b->offsets = calloc(n - first, sizeof(*b->offsets));
	b->cookies = calloc(n - first, sizeof(*b->cookies));
	b->n = 0;
	if (!b->offsets || !b->cookies)
		return -ENOMEM;
	for (size_t i = first; i < n; i++) {
		if (targets[i].kind != MT_KIND_NATIVE || strcmp(targets[i].object_host, host))
			continue;
		b->offsets[b->n] = targets[i].offset;
		b->cookies[b->n++] = i;
	}
	return 0;
}

/*
 * Is targets[i] the first native target of its file among those attached
 * now, [from, n) (the one its batch starts at)?
 */
static bool starts_batch(const struct mt_target *targets, size_t from, size_t i)
{
	if (targets[i].kind != MT_KIND_NATIVE)
		return false;
	for (size_t j = from; j < i; j++)
		if (targets[j].kind == MT_KIND_NATIVE &&
		    !strcmp(targets[j].object_host, targets[i].object_host))
			return false;
	return true;
}

static int keep_fd(struct mt_uprobes *u, int fd)
{
	if (mt_grow(&u->fds, &u->fds_cap, u->nfds + 1, sizeof(*u->fds))) {
		close(fd);
		return -ENOMEM;
	}
	u->fds[u->nfds++] = fd;
	return 0;
}

static int attach_object_multi(struct mt_uprobes *u, const int prog_fd[2],
			       const struct mt_target *targets, size_t n, size_t first, pid_t pid,
			       char *err, size_t errlen)
{
	const struct mt_target *tg = &targets[first];
	struct batch b;
	int e = collect_batch(targets, n, first, &b);

	/* The return probes first: see attach_single(). */
	for (int ret = 1; ret >= 0 && !e; ret--) {
		int fd = link_create_multi(prog_fd[ret], tg->object_host, b.offsets, b.cookies, b.n,
					   ret ? MT_BPF_F_UPROBE_MULTI_RETURN : 0, pid > 0 ? pid : 0);

		if (fd < 0) {
			e = fd;
			mt_set_err(err, errlen, "cannot attach to %u function%s in %s (%s at offset 0x%llx first): %s",
				   b.n, b.n == 1 ? "" : "s", tg->object, tg->func,
				   (unsigned long long)tg->offset, strerror(-e));
			break;
		}
		e = keep_fd(u, fd);
	}
	for (size_t i = first; i < n && !e && mt_verbose >= 1; i++)
		if (targets[i].kind == MT_KIND_NATIVE && !strcmp(targets[i].object_host, tg->object_host))
			attached_note(&targets[i]);
	free(b.offsets);
	free(b.cookies);
	if (e == -ENOMEM)
		mt_set_err(err, errlen, "out of memory");
	return e;
}

static int attach_single(struct mt_uprobes *u, struct bpf_program *progs[2],
			 const struct mt_target *tg, size_t idx, pid_t pid, char *err, size_t errlen)
{
	/*
	 * The return probe first: a call that enters between the two attaches
	 * then has no open window for its return to close, instead of an open
	 * window no return closes (it would end as "unwound" at the next call).
	 */
	for (int ret = 1; ret >= 0; ret--) {
		LIBBPF_OPTS(bpf_uprobe_opts, uo, .bpf_cookie = idx, .retprobe = ret);
		struct bpf_link *l;

		if (mt_grow(&u->links, &u->links_cap, u->nlinks + 1, sizeof(*u->links))) {
			mt_set_err(err, errlen, "out of memory");
			return -ENOMEM;
		}
		/* libbpf's pid -1 is every process, as ours. */
		l = bpf_program__attach_uprobe_opts(progs[ret], pid, tg->object_host, tg->offset, &uo);
		if (!l) {
			int e = errno;

			mt_set_err(err, errlen, "cannot attach to %s in %s at offset 0x%llx: %s", tg->func,
				tg->object, (unsigned long long)tg->offset, strerror(e));
			return -e;
		}
		u->links[u->nlinks++] = l;
	}
	attached_note(tg);
	return 0;
}

int mt_uprobes_attach(struct bpf_program *entry, struct bpf_program *ret,
		      const struct mt_target *targets, size_t from, size_t n, pid_t pid,
		      struct mt_uprobes **inout, char *err, size_t errlen)
{
	struct bpf_program *progs[2] = { entry, ret };
	const int prog_fd[2] = { bpf_program__fd(entry), bpf_program__fd(ret) };
	struct mt_uprobes *u = *inout ? *inout : calloc(1, sizeof(*u));
	int e = 0;

	if (!u) {
		mt_set_err(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (size_t i = from; i < n && !e; i++) {
		if (targets[i].kind != MT_KIND_NATIVE)
			continue;
		if (!use_multi)
			e = attach_single(u, progs, &targets[i], i, pid, err, errlen);
		else if (starts_batch(targets, from, i))
			e = attach_object_multi(u, prog_fd, targets, n, i, pid, err, errlen);
	}
	/* The first attach undoes itself; a later one's links stay with the earlier ones. */
	if (e && !*inout) {
		mt_uprobes_free(u);
		return e;
	}
	*inout = u;
	return e;
}

void mt_uprobes_free(struct mt_uprobes *u)
{
	if (!u)
		return;
	for (size_t i = 0; i < u->nfds; i++)
		close(u->fds[i]);
	for (size_t i = 0; i < u->nlinks; i++)
		bpf_link__destroy(u->links[i]);
	free(u->fds);
	free(u->links);
	free(u);
}
