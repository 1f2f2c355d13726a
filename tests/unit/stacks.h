/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Profiles built by hand for the tests of what reads them (test_pprof.c, test_stackreport.c). */
#ifndef MT_TEST_STACKS_H
#define MT_TEST_STACKS_H

#include <stdio.h>
#include <stdlib.h>
#include "profile.h"

/* One sample of n frames (root first) adding bytes; exits if the profile cannot take it. */
static inline void add_stack(struct mt_profile *p, int64_t bytes, bool truncated, size_t n,
			     const struct mt_frame *frames)
{
	struct mt_stack s = { .frames = frames, .n = n, .truncated = truncated, .bytes = bytes };

	if (mt_profile_add(p, &s) < 0) {
		perror("mt_profile_add");
		exit(1);
	}
}

#endif
