// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Separate debug files by build id: the local build-id trees, then
 * debuginfod (libdebuginfod, the client gdb and perf use too).
 */
#include <dlfcn.h>
#include <elfutils/debuginfod.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "array.h"
#include "debuginfo.h"
#include "log.h"

/* libdebuginfod's own limit (MAX_BUILD_ID_BYTES in its client). */
#define BUILD_ID_MAX 64
/* A download that lasts longer than this gets a line saying what memtrace waits for. */
#define ANNOUNCE_NS 500000000LL

/*
 * What memtrace gives libdebuginfod unless the user chose: it drops a
 * server that sends less than 100 KB/s for DEBUGINFOD_TIMEOUT seconds (90
 * by default) and then tries it twice more, while memtrace waits and its
 * target runs untraced. Ctrl-C stops a download either way (on_progress()).
 */
static const struct {
	const char *name, *value;
} env_defaults[] = {
	{ "DEBUGINFOD_TIMEOUT", "10" },
	{ "DEBUGINFOD_RETRY_LIMIT", "0" },
};
#define NDEFAULTS (sizeof(env_defaults) / sizeof(env_defaults[0]))

/* libdebuginfod's entry points, from dlopen (load_lib()). */
static struct {
	debuginfod_client *(*begin)(void);
	int (*find_debuginfo)(debuginfod_client *c, const unsigned char *id, int len, char **path);
	void (*set_progressfn)(debuginfod_client *c, debuginfod_progressfn_t fn);
	void (*end)(debuginfod_client *c);
} lib;

/* The one debuginfod client of the run and the download in progress. */
static struct {
	debuginfod_client *client;
	bool off;                          /* no more queries this run (reason told with -v) */
	const volatile sig_atomic_t *stop; /* memtrace's stop signal */
	const char *what;                  /* the object being fetched */
	struct timespec since;
	bool announced;
	char **missed;                     /* build ids asked for in vain: not asked again */
	size_t nmissed, missed_cap;
} dl;

void mt_debuginfo_set_stop(const volatile sig_atomic_t *stop)
{
	dl.stop = stop;
}

static bool stopping(void)
{
	return dl.stop && *dl.stop;
}

static bool urls_set(void)
{
	const char *urls = getenv("DEBUGINFOD_URLS");

	return urls && *urls;
}

const char *mt_debuginfo_advice(void)
{
	return urls_set() ? "install its debug symbols (the -dbgsym package); DEBUGINFOD_URLS gave none (memtrace -v says why)"
			  : "install its debug symbols (the -dbgsym package) or set DEBUGINFOD_URLS";
}

/* Offers one candidate to take(); true if kept. */
static bool offer(int fd, const char *from, const char *what, mt_debuginfo_take take, void *arg)
{
	const char *why = take(fd, arg);

	if (!why)
		return true;
	mt_info(1, "debug file %s for %s ignored: %s", from, what, why);
	close(fd);
	return false;
}

