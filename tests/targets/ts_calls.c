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
#include "target.h"

#define KEEP_LEN (4UL << 20)
#define BURST_LEN (16UL << 20)

TRACED int ts_keep(void)
{
	t_keep(KEEP_LEN);
	return 0;
}

TRACED int ts_burst(void)
{
	munmap(t_map_touched(BURST_LEN), BURST_LEN);
	return 0;
}

/* One call of FN, reported as "call NAME BEFORE AFTER T_ENTRY T_RETURN". */
static void timed_call(const char *name, int (*fn)(void))
{
	long before, after;
	double t0, t1;

	before = t_rss();
	t0 = t_wall();
	fn();
	t1 = t_wall();
	after = t_rss();
	t_say("call %s %ld %ld %.6f %.6f", name, before, after, t0, t1);
}

int main(int argc, char **argv)
{
	int i = t_init(argc, argv);
	long rounds = t_arg(argc, argv, i, 4);
	long period = t_arg(argc, argv, i + 1, 100);

	(void)t_wall(); /* warm: measuring must not fault anything later */

	for (long k = 0; k < rounds; k++) {
		if (k)
			t_sleep_ms(period);
		timed_call("ts_keep", ts_keep);
		timed_call("ts_burst", ts_burst);
	}
	t_say("done");
	return 0;
}
