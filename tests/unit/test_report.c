// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Tables and `memtrace report`: MiB formatting, exact table layout, streams
 * written by records.c read back (whole and cut short), error exits, and
 * tests/jsonlint.py over the same streams. Run from the repository root.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "json.h"
#include "records.h"
#include "report.h"
#include "unit.h"

#define MIB 1048576LL
#define PYTHON "/usr/bin/python3"

/* Not "memtrace-*": other suites' cleanup globs must not catch it mid-run. */
static char *tmpdir;

static void check_mib(int64_t bytes, const char *want)
{
	char buf[32], what[64];

	snprintf(what, sizeof(what), "mt_fmt_mib(%" PRId64 ")", bytes);
	CHECK_STR(mt_fmt_mib(buf, sizeof(buf), bytes), want, what);
}

static void test_fmt_mib(void)
{
	check_mib((int64_t)(1048576 * 75.49), "75.49");
	check_mib(0, "0.00");
	check_mib(-262144, "-0.25");
	check_mib(-1, "0.00"); /* no "-0.00" */
	check_mib(5242, "0.00"); /* 0.004999 MiB */
	check_mib(5243, "0.01"); /* 0.005000 MiB rounds up */
	check_mib(-5243, "-0.01");
	check_mib(1048575, "1.00"); /* carries into the whole part */
	check_mib(-1048575, "-1.00");
	check_mib(1536 * 1024, "1.50");
	check_mib(INT64_MAX, "8796093022208.00");
	check_mib(INT64_MIN, "-");
}

static void check_size(int64_t bytes, const char *want, const char *want_unit)
{
	char buf[32], what[80];
	const char *unit = NULL;

	snprintf(what, sizeof(what), "mt_fmt_size(%" PRId64 ")%s", bytes,
		 mt_report_bytes ? " --bytes" : "");
	CHECK_STR(mt_fmt_size(buf, sizeof(buf), bytes, &unit), want, what);
	CHECK_STR(unit, want_unit, what);
}

/* No value that is not zero shows as 0.00; --bytes shows every value exactly. */
static void test_fmt_size(void)
{
	check_size(0, "0.00", "MiB");
	check_size(4096, "4.00", "KiB"); /* one page: 0.00 MiB before */
	check_size(-4096, "-4.00", "KiB");
	check_size(-12288, "-0.01", "MiB");
	check_size(5242, "5.12", "KiB"); /* the largest 0.00 MiB */
	check_size(5243, "0.01", "MiB");
	check_size(1024, "1.00", "KiB");
	check_size(1023, "1023", "B");
	check_size(-1, "-1", "B");
	check_size(7600000, "7.25", "MiB"); /* 7.6 MB */
	check_size(1000 * MIB, "1000.00", "MiB");
	check_size(INT64_MAX, "8796093022208.00", "MiB");
	check_size(INT64_MIN + 1, "-8796093022208.00", "MiB");
	check_size(INT64_MIN, "-", "MiB");

	mt_report_bytes = true;
	check_size(0, "0", "B");
	check_size(4096, "4096", "B");
	check_size(-4096, "-4096", "B");
	check_size(7600000, "7600000", "B");
	check_size(INT64_MAX, "9223372036854775807", "B");
	check_size(INT64_MIN + 1, "-9223372036854775807", "B");
	check_size(INT64_MIN, "-", "B");
	mt_report_bytes = false;
}

static char *capture(void (*fn)(FILE *f, const struct mt_stats *s), const struct mt_stats *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	fn(f, s);
	fclose(f);
	return buf;
}

/* Prints the strings only on failure: tables are long. */
static void check_text(const char *got, const char *want, const char *what)
{
	bool ok = got && want && !strcmp(got, want);

	CHECK(ok, "%s", what);
	if (!ok)
		printf("# got:\n%s# want:\n%s", got ? got : "(null)\n", want ? want : "(null)\n");
}

