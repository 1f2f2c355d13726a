// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * gofake [--log F] MIB...: grow with a .go.buildinfo section, which is how
 * memtrace recognises a Go program (whose stack copying a return probe
 * would break). memtrace must refuse it without running it.
 */
#include "target.h"

__attribute__((section(".go.buildinfo"), used)) static const char buildinfo[32] = "\xff Go buildinf:";

TRACED int grow_mib(int mib)
{
	t_keep((size_t)mib << 20);
	return 0;
}

int main(int argc, char **argv)
{
	int i = t_init(argc, argv);

	for (; i < argc; i++)
		grow_mib(atoi(argv[i]));
	t_say("done");
	return 0;
}
