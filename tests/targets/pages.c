// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pages [--wait|--wait-file F] [--log F] N...: calls touch_pages(N) once per
 * argument, 50 ms apart. touch_pages maps N pages of anonymous memory, writes
 * one byte to each and keeps them: a growth of exactly N pages, far below
 * 0.01 MiB for N = 1. Per call it reports "rss_before B" and "rss_after A"
 * (bytes), measured just outside the call, as tests/targets/grow.c does.
 * first_probe() runs before them: trace it too, and it takes the page the
 * kernel maps into a process at its first uprobe hit (the XOL area for
 * single-stepping and return trampolines), which would otherwise land on
 * the first touch_pages call.
 */
#include <sys/mman.h>
#include "target.h"

static long page;

TRACED void first_probe(void)
{
	__asm__ volatile("" ::: "memory");
}

TRACED int touch_pages(long n)
{
	char *p = mmap(NULL, n * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -1;
	for (long i = 0; i < n; i++)
		p[i * page] = 1;
	return 0;
}

int main(int argc, char **argv)
{
	int i = t_init(argc, argv);

	page = sysconf(_SC_PAGESIZE);
	/* mmap's own code in libc faults in here, not inside the first measured call. */
	munmap(mmap(NULL, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), page);
	first_probe();
	for (int first = i; i < argc; i++) {
		long before, after;

		if (i > first)
			t_sleep_ms(50);
		before = t_rss();
		if (touch_pages(atol(argv[i])))
			return 1;
		after = t_rss();
		t_say("rss_before %ld", before);
		t_say("rss_after %ld", after);
	}
	t_say("done");
	return 0;
}
