// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The stack tables (user/stackreport.c): inclusive and self bytes of a
 * profile with recursion, shared leaves, Python and native frames and a
 * truncated stack; the exact layout; a hostile name; cutting; an empty
 * profile.
 */
#include "report.h"
#include "stackreport.h"
#include "stacks.h"
#include "unit.h"

#define KIB 1024
#define MIB 1048576
#define HOSTILE "bad\x1b]0;pwned\x07\nname"

static const struct mt_frame f_main = { "main", "paths.c", 10, "/usr/bin/paths", NULL, 0x10,
					MT_FRAME_NATIVE };
static const struct mt_frame f_walk = { "walk", "paths.c", 20, "/usr/bin/paths", NULL, 0x20,
					MT_FRAME_NATIVE };
static const struct mt_frame f_leaf = { "grow_leaf", "paths.c", 30, "/usr/bin/paths", NULL, 0x30,
					MT_FRAME_NATIVE };
static const struct mt_frame f_module = { "<module>", "/srv/app/loader.py", 1, NULL, NULL, 0,
					  MT_FRAME_PYTHON };
static const struct mt_frame f_load12 = { "load", "/srv/app/loader.py", 12, NULL, NULL, 0,
					  MT_FRAME_PYTHON };
static const struct mt_frame f_load14 = { "load", "/srv/app/loader.py", 14, NULL, NULL, 0,
					  MT_FRAME_PYTHON };
static const struct mt_frame f_unknown = { "[unknown]", NULL, 0, NULL, NULL, 0, MT_FRAME_UNKNOWN };
static const struct mt_frame f_evil = { HOSTILE, NULL, 0, "/tmp/evil lib.so", NULL, 0x99,
					MT_FRAME_NATIVE };

/*
 * 8.8125 MiB in 8 samples (root first):
 *   main walk walk walk grow_leaf   4 MiB, two samples (recursion)
 *   main walk grow_leaf             1 MiB
 *   main grow_leaf                  512 KiB (the leaf shared)
 *   [unknown] walk grow_leaf        256 KiB, truncated
 *   <module> load:12                2 MiB
 *   <module> load:14 grow_leaf      1 MiB (Python over native)
 *   main HOSTILE                    64 KiB
 */
static void fixture(struct mt_profile *p)
{
	const struct mt_frame s1[] = { f_main, f_walk, f_walk, f_walk, f_leaf };
	const struct mt_frame s2[] = { f_main, f_walk, f_leaf };
	const struct mt_frame s3[] = { f_main, f_leaf };
	const struct mt_frame s4[] = { f_unknown, f_walk, f_leaf };
	const struct mt_frame s5[] = { f_module, f_load12 };
	const struct mt_frame s6[] = { f_module, f_load14, f_leaf };
	const struct mt_frame s7[] = { f_main, f_evil };

	mt_profile_init(p);
	p->sample_bytes = 512 * KIB;
	add_stack(p, 3 * MIB, false, 5, s1);
	add_stack(p, 1 * MIB, false, 3, s2);
	add_stack(p, 512 * KIB, false, 2, s3);
	add_stack(p, 256 * KIB, true, 3, s4);
	add_stack(p, 2 * MIB, false, 2, s5);
	add_stack(p, 1 * MIB, false, 3, s6);
	add_stack(p, 64 * KIB, false, 2, s7);
	add_stack(p, 1 * MIB, false, 5, s1);
}

/* mt_report_stacks() into a string; the caller frees it. */
static char *report(const struct mt_profile *p, int top)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (!f) {
		perror("open_memstream");
		exit(1);
	}
	mt_report_stacks(f, p, top);
	fclose(f);
	return out;
}

/* The line of out that starts with prefix, without its newline, or "". */
static const char *line_of(const char *out, const char *prefix)
{
	static char line[512];
	const char *s = out;

	line[0] = '\0';
	for (; s && *s; s = strchr(s, '\n') ? strchr(s, '\n') + 1 : NULL) {
		if (!strncmp(s, prefix, strlen(prefix))) {
			size_t n = strcspn(s, "\n");

			n = n < sizeof(line) - 1 ? n : sizeof(line) - 1;
			memcpy(line, s, n);
			line[n] = '\0';
			break;
		}
	}
	return line;
}

/* Runs of spaces as one: the rows' numbers without the column widths. */
static void squeeze(char *s)
{
	char *out = s, *start = s;

	for (; *s; s++)
		if (*s != ' ' || out == start || out[-1] != ' ')
			*out++ = *s;
	*out = '\0';
}

/* Exact bytes (--bytes): inclusive counts a stack once per function, self only at the leaf. */
static void test_numbers(const struct mt_profile *p)
{
	static const char *const want[] = {
		"grow_leaf (paths) 7077888 B 76.6% 7077888 B 76.6%",
		"main (paths) 5832704 B 63.1% 0 B 0.0%",
		/* 3 + 1 + 0.25 MiB: the recursive stack counts once, not three times */
		"walk (paths) 5505024 B 59.6% 0 B 0.0%",
		/* two lines of one function: one row, no line shown */
		"load (loader.py) 3145728 B 34.0% 2097152 B 22.7%",
		"<module> (loader.py:1) 3145728 B 34.0% 0 B 0.0%",
		"[unknown] 262144 B 2.8% 0 B 0.0%",
		"bad\\x1b]0;pwned\\x07\\x0aname (evil lib.so) 65536 B 0.7% 65536 B 0.7%",
	};
	char *out, line[512];

	mt_report_bytes = true;
	out = report(p, 0);
	mt_report_bytes = false;
	CHECK_STR(line_of(out, "Stacks:"),
		  "Stacks: 8 samples of RSS growth, one per ~512 KiB on average; 9240576 B attributed",
		  "header in bytes");
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		char prefix[32];

		snprintf(prefix, sizeof(prefix), "%.*s", (int)strcspn(want[i], " "), want[i]);
		snprintf(line, sizeof(line), "%s", line_of(out, prefix));
		squeeze(line);
		CHECK_STR(line, want[i], prefix);
	}
	free(out);
}

