// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * peak [--wait|--wait-file F] [--log F] [N]: calls peak48() N times (default 1),
 * 50 ms apart. peak48 maps 48 MiB of anonymous memory, touches every page and
 * unmaps it: growth about 0, peak inside the call at least 48 MiB above entry.
 * Reports "rss_before", "rss_after" per call, and "peak_truth" (the RSS
 * peak48 saw with every page touched, minus rss_before).
 */
#include "target.h"

#define PEAK_LEN (48UL << 20)

static volatile long peak_seen;

TRACED int peak48(void)
{
	char *p = t_map_touched(PEAK_LEN);

	peak_seen = t_rss();
	munmap(p, PEAK_LEN);
	return 0;
}

int main(int argc, char **argv)
{
	int i = t_init(argc, argv);
	long n = t_arg(argc, argv, i, 1);

	for (long k = 0; k < n; k++) {
		long before;

		if (k)
			t_sleep_ms(50);
		before = T_MEASURED(peak48());
		t_say("peak_truth %ld", peak_seen - before);
	}
	t_say("done");
	return 0;
}
