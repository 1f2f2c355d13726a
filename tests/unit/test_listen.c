// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What --listen serves, without a server: its addresses (mt_listen_parse),
 * the /metrics exposition (mt_metrics_write: escaping, merged series,
 * --max-series) and the growth of a /pprof?seconds=N window
 * (mt_profile_mark, mt_profile_since).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/un.h>
#include "collect.h"
#include "http.h"
#include "metrics.h"
#include "procs.h"
#include "profile.h"
#include "unit.h"

static void listen_ok(const char *s, int family, const char *host, unsigned port)
{
	struct mt_listen_addr a;
	char why[256] = "", text[INET6_ADDRSTRLEN] = "";
	int r = mt_listen_parse(s, &a, why, sizeof(why));

	CHECK_INT(r, 0, s);
	if (r)
		return;
	CHECK_INT(a.sa.ss_family, family, s);
	if (family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)&a.sa;

		inet_ntop(AF_INET, &in->sin_addr, text, sizeof(text));
		CHECK_INT(ntohs(in->sin_port), port, s);
	} else if (family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&a.sa;

		inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof(text));
		CHECK_INT(ntohs(in6->sin6_port), port, s);
	} else {
		CHECK_STR(((const struct sockaddr_un *)&a.sa)->sun_path, host, s);
		CHECK_STR(a.path, host, "path");
		return;
	}
	CHECK_STR(text, host, s);
	CHECK(a.path == NULL, "%s: no path", s);
}

static void listen_bad(const char *s)
{
	struct mt_listen_addr a;
	char why[256] = "";

	CHECK_INT(mt_listen_parse(s, &a, why, sizeof(why)), -EINVAL, s);
	CHECK(strstr(why, "--listen") && !strchr(why, '\n'), "'%s': one line naming --listen: %s", s, why);
}

static void test_listen(void)
{
	listen_ok("9464", AF_INET, "127.0.0.1", 9464);
	listen_ok(":9464", AF_INET, "127.0.0.1", 9464);
	listen_ok(":0", AF_INET, "127.0.0.1", 0);
	listen_ok("0.0.0.0:65535", AF_INET, "0.0.0.0", 65535);
	listen_ok("10.1.2.3:80", AF_INET, "10.1.2.3", 80);
	listen_ok("[::1]:9464", AF_INET6, "::1", 9464);
	listen_ok("[::]:1", AF_INET6, "::", 1);
	listen_ok("unix:/run/m.sock", AF_UNIX, "/run/m.sock", 0);
	listen_ok("unix:rel:ative", AF_UNIX, "rel:ative", 0);
	for (const char *const *b = (const char *const[]){ "", ":", "x", "65536", "-1", "+1", " 1", "1 ",
							 "1.2.3.4", "1.2.3.4:", "1.2.3:80", "host:80",
							 "[::1]", "::1:80", "[::1:80", "[1.2.3.4]:80",
							 "1.2.3.4:99999999999999999999", "unix:", NULL };
	     *b; b++)
		listen_bad(*b);
	char longpath[200] = "unix:";

	memset(longpath + 5, 'p', 150);
	listen_bad(longpath);
}

