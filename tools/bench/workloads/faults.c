// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * faults [REPS]: REPS times (default 2), touch 1 GiB in 1 MiB steps, one
 * step per call of the traced function touch_mib(), then unmap it all
 * outside the traced function. Designed truth: every call grows RSS by
 * exactly 1 MiB (256 freshly faulted 4 KiB pages of its own mapping).
 */
#include <sys/mman.h>
#include "bench.h"

#define STEP (1UL << 20)
#define STEPS 1024

static char *maps[STEPS];

TRACED char *touch_mib(void)
{
	char *p = mmap(NULL, STEP, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		abort();
	/* No transparent huge pages: the design is 256 faults of 4 KiB. */
	madvise(p, STEP, MADV_NOHUGEPAGE);
	for (size_t off = 0; off < STEP; off += 4096)
		p[off] = 1;
	return p;
}

/*
 * In a VM, the first touch of a guest page the host has not backed yet (or
 * took back through free page reporting) costs several times a normal
 * fault, and which pages the kernel hands out varies from run to run. Touch
 * and free as much as one repetition first, so the measured section reuses
 * freshly freed, host-backed pages in every run and for every contender.
 */
static void prewarm(void)
{
	size_t len = STEP * STEPS;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		abort();
	madvise(p, len, MADV_NOHUGEPAGE);
	for (size_t off = 0; off < len; off += 4096)
		p[off] = 1;
	munmap(p, len);
}

int main(int argc, char **argv)
{
	long reps = b_arg(argc, argv, 1, 2);

	b_ready();
	prewarm();
	b_start();
	for (long r = 0; r < reps; r++) {
		for (int i = 0; i < STEPS; i++)
			maps[i] = touch_mib();
		for (int i = 0; i < STEPS; i++)
			munmap(maps[i], STEP);
	}
	b_end();
	b_say("calls %ld", reps * STEPS);
	b_say("truth_growth_per_call %lu", STEP);
	return 0;
}
