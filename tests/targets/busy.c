// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * busy [--wait|--wait-file F] [--log F] [PERIOD_MS]: calls busy_work() forever,
 * PERIOD_MS apart (default 10). busy_work allocates and touches 256 KiB and
 * frees it. Prints "tick N" every 20 calls, so a test can tell the process
 * keeps running (and is not stopped or killed) after memtrace detaches.
 */
#include "target.h"

TRACED int busy_work(void)
{
	size_t len = 256UL << 10;
	char *volatile p = malloc(len);

	if (!p)
		return -1;
	t_touch(p, len);
	free(p);
	return 0;
}

int main(int argc, char **argv)
{
	int i = t_init(argc, argv);
	long period = t_arg(argc, argv, i, 10);

	for (unsigned long n = 1;; n++) {
		busy_work();
		if (n % 20 == 0)
			t_say("tick %lu", n);
		t_sleep_ms(period);
	}
}
