// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unwinding sampled stacks (user/unwind.c) on this very process: chains of
 * functions built without frame pointers (the Makefile adds
 * -fomit-frame-pointer for this file) capture their own registers and copy
 * the top of their own stack into a struct mt_stack_rec, as
 * bpf/stacks.bpf.c does for a target; mt_unwind() must name the chain
 * back to main from CFI alone. Then hostile samples: a short copy,
 * garbage registers and stack, an empty copy, a stack that loops.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "elfsym.h"
#include "memtrace.h"
#include "objcache.h"
#include "procfs.h"
#include "unwind.h"
#include "unit.h"
#include "fixture.h"

#define MAX_FRAMES 64

/* Static, as are the frame arrays: the 16 KiB copied from the leaf must reach _start. */
static struct mt_stack_rec chain_rec, qsort_rec;
static struct mt_frame f[MAX_FRAMES], again[MAX_FRAMES];
static int leaf_line, mid_line;
static volatile int sink;

/*
 * The registers the unwinder needs (rsp, rbp, the callee-saved ones, rip)
 * in DWARF numbering, at one instruction: rip is the address right after
 * the lea, where rsp and the others still hold what the asm read.
 */
#define CAPTURE_REGS(regs)                                                              \
	__asm__ volatile("lea 0(%%rip), %%rax\n\t"                                      \
			 "mov %%rax, 128(%0)\n\t"                                       \
			 "mov %%rsp, 56(%0)\n\t"                                        \
			 "mov %%rbp, 48(%0)\n\t"                                        \
			 "mov %%rbx, 24(%0)\n\t"                                        \
			 "mov %%r12, 96(%0)\n\t"                                        \
			 "mov %%r13, 104(%0)\n\t"                                       \
			 "mov %%r14, 112(%0)\n\t"                                       \
			 "mov %%r15, 120(%0)\n\t"                                       \
			 :                                                              \
			 : "r"(regs)                                                    \
			 : "rax", "memory")

/*
 * The stack from the captured rsp up, as the kernel would copy it. Read
 * through process_vm_readv(): ASan would report a plain copy crossing
 * other frames' redzones. Called after the capture: its own frame lies
 * below the captured rsp, so what is copied is what was there.
 */
static __attribute__((noinline)) void copy_stack(struct mt_stack_rec *r)
{
	struct iovec local = { r->stack, sizeof(r->stack) };
	struct iovec remote = { (void *)(uintptr_t)r->regs[MT_STACK_REG_SP], sizeof(r->stack) };
	ssize_t got = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
	uint64_t image = 0;

	r->type = MT_REC_STACK;
	r->tid = (uint32_t)getpid();
	r->pid = (uint32_t)getpid();
	mt_proc_image(getpid(), &image);
	r->image = image;
	r->stack_len = got > 0 ? (uint32_t)got : 0;
}

static __attribute__((noipa)) int unwind_leaf(int x)
{
	CAPTURE_REGS(chain_rec.regs); leaf_line = __LINE__;
	copy_stack(&chain_rec);
	return x * 3 + sink;
}

static __attribute__((noipa)) int unwind_mid(int x)
{
	int r = unwind_leaf(x + 1); mid_line = __LINE__;

	return r + sink + 1;
}

static __attribute__((noipa)) int unwind_outer(int x)
{
	return unwind_mid(x * 2) + sink + 2;
}

static __attribute__((noipa)) int run_chain(void)
{
	return unwind_outer(5) + sink + 3;
}

/* qsort's comparator as the leaf: the stack passes through libc, built without frame pointers. */
static __attribute__((noipa)) int by_value(const void *a, const void *b)
{
	static bool captured;

	if (!captured) {
		CAPTURE_REGS(qsort_rec.regs);
		copy_stack(&qsort_rec);
		captured = true;
	}
	return *(const int *)a - *(const int *)b;
}

static __attribute__((noipa)) int run_qsort(void)
{
	void (*libc_qsort)(void *, size_t, size_t, int (*)(const void *, const void *)) =
		(void (*)(void *, size_t, size_t, int (*)(const void *, const void *)))libc_sym("qsort");
	int v[64];

	for (int i = 0; i < 64; i++)
		v[i] = (i * 37) % 64;
	/* libc's own: ASan's qsort interceptor calls the comparator itself first. */
	libc_qsort(v, 64, sizeof(v[0]), by_value);
	return v[0] + sink;
}

