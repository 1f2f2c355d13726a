// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * exiter [--wait|--wait-file F] [--log F] N STATUS [inside]: calls exit_work()
 * N times, 20 ms apart (each allocates, touches and keeps 1 MiB), then exits
 * with STATUS. With "inside", one more call of exit_work exits from inside
 * the call, so tracing ends with that call still open.
 * Reports "rss_before", "rss_after" per completed call, and for the call that
 * exits "open_before" (before it) and "open_inside" (just before exit()).
 */
#include "target.h"

TRACED int exit_work(int exit_status)
{
	t_keep(1UL << 20);
	if (exit_status >= 0) {
		long inside = t_rss();

		t_say("open_inside %ld", inside);
		t_say("exiting %d inside exit_work", exit_status);
		exit(exit_status);
	}
	return 0;
}

int main(int argc, char **argv)
{
	int i = t_init(argc, argv);
	long n = t_arg(argc, argv, i, 10);
	int status = (int)t_arg(argc, argv, i + 1, 0);
	int inside = i + 2 < argc && !strcmp(argv[i + 2], "inside");

	for (long k = 0; k < n; k++) {
		if (k)
			t_sleep_ms(20);
		T_MEASURED(exit_work(-1));
	}
	if (inside) {
		long before;

		t_sleep_ms(20);
		before = t_rss();
		t_say("open_before %ld", before);
		exit_work(status);
	}
	t_say("exiting %d", status);
	return status;
}
