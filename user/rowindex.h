/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A hash index from string keys to row numbers of a caller's array, so
 * aggregating rows read from a stream (user/stats.c, user/series.c) stays
 * linear however many distinct names the stream holds. The rows themselves
 * stay where they are; the index keeps only (hash, row) pairs, and the
 * caller compares keys (open addressing, linear probing).
 */
#ifndef MT_ROWINDEX_H
#define MT_ROWINDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mt_rowindex_slot {
	uint64_t hash;
	size_t row1; /* row + 1; 0 for an empty slot, SIZE_MAX for a removed one */
};

struct mt_rowindex {
	struct mt_rowindex_slot *slots;
	size_t cap;  /* a power of two, or 0 */
	size_t used; /* rows and removed slots: both lengthen probes */
	size_t rows; /* rows indexed */
};

/* FNV-1a over s and its NUL, continuing from h (start with MT_ROWINDEX_SEED); s may be NULL. */
#define MT_ROWINDEX_SEED 0xcbf29ce484222325ULL
uint64_t mt_rowindex_hash(uint64_t h, const char *s);

/* Does row hold the key the caller looks for? */
typedef bool (*mt_rowindex_eq)(const void *ctx, size_t row);

/* The row with this hash for which eq(ctx, row) holds, or -1. */
long mt_rowindex_find(const struct mt_rowindex *ix, uint64_t hash, mt_rowindex_eq eq,
		      const void *ctx);
/* Adds row under hash (the caller checked it is not there). 0 or -ENOMEM. */
int mt_rowindex_add(struct mt_rowindex *ix, uint64_t hash, size_t row);
/* Removes row (indexed under hash); a row not indexed is ignored. */
void mt_rowindex_remove(struct mt_rowindex *ix, uint64_t hash, size_t row);
void mt_rowindex_free(struct mt_rowindex *ix);

#endif
