// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * forker [--wait|--wait-file F] [--log F] MIB...: the first MIB is the
 * parent's own grow_mib() call; each further MIB is one forked child's, the
 * children one after another (each waits for the previous to exit). Every
 * call is measured by the process that makes it, as "pid P rss_before B" and
 * "pid P rss_after A" lines: A - B is that process's ground truth.
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

int main(int argc, char **argv)
{
	int i = t_init(argc, argv), first = i, status;

	if (i >= argc)
		return 2;
	measured_call(atoi(argv[i]));
	for (i = first + 1; i < argc; i++) {
		pid_t child = fork();

		if (child < 0)
			return 3;
		if (child == 0) {
			/* The child's first faults (its stack, the COW'd log buffer) before the call. */
			(void)t_rss();
			t_sleep_ms(20);
			measured_call(atoi(argv[i]));
			_exit(0);
		}
		if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status))
			return 4;
	}
	t_say("done");
	return 0;
}
