// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * many [--wait|--wait-file F] [--log F] [ROUNDS [PAUSE_MS]]: a thousand small
 * functions, fn_000 .. fn_999, for globs and attach times
 * (tests/integ/multi_attach_*.sh, tools/bench/attach.py), and three that
 * grow, measured: grow_one, grow_two, grow_four keep 1, 2 and 4 MiB a call
 * (grow_one_again is an alias of grow_one: the same code, another name).
 *
 * ROUNDS times (default 1), PAUSE_MS apart (default 0): calls each fn_N
 * N % 5 + 1 times. Then grow_one, grow_two and grow_four once each, in that
 * order, each between "rss_before B" and "rss_after A" lines; then "done".
 */
#include "target.h"

/* Each returns its own number: distinct code, so the compiler folds none into another. */
#define FN(a, b, c) TRACED int fn_##a##b##c(int x) { return x + a * 100 + b * 10 + c; }
#define FN10(a, b) FN(a, b, 0) FN(a, b, 1) FN(a, b, 2) FN(a, b, 3) FN(a, b, 4) \
	FN(a, b, 5) FN(a, b, 6) FN(a, b, 7) FN(a, b, 8) FN(a, b, 9)
#define FN100(a) FN10(a, 0) FN10(a, 1) FN10(a, 2) FN10(a, 3) FN10(a, 4) \
	FN10(a, 5) FN10(a, 6) FN10(a, 7) FN10(a, 8) FN10(a, 9)
FN100(0) FN100(1) FN100(2) FN100(3) FN100(4) FN100(5) FN100(6) FN100(7) FN100(8) FN100(9)

#define PTR(a, b, c) fn_##a##b##c,
#define PTR10(a, b) PTR(a, b, 0) PTR(a, b, 1) PTR(a, b, 2) PTR(a, b, 3) PTR(a, b, 4) \
	PTR(a, b, 5) PTR(a, b, 6) PTR(a, b, 7) PTR(a, b, 8) PTR(a, b, 9)
#define PTR100(a) PTR10(a, 0) PTR10(a, 1) PTR10(a, 2) PTR10(a, 3) PTR10(a, 4) \
	PTR10(a, 5) PTR10(a, 6) PTR10(a, 7) PTR10(a, 8) PTR10(a, 9)
static int (*const fns[1000])(int) = {
	PTR100(0) PTR100(1) PTR100(2) PTR100(3) PTR100(4)
	PTR100(5) PTR100(6) PTR100(7) PTR100(8) PTR100(9)
};

TRACED int grow_one(int x)
{
	t_keep(1 << 20);
	return x;
}

int grow_one_again(int x) __attribute__((alias("grow_one")));

TRACED int grow_two(int x)
{
	t_keep(2 << 20);
	return x;
}

TRACED int grow_four(int x)
{
	t_keep(4 << 20);
	return x;
}

int main(int argc, char **argv)
{
	int i = t_init(argc, argv);
	long rounds = i < argc ? atol(argv[i]) : 1;
	long pause_ms = i + 1 < argc ? atol(argv[i + 1]) : 0;
	volatile int sink = 0;

	for (long r = 0; r < rounds; r++) {
		if (r && pause_ms)
			t_sleep_ms(pause_ms);
		for (int n = 0; n < 1000; n++)
			for (int k = 0; k <= n % 5; k++)
				sink += fns[n](k);
	}
	T_MEASURED(grow_one(1));
	T_MEASURED(grow_two(2));
	T_MEASURED(grow_four(4));
	t_say("done");
	return sink == 42;
}
