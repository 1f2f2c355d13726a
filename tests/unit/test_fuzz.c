// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Fuzzing every reader of saved streams: valid streams written by records.c,
 * mutated (truncation, bit flips, huge numbers, deep nesting, giant arrays,
 * invalid UTF-8, shuffled lines, wrong types), then read by `memtrace
 * report` (mt_report_main) and `memtrace plot` (mt_series_read, then the SVG
 * and the mprof file). Built with ASan and UBSan (Makefile: SAN_FLAGS); each
 * input runs in a child that must end 0 or 1 within a time bound, and a
 * sanitizer report aborts it. Fixed seed, fixed count: the same inputs every
 * run. A failing input is kept and its path printed, with the child's stderr.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "plot.h"
#include "records.h"
#include "report.h"
#include "series.h"
#include "unit.h"

#define SEED 0x6d656d7472616365ULL
#define ITERATIONS 1200
#define RUN_SECONDS 20 /* per input, under the sanitizers on a slow machine */
#define MIB 1048576LL

static char *tmpdir;
static uint64_t rng = SEED;

/* xorshift64*: small, and the same sequence everywhere. */
static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

static size_t below(size_t n)
{
	return n ? rnd() % n : 0;
}

struct buf {
	char *p;
	size_t len;
};

/* Valid streams to start from */

static char *argv_app[] = { "./app", "-n", "3", NULL };
static const struct mt_rec_target targets[] = {
	{ "grow", "grow", "native", "/tmp/app", "uprobe" },
	{ "Inversa", "Inversa", "python", "/usr/bin/python3.11", "usdt" },
	{ "walk", "walk", "python", "/usr/bin/python3.11", "frames" },
};

static struct buf seed_stream(int kind)
{
	struct mt_rec_start start = {
		.t = 0, .ts_unix = 1700000000.5, .pid = 4242, .comm = "app", .cmdline = argv_app,
		.targets = targets, .ntargets = kind ? 3 : 1, .page_size = 4096,
	};
	struct mt_func_stats funcs[] = {
		{ .func = "grow", .kind = "native", .calls_known = true, .calls = 3, .open = 1,
		  .growth = 3 * MIB, .growth_max = 2 * MIB, .peak_max = 4 * MIB, .thread_growth = MIB },
		{ .func = "Inversa", .file = "m.py", .kind = "python", .calls_known = true },
		{ .func = "walk", .file = "w.py", .kind = "python", .growth = 4096,
		  .thread_growth = 4096 },
	};
	struct mt_line_stats lines[] = {
		{ .func = "Inversa", .file = "m.py", .line = 11, .mem = 40 * MIB, .increment = 9 * MIB,
		  .occurrences = 1, .source = "    return a.I" },
		{ .func = "Inversa", .file = "m.py", .line = 10, .mem = -1, .increment = -5,
		  .occurrences = -1, .source = NULL },
	};
	struct mt_stats s = { .funcs = funcs, .nfuncs = kind ? 3 : 1, .lines = lines,
			      .nlines = kind ? 2 : 0, .peak_rss = 70 * MIB, .duration = 12.3, .lost = 2 };
	struct buf b = { 0 };
	FILE *f = open_memstream(&b.p, &b.len);
	struct mt_json *j = mt_json_new(f);
	int i;

	mt_rec_start(j, &start);
	for (i = 0; i < 12; i++) {
		struct mt_rec_sample smp = {
			.t = 0.1 * i, .pid = 4242, .rss = (10 + i) * MIB, .anon = 8 * MIB,
			.file = (2 + i) * MIB, .shmem = 0, .peak = (11 + i) * MIB,
		};
		struct mt_call c = {
			.pid = 4242, .tid = 4242 + i % 3, .func = i % 2 ? "grow" : "Inversa",
			.file = i % 2 ? NULL : "m.py", .t = 0.1 * i + 0.05, .dur = 0.01 * i,
			.rss_entry = 10 * MIB, .rss_exit = (10 + i) * MIB, .rss_peak = (12 + i) * MIB,
			.growth = i * MIB, .thread_growth = i * MIB / 2, .open = i == 11,
		};

		mt_rec_sample(j, &smp);
		mt_rec_call(j, &c);
		if (i == 5)
			mt_rec_lost(j, 0.55, 2);
	}
	if (kind == 1)
		mt_rec_error(j, 1.2, "cannot read \x1b[2J maps");
	if (kind != 2) {
		mt_rec_exit(j, 1.3, 4242, 0);
		mt_rec_summary(j, 1.3, 4242, &s);
	}
	mt_json_free(j);
	fclose(f);
	return b;
}

