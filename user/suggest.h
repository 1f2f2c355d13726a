/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * "Did you mean": the names closest to one the user wrote, among candidates
 * offered one at a time (an object's function symbols, a Python script's
 * functions). One ranking for every kind of name.
 */
#ifndef MT_SUGGEST_H
#define MT_SUGGEST_H

#include <stddef.h>

struct mt_suggest_cand;

struct mt_suggest {
	const char *query;
	size_t qlen;
	int bound;                    /* the most half-edits a close name may be off by */
	int *rows;                    /* the edit distance's work rows */
	struct mt_suggest_cand *cand; /* close names so far */
	size_t ncand, cap;
};

/* Start a ranking for query; 0, or -ENOMEM / -EINVAL (empty query). */
int mt_suggest_init(struct mt_suggest *s, const char *query);
/*
 * Consider name (its string must outlive the ranking); the query itself
 * and names far from it are passed over, and a name offered twice is
 * suggested once.
 */
void mt_suggest_offer(struct mt_suggest *s, const char *name);
/* Up to max names, best first, into out; frees the ranking. Returns how many. */
int mt_suggest_best(struct mt_suggest *s, const char **out, int max);

#endif