static void print_stack(const char *what, const struct mt_frame *fr, size_t n, bool truncated)
{
	printf("# %s: %zu frames%s\n", what, n, truncated ? ", truncated" : "");
	for (size_t i = 0; i < n; i++)
		printf("#   %2zu %-28s %s:%u  %s+0x%llx\n", i, fr[i].func, fr[i].file ? fr[i].file : "?",
		       fr[i].line, fr[i].object ? fr[i].object : "-", (unsigned long long)fr[i].addr);
}

static bool ends_with(const char *s, const char *tail)
{
	size_t a = s ? strlen(s) : 0, b = strlen(tail);

	return s && a >= b && !strcmp(s + a - b, tail);
}

static ssize_t find_func(const struct mt_frame *fr, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(fr[i].func, name))
			return (ssize_t)i;
	return -1;
}

static void test_chain(struct mt_unwinder *u)
{
	static const char *const want[] = { "unwind_leaf", "unwind_mid", "unwind_outer", "run_chain",
					    "main" };
	size_t n = 0, n2 = 0, i;
	bool truncated = true, t2;
	Dl_info info;

	CHECK_INT(mt_unwind(u, &chain_rec, f, MAX_FRAMES, &n, &truncated), 0, "mt_unwind");
	print_stack("chain", f, n, truncated);
	CHECK(n >= 5, "at least the chain's 5 frames (got %zu)", n);
	for (i = 0; i < 5 && i < n; i++)
		CHECK_STR(f[i].func, want[i], "frame name, leaf first");
	CHECK(!truncated, "unwound to the outermost frame");
	CHECK(f[0].kind == MT_FRAME_NATIVE && f[4].kind == MT_FRAME_NATIVE, "native frames");
	/* Of its aliases (__libc_start_main_impl, __libc_start_main_alias_2), the exported one. */
	CHECK(find_func(f, n, "__libc_start_main") > 4, "libc's frames named by their global alias");

	CHECK(ends_with(f[0].file, "tests/unit/test_unwind.c"), "leaf's file: %s", f[0].file);
	CHECK_INT(f[0].line, leaf_line, "leaf's line: where it captured its registers");
	CHECK(ends_with(f[1].file, "tests/unit/test_unwind.c"), "mid's file: %s", f[1].file);
	CHECK_INT(f[1].line, mid_line, "mid's line: its call (the return address minus one)");
	CHECK(ends_with(f[0].object, "/test_unwind"), "object: %s", f[0].object);
	CHECK(f[0].build_id && strlen(f[0].build_id) >= 16, "build id %s", f[0].build_id);
	/* A PIE's text has p_vaddr == p_offset: the file offset is pc - load base. */
	CHECK(dladdr((void *)unwind_leaf, &info) && info.dli_fbase, "dladdr");
	CHECK_INT(f[0].addr, chain_rec.regs[MT_STACK_REG_IP] - (uintptr_t)info.dli_fbase,
		  "leaf addr: its pc as a file offset");

	/* Resolved once: the second time the same strings come from the cache. */
	CHECK(!mt_unwind(u, &chain_rec, again, MAX_FRAMES, &n2, &t2) && n2 == n && t2 == truncated,
	      "the same sample unwinds the same");
	for (i = 0; i < n && i < n2 && again[i].func == f[i].func && again[i].file == f[i].file; i++)
		;
	CHECK(i == n, "cached: the same strings for each frame");

	/* max frames: a prefix, truncated. */
	CHECK(!mt_unwind(u, &chain_rec, again, 2, &n2, &t2) && n2 == 2 && t2,
	      "max 2: %zu frames, truncated", n2);
	CHECK_STR(again[1].func, "unwind_mid", "max 2: second frame");
}