/* Two processes (one with a comm that needs every escape), native and Python functions. */
static void fixture(struct mt_procs *ps, struct mt_pycodes *codes, struct mt_target *targets)
{
	struct mt_proc_info *p;

	memset(ps, 0, sizeof(*ps));
	memset(codes, 0, sizeof(*codes));
	targets[0] = (struct mt_target){ .func = "grow", .object = "/bin/a\"b" };
	targets[1] = (struct mt_target){ .func = "Work", .kind = MT_KIND_PYTHON };
	p = mt_procs_add(ps, 10);
	strcpy(p->comm, "app");
	p->end_rss = 5000;
	p = mt_procs_add(ps, 11);
	strcpy(p->comm, "q\"\\\n\xff");
	p->end_rss = 9000;
	/* Two code objects of one name in one file (methods of two classes): one series. */
	mt_pycodes_add(codes, 0, 1, "Work", "/a.py", 1);
	mt_pycodes_add(codes, 1, 1, "Work", "/a.py", 9);
	mt_procs_add_func(ps, 10, 0, &(struct mt_func_agg){ .calls = 3, .growth = 300, .peak_max = 200 });
	mt_procs_add_func(ps, 11, 0, &(struct mt_func_agg){ .calls = 1, .growth = -50, .peak_max = 10 });
	mt_procs_add_func(ps, 11, MT_MAX_FUNCS + 0,
			  &(struct mt_func_agg){ .calls = 2, .growth = 100, .peak_max = 70 });
	mt_procs_add_func(ps, 11, MT_MAX_FUNCS + 1,
			  &(struct mt_func_agg){ .calls = 5, .growth = 1000, .peak_max = 40 });
	/* Frame walking: growth, no calls. An unread code: no name, left out. */
	mt_procs_add_walked(ps, 10, MT_MAX_FUNCS + 1, 64);
	mt_procs_add_walked(ps, 10, MT_MAX_FUNCS + 7, 64);
}

static char *exposition(const struct mt_procs *ps, const struct mt_collect *col, size_t max,
			uint64_t *dropped)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct mt_metrics_src src = { .procs = ps, .col = col, .lost = 7, .max_series = max,
				      .dropped = dropped };

	CHECK(f && mt_metrics_write(f, &src) == 0, "mt_metrics_write");
	fclose(f);
	return buf;
}

/* line (its newlines left out of the check's name) is in text. */
static void has(const char *text, const char *line)
{
	const char *start = line + (*line == '\n');

	CHECK(strstr(text, line) != NULL, "has: %.*s", (int)strcspn(start, "\n"), start);
}