static void test_function_table(void)
{
	struct mt_func_stats design[] = {
		{ .func = "Inversa", .kind = "python", .calls_known = true, .calls = 12,
		  .growth = 79157821, .growth_max = 67643146, .peak_max = 178469273,
		  .thread_growth = 79157821, .retained_known = true, .retained = 28311552 },
	};
	struct mt_func_stats mixed[] = {
		{ .func = "a_rather_long_function_name", .kind = "native", .calls_known = true,
		  .calls = 3, .open = 1, .growth = -262144, .growth_max = -1024,
		  .peak_max = 2 * MIB, .thread_growth = 1536 * 1024, .retained_known = true,
		  .retained = 1536 * 1024 },
		{ .func = "Grow", .kind = "native", .calls_known = true, .retained_known = true },
		{ .func = "walked", .kind = "python", .calls_known = false, .growth = 1000 * MIB,
		  .thread_growth = 10 * MIB },
	};
	struct mt_stats s = { .funcs = design, .nfuncs = 1, .peak_rss = 178469273, .duration = 12.34 };
	char *got;

	got = capture(mt_report_functions, &s);
	check_text(got,
		   "Function   Calls   Growth (MiB)   Max growth/call   Peak in call   Thread-caused   Retained\n"
		   "Inversa       12          75.49             64.51         170.20           75.49      27.00\n"
		   "\n"
		   "Peak RSS: 170.20 MiB over 12.3 s\n",
		   "function table as in README.md");
	free(got);

	s.funcs = mixed;
	s.nfuncs = 3;
	s.peak_rss = 2048 * MIB;
	s.lost = 7;
	got = capture(mt_report_functions, &s);
	check_text(got,
		   "Function                            Calls   Growth (MiB)   Max growth/call   Peak in call   Thread-caused   Retained\n"
		   "a_rather_long_function_name   3 (+1 open)          -0.25         -1.00 KiB           2.00            1.50       1.50\n"
		   "Grow                                    0           0.00                 -              -            0.00       0.00\n"
		   "walked                                  -        1000.00                 -              -           10.00          -\n"
		   "  Grow: never called while tracing\n"
		   "\n"
		   "Peak RSS: 2048.00 MiB over 12.3 s\n"
		   "Lost records: 7 (ring buffer full)\n",
		   "columns sized to content, open calls, never called, unknown calls, lost");
	free(got);

	/* Control bytes in a name must not reach the terminal; alignment counts code points. */
	mixed[0].func = "f\x1b[31m\xc3\xa9";
	s.nfuncs = 1;
	s.lost = 0;
	got = capture(mt_report_functions, &s);
	check_text(got,
		   "Function           Calls   Growth (MiB)   Max growth/call   Peak in call   Thread-caused   Retained\n"
		   "f\\x1b[31m\xc3\xa9   3 (+1 open)          -0.25         -1.00 KiB           2.00            1.50       1.50\n"
		   "\n"
		   "Peak RSS: 2048.00 MiB over 12.3 s\n",
		   "escape sequences neutralised, UTF-8 counted as one column");
	free(got);

	/* A page of growth is not "0.00"; --bytes: exact integers, the header says so. */
	mixed[0].func = "a_rather_long_function_name";
	mixed[1].growth = mixed[1].thread_growth = 4096;
	s.nfuncs = 2;
	got = capture(mt_report_functions, &s);
	check_text(got,
		   "Function                            Calls   Growth (MiB)   Max growth/call   Peak in call   Thread-caused   Retained\n"
		   "a_rather_long_function_name   3 (+1 open)          -0.25         -1.00 KiB           2.00            1.50       1.50\n"
		   "Grow                                    0       4.00 KiB                 -              -        4.00 KiB       0.00\n"
		   "  Grow: never called while tracing\n"
		   "\n"
		   "Peak RSS: 2048.00 MiB over 12.3 s\n",
		   "sizes that round to 0.00 MiB in KiB, columns still aligned");
	free(got);
	mt_report_bytes = true;
	got = capture(mt_report_functions, &s);
	check_text(got,
		   "Function                            Calls   Growth (B)   Max growth/call   Peak in call   Thread-caused   Retained\n"
		   "a_rather_long_function_name   3 (+1 open)      -262144             -1024        2097152         1572864    1572864\n"
		   "Grow                                    0         4096                 -              -            4096          0\n"
		   "  Grow: never called while tracing\n"
		   "\n"
		   "Peak RSS: 2147483648 B over 12.3 s\n",
		   "--bytes: exact integers");
	free(got);
	mt_report_bytes = false;

	/* Calls that began before tracing: counted apart, next to the open ones. */
	mixed[0].partial = 2;
	s.nfuncs = 1;
	got = capture(mt_report_functions, &s);
	CHECK(strstr(got, "a_rather_long_function_name   3 (+1 open, +2 partial)   ") != NULL,
	      "open and partial calls in the Calls cell: %s", got);
	free(got);
	mixed[0].open = 0;
	got = capture(mt_report_functions, &s);
	CHECK(strstr(got, "a_rather_long_function_name   3 (+2 partial)   ") != NULL,
	      "partial calls in the Calls cell: %s", got);
	free(got);
}

