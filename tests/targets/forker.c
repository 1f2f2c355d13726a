// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * forker [--fork-first N] [--linger MS] [--wait|--wait-file F] [--log F] MIB...: the first
 * MIB is the parent's own grow_mib() call; each further MIB is one forked
 * child's, the children one after another (each waits for the previous to
 * exit). Every call is measured by the process that makes it, as "pid P
 * rss_before B" and "pid P rss_after A" lines: A - B is that process's ground
 * truth.
 *
 * --linger MS: each child stays MS after its call, then says "pid P
 * rss_end E" (its RSS then, its logging's faults included) and exits: a
 * sampler meets it grown.
 *
 * --fork-first N: the first N children are forked before anything else, and
 * each waits for the go signal like the parent ("ready PID" from each, in no
 * set order): a tracer that starts meanwhile meets them running. After the
 * go they make their calls beside the parent's, then come the others.
 */
#include <sys/wait.h>
#include "target.h"

TRACED int grow_mib(int mib)
{
	t_keep((size_t)mib << 20);
	return 0;
}

static void measured_call(int mib)
{
	long before = t_rss(), after;

	grow_mib(mib);
	after = t_rss();
	t_say("pid %d rss_before %ld", (int)getpid(), before);
	t_say("pid %d rss_after %ld", (int)getpid(), after);
}

/* A child's end: with --linger MS, it stays, then says its RSS. */
static void linger_exit(int ms)
{
	if (ms) {
		t_sleep_ms(ms);
		t_say("pid %d rss_end %ld", (int)getpid(), t_rss());
	}
	_exit(0);
}

/* The n children forked before t_init: each's index (0..n-1) in itself, -1 in the parent. */
static int fork_first(int n, pid_t *kids)
{
	for (int k = 0; k < n; k++) {
		kids[k] = fork();
		if (kids[k] < 0)
			exit(3);
		if (kids[k] == 0)
			return k;
	}
	return -1;
}

int main(int argc, char **argv)
{
	pid_t kids[16];
	int nfirst = 0, linger = 0, me, i, first, status;

	while (argc > 2 && (!strcmp(argv[1], "--fork-first") || !strcmp(argv[1], "--linger"))) {
		if (!strcmp(argv[1], "--linger"))
			linger = atoi(argv[2]);
		else
			nfirst = atoi(argv[2]);
		if (nfirst < 0 || nfirst > 16 || linger < 0)
			return 2;
		/* t_init parses from argv[1]: the program name stays first. */
		argv[2] = argv[0];
		argv += 2;
		argc -= 2;
	}
	me = fork_first(nfirst, kids);
	i = t_init(argc, argv);
	first = i;
	if (first + nfirst >= argc)
		return 2;
	if (me >= 0) {
		measured_call(atoi(argv[first + 1 + me]));
		linger_exit(linger);
	}
	measured_call(atoi(argv[first]));
	for (int k = 0; k < nfirst; k++)
		if (waitpid(kids[k], &status, 0) != kids[k] || !WIFEXITED(status) || WEXITSTATUS(status))
			return 4;
	for (i = first + 1 + nfirst; i < argc; i++) {
		pid_t child = fork();

		if (child < 0)
			return 3;
		if (child == 0) {
			/* The child's first faults (its stack, the COW'd log buffer) before the call. */
			(void)t_rss();
			t_sleep_ms(20);
			measured_call(atoi(argv[i]));
			linger_exit(linger);
		}
		if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status))
			return 4;
	}
	t_done(); /* with --hold-file, the parent stays once its children have ended */
	return 0;
}
