// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The bundled example: a small program whose functions grow memory in
 * different ways, for a first look at memtrace's table.
 *   load_corpus   reads a synthetic corpus into one large buffer (kept)
 *   build_index   builds a hash index of words (kept, grows in steps)
 *   sort_scratch  uses a large temporary buffer and frees it (peak, no growth)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct entry {
	struct entry *next;
	unsigned count;
	char word[24];
};

__attribute__((noinline)) char *load_corpus(size_t bytes)
{
	char *text = malloc(bytes + 1);
	unsigned seed = 1;

	if (!text)
		exit(1);
	for (size_t i = 0; i < bytes; i++) {
		seed = seed * 1103515245 + 12345;
		/* Words of 1-8 letters from a 6-letter alphabet: many repeats, some unique. */
		text[i] = (seed >> 16) % 9 == 0 ? ' ' : "abcdef"[(seed >> 8) % 6];
	}
	text[bytes] = '\0';
	return text;
}

static unsigned hash(const char *s, size_t n)
{
	unsigned h = 2166136261u;

	while (n--)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

__attribute__((noinline)) struct entry **build_index(const char *text, size_t nbuckets, size_t *nwords)
{
	struct entry **table = calloc(nbuckets, sizeof(*table));
	const char *p = text;

	if (!table)
		exit(1);
	*nwords = 0;
	while (*p) {
		size_t n = strcspn(p, " ");
		unsigned b;
		struct entry *e;

		if (n && n < sizeof(e->word)) {
			b = hash(p, n) % nbuckets;
			for (e = table[b]; e && (strncmp(e->word, p, n) || e->word[n]); e = e->next)
				;
			if (!e) {
				e = calloc(1, sizeof(*e));
				if (!e)
					exit(1);
				memcpy(e->word, p, n);
				e->next = table[b];
				table[b] = e;
				(*nwords)++;
			}
			e->count++;
		}
		p += n;
		p += strspn(p, " ");
	}
	return table;
}

static int cmp_uint(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return x < y ? 1 : x > y ? -1 : 0;
}

__attribute__((noinline)) unsigned sort_scratch(struct entry **table, size_t nbuckets, size_t nwords)
{
	/* Oversized on purpose: a scratch buffer that is freed again shows as a peak, not growth. */
	size_t cap = nwords * 16;
	unsigned *counts = malloc(cap * sizeof(*counts)), top;
	size_t n = 0;

	if (!counts)
		exit(1);
	/* Poisoned, not zeroed: a zeroing memset would let the compiler use calloc and skip the touch. */
	memset(counts, 0xff, cap * sizeof(*counts));
	for (size_t b = 0; b < nbuckets; b++)
		for (struct entry *e = table[b]; e; e = e->next)
			counts[n++] = e->count;
	qsort(counts, n, sizeof(*counts), cmp_uint);
	top = n ? counts[0] : 0;
	free(counts);
	return top;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 3;

	for (int r = 0; r < rounds; r++) {
		size_t nwords, nbuckets = 1 << 18;
		char *text = load_corpus((size_t)(r + 1) << 22);
		struct entry **table = build_index(text, nbuckets, &nwords);
		unsigned top = sort_scratch(table, nbuckets, nwords);

		printf("round %d: %zu distinct words, most frequent seen %u times\n", r + 1, nwords, top);
		fflush(stdout);
		usleep(100 * 1000);
	}
	return 0;
}