/* ROOT/usr/lib/debug/.build-id/xx/rest.debug, where the -dbgsym packages put it. */
static bool find_local(const char *root, const char *hex, const char *what,
		       mt_debuginfo_take take, void *arg)
{
	bool kept = false;
	char *path;
	int fd;

	if (asprintf(&path, "%s/usr/lib/debug/.build-id/%.2s/%s.debug", root, hex, hex + 2) < 0)
		return false;
	/* O_NONBLOCK: a FIFO planted there must not hang us; take() wants a regular file. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd >= 0)
		kept = offer(fd, path, what, take, arg);
	free(path);
	return kept;
}

static long long ns_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t0->tv_sec) * 1000000000LL + (now.tv_nsec - t0->tv_nsec);
}

/* libdebuginfod calls this about once a second while it works; non-zero cancels. */
static int on_progress(debuginfod_client *c, long done, long total)
{
	if (stopping())
		return 1;
	if (!dl.announced && ns_since(&dl.since) > ANNOUNCE_NS) {
		dl.announced = true;
		mt_info(0, "fetching debug info for %s from debuginfod...", dl.what);
	}
	return 0;
}

static void end_client(void)
{
	lib.end(dl.client);
	dl.client = NULL;
	for (size_t i = 0; i < dl.nmissed; i++)
		free(dl.missed[i]);
	free(dl.missed);
}

/* An object opened twice in a run (resolution, then stacks) costs one query, one -v line. */
static bool missed_before(const char *hex)
{
	for (size_t i = 0; i < dl.nmissed; i++) {
		if (!strcmp(dl.missed[i], hex))
			return true;
	}
	return false;
}

static void add_missed(const char *hex)
{
	char *copy = strdup(hex);

	if (copy && !mt_grow(&dl.missed, &dl.missed_cap, dl.nmissed + 1, sizeof(*dl.missed)))
		dl.missed[dl.nmissed++] = copy;
	else
		free(copy);
}

/*
 * Loaded, like libdw loads it, only when a stripped object meets
 * DEBUGINFOD_URLS: linked in, libdebuginfod and what it needs (libcurl, TLS,
 * Kerberos: some 30 objects) would be mapped into every run. Never unloaded:
 * libcurl keeps global state.
 */
static bool load_lib(void)
{
	void *h = dlopen(DEBUGINFOD_SONAME, RTLD_NOW | RTLD_LOCAL);

	if (!h) {
		mt_info(1, "debuginfod: cannot load %s: %s", DEBUGINFOD_SONAME, dlerror());
		return false;
	}
	lib.begin = dlsym(h, "debuginfod_begin");
	lib.find_debuginfo = dlsym(h, "debuginfod_find_debuginfo");
	lib.set_progressfn = dlsym(h, "debuginfod_set_progressfn");
	lib.end = dlsym(h, "debuginfod_end");
	if (lib.begin && lib.find_debuginfo && lib.set_progressfn && lib.end)
		return true;
	mt_info(1, "debuginfod: %s lacks the client functions", DEBUGINFOD_SONAME);
	return false;
}

/* Created on the first query. */
static debuginfod_client *client(void)
{
	if (dl.client || dl.off)
		return dl.client;
	dl.off = true; /* until it works */
	if (!load_lib())
		return NULL;
	dl.client = lib.begin();
	if (!dl.client) {
		mt_info(1, "debuginfod: cannot start a client: %s", strerror(errno));
		return NULL;
	}
	lib.set_progressfn(dl.client, on_progress);
	atexit(end_client);
	dl.off = false;
	return dl.client;
}

static int hex_to_bytes(const char *hex, unsigned char *out, size_t max)
{
	size_t n = strlen(hex) / 2, i;

	if (strlen(hex) % 2 || n == 0 || n > max)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (sscanf(hex + 2 * i, "%2hhx", &out[i]) != 1)
			return -EINVAL;
	}
	return (int)n;
}

/*
 * One query: an fd of the file in libdebuginfod's cache (its path in *path)
 * or negative errno. The cache is libdebuginfod's own, $DEBUGINFOD_CACHE_PATH
 * or ~/.cache/debuginfod_client: a file fetched once is not fetched again.
 */
static int query(const unsigned char *id, int len, const char *what, char **path)
{
	bool set[NDEFAULTS];
	size_t i;
	int fd;

	/* Set for this call only: a command memtrace starts must see the user's environment. */
	for (i = 0; i < NDEFAULTS; i++)
		set[i] = !getenv(env_defaults[i].name) && !setenv(env_defaults[i].name, env_defaults[i].value, 0);

	dl.what = what;
	dl.announced = false;
	clock_gettime(CLOCK_MONOTONIC, &dl.since);
	fd = lib.find_debuginfo(dl.client, id, len, path);
	for (i = 0; i < NDEFAULTS; i++) {
		if (set[i])
			unsetenv(env_defaults[i].name);
	}
	dl.what = NULL;
	return fd;
}

/*
 * libdebuginfod's cache, chosen as it chooses: $DEBUGINFOD_CACHE_PATH, else
 * ~/.debuginfod_client_cache if it exists, else debuginfod_client in
 * $XDG_CACHE_HOME or ~/.cache.
 */
