// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * mallocs [N]: N malloc/free pairs (default 4,000,000) of 16-1024 bytes over
 * a pool of 4096 live blocks, all outside the traced function. The traced
 * function, checkpoint(), runs 10 times and allocates nothing, so a tracer
 * that only watches named functions should cost nothing here.
 */
#include "bench.h"

#define POOL 4096

static void *pool[POOL];

TRACED long checkpoint(long i)
{
	__asm__ volatile("" ::: "memory");
	return i;
}

int main(int argc, char **argv)
{
	long n = b_arg(argc, argv, 1, 4000000), calls = 0;
	unsigned seed = 1;

	b_begin();
	for (long i = 0; i < n; i++) {
		unsigned slot, size;

		seed = seed * 1103515245 + 12345;
		slot = (seed >> 8) % POOL;
		size = 16 + (seed >> 20) % 1009;
		free(pool[slot]);
		pool[slot] = malloc(size);
		if (!pool[slot])
			abort();
		*(volatile char *)pool[slot] = (char)i;
		if (i % (n / 10 ? n / 10 : 1) == 0)
			calls += checkpoint(i) >= 0;
	}
	b_end();
	b_say("mallocs %ld", n);
	b_say("calls %ld", calls);
	b_say("truth_growth_per_call 0");
	return 0;
}
