// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The process table of a long run (user/procs.c): ended rows pruned at a mark, held to their bound. */
#include <stdlib.h>
#include <string.h>
#include "procs.h"
#include "unit.h"

static void join(struct mt_procs *ps, pid_t pid, int64_t rss)
{
	struct mt_proc_rec r = { .type = MT_REC_PROC, .pid = (__u32)pid, .ppid = 1,
				 .event = MT_PROC_FORK, .rss = rss };

	strcpy(r.comm, "worker");
	mt_procs_event(ps, &r);
}

static void end(struct mt_procs *ps, pid_t pid, int64_t rss)
{
	struct mt_exit_rec r = { .type = MT_REC_EXIT, .pid = (__u32)pid, .rss = rss, .peak = rss };

	mt_procs_exit(ps, &r);
}

/* The report into a string, for its lines. */
static char *report(const struct mt_procs *ps, size_t max)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	mt_procs_report(f, ps, max);
	fclose(f);
	return buf;
}

static void test_prune_at_mark(void)
{
	struct mt_procs ps = { 0 };
	uint64_t mark;
	char *out;

	for (pid_t pid = 100; pid < 110; pid++)
		join(&ps, pid, 1000);
	end(&ps, 101, 2000);
	end(&ps, 102, 3000);
	mark = mt_procs_mark(&ps);
	CHECK_INT(mark, 2, "two exits so far");
	end(&ps, 103, 4000); /* after the scrape began: kept */
	/* A reused pid: the ended 101's row stays unindexed, the new one is found. */
	join(&ps, 101, 5000);
	mt_procs_prune(&ps, NULL, mark);
	CHECK_INT(ps.n, 9, "the two ended before the mark dropped, the reused pid's new row kept");
	CHECK_INT(ps.dropped, 2, "dropped counted");
	CHECK_INT(ps.nended, 1, "one ended row left");
	CHECK(mt_procs_find(&ps, 102) == NULL, "102 gone");
	CHECK(mt_procs_find(&ps, 101) && !mt_procs_find(&ps, 101)->exited &&
	      mt_procs_find(&ps, 101)->start_rss == 5000, "101 finds its new process after the rows moved");
	CHECK(mt_procs_find(&ps, 103) && mt_procs_find(&ps, 103)->exited, "103 kept: it ended after the mark");
	CHECK(mt_procs_find(&ps, 109) && mt_procs_find(&ps, 109)->start_rss == 1000, "109 found after the rows moved");
	out = report(&ps, 20);
	CHECK(strstr(out, "Processes by RSS growth: 11 traced\n") != NULL, "title counts the dropped: %s", out);
	CHECK(strstr(out, "... and 2 more (2 ended and not kept: at most 1024 ended are)\n") != NULL,
	      "last line says what was dropped: %s", out);
	free(out);
	mt_procs_prune(&ps, NULL, mt_procs_mark(&ps));
	CHECK_INT(ps.nended, 0, "a second scrape drops the rest");
	mt_procs_free(&ps);
}

static void test_bound(void)
{
	struct mt_procs ps = { 0 };
	size_t big = 0, most = 0;
	char *out;
	int n = 3000;

	/* Every 100th process grows 1 MB, the others 1 kB: the large ones must stay. */
	for (int i = 0; i < n; i++) {
		join(&ps, 1000 + i, 0);
		end(&ps, 1000 + i, i % 100 ? 1000 : 1000000);
		mt_procs_tick(&ps, NULL);
		if (ps.nended > most)
			most = ps.nended;
	}
	CHECK(most <= MT_PROCS_KEEP_ENDED + MT_PROCS_KEEP_ENDED / 8, "bounded at every exit (%zu at most)", most);
	CHECK(most > MT_PROCS_KEEP_ENDED, "the bound was reached");
	for (size_t i = 0; i < ps.n; i++)
		big += ps.v[i].end_rss == 1000000;
	CHECK_INT(big, n / 100, "every large grower kept");
	CHECK_INT(ps.n + ps.dropped, n, "kept plus dropped: all");
	out = report(&ps, 0);
	CHECK(strstr(out, "Processes by RSS growth: 3000 traced\n") != NULL, "title: %s", strtok(out, "\n"));
	free(out);
	mt_procs_free(&ps);
}

static void test_short_run_unchanged(void)
{
	struct mt_procs ps = { 0 };
	char *out;

	for (pid_t pid = 10; pid < 40; pid++) {
		join(&ps, pid, 0);
		end(&ps, pid, 4096);
		mt_procs_tick(&ps, NULL);
	}
	out = report(&ps, 20);
	CHECK_INT(ps.dropped, 0, "nothing dropped below the bound");
	CHECK(strstr(out, "... and 10 more (all of them: -v)\n") != NULL, "the usual last line: %s", out);
	CHECK(strstr(out, "not kept") == NULL, "no word of dropping");
	free(out);
	mt_procs_free(&ps);
}

int main(void)
{
	test_prune_at_mark();
	test_bound();
	test_short_run_unchanged();
	return unit_done();
}
