// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ts_idle [--wait|--wait-file F] [--log F] [IDLE_MS]: calls ts_tick() once,
 * stays idle for IDLE_MS (default 1000: no traced function runs, no memory
 * changes), calls ts_tick() again and exits. ts_tick allocates and touches
 * 1 MiB and keeps it. Reports "idle FROM TO": the wall-clock times
 * (CLOCK_REALTIME, seconds) at which it went idle and came back.
 */
#include "target.h"

static void *volatile kept[2];
static unsigned int nkept;

TRACED int ts_tick(void)
{
	size_t len = 1UL << 20;
	char *p = malloc(len);

	if (!p)
		return -1;
	t_touch(p, len);
	kept[nkept++ % 2] = p;
	return 0;
}

static double wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	int i = t_init(argc, argv);
	long idle = t_arg(argc, argv, i, 1000);
	double a, b;

	ts_tick();
	a = wall();
	t_sleep_ms(idle);
	b = wall();
	ts_tick();
	t_say("idle %.6f %.6f", a, b);
	t_say("done");
	return 0;
}
