// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ts_idle [--wait|--wait-file F] [--log F] [IDLE_MS]: calls ts_tick() once,
 * stays idle for IDLE_MS (default 1000: no traced function runs, no memory
 * changes), calls ts_tick() again and exits. ts_tick allocates and touches
 * 1 MiB and keeps it. Reports "idle_ms MS", the idle time by its own clock
 * (CLOCK_MONOTONIC, from the return of the first call to the entry of the
 * second).
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

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	int i = t_init(argc, argv);
	long idle = t_arg(argc, argv, i, 1000);
	double a, b;

	ts_tick();
	a = now_ms();
	t_sleep_ms(idle);
	b = now_ms();
	ts_tick();
	t_say("idle_ms %.1f", b - a);
	t_say("done");
	return 0;
}
