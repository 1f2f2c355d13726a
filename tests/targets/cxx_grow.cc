// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * cxx_grow [--wait|--wait-file F] [--log F] MIB...: C++ (mangled names,
 * exceptions linked in): ns::Grower::grow(MIB) keeps MIB MiB per call, and
 * reports its RSS around each call like grow. A first call of may_throw()
 * throws through a non-traced frame, so the test can show the guard is about
 * the traced functions only.
 */
#include <stdexcept>
#include "target.h"

namespace ns {
struct Grower {
	char *kept[256];
	unsigned n = 0;

	TRACED int grow(int mib)
	{
		size_t len = (size_t)mib << 20;
		char *p = new char[len];

		t_touch(p, len);
		kept[n++ % 256] = p;
		return 0;
	}
};
} // namespace ns

TRACED static void may_throw(int i)
{
	if (i == 0)
		throw std::runtime_error("first call throws");
}

int main(int argc, char **argv)
{
	ns::Grower g;
	int i = t_init(argc, argv);

	try {
		may_throw(0);
	} catch (const std::exception &) {
		t_say("caught");
	}
	for (int first = i; i < argc; i++) {
		if (i > first)
			t_sleep_ms(50);
		T_MEASURED(g.grow(atoi(argv[i])));
	}
	t_say("done");
	return 0;
}
