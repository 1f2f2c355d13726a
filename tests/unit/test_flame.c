// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The flame graph (user/flame.c) of hand-built profiles: widths in
 * proportion to bytes, frames of one name merged along a path, children in
 * name order, hostile names escaped, a bound on what a huge profile draws;
 * and the stream's frame/stack records (user/records.c) read back into the
 * same profile (user/stream.c).
 */
#include <math.h>
#include <stdbool.h>
#include <unistd.h>

#include "flame.h"
#include "json.h"
#include "profile.h"
#include "records.h"
#include "sink.h"
#include "stream.h"
#include "unit.h"
#include "utf8.h"

#define MIB (1 << 20)
#define DRAW_W 980.0 /* what the root spans: user/flame.c's W - 2 * MX */

static char *svg_of(const struct mt_profile *p, const char *title, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	int rc = mt_flame_svg(p, title, f);

	fclose(f);
	CHECK(rc == 0, "mt_flame_svg() succeeds (%zu bytes)", *len);
	return buf;
}

/* An attribute of the box whose tooltip starts with "<title>" prefix; -1 if there is none. */
static double attr_of(const char *svg, const char *prefix, const char *attr)
{
	char key[256], want[32];
	const char *at;

	snprintf(key, sizeof(key), "<title>%s", prefix);
	snprintf(want, sizeof(want), " %s=\"", attr);
	at = strstr(svg, key);
	at = at ? strstr(at, want) : NULL;
	return at ? strtod(at + strlen(want), NULL) : -1;
}

/* By hand: ASan's strstr() measures the whole haystack each call, n^2 over a large SVG. */
static size_t count_of(const char *svg, const char *what)
{
	size_t n = 0, len = strlen(what);

	for (const char *at = svg; *at; at++)
		n += *at == *what && !strncmp(at, what, len);
	return n;
}

static void add(struct mt_profile *p, const struct mt_frame *frames, size_t n, bool truncated,
		int64_t bytes)
{
	struct mt_stack s = { .frames = frames, .n = n, .truncated = truncated, .bytes = bytes };

	CHECK(mt_profile_add(p, &s) >= 0, "stack of %zu frames added", n);
}

static const struct mt_frame f_main = { "main", "app.c", 10, "/bin/app", "ab12", 0x1100, MT_FRAME_NATIVE };
/* main again at another pc and line: merges with f_main in the picture. */
static const struct mt_frame f_main2 = { "main", "app.c", 12, "/bin/app", "ab12", 0x1180, MT_FRAME_NATIVE };
static const struct mt_frame f_grow = { "grow", "app.c", 30, "/bin/app", "ab12", 0x1300, MT_FRAME_NATIVE };
static const struct mt_frame f_alloc = { "alloc", "app.c", 40, "/bin/app", "ab12", 0x1400, MT_FRAME_NATIVE };
static const struct mt_frame f_py = { "load", "/app/x.py", 7, NULL, NULL, 0, MT_FRAME_PYTHON };

