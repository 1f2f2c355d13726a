// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * recurse [--wait|--wait-file F] [--log F] [CALLS [DEPTH]]: calls rec(DEPTH)
 * CALLS times (defaults 3 and 10), 50 ms apart. Each level of rec allocates
 * and touches 1 MiB and recurses (a real call, not a loop): one outermost
 * call grows RSS by DEPTH MiB. Reports "rss_before", "rss_after" per call.
 */
#include "target.h"

static volatile int sink;

TRACED int rec(int depth)
{
	int r;

	if (depth <= 0)
		return 0;
	t_keep(1UL << 20);
	r = rec(depth - 1);
	/* A store after the call keeps it a real call: no tail-call or loop rewrite. */
	sink = r;
	return r + 1;
}

int main(int argc, char **argv)
{
	int i = t_init(argc, argv);
	long calls = t_arg(argc, argv, i, 3);
	long depth = t_arg(argc, argv, i + 1, 10);

	for (long k = 0; k < calls; k++) {
		if (k)
			t_sleep_ms(50);
		T_MEASURED(rec((int)depth));
	}
	t_say("done");
	return 0;
}
