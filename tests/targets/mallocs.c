// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * mallocs [--wait|--wait-file F] [--log F] [N]: after the go signal, calls
 * libc's malloc(64) N times (default 1000) from do_mallocs(), keeping every
 * block, then prints "mallocs N", "done" and exits 0. Traced as libc.so.6:malloc,
 * memtrace must count at least N calls.
 */
#include "target.h"

TRACED long do_mallocs(long n)
{
	void **blocks = calloc(n ? n : 1, sizeof(*blocks));

	if (!blocks)
		abort();
	for (long k = 0; k < n; k++) {
		/* Stored through a volatile pointer so the calls cannot be elided. */
		blocks[k] = malloc(64);
		*(char *volatile *)&blocks[k] = blocks[k];
	}
	return n;
}

int main(int argc, char **argv)
{
	int i = t_init(argc, argv);
	long n = t_arg(argc, argv, i, 1000);

	t_say("mallocs %ld", do_mallocs(n));
	t_say("done");
	return 0;
}
