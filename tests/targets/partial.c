// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * partial [--log F] FILE MIB_BEFORE MIB_AFTER MIB_NEXT: a call in progress
 * when memtrace attaches. span() keeps MIB_BEFORE MiB, says "inside", waits
 * for FILE to exist (the test attaches meanwhile, then creates it), calls
 * itself once with MIB_AFTER (a nested call of a call that began before
 * tracing) and returns; then main calls span(MIB_NEXT) once, a complete
 * call. Reports "rss_inside" (RSS while waiting), "rss_return" (RSS after
 * the first span returned) and "rss_before"/"rss_after" around the second.
 */
#include "target.h"

static const char *wait_path;

TRACED int span(int mib, int outer)
{
	t_keep((size_t)mib << 20);
	if (!outer)
		return 0;
	t_say("rss_inside %ld", t_rss());
	while (access(wait_path, F_OK))
		t_sleep_ms(5);
	span(outer, 0);
	return 1;
}

int main(int argc, char **argv)
{
	int i = t_init(argc, argv);

	if (argc - i != 4) {
		fprintf(stderr, "usage: partial [--log F] FILE MIB_BEFORE MIB_AFTER MIB_NEXT\n");
		return 2;
	}
	wait_path = argv[i];
	span(atoi(argv[i + 1]), atoi(argv[i + 2]));
	t_say("rss_return %ld", t_rss());
	t_sleep_ms(50);
	T_MEASURED(span(atoi(argv[i + 3]), 0));
	t_say("done");
	return 0;
}
