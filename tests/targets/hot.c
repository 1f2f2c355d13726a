// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * hot [--wait|--wait-file F] [--log F]: calls hot_call() as fast as it can,
 * without end, so calls are completing at the moment tracing stops.
 */
#include "target.h"

TRACED long hot_call(long x)
{
	return x + 1;
}

int main(int argc, char **argv)
{
	long acc = 0;

	t_init(argc, argv);
	for (;;)
		acc = hot_call(acc);
}
