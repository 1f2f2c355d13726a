// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libmtgrow.so, built twice (tests/targets.mk): MT_LIB_SCALE 1 and 3. Which
 * copy a process loaded shows in how much mt_lib_grow(MIB) grows: MIB times
 * the scale, in MiB. For tests/integ/runpath.sh (the library search).
 */
#include <stdlib.h>
#include <string.h>

static void *volatile kept[256];
static unsigned int nkept;

int mt_lib_scale(void)
{
	return MT_LIB_SCALE;
}

/* Mallocs and touches MIB * MT_LIB_SCALE MiB and keeps it. */
int mt_lib_grow(int mib)
{
	size_t len = (size_t)mib * MT_LIB_SCALE << 20;
	char *p = malloc(len);

	if (!p)
		return -1;
	/* Non-zero: a zero memset after malloc may be folded into calloc, which touches nothing. */
	memset(p, 0x5a, len);
	kept[nkept++ % 256] = p;
	return 0;
}
