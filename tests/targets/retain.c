// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * retain [--wait|--wait-file F] [--log F] N KEEP_KIB DROP_KIB: N calls of
 * keep_drop(), which maps and touches DROP_KIB KiB, keeps KEEP_KIB KiB
 * (t_keep) and unmaps the temporary before it returns: what each call
 * leaves behind is KEEP_KIB, its peak KEEP_KIB + DROP_KIB. Each call is
 * measured around it (T_MEASURED). Ends with "done".
 */
#include <sys/mman.h>
#include "target.h"

TRACED void keep_drop(size_t keep, size_t drop)
{
	char *tmp = t_map_touched(drop);

	t_keep(keep);
	munmap(tmp, drop);
}

int main(int argc, char **argv)
{
	int i = t_init(argc, argv);
	long n = t_arg(argc, argv, i, 3);
	size_t keep = (size_t)t_arg(argc, argv, i + 1, 4096) << 10;
	size_t drop = (size_t)t_arg(argc, argv, i + 2, 8192) << 10;

	for (long c = 0; c < n; c++)
		T_MEASURED(keep_drop(keep, drop));
	t_say("done");
	return 0;
}
