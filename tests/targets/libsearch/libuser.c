// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libuser [--log F] MIB...: says "lib_scale S" for the libmtgrow.so that
 * ld.so loaded, then calls its mt_lib_grow(MIB) once per argument with
 * rss_before/rss_after around each call, as grow does. Linked three ways
 * (tests/targets.mk): DT_RUNPATH, DT_RPATH, or no path at all.
 */
#include "../target.h"

int mt_lib_scale(void);
int mt_lib_grow(int mib);

int main(int argc, char **argv)
{
	int i = t_init(argc, argv);

	t_say("lib_scale %d", mt_lib_scale());
	for (int first = i; i < argc; i++) {
		long before, after;

		if (i > first)
			t_sleep_ms(50);
		before = t_rss();
		mt_lib_grow(atoi(argv[i]));
		after = t_rss();
		t_say("rss_before %ld", before);
		t_say("rss_after %ld", after);
	}
	t_say("done");
	return 0;
}