/* Mutations */

static void replace(struct buf *b, size_t at, size_t del, const char *ins, size_t n)
{
	char *p;

	if (at > b->len)
		at = b->len;
	if (del > b->len - at)
		del = b->len - at;
	p = malloc(b->len - del + n + 1);
	memcpy(p, b->p, at);
	memcpy(p + at, ins, n);
	memcpy(p + at + n, b->p + at + del, b->len - at - del);
	b->len = b->len - del + n;
	p[b->len] = '\0';
	free(b->p);
	b->p = p;
}

/* A position just after a random ':' (a value starts there), or a random one. */
static size_t value_at(const struct buf *b)
{
	size_t at = below(b->len);
	char *c = memchr(b->p + at, ':', b->len - at);

	return c ? (size_t)(c - b->p) + 1 : at;
}

/* The rough extent of the value at `at`: to the next ',', '}' or ']' on its line. */
static size_t value_len(const struct buf *b, size_t at)
{
	size_t n = 0;

	while (at + n < b->len && !strchr(",}]\n", b->p[at + n]))
		n++;
	return n;
}

static void put_value(struct buf *b, const char *v, size_t n)
{
	size_t at = value_at(b);

	replace(b, at, value_len(b, at), v, n);
}

static const char *const extremes[] = {
	"9223372036854775807", "-9223372036854775808", "9223372036854775808",
	"18446744073709551615", "1152921504606846976", "-1152921504606846977",
	"1e308", "-1.7976931348623157e308", "4.9e-324", "1e-320", "0", "-0", "2147483648",
	"-2147483649", "4294967296", "1e9", "1000000001", "-1", "1e400", "0.0000001",
};

static const char *const odd_values[] = {
	"null", "true", "false", "\"\"", "{}", "[]", "[null]", "\"\\u001b[2J\\u009b\"",
	"\"\\ud83d\\ude00\"", "{\"a\":1}", "\"start\"", "\"summary\"", "\"call\"", "\"sample\"",
	"\"lost\"", "\"exit\"", "\"error\"", "[{}]", "[[]]", "\"x\\ty\"", "1.5", "-7",
};