static char *cache_dir(void)
{
	const char *env = getenv("DEBUGINFOD_CACHE_PATH"), *home = getenv("HOME");
	const char *xdg = getenv("XDG_CACHE_HOME");
	char *dir = NULL;
	struct stat st;

	if (env && *env)
		return strdup(env);
	if (asprintf(&dir, "%s/.debuginfod_client_cache", home ? home : "/") < 0)
		return NULL;
	if (!stat(dir, &st))
		return dir;
	free(dir);
	if (xdg && *xdg)
		return asprintf(&dir, "%s/debuginfod_client", xdg) < 0 ? NULL : dir;
	return asprintf(&dir, "%s/.cache/debuginfod_client", home ? home : "/") < 0 ? NULL : dir;
}

/*
 * A query cancelled by Ctrl-C leaves libdebuginfod's mark of a file the
 * servers do not have (an empty file in its cache), which would keep the
 * next runs from asking for ten minutes: it goes.
 */
static void forget_cancelled(const char *hex)
{
	char *dir = cache_dir(), *mark;
	struct stat st;
	int n = dir ? asprintf(&mark, "%s/%s/debuginfo", dir, hex) : -1;

	free(dir);
	if (n < 0)
		return;
	if (!lstat(mark, &st) && S_ISREG(st.st_mode) && st.st_size == 0)
		unlink(mark);
	free(mark);
}

/*
 * A debuginfod server is a peer on the network: what it sends is offered to
 * take(), which checks it is an ELF file with this build id and a .symtab.
 * That refuses a broken or confused server's answer; against one that lies
 * it proves nothing (anyone can write that build id into a file): the
 * servers in DEBUGINFOD_URLS are ones the user trusts, as for gdb.
 */
static bool find_remote(const char *hex, const char *what, mt_debuginfo_take take, void *arg)
{
	unsigned char id[BUILD_ID_MAX];
	char *path = NULL, *from = NULL;
	bool kept;
	int len = hex_to_bytes(hex, id, sizeof(id)), fd;

	if (len < 0 || !urls_set() || dl.off || missed_before(hex) || !client())
		return false;
	fd = query(id, len, what, &path);
	if (fd < 0) {
		if (stopping()) {
			forget_cancelled(hex);
			mt_info(1, "debuginfod: fetching debug info for %s interrupted", what);
		} else if (fd == -ENOENT)
			mt_info(1, "debuginfod has no debug info for %s (build id %s)", what, hex);
		else
			mt_info(1, "debuginfod: %s for %s; no more queries in this run",
				fd == -ETIME ? "no answer within DEBUGINFOD_TIMEOUT" : strerror(-fd), what);
		/* A server down or too slow fails the same way for the next object. */
		dl.off = stopping() || fd != -ENOENT;
		add_missed(hex);
		free(path);
		return false;
	}
	if (asprintf(&from, "%s from debuginfod", path ? path : "(no path)") < 0)
		from = NULL;
	kept = offer(fd, from ? from : "from debuginfod", what, take, arg);
	/* Out of the cache with it, or every later run would take the bad file from there. */
	if (!kept && path)
		unlink(path);
	if (!kept)
		add_missed(hex);
	free(from);
	free(path);
	return kept;
}

bool mt_debuginfo_find(const char *build_id, const char *root, const char *what,
		       mt_debuginfo_take take, void *arg)
{
	if (!build_id || strlen(build_id) < 3 || strspn(build_id, "0123456789abcdef") != strlen(build_id)) {
		mt_info(1, "%s is stripped and has no build id to find its debug file by", what);
		return false;
	}
	if ((root && find_local(root, build_id, what, take, arg)) ||
	    find_local("", build_id, what, take, arg) || find_remote(build_id, what, take, arg))
		return true;
	if (!urls_set())
		mt_info(1, "%s is stripped: no debug file in /usr/lib/debug/.build-id/ for build id %s, and DEBUGINFOD_URLS is not set",
			what, build_id);
	return false;
}