static void test_widths_and_merging(void)
{
	struct mt_profile p;
	size_t len;
	char *svg;

	mt_profile_init(&p);
	p.sample_bytes = 512 << 10;
	add(&p, (struct mt_frame[]){ f_main, f_grow }, 2, false, 3 * MIB);
	add(&p, (struct mt_frame[]){ f_main2, f_grow }, 2, false, 2 * MIB);
	add(&p, (struct mt_frame[]){ f_main, f_alloc }, 2, false, 1 * MIB);
	add(&p, (struct mt_frame[]){ f_main, f_py }, 2, false, 2 * MIB);
	svg = svg_of(&p, "memtrace: app (pid 1)", &len);

	CHECK(fabs(attr_of(svg, "all ", "width") - DRAW_W) < 0.5, "root spans the width: %g",
	      attr_of(svg, "all ", "width"));
	/* main at two pcs is one box: 8 of 8 MiB. */
	CHECK_INT(count_of(svg, "<title>main "), 1, "main's frames merged into one box");
	CHECK(fabs(attr_of(svg, "main ", "width") - DRAW_W) < 0.5, "main: %g px for 8 of 8 MiB",
	      attr_of(svg, "main ", "width"));
	CHECK(strstr(svg, "<title>main (app.c) \xe2\x80\x94 8.0 MiB, 100.0%</title>") != NULL,
	      "merged main's tooltip: its file without a line (two lines merged), 8.0 MiB, 100.0%%");
	CHECK_INT(count_of(svg, "<title>grow "), 1, "grow under main at two pcs merged too");
	CHECK(fabs(attr_of(svg, "grow ", "width") - DRAW_W * 5 / 8) < 0.5, "grow: %g px for 5 of 8 MiB",
	      attr_of(svg, "grow ", "width"));
	CHECK(fabs(attr_of(svg, "alloc ", "width") - DRAW_W * 1 / 8) < 0.5,
	      "alloc: %g px for 1 of 8 MiB", attr_of(svg, "alloc ", "width"));
	CHECK(fabs(attr_of(svg, "load ", "width") - DRAW_W * 2 / 8) < 0.5, "load: %g px for 2 of 8 MiB",
	      attr_of(svg, "load ", "width"));
	CHECK(strstr(svg, "<title>grow (app.c:30) \xe2\x80\x94 5.0 MiB, 62.5%</title>") != NULL,
	      "grow's tooltip: file:line, 5.0 MiB, 62.5%%");
	/* Children by name: alloc, grow, load from left to right. */
	CHECK(attr_of(svg, "alloc ", "x") < attr_of(svg, "grow ", "x") &&
	      attr_of(svg, "grow ", "x") < attr_of(svg, "load ", "x"),
	      "children in name order: alloc %g, grow %g, load %g", attr_of(svg, "alloc ", "x"),
	      attr_of(svg, "grow ", "x"), attr_of(svg, "load ", "x"));
	/* Root at the bottom: main's box above the root's, grow's above main's. */
	CHECK(attr_of(svg, "grow ", "y") < attr_of(svg, "main ", "y") &&
	      attr_of(svg, "main ", "y") < attr_of(svg, "all ", "y"), "the root at the bottom");
	CHECK(strstr(svg, "8.0 MiB in 4 samples, one per 512.0 KiB of growth on average") != NULL,
	      "header: total, samples, sampling interval");
	CHECK(strstr(svg, "memtrace: app (pid 1)") != NULL, "header: the title");
	CHECK(!strstr(svg, "<script") && !strstr(svg, "href"), "self-contained: no script, no link");
	free(svg);
	mt_profile_free(&p);
}

