// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ts_spike [--wait|--wait-file F] [--log F] [MIB] [HOLD_MS]: once told to go,
 * calls ts_spike_map(MIB) (default 200), which maps MIB MiB of anonymous
 * memory, touches every page and unmaps it, all as fast as it can: a spike
 * that lasts a fraction of a second. Then reports its own "hwm B" (VmHWM from
 * /proc/self/status: the largest RSS the process ever had, bytes), "rss B"
 * (its RSS now) and "spike FROM TO" (wall-clock times, CLOCK_REALTIME
 * seconds, just before and just after the call), stays for HOLD_MS (default
 * 1500) and exits.
 */
#include "target.h"

TRACED int ts_spike_map(long mib)
{
	size_t len = (size_t)mib << 20;

	munmap(t_map_touched(len), len);
	return 0;
}

int main(int argc, char **argv)
{
	int i = t_init(argc, argv);
	long mib = t_arg(argc, argv, i, 200);
	long hold = t_arg(argc, argv, i + 1, 1500);
	double from, to;

	(void)t_wall(); /* warm: measuring must not fault anything later */
	from = t_wall();
	ts_spike_map(mib);
	to = t_wall();
	t_say("hwm %ld", t_status_bytes(t_status(), "VmHWM:"));
	t_say("rss %ld", t_rss());
	t_say("spike %.6f %.6f", from, to);
	t_sleep_ms(hold);
	t_say("done");
	return 0;
}
