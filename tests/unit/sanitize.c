// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Linked into every unit test (Makefile: SAN_FLAGS): the sanitizers' defaults
 * for these binaries, so a report fails the test however it is run, by
 * tests/run.sh or by hand, whatever ASAN_OPTIONS/UBSAN_OPTIONS say.
 */
const char *__asan_default_options(void);
const char *__ubsan_default_options(void);

const char *__asan_default_options(void)
{
	return "halt_on_error=1:abort_on_error=1:detect_leaks=1:strict_string_checks=1";
}

const char *__ubsan_default_options(void)
{
	return "halt_on_error=1:abort_on_error=1:print_stacktrace=1";
}
