// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <inttypes.h>
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

int mt_folded_write(const struct mt_profile *p, FILE *f)
{
	for (size_t i = 0; i < p->nstacks; i++) {
		const struct mt_profile_stack *s = &p->stacks[i];
		const char *sep = "";

		if (s->truncated) {
			fputs("[truncated]", f);
			sep = ";";
		}
		for (uint32_t j = 0; j < s->n; j++) {
			fputs(sep, f);
			put_name(s->frames[j] < p->nframes ? p->frames[s->frames[j]].func : NULL, f);
			sep = ";";
		}
		/* A stack with no frame at all still counts: flamegraph.pl needs a name. */
		if (!*sep)
			fputs("[unknown]", f);
		fprintf(f, " %" PRId64 "\n", s->bytes);
	}
	return ferror(f) ? -1 : 0;
}

static int folded_fn(const void *p, FILE *f)
{
	return mt_folded_write(p, f);
}

int mt_folded_save(const char *path, const struct mt_profile *p, char *err, size_t errlen)
{
	return mt_out_whole(path, folded_fn, p, err, errlen);
}
