/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Shared by the native bench workloads. The protocol (same in the Python
 * workloads, see seed.py):
 *   BENCH_REPORT=FILE  report lines ("elapsed_s X", "vmhwm_kb N", ...) go to
 *                      FILE, never to stdout, which a wrapper may own
 *   BENCH_WAIT=1       print "ready PID" on stdout and block reading a line on
 *                      stdin before the measured section (attach-mode
 *                      contenders attach meanwhile); after it print "done" and
 *                      block again, so the driver can read the tracer's state
 * The measured section is timed by the workload itself (wall and process CPU
 * time): start-up, imports and attach are excluded.
 */
#ifndef BENCH_H
#define BENCH_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Traced functions stay real, separately called symbols at -O2. */
#ifdef __clang__
#define TRACED __attribute__((noinline, used))
#else
#define TRACED __attribute__((noipa, used))
#endif

static FILE *b_report;
static int b_wait;
static double b_t0, b_c0;

static double b_clock(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double b_now(void)
{
	return b_clock(CLOCK_MONOTONIC);
}

__attribute__((format(printf, 1, 2))) static void b_say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(b_report, fmt, ap);
	va_end(ap);
	fputc('\n', b_report);
	fflush(b_report);
}

static void b_handshake(const char *word)
{
	char line[64];

	printf("%s %d\n", word, (int)getpid());
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		exit(98);
}

static long b_status_kb(const char *key)
{
	char line[256];
	long kb = -1;
	size_t n = strlen(key);
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n))
			kb = strtol(line + n, NULL, 10);
	fclose(f);
	return kb;
}

/* Reads the environment and, with BENCH_WAIT=1, waits for the go line. */
static void b_ready(void)
{
	const char *path = getenv("BENCH_REPORT");

	b_report = stderr;
	if (path && *path && !(b_report = fopen(path, "a"))) {
		perror(path);
		exit(99);
	}
	b_wait = getenv("BENCH_WAIT") && !strcmp(getenv("BENCH_WAIT"), "1");
	if (b_wait)
		b_handshake("ready");
}

/* The measured section starts here. */
static void b_start(void)
{
	b_c0 = b_clock(CLOCK_PROCESS_CPUTIME_ID);
	b_t0 = b_now();
}

static __attribute__((unused)) void b_begin(void)
{
	b_ready();
	b_start();
}

static void b_end(void)
{
	double dt = b_now() - b_t0;
	/*
	 * CPU time too: on a shared machine other jobs stretch the wall time,
	 * while the target's CPU time (user + kernel, probe handling included)
	 * only grows with its own work.
	 */
	double dc = b_clock(CLOCK_PROCESS_CPUTIME_ID) - b_c0;

	b_say("elapsed_s %.6f", dt);
	b_say("cpu_s %.6f", dc);
	b_say("vmhwm_kb %ld", b_status_kb("VmHWM:"));
	if (b_wait)
		b_handshake("done");
}

static long b_arg(int argc, char **argv, int i, long def)
{
	return i < argc ? strtol(argv[i], NULL, 0) : def;
}

#endif