static void test_metrics(void)
{
	struct mt_procs ps;
	struct mt_pycodes codes;
	struct mt_target targets[2];
	uint64_t dropped = 0;
	char *t;

	fixture(&ps, &codes, targets);
	struct mt_collect col = { .targets = targets, .ntargets = 2, .codes = &codes };

	t = exposition(&ps, &col, 1000, &dropped);
	has(t, "# HELP memtrace_calls_total ");
	has(t, "# TYPE memtrace_calls_total counter\n");
	has(t, "# TYPE memtrace_growth_bytes gauge\n");
	has(t, "# TYPE memtrace_peak_in_call_bytes gauge\n");
	has(t, "# TYPE memtrace_process_rss_bytes gauge\n");
	has(t, "\nmemtrace_calls_total{function=\"grow\",object=\"/bin/a\\\"b\",pid=\"10\",comm=\"app\"} 3\n");
	has(t, "\nmemtrace_peak_in_call_bytes{function=\"grow\",object=\"/bin/a\\\"b\",pid=\"10\",comm=\"app\"} 200\n");
	/* Backslash, quote, newline escaped; 0xff as Latin-1, U+00FF in UTF-8. */
	has(t, "\nmemtrace_growth_bytes{function=\"grow\",object=\"/bin/a\\\"b\",pid=\"11\",comm=\"q\\\"\\\\\\n\xc3\xbf\"} -50\n");
	has(t, "\nmemtrace_process_rss_bytes{pid=\"11\",comm=\"q\\\"\\\\\\n\xc3\xbf\"} 9000\n");
	/* The two code objects of Work in /a.py, one series: calls and growth summed, the larger peak. */
	has(t, "\nmemtrace_calls_total{function=\"Work\",file=\"/a.py\",pid=\"11\",comm=\"q\\\"\\\\\\n\xc3\xbf\"} 7\n");
	has(t, "\nmemtrace_growth_bytes{function=\"Work\",file=\"/a.py\",pid=\"11\",comm=\"q\\\"\\\\\\n\xc3\xbf\"} 1100\n");
	has(t, "\nmemtrace_peak_in_call_bytes{function=\"Work\",file=\"/a.py\",pid=\"11\",comm=\"q\\\"\\\\\\n\xc3\xbf\"} 70\n");
	/* Frame walking: a growth series alone. */
	has(t, "\nmemtrace_growth_bytes{function=\"Work\",file=\"/a.py\",pid=\"10\",comm=\"app\"} 64\n");
	CHECK(!strstr(t, "memtrace_calls_total{function=\"Work\",file=\"/a.py\",pid=\"10\""),
	      "no calls series for frame walking");
	CHECK(!strstr(t, "?"), "the unnamed code is left out");
	has(t, "\nmemtrace_lost_records_total 7\n");
	has(t, "\nmemtrace_dropped_series_total 0\n");
	free(t);

	/*
	 * 5 series: Work in 11 (growth 1100, 3 series) fits, grow in 10 (300, 3) does not, nor
	 * do the smaller ones (3 + 1 + 3 more); the two processes' RSS fit.
	 */
	t = exposition(&ps, &col, 5, &dropped);
	CHECK(strstr(t, "function=\"Work\",file=\"/a.py\",pid=\"11\"") && !strstr(t, "function=\"grow\"") &&
	      !strstr(t, "pid=\"10\",comm=\"app\"} 64"), "--max-series 5 keeps the largest function");
	has(t, "\nmemtrace_process_rss_bytes{pid=\"10\",comm=\"app\"} 5000\n");
	has(t, "\nmemtrace_dropped_series_total 7\n");
	free(t);
	t = exposition(&ps, &col, 1, &dropped);
	has(t, "\nmemtrace_process_rss_bytes{pid=\"11\",comm=\"q\\\"\\\\\\n\xc3\xbf\"} 9000\n");
	CHECK(!strstr(t, "pid=\"10\""), "--max-series 1: the larger process alone");
	has(t, "\nmemtrace_dropped_series_total 18\n"); /* 7, then 10 functions' and 1 process's */
	free(t);
	mt_procs_free(&ps);
	mt_pycodes_free(&codes);
}

static void add(struct mt_profile *p, const char *leaf, int64_t bytes)
{
	const struct mt_frame f[] = { { .func = "main" }, { .func = leaf } };

	CHECK(mt_profile_add(p, &(struct mt_stack){ .frames = f, .n = 2, .bytes = bytes }) >= 0, "add %s", leaf);
}

static void test_window(void)
{
	struct mt_profile p, view;
	struct mt_profile_mark m;

	mt_profile_init(&p);
	add(&p, "a", 100);
	add(&p, "b", 200);
	CHECK_INT(mt_profile_mark(&p, &m), 0, "mark");
	add(&p, "b", 50);
	add(&p, "c", 30);
	add(&p, "c", 30);
	CHECK_INT(mt_profile_since(&p, &m, &view), 0, "since");
	/* a did not change: left out; b gained 50 in one sample; c is new. */
	CHECK_INT(view.nstacks, 2, "stacks in the window");
	CHECK_INT(view.stacks[0].bytes, 50, "b's bytes");
	CHECK_INT(view.stacks[0].samples, 1, "b's samples");
	CHECK_INT(view.stacks[1].bytes, 60, "c's bytes");
	CHECK_INT(view.stacks[1].samples, 2, "c's samples");
	CHECK_INT(view.bytes, 110, "the window's bytes");
	CHECK_INT(view.samples, 3, "the window's samples");
	CHECK(view.frames == p.frames && view.nframes == p.nframes, "the frames are borrowed");
	mt_profile_view_free(&view);
	CHECK_INT(p.stacks[1].bytes, 250, "the profile itself is untouched");
	mt_profile_mark_free(&m);
	mt_profile_free(&p);
}

int main(void)
{
	test_listen();
	test_metrics();
	test_window();
	return unit_done();
}
