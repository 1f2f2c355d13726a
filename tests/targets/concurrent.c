// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * concurrent [--wait|--wait-file F] [--log F] [MIB1 MIB2]: two threads are
 * inside par_work() at the same time. Thread 1 allocates and touches MIB1 MiB
 * (default 8) while thread 2 waits, then thread 2 allocates MIB2 (default 24)
 * while thread 1 waits; both return together. Each call's process growth is
 * MIB1 + MIB2; each call's thread growth is its own share only.
 * Reports "own TID DELTA" per thread (measured while the other waits) and
 * "rss_before", "rss_after" around both calls (by the main thread).
 */
#include <pthread.h>
#include <sys/syscall.h>
#include "target.h"

static pthread_barrier_t start, inside, mid, end;
static long mib_of[2] = { 8, 24 };
static void *volatile kept[2];

struct own {
	long tid, delta;
};
static struct own own[2];

TRACED int par_work(int turn)
{
	size_t len = (size_t)mib_of[turn] << 20;
	long before;
	char *p;

	/* Both threads are in their calls before anything is allocated. */
	pthread_barrier_wait(&inside);
	/* Turn 0 allocates before the mid barrier, turn 1 after it. */
	if (turn == 1)
		pthread_barrier_wait(&mid);
	before = t_rss();
	p = malloc(len);
	if (!p)
		abort();
	t_touch(p, len);
	own[turn].delta = t_rss() - before;
	kept[turn] = p;
	if (turn == 0)
		pthread_barrier_wait(&mid);
	pthread_barrier_wait(&end);
	return 0;
}

static void *worker(void *arg)
{
	int turn = (int)(long)arg;

	own[turn].tid = syscall(SYS_gettid);
	/* Warm up this thread's malloc arena, stack and measuring path. */
	free(malloc(64));
	(void)t_rss();
	pthread_barrier_wait(&start);
	par_work(turn);
	return NULL;
}

int main(int argc, char **argv)
{
	int i = t_init(argc, argv);
	pthread_t th[2];
	long before, after;

	mib_of[0] = t_arg(argc, argv, i, 8);
	mib_of[1] = t_arg(argc, argv, i + 1, 24);
	pthread_barrier_init(&start, NULL, 3);
	pthread_barrier_init(&inside, NULL, 2);
	pthread_barrier_init(&mid, NULL, 2);
	pthread_barrier_init(&end, NULL, 3);
	for (long k = 0; k < 2; k++)
		if (pthread_create(&th[k], NULL, worker, (void *)k))
			return 99;
	t_sleep_ms(20); /* both workers warmed up and waiting at start */
	before = t_rss();
	pthread_barrier_wait(&start);
	pthread_barrier_wait(&end);
	after = t_rss();
	for (int k = 0; k < 2; k++)
		pthread_join(th[k], NULL);
	t_say("own %ld %ld", own[0].tid, own[0].delta);
	t_say("own %ld %ld", own[1].tid, own[1].delta);
	t_say("rss_before %ld", before);
	t_say("rss_after %ld", after);
	t_say("done");
	return 0;
}