static const char *const bad_bytes[] = {
	"\xff", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82", "\x80", "\x1b[2J",
	"\x7f", "\x00", "\xc2\x9b", "\n", "\r", "\t", "\\", "\\u", "\\ud800",
};

static void mutate_deep(struct buf *b)
{
	size_t depth = 1 + below(5000), n = 0, i;
	bool balanced = below(2);
	char *v = malloc(2 * depth + 2);
	char open = below(2) ? '[' : '{';

	for (i = 0; i < depth; i++)
		v[n++] = open == '[' || i == 0 ? '[' : '{';
	if (balanced) {
		for (i = depth; i-- > 0;)
			v[n++] = ']';
		/* Only arrays nest in this form: objects would need keys. */
		for (i = 0; i < n; i++)
			if (v[i] == '{')
				v[i] = '[';
	}
	put_value(b, v, n);
	free(v);
}

static void mutate_giant(struct buf *b)
{
	static const char *const items[] = { "1", "{}", "null", "\"a\"", "[]",
		"{\"func\":\"f\",\"kind\":\"native\",\"calls\":1,\"open\":0,\"growth\":1,"
		"\"growth_max\":1,\"peak_max\":1,\"thread_growth\":1}" };
	const char *item = items[below(6)];
	size_t count = 1 + below(below(4) ? 1000 : 100000), il = strlen(item), n = 0, i;
	char *v = malloc(count * (il + 1) + 2);

	v[n++] = '[';
	for (i = 0; i < count; i++) {
		if (i)
			v[n++] = ',';
		memcpy(v + n, item, il);
		n += il;
	}
	v[n++] = ']';
	put_value(b, v, n);
	free(v);
}

/* The start of a random line, and its length with the newline. */
static size_t pick_line(const struct buf *b, size_t *len)
{
	size_t at = below(b->len), end;

	while (at > 0 && b->p[at - 1] != '\n')
		at--;
	for (end = at; end < b->len && b->p[end] != '\n'; end++)
		;
	*len = end - at + (end < b->len);
	return at;
}

static void mutate_lines(struct buf *b)
{
	size_t la, lb, a = pick_line(b, &la), bb;
	char *copy = malloc(la + 1);

	memcpy(copy, b->p + a, la);
	switch (below(3)) {
	case 0: /* duplicate */
		replace(b, a, 0, copy, la);
		break;
	case 1: /* delete */
		replace(b, a, la, "", 0);
		break;
	default: /* move elsewhere */
		replace(b, a, la, "", 0);
		bb = pick_line(b, &lb);
		replace(b, bb, 0, copy, la);
	}
	free(copy);
}

static void mutate(struct buf *b)
{
	size_t at, i, n;
	const char *s;
	char *big;

	switch (below(10)) {
	case 0: /* truncation */
		b->len = below(b->len + 1);
		b->p[b->len] = '\0';
		break;
	case 1: /* bit flips */
		for (n = 1 + below(8), i = 0; i < n && b->len; i++)
			b->p[below(b->len)] ^= 1 << below(8);
		break;
	case 2: /* huge and odd numbers */
		s = extremes[below(sizeof(extremes) / sizeof(extremes[0]))];
		put_value(b, s, strlen(s));
		break;
	case 3:
		mutate_deep(b);
		break;
	case 4:
		mutate_giant(b);
		break;
	case 5: /* invalid UTF-8 and control bytes, mostly inside strings */
		s = bad_bytes[below(sizeof(bad_bytes) / sizeof(bad_bytes[0]))];
		at = below(b->len);
		if (below(4)) {
			char *q = memchr(b->p + at, '"', b->len - at);

			at = q ? (size_t)(q - b->p) + 1 : at;
		}
		replace(b, at, 0, s, strlen(s) ? strlen(s) : 1);
		break;
	case 6:
		mutate_lines(b);
		break;
	case 7: /* values of other types */
		s = odd_values[below(sizeof(odd_values) / sizeof(odd_values[0]))];
		put_value(b, s, strlen(s));
		break;
	case 8: /* a long string */
		n = 1 + below(below(2) ? 100 : 300000);
		big = malloc(n + 2);
		memset(big + 1, below(2) ? 'a' : '\xe9', n);
		big[0] = big[n + 1] = '"';
		put_value(b, big, n + 2);
		free(big);
		break;
	default: /* a byte anywhere */
		if (b->len)
			b->p[below(b->len)] = (char)rnd();
	}
}

/* Running the readers */

static int devnull_fd = -1;

/* In the child: every reader over path; exits with report's code (0 or 1), or 3 for any other. */
static void __attribute__((noreturn)) run_readers(const char *path, const char *errpath)
{
	char *argv[] = { "report", (char *)path, NULL };
	struct mt_series s = { 0 };
	char err[1024];
	int rc, efd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	FILE *out;

	alarm(RUN_SECONDS);
	dup2(devnull_fd, 1);
	if (efd >= 0)
		dup2(efd, 2);
	rc = mt_report_main(2, argv);
	if (rc != 0 && rc != 1) {
		fprintf(stderr, "report exited %d\n", rc);
		exit(3);
	}
	fflush(stdout);
	if (!mt_series_read(path, &s, err, sizeof(err))) {
		out = fopen("/dev/null", "w");
		if (out) {
			mt_plot_svg(&s, out);
			mt_mprof_write(&s, out);
			fclose(out);
		}
	}
	mt_series_free(&s);
	/* exit(), not _exit(): LeakSanitizer checks at exit. */
	exit(rc);
}

static bool write_input(const char *path, const struct buf *b)
{
	FILE *f = fopen(path, "w");
	bool ok = f && fwrite(b->p, 1, b->len, f) == b->len;

	if (f && fclose(f))
		ok = false;
	return ok;
}

/* Shows the child's stderr (the sanitizer's report) as TAP comments. */
static void show(const char *errpath)
{
	char line[512];
	FILE *f = fopen(errpath, "r");
	int n = 0;

	while (f && fgets(line, sizeof(line), f) && n++ < 60)
		printf("# %s", line);
	if (f)
		fclose(f);
}

static void test_fuzz(void)
{
	char path[128], errpath[128], keep[160];
	int i, failed = 0, accepted = 0, rejected = 0;
	time_t t0 = time(NULL);

	snprintf(path, sizeof(path), "%s/input.ndjson", tmpdir);
	snprintf(errpath, sizeof(errpath), "%s/stderr", tmpdir);
	devnull_fd = open("/dev/null", O_WRONLY);
	for (i = 0; i < ITERATIONS; i++) {
		struct buf b = seed_stream(i % 3);
		int st, m, nmut = 1 + (int)below(3);
		pid_t pid;

		for (m = 0; m < nmut; m++)
			mutate(&b);
		if (!write_input(path, &b)) {
			CHECK(0, "input %d written", i);
			free(b.p);
			break;
		}
		free(b.p);
		fflush(stdout);
		pid = fork();
		if (pid == 0)
			run_readers(path, errpath);
		if (pid < 0 || waitpid(pid, &st, 0) != pid) {
			CHECK(0, "input %d: fork/wait", i);
			break;
		}
		if (WIFEXITED(st) && WEXITSTATUS(st) <= 1) {
			accepted += WEXITSTATUS(st) == 0;
			rejected += WEXITSTATUS(st) == 1;
			continue;
		}
		failed++;
		snprintf(keep, sizeof(keep), "%s/failed-%d.ndjson", tmpdir, i);
		rename(path, keep);
		if (WIFSIGNALED(st))
			CHECK(0, "input %d: killed by signal %d%s; kept as %s", i, WTERMSIG(st),
			      WTERMSIG(st) == SIGALRM ? " (took more than the time bound)" : "", keep);
		else
			CHECK(0, "input %d: exit %d; kept as %s", i, WEXITSTATUS(st), keep);
		show(errpath);
		if (failed >= 5)
			break;
	}
	CHECK(failed == 0, "%d mutated streams read by report and plot, %d failed, in %lds", i,
	      failed, (long)(time(NULL) - t0));
	/* Both kinds, or the mutations miss the readers' insides or never break a stream. */
	CHECK(accepted > 0 && rejected > 0, "report accepted %d inputs and rejected %d", accepted,
	      rejected);
	unlink(path);
	unlink(errpath);
}

/* The fuzz test can fail: a reader that crashes or overflows is caught. */
static void test_catches(void)
{
	int st;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		volatile int big = 0x7fffffff;

		dup2(devnull_fd, 2);
		big += (int)(getpid() > 0); /* signed overflow: UBSan must abort here */
		exit(0);
	}
	CHECK(pid > 0 && waitpid(pid, &st, 0) == pid && !(WIFEXITED(st) && WEXITSTATUS(st) == 0),
	      "a signed overflow in a child is caught by UBSan (status %d)", st);
}

int main(void)
{
	tmpdir = unit_tmpdir("fuzz");
	test_fuzz();
	test_catches();
	return unit_finish(tmpdir);
}