/* The whole layout; the hostile name escaped in both tables, on one line each. */
static void test_layout(const struct mt_profile *p)
{
	static const char want[] =
		"Stacks: 8 samples of RSS growth, one per ~512 KiB on average; 8.81 MiB attributed\n"
		"\n"
		"Functions by RSS growth (inclusive: in stacks through the function, once each; "
		"self: where it is the leaf)\n"
		"Function                                    Inclusive       %       Self       %\n"
		"grow_leaf (paths)                            6.75 MiB   76.6%   6.75 MiB   76.6%\n"
		"main (paths)                                 5.56 MiB   63.1%   0.00 MiB    0.0%\n"
		"walk (paths)                                 5.25 MiB   59.6%   0.00 MiB    0.0%\n"
		"load (loader.py)                             3.00 MiB   34.0%   2.00 MiB   22.7%\n"
		"<module> (loader.py:1)                       3.00 MiB   34.0%   0.00 MiB    0.0%\n"
		"[unknown]                                    0.25 MiB    2.8%   0.00 MiB    0.0%\n"
		"bad\\x1b]0;pwned\\x07\\x0aname (evil lib.so)    0.06 MiB    0.7%   0.06 MiB    0.7%\n"
		"\n"
		"Top stacks (leaf first)\n"
		"  1. 4.00 MiB  45.4%  2 samples\n"
		"       grow_leaf (paths)\n"
		"       walk (paths)\n"
		"       walk (paths)\n"
		"       walk (paths)\n"
		"       main (paths)\n"
		"  2. 2.00 MiB  22.7%  1 sample\n"
		"       load (loader.py:12)\n"
		"       <module> (loader.py:1)\n"
		"  3. 1.00 MiB  11.3%  1 sample\n"
		"       grow_leaf (paths)\n"
		"       walk (paths)\n"
		"       main (paths)\n"
		"  4. 1.00 MiB  11.3%  1 sample\n"
		"       grow_leaf (paths)\n"
		"       load (loader.py:14)\n"
		"       <module> (loader.py:1)\n"
		"  5. 0.50 MiB  5.7%  1 sample\n"
		"       grow_leaf (paths)\n"
		"       main (paths)\n"
		"  6. 0.25 MiB  2.8%  1 sample\n"
		"       grow_leaf (paths)\n"
		"       walk (paths)\n"
		"       [unknown]\n"
		"       [truncated]\n"
		"  7. 0.06 MiB  0.7%  1 sample\n"
		"       bad\\x1b]0;pwned\\x07\\x0aname (evil lib.so)\n"
		"       main (paths)\n";
	char *out = report(p, 0);
	bool clean = true;

	for (const char *c = out; *c; c++)
		clean &= *c == '\n' || (*c >= 0x20 && *c != 0x7f);
	CHECK(clean, "no control character but newlines in the output");
	CHECK(!strcmp(out, want), "the tables, exactly");
	if (strcmp(out, want))
		printf("# got:\n%s", out);
	free(out);
}

/* top rows of each table, no more. */
static void test_top(const struct mt_profile *p)
{
	char *out = report(p, 2);

	CHECK_STR(line_of(out, "main (paths)"),
		  "main (paths)         5.56 MiB   63.1%   0.00 MiB    0.0%", "second row");
	CHECK_STR(line_of(out, "walk (paths)"), "", "no third row");
	CHECK_STR(line_of(out, "  2. "), "  2. 2.00 MiB  22.7%  1 sample", "second stack");
	CHECK_STR(line_of(out, "  3. "), "", "no third stack");
	free(out);
}

/* A name past 72 columns is cut on a character, "..." showing where. */
static void test_cut(void)
{
	char name[256] = "", want[256] = "";
	struct mt_frame fr = { name, NULL, 0, NULL, NULL, 0, MT_FRAME_UNKNOWN };
	struct mt_profile p;
	char *out;

	for (int i = 0; i < 100; i++)
		strcat(name, "\xc3\xa9"); /* é */
	for (int i = 0; i < 69; i++)
		strcat(want, "\xc3\xa9");
	strcat(want, "...    2.00 MiB   100.0%   2.00 MiB   100.0%");
	mt_profile_init(&p);
	add_stack(&p, 2 * MIB, false, 1, &fr);
	out = report(&p, 0);
	CHECK_STR(line_of(out, "\xc3\xa9"), want, "long name cut to 72 columns");
	free(out);
	mt_profile_free(&p);
}

static void test_empty(void)
{
	struct mt_profile p;
	char *out;

	mt_profile_init(&p);
	p.sample_bytes = 512 * KIB;
	out = report(&p, 0);
	CHECK(!strcmp(out, "Stacks: no RSS growth was sampled: the process did not grow, or grew "
		      "less than one sampling interval (~512 KiB)\n"),
	      "empty profile: one line saying why");
	free(out);
	mt_profile_free(&p);
}

int main(void)
{
	struct mt_profile p;

	fixture(&p);
	test_numbers(&p);
	test_layout(&p);
	test_top(&p);
	mt_profile_free(&p);
	test_cut();
	test_empty();
	return unit_done();
}
