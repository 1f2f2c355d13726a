// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ts_idle [--wait|--wait-file F] [--log F] [IDLE_MS]: calls ts_tick() once,
 * stays idle for IDLE_MS (default 1000: no traced function runs, no memory
 * changes), calls ts_tick() again and exits. ts_tick allocates and touches
 * 1 MiB and keeps it. Reports "idle FROM TO": the wall-clock times
 * (CLOCK_REALTIME, seconds) at which it went idle and came back.
 */
#include "target.h"

TRACED int ts_tick(void)
{
	t_keep(1UL << 20);
	return 0;
}

int main(int argc, char **argv)
{
	int i = t_init(argc, argv);
	long idle = t_arg(argc, argv, i, 1000);
	double a, b;

	ts_tick();
	a = t_wall();
	t_sleep_ms(idle);
	b = t_wall();
	ts_tick();
	t_say("idle %.6f %.6f", a, b);
	t_say("done");
	return 0;
}