static void test_qsort(struct mt_unwinder *u)
{
	size_t n = 0, i;
	bool truncated = true;
	ssize_t caller, m;

	CHECK(run_qsort() == 0 && qsort_rec.stack_len > 1024, "qsort's comparator captured");
	CHECK_INT(mt_unwind(u, &qsort_rec, f, MAX_FRAMES, &n, &truncated), 0, "mt_unwind");
	print_stack("qsort", f, n, truncated);
	CHECK(n > 0, "frames");
	CHECK_STR(n ? f[0].func : NULL, "by_value", "the comparator is the leaf");
	caller = find_func(f, n, "run_qsort");
	m = find_func(f, n, "main");
	CHECK(caller >= 2 && m == caller + 1, "through libc to run_qsort (frame %zd), then main (%zd)",
	      caller, m);
	for (i = 1; caller > 0 && i < (size_t)caller; i++)
		if (!strstr(f[i].object ? f[i].object : "", "libc.so"))
			break;
	CHECK(caller > 0 && i == (size_t)caller, "every frame between them is libc's");
	CHECK(find_func(f, n, "qsort_r") > 0 || find_func(f, n, "qsort") > 0, "qsort named");
	CHECK(!truncated, "unwound to the outermost frame");
}

/* A short copy: the return addresses are not in it. */
static void test_short_copy(struct mt_unwinder *u, size_t full)
{
	static struct mt_stack_rec r;
	size_t n = 0;
	bool truncated = false;

	r = chain_rec;
	r.stack_len = 16;
	CHECK_INT(mt_unwind(u, &r, f, MAX_FRAMES, &n, &truncated), 0, "mt_unwind, 16 bytes");
	print_stack("short", f, n, truncated);
	CHECK(truncated && n >= 1 && n < full, "truncated after %zu of %zu frames", n, full);
	CHECK_STR(f[0].func, "unwind_leaf", "the leaf is still named");

	r.stack_len = 0;
	CHECK_INT(mt_unwind(u, &r, f, MAX_FRAMES, &n, &truncated), 0, "mt_unwind, no stack");
	CHECK(truncated && n == 1, "no stack: the leaf alone, truncated (%zu)", n);
	CHECK_STR(f[0].func, "unwind_leaf", "no stack: the leaf");

	/* A stack_len larger than the buffer is not believed. */
	r.stack_len = UINT32_MAX;
	CHECK_INT(mt_unwind(u, &r, f, MAX_FRAMES, &n, &truncated), 0, "mt_unwind, stack_len too big");
	CHECK(n >= 1 && n <= MAX_FRAMES, "stack_len too big: bounded (%zu)", n);
}

static void test_garbage(struct mt_unwinder *u)
{
	static struct mt_stack_rec r;
	uint64_t *w = (uint64_t *)r.stack;
	size_t n = 0, i, k;

	r.image = chain_rec.image;
	bool truncated = false, bounded = true;

	srand(11);
	for (k = 0; k < 200; k++) {
		for (i = 0; i < MT_STACK_NR_REGS; i++)
			r.regs[i] = ((uint64_t)rand() << 33) ^ ((uint64_t)rand() << 11) ^ (uint64_t)rand();
		for (i = 0; i < MT_STACK_BYTES / 8; i++)
			w[i] = ((uint64_t)rand() << 33) ^ (uint64_t)rand();
		r.stack_len = MT_STACK_BYTES;
		/* Half of them start in real code with a garbage stack. */
		if (k & 1)
			r.regs[MT_STACK_REG_IP] = chain_rec.regs[MT_STACK_REG_IP];
		if (mt_unwind(u, &r, f, MAX_FRAMES, &n, &truncated) || n < 1 || n > MAX_FRAMES)
			bounded = false;
		if (!(k & 1) && strcmp(f[0].func, "[unknown]"))
			bounded = false;
	}
	CHECK(bounded, "200 garbage samples: no crash, 1..%d frames, random pcs [unknown]", MAX_FRAMES);

	/*
	 * A stack of the leaf's own return address, over and over, and rbp
	 * pointing at itself: the unwinder must stop (sp grows, max caps it).
	 */
	r = chain_rec;
	for (i = 0; i < MT_STACK_BYTES / 8; i++)
		w[i] = chain_rec.regs[MT_STACK_REG_IP] + 1;
	r.regs[6] = r.regs[MT_STACK_REG_SP];
	CHECK_INT(mt_unwind(u, &r, f, MAX_FRAMES, &n, &truncated), 0, "mt_unwind, looping stack");
	CHECK(truncated && n <= MAX_FRAMES, "looping stack: %zu frames, truncated", n);
}

