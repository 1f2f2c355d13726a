// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * grow [--wait|--wait-file F] [--log F] MIB...: calls grow_mib(MIB) once per
 * argument, 50 ms apart. grow_mib mallocs and touches MIB MiB and keeps it.
 * Per call it reports "rss_before B" and "rss_after A" (bytes), measured just
 * outside the call; A - B is the ground truth for that call's growth.
 */
#include "target.h"

TRACED int grow_mib(int mib)
{
	t_keep((size_t)mib << 20);
	return 0;
}

int main(int argc, char **argv)
{
	int i = t_init(argc, argv);

	for (int first = i; i < argc; i++) {
		if (i > first)
			t_sleep_ms(50);
		T_MEASURED(grow_mib(atoi(argv[i])));
	}
	t_done();
	return 0;
}
