// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The row index of user/rowindex.h: open addressing, grown at half full. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rowindex.h"

#define REMOVED SIZE_MAX

uint64_t mt_rowindex_hash(uint64_t h, const char *s)
{
	if (!s)
		return (h ^ 0xff) * 0x100000001b3ULL; /* NULL and "" hash apart */
	do {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	} while (*s++);
	return h;
}

long mt_rowindex_find(const struct mt_rowindex *ix, uint64_t hash, mt_rowindex_eq eq,
		      const void *ctx)
{
	size_t mask = ix->cap - 1, i;

	if (!ix->cap)
		return -1;
	for (i = hash & mask; ix->slots[i].row1; i = (i + 1) & mask) {
		const struct mt_rowindex_slot *sl = &ix->slots[i];

		if (sl->row1 != REMOVED && sl->hash == hash && eq(ctx, sl->row1 - 1))
			return (long)(sl->row1 - 1);
	}
	return -1;
}

static void put(struct mt_rowindex_slot *slots, size_t cap, uint64_t hash, size_t row1)
{
	size_t i;

	for (i = hash & (cap - 1); slots[i].row1; i = (i + 1) & (cap - 1))
		;
	slots[i].hash = hash;
	slots[i].row1 = row1;
}

/* Doubles the table (or rebuilds it at its size, dropping removed slots). */
static int grow(struct mt_rowindex *ix)
{
	size_t cap = ix->cap ? ix->cap : 64, i;
	struct mt_rowindex_slot *slots;

	if (ix->rows * 4 >= cap)
		cap *= 2;
	if (cap > SIZE_MAX / 2 / sizeof(*slots))
		return -ENOMEM;
	slots = calloc(cap, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	for (i = 0; i < ix->cap; i++)
		if (ix->slots[i].row1 && ix->slots[i].row1 != REMOVED)
			put(slots, cap, ix->slots[i].hash, ix->slots[i].row1);
	free(ix->slots);
	ix->slots = slots;
	ix->cap = cap;
	ix->used = ix->rows;
	return 0;
}

int mt_rowindex_add(struct mt_rowindex *ix, uint64_t hash, size_t row)
{
	/* At most half full, so probes stay short and always end at an empty slot. */
	if ((ix->used + 1) * 2 > ix->cap && grow(ix))
		return -ENOMEM;
	put(ix->slots, ix->cap, hash, row + 1);
	ix->used++;
	ix->rows++;
	return 0;
}

void mt_rowindex_remove(struct mt_rowindex *ix, uint64_t hash, size_t row)
{
	size_t mask = ix->cap - 1, i;

	if (!ix->cap)
		return;
	for (i = hash & mask; ix->slots[i].row1; i = (i + 1) & mask) {
		if (ix->slots[i].row1 == row + 1) {
			/* A tombstone: later rows of this probe run must stay reachable. */
			ix->slots[i].row1 = REMOVED;
			ix->rows--;
			return;
		}
	}
}

void mt_rowindex_free(struct mt_rowindex *ix)
{
	free(ix->slots);
	memset(ix, 0, sizeof(*ix));
}
