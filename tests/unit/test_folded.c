// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* --folded: one line per stack as text (stacks that read the same merged), root first, names that cannot break the format. */
#include <stdlib.h>

#include "folded.h"
#include "unit.h"

/* The leaf at line leaf_line: a stack the profile keeps apart, folded text merges. */
static void add_at(struct mt_profile *p, const char *const *names, size_t n, bool truncated,
		   int64_t bytes, uint32_t leaf_line)
{
	struct mt_frame f[8] = {};
	struct mt_stack s = { .frames = f, .n = n, .truncated = truncated, .bytes = bytes };

	for (size_t i = 0; i < n; i++)
		f[i] = (struct mt_frame){ .func = names[i], .kind = MT_FRAME_NATIVE };
	if (n)
		f[n - 1].line = leaf_line;
	CHECK(mt_profile_add(p, &s) >= 0, "add a stack of %zu frames", n);
}

static void add(struct mt_profile *p, const char *const *names, size_t n, bool truncated,
		int64_t bytes)
{
	add_at(p, names, n, truncated, bytes, 0);
}

static char *folded(const struct mt_profile *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	CHECK(f && mt_folded_write(p, f) == 0, "mt_folded_write succeeds");
	if (f)
		fclose(f);
	return buf;
}

int main(void)
{
	static const char *const ab[] = { "main", "a", "leaf" }, *const hostile[] = {
		"main", "evil;name\nline 2 99", "tab\there\x7f", ""
	};
	struct mt_profile p;
	char *out;

	mt_profile_init(&p);
	add(&p, ab, 3, false, 4096);
	add(&p, ab, 3, false, 8192); /* merged with the first */
	add(&p, ab + 1, 2, true, 100);
	add(&p, hostile, 4, false, 7);
	add(&p, NULL, 0, false, 5);
	add_at(&p, ab, 3, false, 1, 42); /* another line of leaf: its own stack, the same text */
	CHECK(p.nstacks == 5, "the profile keeps leaf at line 42 apart: %zu stacks", p.nstacks);
	out = folded(&p);
	/* One line per text, in name order, as flamegraph.pl sorts them. */
	CHECK_STR(out,
		  "[truncated];a;leaf 100\n"
		  "[unknown] 5\n"
		  "main;a;leaf 12289\n"
		  "main;evil_name_line 2 99;tab_here_;[unknown] 7\n",
		  "folded lines");
	free(out);
	mt_profile_free(&p);
	return unit_done();
}
