// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * churn [--log F] N PAR MIB [LINGER_MS]: processes that come and go, as on a host a
 * long-running memtrace watches. N children, PAR at a time, each a fork
 * that execs this program again ("churn --child MIB"): it calls
 * grow_mib(MIB) (every 100th child, the first included, 4 * MIB), says
 * "pid P rss_before B" and "pid P rss_after A" as tests/targets/forker.c
 * does, stays LINGER_MS (default 30: a sampler meets it alive, with its own
 * maps) and exits. The parent waits for them all and says "done".
 */
#include <sys/wait.h>
#include "target.h"

TRACED int grow_mib(int mib)
{
	t_keep((size_t)mib << 20);
	return 0;
}

static int child(int mib, int linger)
{
	long before = t_rss(), after;

	grow_mib(mib);
	after = t_rss();
	t_say("pid %d rss_before %ld", (int)getpid(), before);
	t_say("pid %d rss_after %ld", (int)getpid(), after);
	t_sleep_ms(linger);
	return 0;
}

/* This program's path: exec'd by it, the children's comm is "churn" (by /proc/self/exe, "exe"). */
static char self[4096];

/* Forks child number k, which execs this program: a process with maps of its own. */
static pid_t start_child(const char *log, int k, int mib, const char *linger)
{
	char arg[32];
	pid_t pid;

	snprintf(arg, sizeof(arg), "%d", k % 100 ? mib : 4 * mib);
	pid = fork();
	if (pid == 0) {
		if (log)
			execl(self, "churn", "--log", log, "--child", arg, linger, (char *)NULL);
		else
			execl(self, "churn", "--child", arg, linger, (char *)NULL);
		_exit(5);
	}
	return pid;
}

int main(int argc, char **argv)
{
	const char *log = NULL, *linger;
	int i, n, par, mib, running = 0, status, failed = 0;

	for (i = 1; i + 1 < argc; i++)
		if (!strcmp(argv[i], "--log"))
			log = argv[i + 1];
	i = t_init(argc, argv);
	if (i + 2 < argc && !strcmp(argv[i], "--child"))
		return child(atoi(argv[i + 1]), atoi(argv[i + 2]));
	if (i + 3 > argc)
		return 2;
	linger = i + 3 < argc ? argv[i + 3] : "30";
	n = atoi(argv[i]);
	par = atoi(argv[i + 1]);
	mib = atoi(argv[i + 2]);
	if (n < 0 || par < 1 || mib < 1 || readlink("/proc/self/exe", self, sizeof(self) - 1) < 0)
		return 2;
	for (int k = 0; k < n || running; ) {
		if (k < n && running < par) {
			if (start_child(log, k++, mib, linger) < 0)
				return 3;
			running++;
			continue;
		}
		if (wait(&status) < 0)
			return 4;
		running--;
		failed |= !WIFEXITED(status) || WEXITSTATUS(status);
	}
	t_say("done");
	return failed ? 4 : 0;
}
