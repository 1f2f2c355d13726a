// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* "Did you mean": ranking names by closeness to the one the user wrote. */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "suggest.h"

/*
 * Suggestions. Scores in half-edits: a case-only difference costs 1, any
 * other edit (including swapping two neighbours) 2. Whole-name matches
 * rank first, then names that start with something close to the query
 * ("grow" -> "grow_all"), then names merely containing it.
 */
#define SCORE_PREFIX 1000
#define SCORE_SUBSTR 2000

struct mt_suggest_cand {
	const char *name;
	int score;
	size_t len;
};

static int min3(int a, int b, int c)
{
	int m = a < b ? a : b;

	return m < c ? m : c;
}

static int sub_cost(char a, char b)
{
	if (a == b)
		return 0;
	return tolower((unsigned char)a) == tolower((unsigned char)b) ? 1 : 2;
}

/* Optimal string alignment distance of a[0..n) and b[0..m), rows: 3 x (m+1) ints. */
static int osa(const char *a, size_t n, const char *b, size_t m, int *rows)
{
	int *pp = rows, *p = rows + m + 1, *c = rows + 2 * (m + 1), *t;
	size_t i, j;

	for (j = 0; j <= m; j++)
		p[j] = 2 * (int)j;
	for (i = 1; i <= n; i++) {
		c[0] = 2 * (int)i;
		for (j = 1; j <= m; j++) {
			c[j] = min3(p[j] + 2, c[j - 1] + 2, p[j - 1] + sub_cost(a[i - 1], b[j - 1]));
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    pp[j - 2] + 2 < c[j])
				c[j] = pp[j - 2] + 2;
		}
		t = pp;
		pp = p;
		p = c;
		c = t;
	}
	return p[m];
}

/* Does a new word begin at s[i]? "grow" is a word of "grow_all" and "growAll". */
static bool word_starts_at(const char *s, size_t i)
{
	return s[i] == '_' || s[i] == '.' || isupper((unsigned char)s[i]) ||
	       isdigit((unsigned char)s[i]);
}

static int score_name(const char *q, size_t qlen, const char *name, int bound, int *rows)
{
	size_t nlen = strlen(name);
	int d;

	if (nlen + bound / 2 >= qlen && nlen <= qlen + bound / 2) {
		d = osa(q, qlen, name, nlen, rows);
		if (d <= bound)
			return d;
	}
	if (nlen > qlen && word_starts_at(name, qlen)) {
		d = osa(q, qlen, name, qlen, rows);
		if (d <= bound)
			return SCORE_PREFIX + d;
	}
	/* Containing the query is weak evidence in a long name: cap the length. */
	if (qlen >= 3 && nlen <= 2 * qlen + 6 && strcasestr(name, q))
		return SCORE_SUBSTR + (int)(nlen - qlen);
	return -1;
}

static int cand_cmp(const void *a, const void *b)
{
	const struct mt_suggest_cand *x = a, *y = b;

	if (x->score != y->score)
		return x->score - y->score;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return strcmp(x->name, y->name);
}

int mt_suggest_init(struct mt_suggest *s, const char *query)
{
	memset(s, 0, sizeof(*s));
	s->query = query;
	s->qlen = strlen(query);
	/* Up to 1, 2, 3 edits by length: looser bounds suggest unrelated names. */
	s->bound = s->qlen <= 4 ? 2 : s->qlen <= 8 ? 4 : 6;
	if (!s->qlen)
		return -EINVAL;
	s->rows = malloc(3 * (s->qlen + (size_t)s->bound + 2) * sizeof(*s->rows));
	return s->rows ? 0 : -ENOMEM;
}

void mt_suggest_offer(struct mt_suggest *s, const char *name)
{
	int sc;

	if (!strcmp(name, s->query))
		return;
	sc = score_name(s->query, s->qlen, name, s->bound, s->rows);
	if (sc < 0 || mt_grow(&s->cand, &s->cap, s->ncand + 1, sizeof(*s->cand)))
		return;
	s->cand[s->ncand++] = (struct mt_suggest_cand){ name, sc, strlen(name) };
}

int mt_suggest_best(struct mt_suggest *s, const char **out, int max)
{
	int n = 0;

	if (s->ncand)
		qsort(s->cand, s->ncand, sizeof(*s->cand), cand_cmp);
	/* Sorted, a name offered twice (C++ overloads named alike) is adjacent: once. */
	for (size_t i = 0; n < max && i < s->ncand; i++)
		if (!n || strcmp(out[n - 1], s->cand[i].name))
			out[n++] = s->cand[i].name;
	free(s->cand);
	free(s->rows);
	memset(s, 0, sizeof(*s));
	return n;
}