/* A C++ function, as g++ would name ns::grown(int). */
__attribute__((noipa, used)) int grown(int x) __asm__("_ZN2ns5grownEi");
int grown(int x)
{
	return x + sink;
}

static void test_symbolize(void)
{
	struct mt_elf *elf = NULL;
	const char *name = NULL;
	uint64_t off = 0, leaf;
	Dl_info info;

	CHECK(dladdr((void *)unwind_leaf, &info) && info.dli_fbase, "dladdr");
	CHECK_INT(mt_elf_open("/proc/self/exe", &elf), 0, "mt_elf_open");
	if (!elf)
		return;
	leaf = (uintptr_t)unwind_leaf - (uintptr_t)info.dli_fbase;
	CHECK(!mt_elf_symbolize(elf, leaf, &name, &off) && off == 0, "symbolize the leaf's start");
	CHECK_STR(name, "unwind_leaf", "its name");
	CHECK(!mt_elf_symbolize(elf, leaf + 5, &name, &off) && off == 5, "5 bytes in: offset 5");
	CHECK(!mt_elf_symbolize(elf, (uintptr_t)grown - (uintptr_t)info.dli_fbase + 1, &name, &off),
	      "symbolize ns::grown");
	CHECK_STR(name, "ns::grown", "demangled, without its parameters");
	CHECK(mt_elf_symbolize(elf, 0x10, &name, &off) == -ENOENT, "the ELF header: no function");
	mt_elf_close(elf);
}

/* A pc in a mapped file but in no function: named after the file and the offset. */
static void test_no_symbol(struct mt_unwinder *u)
{
	static struct mt_stack_rec r;
	size_t n = 0;
	bool truncated;
	Dl_info info;

	CHECK(dladdr(libc_sym("qsort"), &info) && info.dli_fbase, "libc's load base");
	r.image = chain_rec.image;
	r.regs[MT_STACK_REG_IP] = (uintptr_t)info.dli_fbase + 0x10; /* the ELF header */
	CHECK_INT(mt_unwind(u, &r, f, 2, &n, &truncated), 0, "mt_unwind, pc in libc's header");
	CHECK_STR(n ? f[0].func : NULL, "[libc.so.6+0x10]", "named after the mapping");
	CHECK(f[0].kind == MT_FRAME_UNKNOWN && ends_with(f[0].object, "/libc.so.6"), "kind, object %s",
	      f[0].object);

	r.regs[MT_STACK_REG_IP] = 8;
	CHECK(!mt_unwind(u, &r, f, 2, &n, &truncated) && n == 1, "mt_unwind, pc 8");
	CHECK_STR(f[0].func, "[unknown]", "no mapping");

	r.flags = MT_STACK_NO_USER;
	CHECK(!mt_unwind(u, &r, f, 2, &n, &truncated) && n == 0 && !truncated,
	      "no user registers: no frames");
}

/* A library loaded after the unwinder read the maps: a pc in it rereads them. */
static void test_dlopen(struct mt_unwinder *u)
{
	static struct mt_stack_rec r;
	void *h = dlopen("libcrypt.so.1", RTLD_NOW);
	void *fn = h ? dlsym(h, "crypt") : NULL;
	size_t n = 0;
	bool truncated;

	if (!fn) {
		printf("ok %d # skip no libcrypt.so.1 to dlopen\n", ++unit_run);
		return;
	}
	usleep(60 * 1000); /* past the rereads' rate limit (MAPS_REREAD_NS in user/unwind.c) */
	r.image = chain_rec.image;
	r.regs[MT_STACK_REG_IP] = (uintptr_t)fn + 1;
	CHECK(!mt_unwind(u, &r, f, 2, &n, &truncated) && n == 1, "mt_unwind, pc in a dlopened library");
	CHECK_STR(f[0].func, "crypt", "named after the reread");
	CHECK(f[0].object && strstr(f[0].object, "/libcrypt.so.1"), "object %s", f[0].object);
}