static void test_line_table(void)
{
	struct mt_line_stats lines[] = {
		{ .func = "Inversa", .file = "matrizinversa.py", .line = 11, .mem = 81139138,
		  .increment = 42540318, .occurrences = 12, .source = "    return a.I\n" },
		{ .func = "Inversa", .file = "matrizinversa.py", .line = 9, .mem = 12719227,
		  .increment = 0, .occurrences = 12, .source = "def Inversa(n):" },
		{ .func = "other", .file = "o.py", .line = 3, .mem = -1, .increment = -262144,
		  .occurrences = -1, .source = NULL },
		{ .func = "other", .file = "o.py", .line = 4, .mem = 5 * MIB, .increment = 4096,
		  .occurrences = -1, .source = "x = 1" },
		{ .func = "Inversa", .file = "matrizinversa.py", .line = 10, .mem = 47049195,
		  .increment = 44805652, .occurrences = 12,
		  .source = "    a = np.matrix(np.random.rand(n, n))" },
	};
	struct mt_stats s = { .lines = lines, .nlines = 5 };
	char *got;

	got = capture(mt_report_lines, &s);
	check_text(got,
		   "\n"
		   "Filename: matrizinversa.py\n"
		   "\n"
		   "Line #    Mem usage    Increment  Occurrences   Line Contents\n"
		   "=============================================================\n"
		   "     9    12.13 MiB     0.00 MiB          12   def Inversa(n):\n"
		   "    10    44.87 MiB    42.73 MiB          12       a = np.matrix(np.random.rand(n, n))\n"
		   "    11    77.38 MiB    40.57 MiB          12       return a.I\n"
		   "\n"
		   "Filename: o.py\n"
		   "\n"
		   "Line #    Mem usage    Increment  Occurrences   Line Contents\n"
		   "=============================================================\n"
		   "     3            -    -0.25 MiB           -   \n"
		   "     4     5.00 MiB     4.00 KiB           -   x = 1\n",
		   "memory_profiler layout, grouped per (function, file), sorted by line, '-' unknown, "
		   "KiB where MiB would show 0.00");
	free(got);

	mt_report_bytes = true;
	s.lines = &lines[2];
	s.nlines = 2;
	got = capture(mt_report_lines, &s);
	check_text(got,
		   "\n"
		   "Filename: o.py\n"
		   "\n"
		   "Line #    Mem usage    Increment  Occurrences   Line Contents\n"
		   "=============================================================\n"
		   "     3            -    -262144 B           -   \n"
		   "     4    5242880 B       4096 B           -   x = 1\n",
		   "--bytes: line table sizes in exact bytes");
	free(got);
	mt_report_bytes = false;

	s.nlines = 0;
	got = capture(mt_report_lines, &s);
	check_text(got, "", "no lines, no table");
	free(got);
}

/* Runs mt_report_main with stdout and stderr captured. */
struct run {
	int rc;
	char *out, *err;
};

