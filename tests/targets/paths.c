// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * paths [--wait|--wait-file F] [--log F] [MODE]: three call paths share one
 * allocating leaf, grow_leaf(), which mallocs 4 MiB blocks (glibc mmaps
 * them) and memsets them, so the pages fault inside libc's memset. Built
 * with -O2 -fomit-frame-pointer (tests/targets.mk): only DWARF CFI unwinds
 * it. The memory is kept to the end. A 3 ms pause after each block paces
 * the growth (about 1 GiB/s), so that a small --sample-bytes does not
 * outrun memtrace's reader on a loaded machine.
 *   main -> path_a -> grow_leaf          40 MiB
 *   main -> path_b -> mid -> grow_leaf   80 MiB
 *   main -> path_c -> grow_leaf         120 MiB
 * MODE:
 *   seq (default)  the three in turn; each reports "path_X BYTES", its own
 *                  RSS growth measured around its grow_leaf call
 *   threads        path_a and path_b at once in two new threads (each
 *                  reports "path_X BYTES", the blocks it made resident, by
 *                  mincore), and "threads BYTES", the process's growth over
 *                  both; then path_c in main
 *   exec           path_a, then execs itself (the same --log) in mode
 *                  "after-exec": path_b and path_c. Launch mode only: --wait
 *                  would wait again after the exec
 *   exit           path_a, then path_c exits with status 3 from inside
 *                  grow_leaf once 16 MiB of its 120 are resident
 */
#include <pthread.h>
#include "target.h"

#define BLOCK (4UL << 20)
#define EXIT_AFTER (16UL << 20)

static int exit_midway;

/* Resident bytes of the pages under [p, p + BLOCK), by mincore: a thread's own growth. */
static long resident(const char *p)
{
	unsigned char vec[BLOCK / 4096 + 2];
	unsigned long page = sysconf(_SC_PAGESIZE), start = (unsigned long)p & ~(page - 1);
	unsigned long pages = ((unsigned long)p + BLOCK - start + page - 1) / page;
	long n = 0;

	if (pages > sizeof(vec) || mincore((void *)start, pages * page, vec)) {
		perror("paths: mincore");
		exit(99);
	}
	for (unsigned long i = 0; i < pages; i++)
		n += vec[i] & 1;
	return n * page;
}

/* Mallocs and memsets MIB MiB in 4 MiB blocks and keeps them; returns the bytes made resident. */
TRACED long grow_leaf(long mib)
{
	long done = 0;

	for (size_t off = 0; off < (size_t)mib << 20; off += BLOCK) {
		char *p = malloc(BLOCK);

		if (!p) {
			perror("paths: malloc");
			exit(99);
		}
		/* Non-zero, so it is not folded into calloc: the faults happen inside memset. */
		memset(p, 0x5a, BLOCK);
		t_kept[__atomic_fetch_add(&t_nkept, 1, __ATOMIC_RELAXED) % 256] = p;
		done += resident(p);
		if (exit_midway && off + BLOCK >= EXIT_AFTER) {
			t_say("exiting 3 inside grow_leaf");
			exit(3);
		}
		t_sleep_ms(3);
	}
	return done;
}

/*
 * Each path reports its growth after its call, so no call is a tail call
 * (a jump would leave the caller's frame off the stack).
 */
static void report(const char *path, long before, long own)
{
	t_say("%s %ld", path, before >= 0 ? t_rss() - before : own);
}

TRACED void path_a(int measure)
{
	long before = measure ? t_rss() : -1;

	report("path_a", before, grow_leaf(40));
}

TRACED long mid(long mib)
{
	long n = grow_leaf(mib);

	__asm__ volatile("" ::: "memory");
	return n;
}

TRACED void path_b(int measure)
{
	long before = measure ? t_rss() : -1;

	report("path_b", before, mid(80));
}

TRACED void path_c(int measure)
{
	long before = measure ? t_rss() : -1;

	report("path_c", before, grow_leaf(120));
}

static pthread_barrier_t both;

static void *thread_path(void *arg)
{
	/* Warm up this thread's malloc arena before growing. */
	free(malloc(64));
	pthread_barrier_wait(&both);
	if (arg)
		path_b(0);
	else
		path_a(0);
	return NULL;
}

static void run_threads(void)
{
	pthread_t ta, tb;
	long before;

	pthread_barrier_init(&both, NULL, 3);
	if (pthread_create(&ta, NULL, thread_path, NULL) ||
	    pthread_create(&tb, NULL, thread_path, (void *)1))
		exit(99);
	t_sleep_ms(20);
	before = t_rss();
	pthread_barrier_wait(&both);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	t_say("threads %ld", t_rss() - before);
}

int main(int argc, char **argv)
{
	int i = t_init(argc, argv);
	const char *mode = i < argc ? argv[i] : "seq";

	if (!strcmp(mode, "threads")) {
		run_threads();
		path_c(1);
	} else if (!strcmp(mode, "after-exec")) {
		path_b(1);
		path_c(1);
	} else {
		path_a(1);
		if (!strcmp(mode, "exec") && i < argc) {
			argv[i] = "after-exec";
			execv("/proc/self/exe", argv);
			perror("paths: exec");
			return 99;
		}
		exit_midway = !strcmp(mode, "exit");
		if (!exit_midway)
			path_b(1);
		path_c(1);
	}
	t_say("done");
	return 0;
}