static pid_t pausing_child(void)
{
	pid_t child = fork();

	if (child == 0) {
		pause();
		_exit(0);
	}
	return child;
}

static void end_child(pid_t child)
{
	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
}

/* The shared object of the file at path (its fstat identity), or NULL. */
static struct mt_objfile *objfile_at(const char *path)
{
	struct mt_objfile *file = NULL;
	struct stat st;

	if (!stat(path, &st))
		mt_objfile_get(path, st.st_dev, st.st_ino, &file);
	return file;
}

/*
 * Two processes of one program share its files' objects (user/objcache.c):
 * the second unwinder opens nothing new and holds a reference to the first's.
 */
static void test_shared_objects(void)
{
	struct mt_unwinder *a = NULL, *b = NULL;
	pid_t ca = pausing_child(), cb = pausing_child();
	struct mt_objfile *self;
	size_t before;
	unsigned refs;

	CHECK(ca > 0 && !mt_unwinder_new(ca, false, &a) && a, "an unwinder for child a");
	before = mt_objcache_size();
	CHECK(cb > 0 && !mt_unwinder_new(cb, false, &b) && b, "an unwinder for child b");
	CHECK_INT(mt_objcache_size(), before, "child b's files: all already open for child a");
	self = objfile_at("/proc/self/exe");
	refs = self ? mt_objfile_refs(self) : 0;
	mt_unwinder_free(b);
	CHECK(self && refs >= 3 && mt_objfile_refs(self) == refs - 1,
	      "the program's object: referenced by both unwinders (%u references, then %u)", refs,
	      self ? mt_objfile_refs(self) : 0);
	mt_objfile_put(self);
	mt_unwinder_free(a);
	end_child(ca);
	end_child(cb);
}

/* A copy of this program: another inode, another object; rewritten in place, another again. */
static void test_changed_file(void)
{
	char path[] = "/tmp/test_unwind.XXXXXX";
	struct mt_objfile *orig = objfile_at("/proc/self/exe"), *copy, *twice, *changed;
	int fd = mkstemp(path);
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "cp /proc/%d/exe %s", getpid(), path);
	CHECK(fd >= 0 && !system(cmd), "a copy of the program");
	copy = objfile_at(path);
	twice = objfile_at(path);
	CHECK(orig && copy && copy != orig, "the copy (another inode) is another object");
	CHECK(twice == copy && mt_objfile_refs(copy) == 2, "the copy twice: one object, 2 references");
	/* The same inode, longer: a process mapping it now must not get the old symbols. */
	CHECK(fd >= 0 && pwrite(fd, "", 1, lseek(fd, 0, SEEK_END)) == 1, "the copy rewritten");
	changed = objfile_at(path);
	CHECK(changed && changed != copy, "the rewritten file is another object");
	mt_objfile_put(changed);
	mt_objfile_put(twice);
	mt_objfile_put(copy);
	mt_objfile_put(orig);
	if (fd >= 0)
		close(fd);
	unlink(path);
}

/* A target that exits between reading its maps and its last samples: still named. */
static void test_exited(void)
{
	struct mt_unwinder *u = NULL;
	static struct mt_stack_rec r;
	siginfo_t info;
	size_t n = 0;
	bool truncated;
	pid_t child = pausing_child();

	CHECK(child > 0 && !mt_unwinder_new(child, false, &u), "an unwinder for a child (the same mappings)");
	if (child <= 0)
		return;
	kill(child, SIGKILL);
	/* First a zombie (its maps empty), then gone. */
	for (int reaped = 0; u && reaped < 2; reaped++) {
		if (reaped)
			waitpid(child, NULL, 0);
		else
			waitid(P_PID, (id_t)child, &info, WEXITED | WNOWAIT);
		/* A pc in no mapping tries a reread. */
		r.image = chain_rec.image;
		r.regs[MT_STACK_REG_IP] = 8;
		usleep(60 * 1000);
		CHECK(!mt_unwind(u, &r, f, MAX_FRAMES, &n, &truncated), "%s: mt_unwind",
		      reaped ? "reaped" : "zombie");
		CHECK(!mt_unwind(u, &chain_rec, f, MAX_FRAMES, &n, &truncated) && n >= 5,
		      "%s: the chain", reaped ? "reaped" : "zombie");
		CHECK_STR(f[0].func, "unwind_leaf", "leaf named from the last maps read");
		CHECK_STR(n >= 5 ? f[4].func : NULL, "main", "main too");
	}
	if (!u)
		waitpid(child, NULL, 0);
	mt_unwinder_free(u);
}

