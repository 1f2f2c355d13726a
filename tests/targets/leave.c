// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * leave [--wait|--wait-file F] [--log F] MODE [N]: calls that end without
 * returning, and more calls open at once than memtrace can time.
 *
 *   exit N     N threads each call exit_inside(), which touches 256 KiB and
 *              calls pthread_exit() inside it; then the main thread calls
 *              normal() 100 times (64 KiB kept each), reporting
 *              "rss_before"/"rss_after" around each call.
 *   longjmp    jumper() touches 10 MiB and longjmp()s out of itself; then
 *              the main thread touches 8 MiB outside any traced function.
 *              Reports "rss_before" (before jumper) and "rss_after" (where
 *              the longjmp lands), then "rss_more" after the 8 MiB.
 *   many N     N threads are inside hold() at once (a barrier keeps them
 *              there until all have entered); then normal() 10 times.
 *
 * Ends with "done". Thread stacks are 64 KiB so thousands of threads are cheap.
 */
#include <pthread.h>
#include <setjmp.h>
#include "target.h"

static pthread_barrier_t all_in;
static jmp_buf landing;

TRACED void normal(void)
{
	t_keep(64 << 10);
}

TRACED void exit_inside(void)
{
	t_keep(256 << 10);
	pthread_exit(NULL);
}

TRACED void hold(void)
{
	pthread_barrier_wait(&all_in);
}

TRACED void jumper(void)
{
	t_keep(10 << 20);
	longjmp(landing, 1);
}

static void *exiter(void *arg __attribute__((unused)))
{
	exit_inside();
	return NULL;
}

static void *holder(void *arg __attribute__((unused)))
{
	hold();
	return NULL;
}

static void run_threads(long n, void *(*fn)(void *))
{
	pthread_t *tids = calloc(n, sizeof(*tids));
	pthread_attr_t attr;

	if (!tids)
		abort();
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 << 10);
	for (long i = 0; i < n; i++) {
		if (pthread_create(&tids[i], &attr, fn, NULL)) {
			fprintf(stderr, "leave: pthread_create failed at thread %ld\n", i);
			exit(99);
		}
	}
	for (long i = 0; i < n; i++)
		pthread_join(tids[i], NULL);
	free(tids);
}

static void normal_calls(int n)
{
	for (int i = 0; i < n; i++)
		T_MEASURED(normal());
}

int main(int argc, char **argv)
{
	int i = t_init(argc, argv);
	const char *mode = i < argc ? argv[i] : "";
	long n = t_arg(argc, argv, i + 1, 400);

	if (!strcmp(mode, "exit")) {
		run_threads(n, exiter);
		normal_calls(100);
	} else if (!strcmp(mode, "longjmp")) {
		long before = t_rss();

		if (!setjmp(landing))
			jumper();
		/* Landed: nothing below faults a page before t_keep(). */
		t_say("rss_before %ld", before);
		t_say("rss_after %ld", t_rss());
		t_keep(8 << 20);
		t_say("rss_more %ld", t_rss());
	} else if (!strcmp(mode, "many")) {
		pthread_barrier_init(&all_in, NULL, n);
		run_threads(n, holder);
		normal_calls(10);
	} else {
		fprintf(stderr, "usage: leave [--wait] [--log F] exit|longjmp|many [N]\n");
		return 2;
	}
	t_say("done");
	return 0;
}
