// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * stackpaths [ROUNDS]: RSS growth along three call paths that share one
 * allocating leaf, interleaved in a fixed period, for the accuracy of
 * sampled stacks (tools/bench/stacks.py). Each round grows
 *   main -> path_a -> mid -> grow_leaf   64 KiB (malloc'd from the heap)
 *   main -> path_b -> grow_leaf         128 KiB (at glibc's mmap threshold)
 *   main -> path_c -> grow_leaf         320 KiB (mmap'd)
 * = 512 KiB a round, memtrace's default --sample-bytes: a sampler with a
 * fixed interval would land on the same path every time (aliasing), one
 * with random intervals splits the growth 1:2:5. The pages are faulted by
 * libc's memset and kept until exit. Truth: "path_X_kb" lines, each path's
 * growth as the process's own VmRSS deltas measured around its calls.
 */
#include "bench.h"

static long path_kb[3];
/* Every block, chained through its first word: kept, and never optimised away. */
static void *kept;
/* Bumped after each call: a call followed by work is no tail call, so each path keeps its frame. */
static volatile long calls;

static long rss_kb(void)
{
	return b_status_kb("VmRSS:");
}

TRACED void grow_leaf(size_t bytes)
{
	char *p = malloc(bytes);

	if (!p)
		abort();
	memset(p, 1, bytes);
	*(void **)p = kept;
	kept = p;
}

TRACED void mid(size_t bytes)
{
	grow_leaf(bytes);
	calls++;
}

TRACED void path_a(void)
{
	mid(64 << 10);
	calls++;
}

TRACED void path_b(void)
{
	grow_leaf(128 << 10);
	calls++;
}

TRACED void path_c(void)
{
	grow_leaf(320 << 10);
	calls++;
}

static void timed(int i, void (*fn)(void))
{
	long before = rss_kb();

	fn();
	path_kb[i] += rss_kb() - before;
}

int main(int argc, char **argv)
{
	long rounds = b_arg(argc, argv, 1, 2048);

	b_ready();
	b_start();
	for (long r = 0; r < rounds; r++) {
		timed(0, path_a);
		timed(1, path_b);
		timed(2, path_c);
	}
	b_say("path_a_kb %ld", path_kb[0]);
	b_say("path_b_kb %ld", path_kb[1]);
	b_say("path_c_kb %ld", path_kb[2]);
	b_end();
	return 0;
}
