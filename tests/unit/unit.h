/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Minimal unit-test helpers: each tests/unit/test_*.c is one binary that
 * speaks TAP (so `prove .output/tests/test_json` reads it): one "ok N - ..." or
 * "not ok N - ..." line per check, the plan "1..N" last, and a non-zero exit
 * status on any failure (what tests/run.sh and `make check` go by).
 */
#ifndef MT_UNIT_H
#define MT_UNIT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>

static int unit_failed, unit_run;

#define CHECK(cond, ...)                                                        \
	do {                                                                    \
		unit_run++;                                                     \
		if (cond) {                                                     \
			printf("ok %d - ", unit_run);                           \
		} else {                                                        \
			unit_failed++;                                          \
			printf("not ok %d - %s:%d: ", unit_run, __FILE__, __LINE__); \
		}                                                               \
		printf(__VA_ARGS__);                                            \
		printf("\n");                                                   \
	} while (0)

#define CHECK_STR(got, want, what)                                              \
	do {                                                                    \
		const char *g_ = (got), *w_ = (want);                           \
		CHECK(g_ && w_ && strcmp(g_, w_) == 0, "%s: got \"%s\", want \"%s\"", \
		      what, g_ ? g_ : "(null)", w_ ? w_ : "(null)");             \
	} while (0)

#define CHECK_INT(got, want, what)                                              \
	do {                                                                    \
		long long g_ = (long long)(got), w_ = (long long)(want);       \
		CHECK(g_ == w_, "%s: got %lld, want %lld", what, g_, w_);       \
	} while (0)

static inline int unit_done(void)
{
	printf("# %d checks, %d failed\n", unit_run, unit_failed);
	printf("1..%d\n", unit_run);
	return unit_failed ? 1 : 0;
}

/*
 * A private directory for the test's files, $TMPDIR/mtunit-NAME.XXXXXX (in
 * /tmp without TMPDIR); exits 1 if it cannot be made. unit_finish removes it.
 */
static __attribute__((unused)) char *unit_tmpdir(const char *name)
{
	const char *base = getenv("TMPDIR");
	char *dir;

	if (asprintf(&dir, "%s/mtunit-%s.XXXXXX", base && *base ? base : "/tmp", name) < 0 ||
	    !mkdtemp(dir)) {
		perror("mkdtemp");
		exit(1);
	}
	return dir;
}

/*
 * Ends a test that used unit_tmpdir(): removes DIR with all in it, or keeps it
 * for a look when a check failed. Returns unit_done()'s exit status.
 */
static __attribute__((unused)) int unit_finish(char *dir)
{
	char *cmd;

	if (unit_failed) {
		printf("# files kept in %s\n", dir);
	} else if (asprintf(&cmd, "rm -rf '%s'", dir) < 0) {
		printf("# could not remove %s\n", dir);
	} else {
		if (system(cmd))
			printf("# could not remove %s\n", dir);
		free(cmd);
	}
	free(dir);
	return unit_done();
}

#endif
