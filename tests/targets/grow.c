// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * grow [--wait|--wait-file F] [--log F] MIB...: calls grow_mib(MIB) once per
 * argument, 50 ms apart. grow_mib mallocs and touches MIB MiB and keeps it.
 * Per call it reports "rss_before B" and "rss_after A" (bytes), measured just
 * outside the call; A - B is the ground truth for that call's growth.
 */
#include "target.h"

static void *volatile kept[256];
static unsigned int nkept;

TRACED int grow_mib(int mib)
{
	size_t len = (size_t)mib << 20;
	char *p = malloc(len);

	if (!p)
		return -1;
	t_touch(p, len);
	kept[nkept++ % 256] = p;
	return 0;
}

int main(int argc, char **argv)
{
	int i = t_init(argc, argv);

	for (int first = i; i < argc; i++) {
		int mib = atoi(argv[i]);
		long before, after;

		if (i > first)
			t_sleep_ms(50);
		before = t_rss();
		grow_mib(mib);
		after = t_rss();
		t_say("rss_before %ld", before);
		t_say("rss_after %ld", after);
	}
	t_say("done");
	return 0;
}