/* Every byte is XML text: no raw markup, no control bytes, valid UTF-8. */
static bool clean_xml_text(const char *svg)
{
	for (const char *s = svg; *s;) {
		size_t n = mt_utf8_len((const unsigned char *)s);

		if (!n || ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t'))
			return false;
		s += n;
	}
	return true;
}

static void test_escaping(void)
{
	struct mt_frame evil = { "op<&>\"\x01\x1b[2J\xff\xfe", "a<b>.c", 1, NULL, NULL, 0, MT_FRAME_PYTHON };
	struct mt_profile p;
	size_t len;
	char *svg;

	mt_profile_init(&p);
	add(&p, &evil, 1, false, MIB);
	svg = svg_of(&p, "title <script>&", &len);
	CHECK(strstr(svg, "op&lt;&amp;&gt;&quot;??[2J\xef\xbf\xbd\xef\xbf\xbd (a&lt;b&gt;.c:1)") != NULL,
	      "name and file escaped, control bytes '?', invalid UTF-8 U+FFFD");
	CHECK(!strstr(svg, "op<") && !strstr(svg, "<script") && !strstr(svg, "a<b"),
	      "no raw markup from a name or the title");
	CHECK(strstr(svg, "title &lt;script&gt;&amp;") != NULL, "the title escaped");
	CHECK(clean_xml_text(svg), "valid UTF-8 without control bytes throughout");
	free(svg);
	mt_profile_free(&p);
}

static void test_labels(void)
{
	char name[300];
	struct mt_frame longf = { name, NULL, 0, NULL, NULL, 0, MT_FRAME_UNKNOWN };
	struct mt_profile p;
	size_t len;
	char *svg;

	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	mt_profile_init(&p);
	add(&p, (struct mt_frame[]){ f_main, longf }, 2, true, 10 * MIB);
	add(&p, (struct mt_frame[]){ f_main, f_grow }, 2, false, 1 * MIB / 100);
	svg = svg_of(&p, NULL, &len);
	CHECK(strstr(svg, "<title>[truncated] ") != NULL, "a truncated stack hangs on [truncated]");
	CHECK(strstr(svg, "xx..</text>") != NULL, "a name wider than its box is cut with ..");
	CHECK(strstr(svg, ">grow</text>") == NULL && strstr(svg, "<title>grow ") != NULL,
	      "no name on a box too narrow for it; its tooltip still there");
	CHECK(strstr(svg, "xxxx.. \xe2\x80\x94 ") != NULL && !strstr(svg, name),
	      "a 299-character name cut in its tooltip too");
	free(svg);
	mt_profile_free(&p);
}

static void test_empty(void)
{
	struct mt_profile p;
	size_t len;
	char *svg;

	mt_profile_init(&p);
	svg = svg_of(&p, "empty", &len);
	CHECK(strstr(svg, "no RSS growth sampled") && strstr(svg, "</svg>\n"),
	      "an empty profile: a whole SVG saying no RSS growth sampled");
	CHECK_INT(count_of(svg, "<g>"), 0, "no frames in an empty profile");
	free(svg);
	mt_profile_free(&p);
}

/*
 * 100,000 distinct stacks: 5,000 deep ones 0.2 to 0.3 px wide (40,000
 * frames a viewer could see) and 95,000 far narrower. At most
 * MT_FLAME_MAX_FRAMES drawn, the widest kept, and the picture says what it
 * left out.
 */
static void test_bound(void)
{
	struct mt_frame frames[8];
	char names[8][32];
	struct mt_profile p;
	size_t len;
	char *svg;
	bool ok = true;

	mt_profile_init(&p);
	for (int i = 0; i < 100000; i++) {
		int depth = i < 5000 ? 8 : 2;

		for (int d = 0; d < depth; d++) {
			snprintf(names[d], sizeof(names[d]), "f%d_%d", d, i);
			frames[d] = (struct mt_frame){ names[d], "x.c", d, NULL, NULL, 0, MT_FRAME_NATIVE };
		}
		struct mt_stack s = { .frames = frames, .n = depth, .bytes = i < 5000 ? 1000 + i % 500 : 1 };
		ok &= mt_profile_add(&p, &s) >= 0;
	}
	CHECK(ok && p.nstacks == 100000, "100000 distinct stacks");
	svg = svg_of(&p, "bound", &len);
	CHECK(count_of(svg, "<g>") <= MT_FLAME_MAX_FRAMES && count_of(svg, "<g>") > 15000,
	      "%zu frames drawn, at most %d", count_of(svg, "<g>"), MT_FLAME_MAX_FRAMES);
	CHECK(len < 8 * MIB, "%zu bytes of SVG", len);
	CHECK(strstr(svg, "<title>all ") != NULL, "the root is drawn");
	CHECK(strstr(svg, "frames narrower than") != NULL, "the picture says frames were left out");
	CHECK(clean_xml_text(svg), "well-formed text");
	free(svg);
	mt_profile_free(&p);
}

/* tests/jsonlint.py on the stream: frame ids in order, stacks naming frames before them. */
static void lint(const char *path)
{
	char *cmd;

	if (access("/usr/bin/python3", X_OK) || access("tests/jsonlint.py", R_OK)) {
		CHECK(1, "# SKIP jsonlint: needs /usr/bin/python3 and the repository root as cwd");
		return;
	}
	if (asprintf(&cmd, "/usr/bin/python3 tests/jsonlint.py %s >&2", path) < 0)
		exit(1);
	CHECK(system(cmd) == 0, "the stream passes tests/jsonlint.py");
	free(cmd);
}

/* Reads path's frame, stack and summary records into r: 0, or -1 with the reason on stderr. */
static int read_profile(const char *path, struct mt_profile *r)
{
	struct mt_stream in;
	int rc;

	if (mt_stream_open(&in, path, NULL, 0))
		return -1;
	while ((rc = mt_stream_next(&in)) > 0)
		if (mt_stream_profile(&in, r))
			rc = -1;
	mt_stream_close(&in);
	return rc;
}

/*
 * A run's path (user/sink.c): each sample added to the profile, then
 * mt_sink_stack() with the frames it was first to use; the -o stream read
 * back gives the same profile, and --flame draws it under the run's title.
 */
static void test_sink(const char *dir)
{
	static const volatile sig_atomic_t no_stop;
	struct mt_frame frames[][3] = { { f_main, f_grow }, { f_main2, f_grow, f_py }, { f_main, f_grow } };
	size_t nframes[] = { 2, 3, 2 };
	char *argv[] = { "app", "--big", NULL }, err[512], *path, *svg_path, *svg;
	struct mt_env env = { 0 };
	struct mt_rec_start start = { .pid = 42, .comm = "app", .cmdline = argv };
	struct mt_stats stats = { 0 };
	struct mt_sink sink = { 0 };
	struct mt_profile w, r;
	size_t len;
	FILE *f;

	mt_profile_init(&w);
	mt_profile_init(&r);
	w.sample_bytes = 65536;
	if (asprintf(&path, "%s/run.ndjson", dir) < 0 || asprintf(&svg_path, "%s/run.svg", dir) < 0)
		exit(1);
	env.output = path;
	env.flame = svg_path;
	CHECK(!mt_sink_open(&sink, &env, &no_stop) && !mt_sink_check(&sink, err, sizeof(err)) &&
	      !mt_sink_create(&sink, err, sizeof(err)), "sink to %s", path);
	mt_sink_start(&sink, &start);
	for (int i = 0; i < 3; i++) {
		struct mt_stack st = { .frames = frames[i], .n = nframes[i], .bytes = (i + 1) * MIB,
				       .tid = 42 + i, .truncated = i == 1 };
		size_t first = w.nframes;
		uint32_t ids[3];
		int64_t at = mt_profile_add(&w, &st);

		for (size_t k = 0; at >= 0 && k < nframes[i]; k++)
			ids[k] = w.stacks[at].frames[k];
		mt_sink_stack(&sink, &w, first, &st, ids);
	}
	mt_sink_summary(&sink, 42, &stats, NULL);
	mt_sink_stacks(&sink, &w);
	CHECK(!sink.failed, "stream and flame graph written");
	mt_sink_close(&sink, false);

	lint(path);
	CHECK_INT(read_profile(path, &r), 0, "the stream reads back");
	CHECK(r.nframes == w.nframes && r.nstacks == w.nstacks && r.bytes == 6 * MIB &&
	      r.samples == 3 && r.sample_bytes == 65536,
	      "same profile: %zu frames, %zu stacks, %" PRId64 " bytes, %" PRIu64 " samples, sample_bytes %" PRId64,
	      r.nframes, r.nstacks, r.bytes, r.samples, r.sample_bytes);
	CHECK(r.nstacks == 2 && r.stacks[0].bytes == 4 * MIB && r.stacks[0].samples == 2 &&
	      !r.stacks[0].truncated && r.stacks[1].truncated && r.stacks[1].n == 3 &&
	      r.stacks[1].frames[2] == 3, "stacks read back: the first and third merged, the second truncated");
	CHECK(r.nframes == 4 && !strcmp(r.frames[3].func, "load") && r.frames[3].kind == MT_FRAME_PYTHON &&
	      r.frames[3].line == 7 && !r.frames[3].object && !r.frames[3].addr &&
	      r.frames[2].addr == 0x1180 && !strcmp(r.frames[2].build_id, "ab12") &&
	      !strcmp(r.frames[2].object, "/bin/app"), "frames read back field by field");
	f = fopen(svg_path, "r");
	svg = f ? calloc(1, 1 << 20) : NULL;
	len = svg ? fread(svg, 1, (1 << 20) - 1, f) : 0;
	CHECK(len && strstr(svg, "memtrace: app --big (pid 42)") &&
	      strstr(svg, "<title>grow (app.c:30) \xe2\x80\x94 4.0 MiB, 66.7%</title>") &&
	      strstr(svg, "<title>[truncated] \xe2\x80\x94 2.0 MiB, 33.3%</title>"),
	      "--flame: the run's title, grow 4 MiB, [truncated] 2 MiB");
	if (f)
		fclose(f);
	free(svg);
	free(path);
	free(svg_path);
	mt_profile_free(&w);
	mt_profile_free(&r);
}

int main(void)
{
	char *dir = unit_tmpdir("flame");

	test_widths_and_merging();
	test_escaping();
	test_labels();
	test_empty();
	test_bound();
	test_sink(dir);
	return unit_finish(dir);
}
