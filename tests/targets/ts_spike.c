// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ts_spike [--wait|--wait-file F] [--log F] [MIB] [HOLD_MS]: once told to go,
 * calls ts_spike_map(MIB) (default 200), which maps MIB MiB of anonymous
 * memory, touches every page and unmaps it, all as fast as it can: a spike
 * that lasts a fraction of a second. Then reports its own "hwm B" (VmHWM from
 * /proc/self/status: the largest RSS the process ever had, bytes), "rss B"
 * (its RSS now) and "spike FROM TO" (wall-clock times, CLOCK_REALTIME
 * seconds, just before and just after the call), stays for HOLD_MS (default
 * 1500) and exits.
 */
#include <sys/mman.h>
#include "target.h"

/* One "Key:   N kB" field of /proc/self/status in bytes; no malloc, no stdio. */
static long t_status_kb(const char *key)
{
	static char buf[8192];
	ssize_t n, len = 0;
	const char *p;
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		perror("ts_spike: /proc/self/status");
		exit(99);
	}
	while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += n;
	close(fd);
	buf[len] = '\0';
	p = strstr(buf, key);
	if (!p) {
		fprintf(stderr, "ts_spike: no %s in /proc/self/status\n", key);
		exit(99);
	}
	return strtol(p + strlen(key), NULL, 10) * 1024;
}

TRACED int ts_spike_map(long mib)
{
	size_t len = (size_t)mib << 20;
	long page = sysconf(_SC_PAGESIZE);
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -1;
	for (size_t off = 0; off < len; off += page)
		p[off] = 1;
	munmap(p, len);
	return 0;
}

int main(int argc, char **argv)
{
	int i = t_init(argc, argv);
	long mib = t_arg(argc, argv, i, 200);
	long hold = t_arg(argc, argv, i + 1, 1500);
	struct timespec a, b;

	(void)t_status_kb("VmHWM:");
	clock_gettime(CLOCK_REALTIME, &a);
	if (ts_spike_map(mib)) {
		perror("ts_spike: mmap");
		return 99;
	}
	clock_gettime(CLOCK_REALTIME, &b);
	t_say("hwm %ld", t_status_kb("VmHWM:"));
	t_say("rss %ld", t_rss());
	t_say("spike %ld.%06ld %ld.%06ld", (long)a.tv_sec, a.tv_nsec / 1000, (long)b.tv_sec, b.tv_nsec / 1000);
	t_sleep_ms(hold);
	t_say("done");
	return 0;
}
