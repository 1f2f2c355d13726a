// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * threads [--wait|--wait-file F] [--log F] [N]: the main thread calls
 * thread_work() N times (default 1). thread_work allocates and touches 8 MiB,
 * asks helper thread B (which runs no traced function) to allocate and touch
 * 32 MiB, waits until B is done, then allocates and touches 8 MiB more.
 * Process growth per call: 48 MiB; caused by the calling thread: 16 MiB.
 * Reports per call "rss_before", "rss_after" (around thread_work) and
 * "b_before", "b_after" (around B's work, while the caller is blocked), so
 * thread truth = (rss_after - rss_before) - (b_after - b_before).
 * idle_work() is never called: a traced function with no calls.
 */
#include <pthread.h>
#include "target.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int b_requests, b_done;
static long b_before, b_after;

static void *thread_b(void *arg __attribute__((unused)))
{
	/* Warm up B's malloc arena, stack and measuring path before any traced call. */
	free(malloc(64));
	(void)t_rss();
	pthread_mutex_lock(&mu);
	for (int served = 0;; served++) {
		while (b_requests == served)
			pthread_cond_wait(&cv, &mu);
		pthread_mutex_unlock(&mu);
		b_before = t_rss();
		t_keep(32UL << 20);
		b_after = t_rss();
		pthread_mutex_lock(&mu);
		b_done++;
		pthread_cond_broadcast(&cv);
	}
	return NULL;
}

TRACED int idle_work(void)
{
	return 0;
}

TRACED int thread_work(void)
{
	int want;

	t_keep(8UL << 20);
	pthread_mutex_lock(&mu);
	want = ++b_requests;
	pthread_cond_broadcast(&cv);
	while (b_done < want)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	t_keep(8UL << 20);
	return 0;
}

int main(int argc, char **argv)
{
	int i = t_init(argc, argv);
	long n = t_arg(argc, argv, i, 1);
	pthread_t tb;

	if (pthread_create(&tb, NULL, thread_b, NULL))
		return 99;
	free(malloc(64));
	t_sleep_ms(20); /* let B finish its warm-up before the first window */
	for (long k = 0; k < n; k++) {
		if (k)
			t_sleep_ms(50);
		T_MEASURED(thread_work());
		t_say("b_before %ld", b_before);
		t_say("b_after %ld", b_after);
	}
	t_say("done");
	return 0;
}
