// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Per-function aggregation: totals, maxima (also negative), open calls, peak RSS. */
#include "stats.h"
#include "unit.h"

static struct mt_call call(int64_t entry, int64_t exit, int64_t peak, int64_t thread, bool open)
{
	struct mt_call c = {
		.pid = 1, .tid = 2, .func = "f", .rss_entry = entry, .rss_exit = exit,
		.rss_peak = peak, .growth = exit - entry, .thread_growth = thread, .open = open,
	};

	return c;
}

static void test_rows(void)
{
	struct mt_stats s = { 0 };
	int a, b, again;

	a = mt_stats_func(&s, "alpha", "native", true);
	b = mt_stats_func(&s, "beta", "python", false);
	again = mt_stats_func(&s, "alpha", "python", false);
	CHECK_INT(a, 0, "first row is index 0");
	CHECK_INT(b, 1, "second row is index 1");
	CHECK_INT(again, 0, "adding a known name returns its row");
	CHECK_INT(s.nfuncs, 2, "no duplicate row");
	CHECK_STR(s.funcs[0].kind, "native", "first kind kept");
	CHECK(s.funcs[0].calls_known && !s.funcs[1].calls_known, "calls_known kept per row");
	CHECK_INT(mt_stats_find(&s, "beta"), 1, "find beta");
	CHECK_INT(mt_stats_find(&s, "gamma"), -1, "find unknown");
	CHECK_INT(mt_stats_func(&s, "gamma", NULL, true), 2, "kind may be NULL");
	CHECK(s.funcs[2].kind == NULL, "NULL kind stays NULL");
	mt_stats_free(&s);
	CHECK(s.funcs == NULL && s.nfuncs == 0, "free resets the struct");
	mt_stats_free(&s); /* twice is harmless */
}

static void test_aggregation(void)
{
	struct mt_stats s = { 0 };
	struct mt_call c;
	int i = mt_stats_func(&s, "f", "native", true);
	struct mt_func_stats *f;

	c = call(1000, 3000, 5000, 1500, false); /* +2000, peak +4000 */
	mt_stats_add_call(&s, i, &c);
	c = call(3000, 2500, 3100, -700, false); /* -500, peak +100 */
	mt_stats_add_call(&s, i, &c);
	c = call(2500, 9000, 9500, 6000, false); /* +6500, peak +7000 */
	mt_stats_add_call(&s, i, &c);
	c = call(9000, 20000, 30000, 11000, true); /* open: only .open and peak_rss */
	mt_stats_add_call(&s, i, &c);
	f = &s.funcs[i];
	CHECK_INT(f->calls, 3, "completed calls counted");
	CHECK_INT(f->open, 1, "open call counted apart");
	CHECK_INT(f->growth, 2000 - 500 + 6500, "growth summed over completed calls");
	CHECK_INT(f->growth_max, 6500, "growth_max");
	CHECK_INT(f->peak_max, 7000, "peak_max is the largest rss_peak - rss_entry");
	CHECK_INT(f->thread_growth, 1500 - 700 + 6000, "thread_growth summed");
	CHECK_INT(s.peak_rss, 30000, "peak_rss includes the open call's peak");

	mt_stats_add_call(&s, 7, &c); /* out of range: ignored, no crash */
	CHECK_INT(s.nfuncs, 1, "out-of-range index ignored");
	mt_stats_free(&s);
}

/* Every call shrinks memory: the maxima are negative, not a made-up 0. */
static void test_negative(void)
{
	struct mt_stats s = { 0 };
	struct mt_call c;
	int i = mt_stats_func(&s, "shrink", "native", true);
	struct mt_func_stats *f;

	c = call(10000, 6000, 10000, -4000, false);
	mt_stats_add_call(&s, i, &c);
	c = call(6000, 5000, 6000, -1000, false);
	mt_stats_add_call(&s, i, &c);
	f = &s.funcs[i];
	CHECK_INT(f->calls, 2, "two calls");
	CHECK_INT(f->growth, -5000, "negative total growth");
	CHECK_INT(f->growth_max, -1000, "growth_max is the least negative, not 0");
	CHECK_INT(f->peak_max, 0, "peak_max 0 when RSS never rose above entry");
	CHECK_INT(f->thread_growth, -5000, "negative thread growth");
	mt_stats_free(&s);
}

static void test_only_open(void)
{
	struct mt_stats s = { 0 };
	struct mt_call c = call(100, 50000, 60000, 49900, true);
	int i = mt_stats_func(&s, "forever", "native", true);

	mt_stats_add_call(&s, i, &c);
	mt_stats_add_call(&s, i, &c);
	CHECK_INT(s.funcs[i].calls, 0, "open calls are not completed calls");
	CHECK_INT(s.funcs[i].open, 2, "two open");
	CHECK_INT(s.funcs[i].growth, 0, "open calls add no growth");
	CHECK_INT(s.funcs[i].thread_growth, 0, "open calls add no thread growth");
	CHECK_INT(s.funcs[i].growth_max, 0, "no maxima from open calls");
	/* The first completed call after open ones still sets the maxima. */
	c = call(100, 50, 120, -50, false);
	mt_stats_add_call(&s, i, &c);
	CHECK_INT(s.funcs[i].growth_max, -50, "first completed call sets growth_max");
	CHECK_INT(s.funcs[i].peak_max, 20, "first completed call sets peak_max");
	mt_stats_free(&s);
}

/* A call that began before tracing: only its end was seen, so it is counted apart. */
static void test_partial(void)
{
	struct mt_stats s = { 0 };
	struct mt_call c = call(100, 90000, 95000, 89900, false);
	int i = mt_stats_func(&s, "span", "python", true);
	struct mt_func_stats *f = &s.funcs[i];

	c.partial = true;
	mt_stats_add_call(&s, i, &c);
	CHECK_INT(f->partial, 1, "partial call counted apart");
	CHECK_INT(f->calls, 0, "a partial call is not a counted call");
	CHECK_INT(f->growth, 0, "partial calls add no growth");
	CHECK_INT(f->thread_growth, 0, "partial calls add no thread growth");
	CHECK_INT(s.peak_rss, 95000, "the partial call's peak is real");
	c = call(90000, 91000, 92000, 1000, false);
	mt_stats_add_call(&s, i, &c);
	CHECK_INT(f->calls, 1, "the complete call counted");
	CHECK_INT(f->growth_max, 1000, "growth_max from the complete call only");
	CHECK_INT(f->peak_max, 2000, "peak_max from the complete call only");
	mt_stats_free(&s);
}

int main(void)
{
	test_rows();
	test_aggregation();
	test_negative();
	test_only_open();
	test_partial();
	return unit_done();
}