static char *slurp(FILE *f)
{
	long n;
	char *buf;

	fflush(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	buf = calloc(1, n + 1);
	rewind(f);
	if (buf && fread(buf, 1, n, f) != (size_t)n)
		buf[0] = '\0';
	fclose(f);
	return buf;
}

static struct run run_report(int argc, char **argv)
{
	FILE *o = tmpfile(), *e = tmpfile();
	int so, se;
	struct run r;

	fflush(stdout);
	fflush(stderr);
	so = dup(1);
	se = dup(2);
	dup2(fileno(o), 1);
	dup2(fileno(e), 2);
	r.rc = mt_report_main(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(so, 1);
	dup2(se, 2);
	close(so);
	close(se);
	r.out = slurp(o);
	r.err = slurp(e);
	return r;
}

static struct run report_file(const char *path)
{
	char *argv[] = { "report", (char *)path, NULL };

	return run_report(2, argv);
}

static void free_run(struct run *r)
{
	free(r->out);
	free(r->err);
}

static bool has(const char *s, const char *sub)
{
	return s && strstr(s, sub);
}

/* Exactly one line: the error contract for `memtrace report`. */
static bool one_line(const char *s)
{
	const char *nl = s ? strchr(s, '\n') : NULL;

	return nl && nl[1] == '\0';
}

static bool starts(const char *s, const char *prefix)
{
	return s && !strncmp(s, prefix, strlen(prefix));
}

/* The run the streams describe */

static char *cmdline[] = { "./app", "-n", "3", NULL };
static const struct mt_rec_target targets[] = {
	{ "grow", "grow", "native", "/tmp/app", "uprobe" },
	{ "Inversa", "Inversa", "python", "/usr/bin/python3.11", "usdt" },
	{ "idle", "idle", "native", "/tmp/app", "uprobe" },
};
#define NTARGETS 3

static const struct mt_call calls[] = {
	{ .pid = 4242, .tid = 4242, .func = "grow", .t = 1.0, .dur = 0.5, .rss_entry = 10 * MIB,
	  .rss_exit = 12 * MIB, .rss_peak = 13 * MIB, .growth = 2 * MIB, .thread_growth = 2 * MIB },
	{ .pid = 4242, .tid = 4243, .func = "grow", .t = 2.0, .dur = 0.25, .rss_entry = 12 * MIB,
	  .rss_exit = 23 * MIB / 2, .rss_peak = 25 * MIB / 2, .growth = -MIB / 2,
	  .thread_growth = -MIB / 2 },
	{ .pid = 4242, .tid = 4242, .func = "Inversa", .t = 3.0, .dur = 1.0, .rss_entry = 11 * MIB,
	  .rss_exit = 40 * MIB, .rss_peak = 60 * MIB, .growth = 29 * MIB, .thread_growth = 20 * MIB },
	{ .pid = 4242, .tid = 4244, .func = "grow", .t = 12.3, .dur = 2.0, .rss_entry = 40 * MIB,
	  .rss_exit = 41 * MIB, .rss_peak = 42 * MIB, .growth = MIB, .thread_growth = MIB,
	  .open = true },
};
#define NCALLS 4

static struct mt_line_stats lines[] = {
	{ .func = "Inversa", .file = "m.py", .line = 11, .mem = 40 * MIB, .increment = 9 * MIB,
	  .occurrences = 1, .source = "    return a.I" },
	{ .func = "Inversa", .file = "m.py", .line = 10, .mem = 31 * MIB, .increment = 20 * MIB,
	  .occurrences = 1, .source = "    a = make(n)" },
};

/* What live tracing would aggregate from the same records. */
/* from_summary: what only the kernel's totals know, and so only a summary record carries. */
static void expected_stats(struct mt_stats *s, bool from_summary)
{
	size_t i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < NTARGETS; i++)
		mt_stats_func(s, targets[i].func, targets[i].kind, true);
	for (i = 0; i < NCALLS; i++)
		mt_stats_add_call(s, mt_stats_find(s, calls[i].func), &calls[i]);
	if (s->peak_rss < 70 * MIB) /* the sample's peak */
		s->peak_rss = 70 * MIB;
	s->lost = 3;
	s->duration = 12.3;
	if (from_summary) {
		s->funcs[0].retained_known = true;
		s->funcs[0].retained = 3 * MIB;
	}
}

enum stream_kind { WHOLE, CUT, CUT_MID_LINE };

static char *write_stream(const char *name, enum stream_kind kind)
{
	struct mt_rec_start start = {
		.t = 0, .ts_unix = 1700000000.5, .pid = 4242, .comm = "app", .cmdline = cmdline,
		.targets = targets, .ntargets = NTARGETS, .page_size = 4096,
	};
	struct mt_rec_sample sample = {
		.t = 2.5, .pid = 4242, .rss = 50 * MIB, .anon = 40 * MIB, .file = 9 * MIB,
		.shmem = MIB, .peak = 70 * MIB,
	};
	struct mt_stats s;
	struct mt_json *j;
	char *path;
	FILE *f;
	size_t i;

	if (asprintf(&path, "%s/%s", tmpdir, name) < 0)
		return NULL;
	f = fopen(path, "w");
	j = mt_json_new(f);
	mt_rec_start(j, &start);
	for (i = 0; i < NCALLS; i++) {
		if (i == 2) {
			mt_rec_sample(j, &sample);
			mt_rec_lost(j, 2.6, 3);
		}
		mt_rec_call(j, &calls[i]);
	}
	if (kind == WHOLE) {
		mt_rec_exit(j, 12.3, 4242, 0);
		expected_stats(&s, true);
		s.lines = lines;
		s.nlines = 2;
		mt_rec_summary(j, 12.3, 4242, &s);
		s.lines = NULL;
		s.nlines = 0;
		mt_stats_free(&s);
	} else if (kind == CUT_MID_LINE) {
		fputs("{\"type\":\"call\",\"t\":12.", f); /* memtrace killed mid-write */
	}
	mt_json_free(j);
	fclose(f);
	return path;
}

/*
 * What the live run prints for the calls of write_stream(): the function
 * table, and the line table when WITH_LINES (a whole stream's summary has it).
 */
static char *expected_report(bool with_lines)
{
	struct mt_stats s;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	expected_stats(&s, with_lines);
	if (with_lines) {
		s.lines = lines;
		s.nlines = 2;
	}
	fprintf(f, "memtrace report: pid 4242 (app), 3 functions, 12.3 s\n\n");
	mt_report_functions(f, &s);
	mt_report_lines(f, &s);
	fclose(f);
	s.lines = NULL;
	s.nlines = 0;
	mt_stats_free(&s);
	return buf;
}

static void test_round_trip(void)
{
	char *path = write_stream("whole.ndjson", WHOLE);
	struct run r = report_file(path);
	char *want = expected_report(true);

	CHECK_INT(r.rc, 0, "report of a whole stream exits 0");
	CHECK_STR(r.err, "", "report of a whole stream is quiet on stderr");
	check_text(r.out, want, "report reproduces the live tables from the summary");
	CHECK(has(r.out, "Filename: m.py") && has(r.out, "    10    31.00 MiB    20.00 MiB"),
	      "line table read back from the summary");
	free(want);
	free_run(&r);

	r = run_report(3, (char *[]){ "report", "--bytes", path, NULL });
	want = expected_report(true);
	CHECK_INT(r.rc, 0, "report --bytes exits 0");
	check_text(r.out, want, "report --bytes: the tables in bytes");
	CHECK(has(r.out, "Growth (B)") && has(r.out, "    10   32505856 B   20971520 B"),
	      "report --bytes: function and line tables in bytes");
	mt_report_bytes = false;
	free(want);
	free_run(&r);
	free(path);
}

static void test_cut_short(void)
{
	char *path = write_stream("cut.ndjson", CUT_MID_LINE);
	struct run r = report_file(path);
	char *want = expected_report(false);

	CHECK_INT(r.rc, 0, "a stream cut short still reports");
	CHECK(has(r.err, "(no summary record: stream was cut short; totals rebuilt from 4 call "
		  "records)"), "says the totals were rebuilt");
	CHECK(has(r.err, ":8: last line is incomplete (stream cut short); ignored"),
	      "says the torn last line was ignored");
	check_text(r.out, want, "tables rebuilt from call records match live aggregation");
	CHECK(has(r.out, "grow       2 (+1 open)"), "open call shown from a cut stream");
	CHECK(has(r.out, "  idle: never called while tracing"), "target never called");
	free(want);
	free_run(&r);
	free(path);
}

static char *write_text(const char *name, const char *text)
{
	char *path;
	FILE *f;

	if (asprintf(&path, "%s/%s", tmpdir, name) < 0)
		return NULL;
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

static void check_fails(const char *name, const char *text, const char *want_err, const char *what)
{
	char *path = write_text(name, text);
	struct run r = report_file(path);

	CHECK_INT(r.rc, 1, what);
	CHECK(starts(r.err, "memtrace: ") && has(r.err, want_err) && one_line(r.err),
	      "%s: one line \"%s\" on stderr", what, want_err);
	if (!one_line(r.err) || !has(r.err, want_err))
		printf("# got: %s", r.err);
	CHECK_STR(r.out, "", "nothing on stdout");
	free_run(&r);
	free(path);
}

#define START                                                                        \
	"{\"type\":\"start\",\"t\":0.0,\"schema\":1,\"ts_unix\":1.0,\"pid\":5,\"comm\":\"x\"," \
	"\"cmdline\":[],\"targets\":[],\"page_size\":4096}\n"

static void test_errors(void)
{
	char *argv[4] = { "report", NULL, NULL, NULL };
	char path[256];
	struct run r;

	check_fails("text.txt", "hello world\nsecond line\n",
		    "text.txt:1: not valid JSON: unexpected character at column 1; "
		    "is this a memtrace --json stream?", "non-JSON file");
	check_fails("bad3.ndjson", START "{\"type\":\"lost\",\"t\":1,\"count\":2}\n{\"type\":\n",
		    "bad3.ndjson:3: not valid JSON: unexpected end of input", "bad JSON on line 3");
	check_fails("other.json", "{\"a\":1}\n[1,2]\n", "other.json:2: not a JSON object but an array",
		    "JSON that is not objects");
	check_fails("foreign.ndjson", "{\"a\":1}\n{\"type\":\"other\"}\n",
		    "foreign.ndjson: no memtrace records (schema 1) found", "JSON without memtrace records");
	check_fails("empty.ndjson", "", "empty.ndjson: no memtrace records (schema 1) found",
		    "empty file");
	check_fails("schema2.ndjson",
		    "{\"type\":\"start\",\"t\":0,\"schema\":2,\"pid\":5,\"comm\":\"x\",\"targets\":[]}\n",
		    "written with JSON schema 2, this memtrace reads schema 1", "unsupported schema");
	check_fails("badtype.ndjson",
		    START "{\"type\":\"call\",\"t\":1,\"pid\":5,\"tid\":5,\"func\":\"f\",\"dur\":1,"
		    "\"rss_entry\":\"x\",\"rss_exit\":1,\"rss_peak\":1,\"growth\":0,\"thread_growth\":0}\n",
		    "badtype.ndjson:2: \"call\" record: \"rss_entry\" should be an integer, not a string",
		    "wrongly typed field");
	check_fails("missing.ndjson", START "{\"type\":\"lost\",\"t\":1}\n",
		    "missing.ndjson:2: \"lost\" record: \"count\" is missing", "missing field");
	check_fails("nostart.ndjson", "{\"type\":\"call\",\"t\":1}\n",
		    "nostart.ndjson:1: \"call\" record before the \"start\" record", "record before start");
	check_fails("twostarts.ndjson", START START, "twostarts.ndjson:2: a second \"start\" record",
		    "two runs in one file");

	snprintf(path, sizeof(path), "%s/does-not-exist.ndjson", tmpdir);
	r = report_file(path);
	CHECK_INT(r.rc, 1, "missing file exits 1");
	CHECK(starts(r.err, "memtrace: cannot open ") &&
	      has(r.err, "does-not-exist.ndjson: No such file or directory\n") && one_line(r.err),
	      "missing file message");
	free_run(&r);

	r = run_report(1, argv);
	CHECK_INT(r.rc, 2, "no FILE is a usage error");
	CHECK(starts(r.err, "memtrace: report: missing FILE") && has(r.err, "Usage:"), "usage on stderr");
	free_run(&r);

	argv[1] = "a";
	argv[2] = "b";
	r = run_report(3, argv);
	CHECK_INT(r.rc, 2, "two FILEs is a usage error");
	free_run(&r);

	argv[1] = "--frobnicate";
	r = run_report(2, argv);
	CHECK_INT(r.rc, 2, "unknown option is a usage error");
	CHECK(starts(r.err, "memtrace: report: unknown option '--frobnicate'"), "names the option");
	free_run(&r);

	argv[1] = "--help";
	r = run_report(2, argv);
	CHECK_INT(r.rc, 0, "--help exits 0");
	CHECK(starts(r.out, "Usage: memtrace report [--bytes] FILE"), "--help prints usage on stdout");
	free_run(&r);
}

static void test_lenient(void)
{
	char *path = write_text("lenient.ndjson",
		START
		"\n"
		"{\"type\":\"newkind\",\"t\":0.5,\"whatever\":[1]}\n"
		"{\"type\":\"error\",\"t\":0.7,\"message\":\"cannot read \\u001b[2J maps\"}\n"
		"{\"type\":\"call\",\"t\":1,\"pid\":5,\"tid\":5,\"func\":\"f\",\"dur\":1,\"rss_entry\":0,"
		"\"rss_exit\":1048576,\"rss_peak\":1048576,\"growth\":1048576,\"thread_growth\":0,"
		"\"future_key\":true}\n");
	struct run r = report_file(path);

	CHECK_INT(r.rc, 0, "unknown record types and keys are skipped (newer writer)");
	CHECK(has(r.out, "memtrace report: pid 5 (x), 1 function, 1.0 s"), "header for one function");
	CHECK(has(r.out, "\nf              1           1.00"), "call from a record with an extra key");
	CHECK(has(r.err, "lenient.ndjson:4: the traced run reported an error: cannot read \\x1b[2J maps"),
	      "recorded error shown, escape neutralised");
	free_run(&r);
	free(path);
}

static void test_stdin(void)
{
	char *path = write_stream("stdin.ndjson", WHOLE);
	char *argv[] = { "report", "-", NULL };
	int in = dup(0), fd = open(path, O_RDONLY);
	struct run r;

	dup2(fd, 0);
	close(fd);
	r = run_report(2, argv);
	dup2(in, 0);
	close(in);
	clearerr(stdin);
	CHECK_INT(r.rc, 0, "report - reads stdin");
	CHECK(starts(r.out, "memtrace report: pid 4242 (app), 3 functions, 12.3 s"), "stdin header");
	free_run(&r);
	free(path);
}

/* Runs the lint; on an unexpected exit status its messages are shown as TAP comments. */
static void check_lint(const char *path, const char *extra, int want, const char *want_msg,
		       const char *what)
{
	char *cmd, *out;
	int st, got = -1;
	bool msg_ok = true;
	FILE *f;

	if (asprintf(&cmd, PYTHON " tests/jsonlint.py %s %s >%s/lint.out 2>&1", path, extra,
		     tmpdir) < 0)
		return;
	st = system(cmd);
	free(cmd);
	if (WIFEXITED(st))
		got = WEXITSTATUS(st);
	CHECK_INT(got, want, what);
	if (want_msg) {
		if (asprintf(&out, "%s/lint.out", tmpdir) < 0)
			return;
		f = fopen(out, "r");
		free(out);
		out = f ? slurp(f) : NULL;
		msg_ok = has(out, want_msg);
		CHECK(msg_ok, "%s: says \"%s\"", what, want_msg);
		free(out);
	}
	if ((got != want || !msg_ok) && asprintf(&cmd, "sed 's/^/# /' %s/lint.out", tmpdir) >= 0) {
		fflush(stdout);
		if (system(cmd))
			printf("# (could not show the lint's output)\n");
		free(cmd);
	}
}

static void test_jsonlint(void)
{
	char *whole, *cut, *torn, *bad;

	if (access(PYTHON, X_OK) || access("tests/jsonlint.py", R_OK)) {
		CHECK(1, "# SKIP jsonlint: needs " PYTHON " and the repository root as cwd");
		return;
	}
	whole = write_stream("lint-whole.ndjson", WHOLE);
	cut = write_stream("lint-cut.ndjson", CUT);
	torn = write_stream("lint-torn.ndjson", CUT_MID_LINE);
	bad = write_text("lint-bad.ndjson",
		START "{\"type\":\"lost\",\"t\":1.0,\"count\":2,\"colour\":\"red\"}\n");
	check_lint(whole, "", 0, ": ok", "jsonlint passes a stream written by records.c");
	check_lint(cut, "--allow-no-summary", 0, ": ok", "jsonlint passes a cut stream when allowed");
	check_lint(cut, "", 1, ":7: no summary record",
		   "jsonlint fails a stream without summary by default");
	check_lint(torn, "--allow-no-summary", 1, ":8: last line has no newline",
		   "jsonlint fails a torn last line");
	check_lint(bad, "--allow-no-summary", 1, ":2: unknown key lost.colour",
		   "jsonlint fails an unknown key");
	free(whole);
	free(cut);
	free(torn);
	free(bad);
}

/* A run of two processes as records.c writes it: a named one still running, a forked child killed. */
static char *write_procs_stream(void)
{
	static const struct mt_rec_target target = { .spec = "f", .func = "f", .kind = "native",
						     .object = "/bin/x", .method = "uprobe" };
	static const char *const funcs[] = { "f" };
	struct mt_rec_start start = { .ts_unix = 1, .pid = 5, .comm = "x", .targets = &target,
				      .ntargets = 1, .page_size = 4096 };
	struct mt_func_stats total = { .func = "f", .kind = "native", .calls_known = true, .calls = 3,
				       .growth = 3 * MIB, .growth_max = 2 * MIB, .peak_max = 2 * MIB,
				       .retained_known = true, .retained = 3 * MIB };
	struct mt_stats s = { .funcs = &total, .nfuncs = 1, .duration = 2, .peak_rss = MIB };
	struct mt_func_agg in_parent = { .calls = 1, .growth = MIB, .growth_max = MIB, .peak_max = MIB };
	struct mt_func_agg in_child = { .calls = 2, .growth = 2 * MIB, .growth_max = 2 * MIB,
					.peak_max = 2 * MIB };
	struct mt_procs ps = { 0 };
	struct mt_proc_info *p;
	struct mt_json *j;
	char *path;
	FILE *f;

	if (asprintf(&path, "%s/procs.ndjson", tmpdir) < 0)
		return NULL;
	if ((p = mt_procs_add(&ps, 5)))
		*p = (struct mt_proc_info){ .pid = 5, .comm = "x", .how = "named", .end_rss = MIB,
					    .peak = MIB, .execs = 1 };
	if ((p = mt_procs_add(&ps, 6)))
		*p = (struct mt_proc_info){ .pid = 6, .ppid = 5, .comm = "\x1b[2Jkid", .how = "fork",
					    .start_rss = MIB, .end_rss = 4 * MIB, .peak = 5 * MIB,
					    .exited = true, .status = 9 /* SIGKILL */ };
	mt_procs_add_func(&ps, 5, 0, &in_parent);
	mt_procs_add_func(&ps, 6, 0, &in_child);
	f = fopen(path, "w");
	j = mt_json_new(f);
	mt_rec_start(j, &start);
	mt_rec_summary_all(j, 2, 5, &s, 0, &ps, funcs, 1);
	mt_json_free(j);
	fclose(f);
	mt_procs_free(&ps);
	return path;
}

/* summary.processes and .functions_by_process: the live run's per-process tables, hostile names escaped. */
static void test_procs(void)
{
	char *path = write_procs_stream();
	struct run r = report_file(path);

	CHECK_INT(r.rc, 0, "a summary of several processes");
	CHECK(has(r.out, "Functions by process\n"), "the per-function table");
	CHECK(has(r.out, "\nf                                       6  \\x1b[2Jkid              2    2.00 MiB    2.00 MiB\n"
		  "f                                       5  x                       1    1.00 MiB    1.00 MiB\n"),
	      "a row per process, most growth first, the name escaped");
	CHECK(has(r.out, "Processes by RSS growth: 2 traced\n"), "the processes table");
	CHECK(has(r.out, "       6        5  \\x1b[2Jkid          fork    1.00 MiB    4.00 MiB    3.00 MiB    5.00 MiB  signal 9\n"),
	      "a killed child: its figures and its signal");
	CHECK(has(r.out, "named    0.00 MiB    1.00 MiB    1.00 MiB    1.00 MiB  running\n"),
	      "the named process, still running");
	free_run(&r);
	if (!access(PYTHON, X_OK) && !access("tests/jsonlint.py", R_OK)) {
		char *bad = write_text("procs-bad.ndjson",
			START "{\"type\":\"process\",\"t\":1,\"pid\":6,\"ppid\":5,\"comm\":\"kid\","
			"\"event\":\"fork\",\"rss\":0,\"colour\":\"red\"}\n");

		check_lint(path, "", 0, ": ok", "jsonlint passes a summary of several processes");
		check_lint(bad, "--allow-no-summary", 1, ":2: unknown key process.colour",
			   "jsonlint fails an unknown key of a process record");
		free(bad);
	}
	free(path);
}

int main(void)
{
	tmpdir = unit_tmpdir("report");
	test_fmt_mib();
	test_fmt_size();
	test_function_table();
	test_line_table();
	test_round_trip();
	test_cut_short();
	test_errors();
	test_lenient();
	test_stdin();
	test_procs();
	test_jsonlint();
	return unit_finish(tmpdir);
}
