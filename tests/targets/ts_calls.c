// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ts_calls [--wait|--wait-file F] [--log F] [ROUNDS] [PERIOD_MS]: ROUNDS times
 * (default 4), PERIOD_MS apart (default 100), calls ts_keep() then
 * ts_burst(). ts_keep allocates and touches 4 MiB and keeps it; ts_burst maps
 * 16 MiB, touches every page and unmaps it. Per call it reports
 * "call FUNC BEFORE AFTER T_ENTRY T_RETURN": its RSS (bytes) just before and
 * just after the call, and the wall-clock times (CLOCK_REALTIME, seconds)
 * right before and right after it.
 */
#include <sys/mman.h>
#include "target.h"

#define KEEP_LEN (4UL << 20)
#define BURST_LEN (16UL << 20)

static void *volatile kept[256];
static unsigned int nkept;

TRACED int ts_keep(void)
{
	char *p = malloc(KEEP_LEN);

	if (!p)
		return -1;
	t_touch(p, KEEP_LEN);
	kept[nkept++ % 256] = p;
	return 0;
}

TRACED int ts_burst(void)
{
	long page = sysconf(_SC_PAGESIZE);
	char *p = mmap(NULL, BURST_LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -1;
	for (size_t off = 0; off < BURST_LEN; off += page)
		p[off] = 1;
	munmap(p, BURST_LEN);
	return 0;
}

static double wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	int i = t_init(argc, argv);
	long rounds = t_arg(argc, argv, i, 4);
	long period = t_arg(argc, argv, i + 1, 100);

	(void)wall(); /* warm: measuring must not fault anything later */

	for (long k = 0; k < rounds; k++) {
		long before, after;
		double t0, t1;

		if (k)
			t_sleep_ms(period);
		before = t_rss();
		t0 = wall();
		ts_keep();
		t1 = wall();
		after = t_rss();
		t_say("call ts_keep %ld %ld %.6f %.6f", before, after, t0, t1);
		before = t_rss();
		t0 = wall();
		ts_burst();
		t1 = wall();
		after = t_rss();
		t_say("call ts_burst %ld %ld %.6f %.6f", before, after, t0, t1);
	}
	t_say("done");
	return 0;
}
