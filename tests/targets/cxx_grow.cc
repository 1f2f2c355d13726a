// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * cxx_grow [--wait|--wait-file F] [--log F] [--words] MIB...: C++ (mangled
 * names, exceptions linked in): ns::Grower::grow(MIB) keeps MIB MiB per
 * call, and reports its RSS around each call like grow. A first call of
 * may_throw() throws through a non-traced frame, so the test can show the
 * guard is about the traced functions only. --words: load_words(MIB) instead,
 * a function returning std::string, which g++ names with an ABI tag
 * (load_words[abi:cxx11](int)); the caller keeps the strings.
 */
#include <stdexcept>
#include <string>
#include <vector>
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

TRACED std::string load_words(int mib)
{
	return std::string((size_t)mib << 20, 'w');
}

TRACED static void may_throw(int i)
{
	if (i == 0)
		throw std::runtime_error("first call throws");
}

int main(int argc, char **argv)
{
	ns::Grower g;
	std::vector<std::string> words;
	int i = t_init(argc, argv);
	bool load = i < argc && !strcmp(argv[i], "--words");

	try {
		may_throw(0);
	} catch (const std::exception &) {
		t_say("caught");
	}
	words.reserve(argc);
	i += load;
	for (int first = i; i < argc; i++) {
		if (i > first)
			t_sleep_ms(50);
		if (load)
			T_MEASURED(words.push_back(load_words(atoi(argv[i]))));
		else
			T_MEASURED(g.grow(atoi(argv[i])));
	}
	t_say("done");
	return 0;
}