/*
 * A target that execs after the unwinder read its maps: its samples from
 * before the exec are still named from the old image's maps, which the
 * refresh of a launched command must not replace; a sample of the new image
 * reads the new maps, and after that the old image's samples have none.
 */
static void test_exec(void)
{
	struct mt_unwinder *u = NULL;
	static struct mt_stack_rec r;
	uint64_t image = chain_rec.image;
	int go[2], i;
	size_t n = 0;
	bool truncated;
	pid_t child;

	if (pipe(go))
		return;
	child = fork();
	if (child == 0) {
		char c;

		close(go[1]);
		if (read(go[0], &c, 1) == 1)
			execl("/bin/sleep", "sleep", "10", (char *)NULL);
		_exit(127);
	}
	close(go[0]);
	CHECK(child > 0 && !mt_unwinder_new(child, false, &u), "an unwinder for a child before its exec");
	if (child <= 0 || !u) {
		close(go[1]);
		return;
	}
	CHECK(write(go[1], "x", 1) == 1, "the child told to exec");
	close(go[1]);
	for (i = 0; i < 500 && image == chain_rec.image; i++) {
		usleep(2000);
		if (mt_proc_image(child, &image))
			break;
	}
	/* Mid-exec the image is half made: read it again once sleep runs. */
	usleep(100 * 1000);
	if (mt_proc_image(child, &image))
		image = chain_rec.image;
	CHECK(image != chain_rec.image, "the child exec'd: its image changed");
	mt_unwinder_refresh(u);
	CHECK(!mt_unwind(u, &chain_rec, f, MAX_FRAMES, &n, &truncated) && n >= 5,
	      "a sample from before the exec: %zu frames after a refresh", n);
	CHECK_STR(n ? f[0].func : NULL, "unwind_leaf", "named from the old image's maps");

	r = chain_rec;
	r.image = image;
	CHECK(!mt_unwind(u, &r, f, MAX_FRAMES, &n, &truncated), "a sample of the new image");
	CHECK(!mt_unwind(u, &chain_rec, f, MAX_FRAMES, &n, &truncated) && n == 0,
	      "then the old image's samples: no frames (%zu), not frames of other code", n);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	mt_unwinder_free(u);
}

static void time_unwind(struct mt_unwinder *u)
{
	struct timespec a, b;
	bool truncated, ok = true;
	size_t n;
	double ns;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < 10000; i++)
		ok &= !mt_unwind(u, &chain_rec, f, MAX_FRAMES, &n, &truncated);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ns = (double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec);
	printf("# mt_unwind: %.1f us per call (%zu frames, 10000 calls, this sanitized build)\n",
	       ns / 1e4 / 1e3, n);
	CHECK(ok, "10000 unwinds");
}

int main(void)
{
	struct mt_unwinder *u = NULL;
	size_t n = 0;
	bool t;

	CHECK_INT(mt_unwinder_new(getpid(), false, &u), 0, "mt_unwinder_new");
	if (!u)
		return unit_done();
	/* Captured by main itself, whatever the compiler inlines: the chain's outermost frame is main. */
	CHECK(run_chain() > 0 && chain_rec.stack_len > 1024, "the chain captured %u stack bytes",
	      chain_rec.stack_len);
	test_chain(u);
	mt_unwind(u, &chain_rec, f, MAX_FRAMES, &n, &t);
	test_qsort(u);
	test_short_copy(u, n);
	test_garbage(u);
	test_no_symbol(u);
	test_symbolize();
	test_dlopen(u);
	test_exited();
	test_exec();
	test_shared_objects();
	test_changed_file();
	time_unwind(u);
	mt_unwinder_free(u);
	mt_unwinder_free(NULL);
	CHECK(mt_unwinder_new(0x3fffffff, false, &u) < 0 && !u, "no such process: an error");
	return unit_done();
}
