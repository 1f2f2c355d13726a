/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Growing arrays: the one place memtrace reallocates a table. */
#ifndef MT_ARRAY_H
#define MT_ARRAY_H

#include <stddef.h>

/*
 * Make *arrp (an array of *cap elements of elem bytes each) hold at least
 * need elements, doubling from a first size of 16. The new elements are
 * zeroed, so callers may fill them field by field. 0, or -ENOMEM (also when
 * the size would overflow); *arrp and *cap are unchanged on failure.
 */
int mt_grow(void *arrp, size_t *cap, size_t need, size_t elem);

#endif
