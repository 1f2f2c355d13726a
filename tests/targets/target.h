/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Shared by the integration-test targets: every target reports its own RSS
 * (RssAnon + RssFile + RssShmem from /proc/self/status, bytes) so the tests
 * can compare memtrace's numbers against the process's own view.
 *
 * Common options, before the target's own arguments:
 *   --wait            print "ready PID" and block until SIGUSR1 (attach-mode tests)
 *   --wait-file PATH  print "ready PID" and block until PATH exists
 *   --log FILE        write report lines to FILE instead of stdout (launch mode,
 *                     where stdout is memtrace's)
 *   --hold-file PATH  once its work is done (t_done), stay until PATH exists:
 *                     a process that outlives the samples of its growth
 * Without --wait*, "ready PID" is still printed before any work starts.
 */
#ifndef MT_TARGET_H
#define MT_TARGET_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

/*
 * Traced functions must survive -O2 as real, separately called functions with
 * their own .symtab entry: no inlining, no constprop/isra clones that callers
 * would use instead of the named symbol.
 */
#ifdef __clang__
#define TRACED __attribute__((noinline, used))
#else
#define TRACED __attribute__((noipa, used))
#endif

static FILE *t_log;
static const char *t_hold_file;

/*
 * Reads /proc/self/status into a static buffer with raw syscalls: no malloc,
 * no stdio, so measuring does not itself move the RSS it measures.
 */
static const char *t_status(void)
{
	static char buf[8192];
	ssize_t n, len = 0;
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		perror("target: /proc/self/status");
		exit(99);
	}
	while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += n;
	close(fd);
	buf[len] = '\0';
	return buf;
}

/* One "Key:   N kB" field of STATUS (t_status()), in bytes. */
static long t_status_bytes(const char *status, const char *key)
{
	const char *p = strstr(status, key);

	if (!p) {
		fprintf(stderr, "target: no %s in /proc/self/status\n", key);
		exit(99);
	}
	return strtol(p + strlen(key), NULL, 10) * 1024;
}

static long t_rss(void)
{
	const char *status = t_status();

	return t_status_bytes(status, "RssAnon:") + t_status_bytes(status, "RssFile:") +
	       t_status_bytes(status, "RssShmem:");
}

/* One report line, flushed at once so a test tailing the log sees it. */
__attribute__((format(printf, 1, 2))) static void t_say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(t_log, fmt, ap);
	va_end(ap);
	fputc('\n', t_log);
	fflush(t_log);
}

static void t_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Touches every page of [p, p+len) by writing, so each becomes resident. */
static __attribute__((unused)) void t_touch(void *p, size_t len)
{
	/* Non-zero: a zero memset after malloc may be folded into calloc, which touches nothing. */
	memset(p, 0x5a, len);
}

/* Wall-clock time (CLOCK_REALTIME), seconds: what a test compares with memtrace's ts_unix. */
static __attribute__((unused)) double t_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Mallocs LEN bytes, touches them and keeps them for the life of the process:
 * growth that stays. Thread-safe; exits 99 if malloc fails.
 */
/* The blocks are never freed; the ring only keeps the compiler from dropping them. */
static void *volatile t_kept[256];
static unsigned int t_nkept;

static __attribute__((unused)) void t_keep(size_t len)
{
	char *p = (char *)malloc(len);

	if (!p) {
		perror("target: malloc");
		exit(99);
	}
	t_touch(p, len);
	t_kept[__atomic_fetch_add(&t_nkept, 1, __ATOMIC_RELAXED) % 256] = p;
}

/*
 * Maps LEN bytes of anonymous memory and touches every page: the caller
 * munmap()s it for a peak that does not stay. Exits 99 if mmap fails.
 */
static __attribute__((unused)) char *t_map_touched(size_t len)
{
	long page = sysconf(_SC_PAGESIZE);
	char *p = (char *)mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("target: mmap");
		exit(99);
	}
	for (size_t off = 0; off < len; off += page)
		p[off] = 1;
	return p;
}

/*
 * Runs CALL between two readings of the RSS and reports them, "rss_before B"
 * then "rss_after A": A - B is the ground truth for the call's growth.
 * Evaluates to B.
 */
#define T_MEASURED(call)                                                        \
	({                                                                      \
		long t_before_ = t_rss(), t_after_;                             \
		call;                                                           \
		t_after_ = t_rss();                                             \
		t_say("rss_before %ld", t_before_);                             \
		t_say("rss_after %ld", t_after_);                               \
		t_before_;                                                      \
	})

/*
 * Parses the common options, prints "ready PID" and waits for the go signal
 * when asked. Returns the index of the first target-specific argument.
 * SIGUSR1 is blocked here, before any thread starts, so every thread inherits
 * the mask and only sigwait() receives it.
 */
static int t_init(int argc, char **argv)
{
	const char *wait_file = NULL, *log_path = NULL;
	int wait_sig = 0, i = 1;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);

	for (; i < argc; i++) {
		if (!strcmp(argv[i], "--wait")) {
			wait_sig = 1;
		} else if (!strcmp(argv[i], "--wait-file") && i + 1 < argc) {
			wait_file = argv[++i];
		} else if (!strcmp(argv[i], "--log") && i + 1 < argc) {
			log_path = argv[++i];
		} else if (!strcmp(argv[i], "--hold-file") && i + 1 < argc) {
			t_hold_file = argv[++i];
		} else {
			break;
		}
	}
	t_log = stdout;
	if (log_path) {
		t_log = fopen(log_path, "a");
		if (!t_log) {
			perror(log_path);
			exit(99);
		}
	}
	/*
	 * Warm up everything the measuring path uses (stdio buffer, t_rss's
	 * code and buffer) so it faults nothing later.
	 */
	(void)t_rss();
	t_say("ready %d", (int)getpid());
	if (wait_sig) {
		int sig;

		sigwait(&set, &sig);
	}
	if (wait_file) {
		while (access(wait_file, F_OK))
			t_sleep_ms(5);
	}
	t_say("go");
	(void)t_rss();
	return i;
}

/* Says "done" and, with --hold-file, stays until that file exists. */
static __attribute__((unused)) void t_done(void)
{
	t_say("done");
	while (t_hold_file && access(t_hold_file, F_OK))
		t_sleep_ms(5);
}

static __attribute__((unused)) long t_arg(int argc, char **argv, int i, long def)
{
	return i < argc ? strtol(argv[i], NULL, 0) : def;
}

#endif
