// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "folded.h"
#include "outfile.h"

/* A frame's name from the target (hostile): nothing in it may end a frame or a line. */
static void put_name(const char *name, FILE *f)
{
	if (!name || !*name)
		name = "[unknown]";
	for (const unsigned char *c = (const unsigned char *)name; *c; c++)
		putc(*c == ';' || *c < 0x20 || *c == 0x7f ? '_' : *c, f);
}

struct folded_line {
	char *text; /* the frames, joined */
	int64_t bytes;
};

/* One stack's frames as folded text (malloc'd), or NULL when out of memory. */
static char *stack_text(const struct mt_profile *p, const struct mt_profile_stack *s)
{
	const char *sep = "";
	size_t len = 0;
	char *text = NULL;
	FILE *m = open_memstream(&text, &len);

	if (!m)
		return NULL;
	if (s->truncated) {
		fputs("[truncated]", m);
		sep = ";";
	}
	for (uint32_t j = 0; j < s->n; j++) {
		fputs(sep, m);
		put_name(s->frames[j] < p->nframes ? p->frames[s->frames[j]].func : NULL, m);
		sep = ";";
	}
	/* A stack with no frame at all still counts: flamegraph.pl needs a name. */
	if (!*sep)
		fputs("[unknown]", m);
	if (fclose(m)) {
		free(text);
		return NULL;
	}
	return text;
}

static int by_text(const void *a, const void *b)
{
	return strcmp(((const struct folded_line *)a)->text, ((const struct folded_line *)b)->text);
}

/*
 * The profile keeps frames apart by address and line; folded text has names
 * only, so stacks that read the same are merged into one line, in name
 * order (what flamegraph.pl would sort them into).
 */
int mt_folded_write(const struct mt_profile *p, FILE *f)
{
	struct folded_line *lines = calloc(p->nstacks ? p->nstacks : 1, sizeof(*lines));
	size_t i, n = 0;
	int rc = 0;

	if (!lines)
		return -1;
	for (i = 0; i < p->nstacks && !rc; i++) {
		lines[n].text = stack_text(p, &p->stacks[i]);
		lines[n].bytes = p->stacks[i].bytes;
		rc = lines[n].text ? 0 : -1;
		n += !rc;
	}
	qsort(lines, n, sizeof(*lines), by_text);
	for (i = 0; i < n && !rc; i++) {
		int64_t bytes = lines[i].bytes;

		while (i + 1 < n && !strcmp(lines[i].text, lines[i + 1].text))
			bytes += lines[++i].bytes;
		fprintf(f, "%s %" PRId64 "\n", lines[i].text, bytes);
	}
	for (i = 0; i < n; i++)
		free(lines[i].text);
	free(lines);
	return rc || ferror(f) ? -1 : 0;
}

static int folded_fn(const void *p, FILE *f)
{
	return mt_folded_write(p, f);
}

int mt_folded_save(const char *path, const struct mt_profile *p, char *err, size_t errlen)
{
	return mt_out_whole(path, folded_fn, p, err, errlen);
}
